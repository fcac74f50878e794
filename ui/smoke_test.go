package ui

import (
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

func TestSmoke(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	for _, sz := range [][2]int{{80, 24}, {200, 50}} {
		d := tn.model(t, sz[0], sz[1])
		d.dump()
		d.key("enter")
		d.dump()
		d.key("2")
		d.dump()
		d.key("enter")
		d.dump()
		d.key("3")
		d.dump()
		d.key("?")
		d.dump()
	}
}
