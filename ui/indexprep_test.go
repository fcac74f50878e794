package ui

import (
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// The filter index is built once the first frame is out (on the message
// Init's releaseMemory returns), not on the first keystroke: at 100k users
// building it is 20-40 ms, the slowest keystroke of a session.
func TestFilterIndexBuiltAfterFirstFrame(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	if d.m.index.Ready() {
		t.Fatal("the index was built before the first frame")
	}
	for _, msg := range d.run(d.m.Init()) {
		d.send(msg)
	}
	if !d.m.index.Ready() {
		t.Fatal("the index was not built after Init's commands ran")
	}
	d.key("/")
	d.typeText(tn.snap.Users[0].UserName)
	d.contains(tn.snap.Users[0].UserName)
}
