package ui

import (
	"context"

	"github.com/otaccess/otaccess/access"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// palette types a `:` line and presses enter.
func (d *driver) palette(line string) {
	d.t.Helper()
	d.key(":")
	d.typeText(line)
	d.key("enter")
}

func TestPaletteJumpsToAUser(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 80, 24)
	u := &tn.snap.Users[7]

	// An exact email opens the user.
	d.palette("user " + u.Email)
	if s, ok := d.m.top().(*detailScreen); !ok || s.userID != u.ID {
		t.Fatalf("`:user %s` did not open the user:\n%s", u.Email, d.screen())
	}

	// Several matches: the users list, filtered by the query.
	d.key("esc")
	d.palette("user status:inactive")
	if _, ok := d.m.top().(*usersScreen); !ok {
		t.Fatalf("not the users list:\n%s", d.screen())
	}
	d.contains("status:inactive", " of 300 users")

	// A typo opens the closest user and says so.
	typo := strings.Replace(u.Email, u.Email[:3], u.Email[:2], 1) // one letter less
	d.palette("user " + typo)
	if s, ok := d.m.top().(*detailScreen); !ok || s.userID != u.ID {
		t.Fatalf("`:user %s` did not open the closest user %s:\n%s", typo, u.Email, d.screen())
	}
	d.logShows("opened the closest")
}

func TestPaletteJumpsToRoleAndOrg(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 120, 30)
	role, org := tn.snap.Roles[3].Name, tn.snap.Orgs[4].Name
	d.palette("role " + strings.ToLower(role))
	d.palette("org " + org)
	s, ok := d.m.top().(*matrixScreen)
	if !ok {
		t.Fatalf("not the matrix:\n%s", d.screen())
	}
	r, o := s.cursorRoleOrg()
	if r != 3 || o != 4 {
		t.Fatalf("cursor on role %d org %d, want 3, 4", r, o)
	}
	d.contains(role + " — " + org)
}

func TestPaletteCompletesAndExplains(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	d.key(":")
	d.typeText("rol")
	d.key("tab")
	if v := d.m.dialogs[0].dialog.(*paletteDialog).input.Value(); v != "role " {
		t.Fatalf("tab completed %q, want %q", v, "role ")
	}
	d.typeText(strings.ToLower(tn.snap.Roles[2].Name[:4]))
	d.key("tab")
	if v := d.m.dialogs[0].dialog.(*paletteDialog).input.Value(); v != "role "+tn.snap.Roles[2].Name {
		t.Logf("(several roles share the prefix: %q)", v)
	}
	d.contains("→ the matrix at role")
	d.key("esc")

	// The prefix shared by several commands lists them.
	d.key(":")
	d.typeText("re")
	d.contains("review NAME", "reviews")
	d.key("esc")

	// An unknown command says so and suggests the closest.
	d.palette("usr ana")
	d.contains("unknown command :usr — did you mean :user?")
	if len(d.m.dialogs) != 0 {
		t.Fatal("the palette stays open after enter")
	}
}

func TestPaletteOpensAReviewAndTheChanges(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	for _, name := range []string{"Q3-2026", "Q4-2026"} {
		if _, err := tn.svc.StartReview(context.Background(), name, access.ReviewScope{}); err != nil {
			t.Fatal(err)
		}
	}
	d := tn.model(t, 100, 30)
	d.palette("review q4")
	s, ok := d.m.top().(*reviewScreen)
	if !ok || s.r.Name != "Q4-2026" {
		t.Fatalf("`:review q4` did not open Q4-2026:\n%s", d.screen())
	}
	d.key("esc")
	if _, ok := d.m.top().(*reviewListScreen); !ok {
		t.Fatalf("esc from the review is not the reviews list:\n%s", d.screen())
	}
	d.palette("review nothing-like-it")
	d.contains("no review matches nothing-like-it")

	d.palette("snapshot") // one sync in the cache: the changes screen says so, nothing to choose
	if _, ok := d.m.top().(*diffScreen); !ok {
		t.Fatalf("`:snapshot` is not the changes screen:\n%s", d.screen())
	}
	d.contains("no other snapshot to compare with")
	d.key("esc", "r")
	d.palette("snapshot") // two: the chooser is open on the changes screen
	d.contains("Compare with", "#1 ")
	d.key("enter")
	d.contains("Changes from snapshot #1")
}
