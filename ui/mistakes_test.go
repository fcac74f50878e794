package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/client/scimtest"
)

// A filter mistake is explained under the filter line, and the list keeps
// the last good result instead of showing nobody (or everybody).
func TestFilterMistakesInTheUI(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 80, 24)
	us := d.m.roots[tabUsers].(*usersScreen)
	d.key("/")
	d.typeText("status:inactive ")
	good := len(us.rows)
	if good == 0 || good == len(tn.snap.Users) {
		t.Fatalf("status:inactive lists %d users", good)
	}
	// Pasted: typed, its prefix "roel" would be a text term matching nobody.
	d.send(tea.PasteMsg{Content: "roel:admin"})
	d.contains("unknown key roel:", "did you mean role:?")
	if len(us.rows) != good {
		t.Fatalf("an unknown key changed the list from %d to %d rows", good, len(us.rows))
	}
	lines := strings.Split(d.screen(), "\n")
	if !strings.Contains(lines[1], "roel:admin") || !strings.Contains(lines[2], "unknown key") {
		t.Fatalf("the error is not under the filter line:\n%s", d.screen())
	}
	for range len("roel:admin") {
		d.key("backspace")
	}
	d.lacks("unknown key")

	role := tn.snap.Roles[0].Name
	typo := role[:len(role)-1] + "x" + role[len(role)-1:]
	d.send(tea.PasteMsg{Content: `role:"` + typo + `"`})
	d.contains("no role matches", "closest: "+role)
	if len(us.rows) != good {
		t.Fatalf("a role that matches nothing changed the list to %d rows", len(us.rows))
	}
	// An unfinished quote keeps the last result too, not all users.
	for range len(`role:""` + typo) {
		d.key("backspace")
	}
	d.send(tea.PasteMsg{Content: `org:"EMEA`})
	d.contains("unterminated quote")
	if len(us.rows) != good {
		t.Fatalf("an unfinished quote changed the list to %d rows", len(us.rows))
	}
	// The table still fills the frame with the error's lines taken.
	d.checkView()
}
