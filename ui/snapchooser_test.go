package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// d on the Changes screen picks an older stored snapshot as the baseline:
// the diff then spans every sync since, and a further sync keeps it.
func TestChangesAgainstAChosenSnapshot(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 80})
	d := tn.model(t, 100, 24)
	addUser := func(name string) {
		tn.srv.AddUser(client.User{UserName: name, Active: true, DisplayName: name,
			Emails: []client.MultiValue{{Value: name, Primary: true}}})
	}
	d.key("d")
	d.key("d") // only one snapshot: nothing to choose from
	d.contains("no other snapshot to compare with")
	d.key("esc")

	addUser("first.new@acme.test")
	d.key("r")
	addUser("second.new@acme.test")
	d.key("r")
	d.key("d") // the default baseline is the previous sync: one user added
	d.contains("Changes from the sync of", "Users added (1)", "second.new@acme.test")
	d.lacks("first.new@acme.test")

	d.key("d")
	d.contains("Compare with", "#1 ", "#2 ", "2 older snapshots")
	d.key("G", "enter") // the oldest: the first sync
	d.contains("Changes from snapshot #1", "Users added (2)", "first.new@acme.test", "second.new@acme.test")

	addUser("third.new@acme.test")
	d.key("r") // the chosen baseline stays; the current side moves
	d.contains("Changes from snapshot #1", "Users added (3)", "third.new@acme.test")

	d.key("d", "esc") // esc closes the chooser, not the screen
	d.contains("Changes from snapshot #1")
}

// Every frame of the chooser fits a small terminal (the driver checks).
func TestSnapshotChooserSmall(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 40, 10)
	for range 3 {
		d.key("r")
	}
	d.key("d", "d", "j", "j", "k", "enter")
	d.key("d", "esc", "esc")
}

// The Changes heading fits the width with both dates whole: the words give
// way first (it was cut mid-date at 80 columns).
func TestChangesHeadingFits(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 80, 24)
	d.key("r", "d")
	s, ok := d.m.top().(*diffScreen)
	if !ok {
		t.Fatalf("no changes screen:\n%s", d.screen())
	}
	from := s.d.From.FinishedAt.Local().Format("2006-01-02 15:04")
	to := s.d.To.FinishedAt.Local().Format("2006-01-02 15:04")
	d.contains("Changes from the sync of "+from, to)
	for _, w := range []int{200, 100, 80, 60, 40, 30, 20} {
		h := s.heading(w)
		if ansi.StringWidth(h) > w {
			t.Errorf("at %d: %q is wider", w, h)
		}
		if w >= 60 && (!strings.Contains(h, from) || !strings.Contains(h, to)) {
			t.Errorf("at %d: %q lacks a whole date", w, h)
		}
	}
	if h := s.heading(200); !strings.Contains(h, "to the current snapshot (synced "+to+")") {
		t.Errorf("at 200 columns the heading is shortened: %q", h)
	}
}
