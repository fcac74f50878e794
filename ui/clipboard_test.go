package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// TestCopySaysCopiedOnlyWhenTheTerminalConfirms: y sends the email, Y the
// id; the flash says "copied" only after the terminal's OSC 52 read-back
// returns the same text, and says so when the clipboard holds other text.
func TestCopySaysCopiedOnlyWhenTheTerminalConfirms(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 120, 30)
	ui := pick(t, tn.snap, func(u *tenant.User) bool { return u.Email != "" })
	usr := tn.snap.Users[ui]
	d.key("/")
	d.typeText(usr.Email)
	d.key("enter")

	d.key("y")
	d.contains("sent to the terminal's clipboard: " + usr.Email)
	d.lacks("copied")
	// A terminal that refuses reads answers empty: still not confirmed.
	d.send(tea.ClipboardMsg{Content: "", Selection: 'c'})
	d.contains("sent to the terminal's clipboard")
	d.lacks("copied")

	d.key("y")
	d.send(tea.ClipboardMsg{Content: usr.Email, Selection: 'c'})
	d.contains("✓ copied email " + usr.Email)

	d.key("Y")
	d.contains("sent to the terminal's clipboard: " + usr.ID)
	d.send(tea.ClipboardMsg{Content: "something the user had", Selection: 'c'})
	d.contains("✗ not copied", "select "+usr.ID+" by hand")
	d.lacks("something the user had") // the user's clipboard is never shown

	// A late answer with no copy pending changes nothing.
	d.send(tea.ClipboardMsg{Content: usr.ID, Selection: 'c'})
	d.contains("✗ not copied")
}

// TestCopyFromGroupsCopiesTheName: on Groups y copies the name, Y the id.
func TestCopyFromGroupsCopiesTheName(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 120, 30)
	d.key("3")
	gs := d.m.roots[tabGroups].(*groupsScreen)
	g := tn.snap.Groups[gs.rows[gs.tbl.cursor]]
	d.key("y")
	d.send(tea.ClipboardMsg{Content: g.DisplayName, Selection: 'c'})
	d.contains("✓ copied name")
	d.key("Y")
	d.contains("sent to the terminal's clipboard: " + g.ID)
}
