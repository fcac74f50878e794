package ui

import (
	"testing"
	"time"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// TestHistoryOfTheMembershipUnderTheCursor: w on the user detail reads the
// audit trail and shows who granted the membership under the cursor, and
// a grant made here shows up as User Provisioning.
func TestHistoryOfTheMembershipUnderTheCursor(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 60, Roles: 3, Orgs: 2})
	d := tn.model(t, 120, 30)
	u := pick(t, tn.snap, func(u *tenant.User) bool { return u.Active && u.Email != "" && len(u.Groups) == 1 })
	usr := tn.snap.Users[u]
	g := int(usr.Groups[0])
	d.openUser(usr.Email)
	d.key("w")
	if _, ok := d.m.top().(*historyScreen); !ok {
		t.Fatalf("w opened no history:\n%s", d.screen())
	}
	d.contains(access.MembershipLabel(tn.snap, g), "granted "+tn.snap.Groups[g].DisplayName+" by ", "(User Management)")
	d.key("q")
	if _, ok := d.m.top().(*detailScreen); !ok {
		t.Fatalf("q did not close the history:\n%s", d.screen())
	}
}

// Once read, the history is kept: a later TUI without a connection (a new
// process on the same cache) shows it, with the time it was read.
func TestHistoryKeptShowsOffline(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 60, Roles: 3, Orgs: 2})
	u := pick(t, tn.snap, func(u *tenant.User) bool { return u.Active && u.Email != "" && len(u.Groups) == 1 })
	usr := tn.snap.Users[u]
	g := int(usr.Groups[0])
	d := tn.model(t, 120, 30)
	d.openUser(usr.Email)
	d.key("w")
	d.contains("read from OneTrust at ", "granted "+tn.snap.Groups[g].DisplayName+" by ")

	offline, err := access.Open(nil, tn.svc.CachePath(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { offline.Close() })
	m := New(Options{Snapshot: tn.snap, Service: offline, Tenant: "acme.onetrust.com", Now: func() time.Time { return tn.now().Add(3 * time.Hour) }})
	d2 := newDriver(t, m, 120, 30)
	d2.openUser(usr.Email)
	d2.key("w")
	if _, ok := d2.m.top().(*historyScreen); !ok {
		t.Fatalf("offline, w opened no history:\n%s", d2.screen())
	}
	d2.contains("kept in the cache, read at ", "granted "+tn.snap.Groups[g].DisplayName+" by ")
	// Someone never looked up has nothing kept: offline says so.
	other := pick(t, tn.snap, func(x *tenant.User) bool { return x.Active && x.Email != "" && x.ID != usr.ID && len(x.Groups) > 0 })
	d3 := newDriver(t, New(Options{Snapshot: tn.snap, Service: offline, Tenant: "acme.onetrust.com", Now: tn.now}), 120, 30)
	d3.openUser(tn.snap.Users[other].Email)
	d3.key("w")
	if _, ok := d3.m.top().(*historyScreen); ok {
		t.Fatal("a history never read was shown offline")
	}
	d3.contains("never read into the cache")
}
