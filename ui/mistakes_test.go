package ui

import (
	"net"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"

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

// A grant whose connection is refused says "not sent", and the title bar
// shows the tenant unreachable until a request succeeds (issue 14.5).
func TestRefusedWriteShowsUnreachable(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 120, 30)
	snap := tn.snap
	ui := pick(t, snap, func(u *tenant.User) bool { return u.Active && len(u.Groups) > 0 && u.Email != "" })
	ri, oj := -1, -1
	for r := range snap.Roles {
		for o := range snap.Orgs {
			if g, ok := snap.Cell(r, o); ok && !snap.IsMember(ui, g) && ri < 0 {
				ri, oj = r, o
			}
		}
	}
	d.openUser(snap.Users[ui].Email)
	d.gotoCell(ri, oj)
	d.contains("● online")

	real := tn.svc.Client
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tn.svc.Client, err = client.New(client.Options{BaseURL: "http://" + addr + "/api/scim/v2", Token: "t",
		BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d.key("space", "y")
	d.logShows("not sent: connection refused")
	d.contains("○ unreachable")
	d.lacks("● online", "outcome is unknown")

	tn.svc.Client = real
	d.key("space", "y")
	d.contains("✓ granted", "● online")
	d.lacks("unreachable")
}

// A snapshot older than a day shows its age in the warning style.
func TestOldSnapshotAgeWarns(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 20})
	d := tn.model(t, 120, 30)
	st := &d.m.st
	// The escape sequence a style opens with.
	opens := func(s lipgloss.Style) string { return strings.Split(s.Render("X"), "X")[0] }
	if opens(st.Age) == opens(st.AgeOld) {
		t.Fatal("the two age styles render alike")
	}
	if fresh := d.m.titleBar(120); !strings.Contains(fresh, opens(st.Age)+"snapshot 4 min ago") {
		t.Fatalf("a fresh snapshot's age is not in the plain age style: %q", fresh)
	}
	fin := tn.snap.Info.FinishedAt
	d.m.opts.Now = func() time.Time { return fin.Add(26 * time.Hour) }
	if old := d.m.titleBar(120); !strings.Contains(old, opens(st.AgeOld)+"snapshot 26 hours ago") {
		t.Fatalf("a day-old snapshot's age is not in the warning style: %q", old)
	}
}
