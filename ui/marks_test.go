package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// markActive marks the first n active users with memberships, on the
// Users list, and returns their indexes.
func (d *driver) markActive(snap *tenant.Snapshot, n int) []int {
	d.t.Helper()
	s := d.m.roots[tabUsers].(*usersScreen)
	var out []int
	for len(out) < n {
		u := s.selectedUser()
		if snap.Users[u].Active && len(snap.Users[u].Groups) > 0 {
			d.key("v")
			out = append(out, u)
		} else {
			d.key("down")
		}
	}
	return out
}

func TestMarksDeprovisionTheMarkedUsers(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	users := d.markActive(tn.snap, 3)
	d.contains("3 marked", markMarked+" "+tn.snap.Users[users[0]].Name())

	// esc clears the marks.
	d.key("esc")
	d.lacks("3 marked", markMarked+" ")
	d.key("home")
	users = d.markActive(tn.snap, 3)

	// D: one confirmation, deactivate only by default; 2 strips too, and
	// the count says exactly what is sent.
	d.key("D")
	d.contains("Deactivate 3 marked users", "3 requests in all")
	d.key("2")
	want := 0
	for _, u := range users {
		want += len(access.PlanDeprovision(tn.snap, u, true, false).Steps())
	}
	d.contains("Deactivate and remove every membership of 3 marked users", numfmt.Count(want, "request", "requests")+" in all")
	before := writesTo(tn.srv)
	d.key("y")
	d.contains("✓ deprovisioned 3 users")
	if sent := writesTo(tn.srv) - before; sent != want {
		t.Fatalf("%d writes reached the server, the confirmation said %d", sent, want)
	}
	for _, u := range users {
		id := tn.snap.Users[u].ID
		su, _ := tn.srv.User(id)
		if su.Active || len(su.Groups) != 0 {
			t.Fatalf("user %s on the server: active %v, %d groups", id, su.Active, len(su.Groups))
		}
	}
	// Audited per step.
	entries, err := tn.svc.Audit(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < want {
		t.Fatalf("%d audit rows for %d steps", len(entries), want)
	}
}

func TestMarksGrantAndRevokeARoleOrg(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	users := d.markActive(tn.snap, 4)
	g := -1
	for i := range tn.snap.Groups {
		if !tn.snap.Groups[i].Plain() && !tn.snap.IsMember(users[0], i) {
			g = i
			break
		}
	}
	label := access.MembershipLabel(tn.snap, g)
	need := 0
	for _, u := range users {
		if !tn.snap.IsMember(u, g) {
			need++
		}
	}
	d.key("+")
	d.typeText(strings.ToLower(label))
	d.key("enter")
	d.contains("Grant "+label+" to "+numfmt.Count(need, "user", "users"), numfmt.Count(need, "PATCH", "PATCHes"))
	d.key("y")
	d.contains("✓ granted " + label)
	d.key("enter") // closes the result
	for _, u := range users {
		if !tn.snap.IsMember(u, g) {
			t.Fatalf("user %d lacks %s after the grant", u, label)
		}
	}

	d.key("-")
	d.typeText(strings.ToLower(label))
	d.key("enter")
	d.contains("Revoke "+label+" from 4 users", "4 PATCHes")
	d.key("y")
	for _, u := range users {
		if tn.snap.IsMember(u, g) {
			t.Fatalf("user %d still holds %s", u, label)
		}
	}
}

// writesTo counts the requests that reached the fake tenant other than reads.
func writesTo(srv *scimtest.TestServer) int {
	n := 0
	for _, r := range srv.RequestLog() {
		if r.Method != "GET" {
			n++
		}
	}
	return n
}

// The pickers show their placeholder whole (without a width the input
// showed "/ r"), and the group picker is as wide as its labels, not the
// terminal.
func TestPickersSizedToContent(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 200, 50)
	d.key("v", "j", "v", "+")
	d.contains("Grant to 2 marked users", "/ role or organization")
	for _, l := range strings.Split(d.screen(), "\n") {
		if i := strings.Index(l, "╭─ Role x organization"); i >= 0 {
			frame := l[i : strings.Index(l, "╮")+len("╮")]
			if w := ansi.StringWidth(frame); w > 100 {
				t.Fatalf("the picker is %d wide at 200 columns: %q", w, l)
			}
		}
	}
	d.key("esc", "esc", "enter", "L")
	d.contains("the access of:", "/ name, email or role:")
}
