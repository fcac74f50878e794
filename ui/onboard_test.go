package ui

import (
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// The create and edit forms are huh forms, whose inputs blink their
// cursor on a timer that cannot be turned off and which move between
// fields through commands: they run as a whole program (teatest), and
// each step waits for what it needs on screen, never for time.

// focus moves the form to the field labelled name: tab, then the focus
// mark on that field.
func focus(t *testing.T, p *program, name string) {
	t.Helper()
	press(p, "tab")
	waitText(t, p, "┃ "+name)
}

// n on Users: the form checks as it is typed (an email that is no address,
// one the snapshot has), moves on only from a valid field, and the
// confirmation runs POST, grants and activation with ✓ per step; the new
// user is in the snapshot as the server has it.
func TestProgramCreateForm(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	taken := tn.snap.Users[3].Email
	other := tn.snap.Users[5]
	p := tn.program(t, 80, 24)
	waitText(t, p, "40 users")
	press(p, "n")
	waitText(t, p, "New user", "┃ email")
	p.tm.Type("jane")
	waitText(t, p, `"jane" is not an email address`)
	press(p, "tab") // refused: the email stays focused and says why
	p.tm.Type("@x")
	waitText(t, p, `the domain "x" has no dot`, "┃ email")
	for range len("jane@x") {
		press(p, "backspace")
	}
	p.tm.Type(strings.ToUpper(taken))
	waitText(t, p, "is taken")
	for range len(taken) {
		press(p, "backspace")
	}
	p.tm.Type("new.hire@example.com")
	waitText(t, p, "> new.hire@example.com", "given name is required")
	// Typed at once after tab, as a fast typist does: each lands in its field.
	press(p, "tab")
	p.tm.Type("New")
	press(p, "tab")
	p.tm.Type("Hire")
	press(p, "tab", "tab", "tab", "tab", "tab", "tab") // userType … externalId
	p.tm.Type(other.Email)
	waitText(t, p, "> New ", "> Hire ", "> "+other.Email, "ready")
	focus(t, p, "activate")
	press(p, "left", "enter") // activate: yes; submit
	waitText(t, p, "Create user", "POST /Users", "activate the user", "[ No ]")
	afterGrace(p)
	press(p, "y")
	waitText(t, p, "✓ activate the user", "created new.hire@example.com")
	sv, ok := tn.srv.UserByName("new.hire@example.com")
	if !ok || !sv.Active || len(sv.Groups) < len(other.Groups) {
		t.Fatalf("server %+v", sv)
	}
	final := quit(t, p)
	i, ok := final.snap.UserIndex(sv.ID)
	if !ok || !final.snap.Users[i].Active || len(final.snap.Users[i].Groups) != len(sv.Groups) {
		t.Fatalf("the snapshot lacks the new user as the server has it")
	}
}

// e on the user detail opens the form prefilled; the confirmation shows
// before → after; the edit reaches the server and the snapshot.
func TestProgramEditForm(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	u := tn.snap.Users[2]
	p := tn.program(t, 80, 24)
	waitText(t, p, "40 users")
	press(p, "/")
	p.tm.Type(u.Email)
	waitText(t, p, "1 of 40 users")
	press(p, "enter", "enter")
	waitText(t, p, "Roles × organizations")
	press(p, "e")
	waitText(t, p, "Edit "+u.Email, "> "+u.GivenName, "> "+u.FamilyName)
	focus(t, p, "family")
	press(p, "up", "down") // back and forth
	focus(t, p, "title")
	for range len([]rune(u.Title)) {
		press(p, "backspace")
	}
	p.tm.Type("Chief Tester")
	waitText(t, p, "> Chief Tester")
	for _, f := range []string{"department", "manager", "externalId", "userType"} {
		focus(t, p, f)
	}
	press(p, "enter")
	waitText(t, p, "before → after", "→ Chief Tester", "PATCH /Users/")
	afterGrace(p)
	press(p, "y")
	// The step's ✓ shows before the run's result is folded into the
	// snapshot; the flash says the run is over.
	waitText(t, p, "✓ edit 1 field(s)", "✓ edited ")
	if sv, _ := tn.srv.User(u.ID); sv.Title != "Chief Tester" {
		t.Fatalf("server title %q", sv.Title)
	}
	final := quit(t, p)
	i, _ := final.snap.UserIndex(u.ID)
	if final.snap.Users[i].Title != "Chief Tester" {
		t.Fatalf("snapshot title %q", final.snap.Users[i].Title)
	}
}

// Offline, n and e say why they do nothing.
func TestFormsOffline(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 80, 24)
	d.m.svc = tn.svc.Offline()
	d.key("n")
	d.contains("needs a connection")
	d.openUser(tn.snap.Users[1].Email)
	d.key("e")
	d.contains("needs a connection")
}

// The deprovisioning result offers u: the restore lists the memberships
// and gives them back with the activation.
func TestDeprovisionUndo(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 80, 24)
	var u int
	for u = range tn.snap.Users {
		if tn.snap.Users[u].Active && len(tn.snap.Users[u].Groups) >= 2 {
			break
		}
	}
	usr := tn.snap.Users[u]
	before := len(usr.Groups)
	d.openUser(usr.Email)
	d.key("D", "y")
	d.contains("u undo (restore)")
	d.key("u")
	d.contains("Restore "+usr.Email, "reactivate the user", "Yes, restore")
	d.key("y")
	d.contains("restored " + usr.Email)
	sv, _ := tn.srv.User(usr.ID)
	i, _ := d.m.snap.UserIndex(usr.ID)
	if !sv.Active || len(sv.Groups) != before || !d.m.snap.Users[i].Active || len(d.m.snap.Users[i].Groups) != before {
		t.Fatalf("after undo: server active %v %d groups, snapshot %+v", sv.Active, len(sv.Groups), d.m.snap.Users[i])
	}
}

// An inactive user's detail offers activate and restore first; L picks
// another user and grants what they hold.
func TestInactiveUserAndGrantLike(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 80, 24)
	var u int
	for u = range tn.snap.Users {
		if !tn.snap.Users[u].Active {
			break
		}
	}
	usr := tn.snap.Users[u]
	d.openUser(usr.Email)
	d.contains("a activate", "u restore access")
	d.key("a")
	d.contains("Activate "+usr.Email, "active: true")
	d.key("y")
	d.contains("activated " + usr.Email)
	if sv, _ := tn.srv.User(usr.ID); !sv.Active {
		t.Fatal("not active on the server")
	}
	d.key("enter")
	var o int
	for o = range tn.snap.Users {
		if o != u && len(tn.snap.Users[o].Groups) >= 2 {
			break
		}
	}
	other := tn.snap.Users[o]
	d.key("L")
	d.typeText(other.Email)
	d.contains("1 user matches")
	d.key("enter")
	d.contains("Grant like "+other.Email, "+ ", "Yes, grant")
	d.key("y")
	d.contains("granted like " + other.Email)
	for _, g := range other.Groups {
		if !tn.srv.IsMember(usr.ID, tn.snap.Groups[g].ID) {
			t.Fatalf("not granted %s", tn.snap.Groups[g].ID)
		}
	}
}
