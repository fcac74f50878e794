package access

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// A sync reads Users V2 and the user groups beside SCIM: every user's last
// login, every user group with its levels and members, effective access.
func TestSyncReadsTheAccessAPIs(t *testing.T) {
	f := newFixture(t)
	var last SyncProgress
	f.opt.Progress = func(p SyncProgress) { last = p }
	info, err := f.svc.Sync(ctxT(t), f.opt)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Access.Logins.Read || !info.Access.UserGroups.Read {
		t.Fatalf("access %+v", info.Access)
	}
	if last.LoginsTotal != 45 || last.Logins != 45 || last.UserGroupsTotal != 3 || last.UserGroups != 3 || !strings.Contains(last.Counts(), "user groups 3/3") {
		t.Errorf("progress %+v: %s", last, last.Counts())
	}
	f.assertCacheMatchesServer(t) // direct access is SCIM's, unchanged
	snap := f.load(t)
	for i := range snap.Users {
		u := &snap.Users[i]
		l, _ := f.srv.LoginOf(u.ID)
		if !u.InUsersV2 || !u.LastLogin.Equal(l.Last) || !u.DisabledAt.Equal(l.DisabledAt) {
			t.Fatalf("user %s: %v / %v, the fake has %+v", u.ID, u.LastLogin, u.DisabledAt, l)
		}
	}
	ugs := f.srv.UserGroups()
	if len(snap.UserGroups) != len(ugs) {
		t.Fatalf("%d user groups, the fake has %d", len(snap.UserGroups), len(ugs))
	}
	onlyVia := 0
	for _, ug := range ugs {
		for _, m := range ug.Members {
			u, _ := snap.UserIndex(m)
			for _, lv := range ug.Levels {
				g, ok := snap.GroupIndex(lv)
				if !ok || !snap.HoldsEffectively(u, g) {
					t.Fatalf("%s does not hold %s through %s", m, lv, ug.Name)
				}
				if direct, via := snap.Holds(u, g); !direct && len(via) > 0 {
					onlyVia++
				}
			}
		}
	}
	if onlyVia == 0 {
		t.Fatal("no access held only through a user group")
	}
}

// A 403 on the user groups (the key lacks the USER scope) does not fail
// the sync: the snapshot says what it lacks and why.
func TestSyncDegradesOn403(t *testing.T) {
	f := newFixture(t)
	f.srv.InjectFault(scimtest.Fault{Path: client.PathUserGroups, Kind: scimtest.FaultStatus, Status: http.StatusForbidden})
	info, err := f.svc.Sync(ctxT(t), f.opt)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Access.Logins.Read || info.Access.UserGroups.Read || !strings.Contains(info.Access.UserGroups.Why, "lacks the USER scope") {
		t.Fatalf("access %+v", info.Access)
	}
	snap := f.load(t)
	if len(snap.UserGroups) != 0 || !strings.Contains(snap.Access.UserGroups.Reason(), "403 from /api/access/v2/user-groups") || !snap.Users[0].InUsersV2 {
		t.Fatalf("loaded access %+v", snap.Access)
	}
	f.assertCacheMatchesServer(t)
}

// A SCIM server that is not OneTrust (404 on the access APIs) syncs as it
// always did; SCIMOnly skips them without a request.
func TestSyncWithoutAccessAPIs(t *testing.T) {
	cfg := fixtureTenant
	cfg.NoAccessAPIs = true
	f := newFixtureOf(t, cfg, client.Options{Timeout: testTimeout, Clock: scimtest.NewManualClock(time.Unix(1_700_000_000, 0))})
	f.opt = SyncOptions{Concurrency: 3, UserPageSize: 10, GroupPageSize: 5}
	info, err := f.svc.Sync(ctxT(t), f.opt)
	if err != nil {
		t.Fatal(err)
	}
	if info.Access.Logins.Read || !strings.Contains(info.Access.Logins.Why, "does not offer") {
		t.Fatalf("access %+v", info.Access)
	}
	f.assertCacheMatchesServer(t)

	g := newFixture(t)
	g.opt.SCIMOnly = true
	before := g.srv.Requests()
	if _, err := g.svc.Sync(ctxT(t), g.opt); err != nil {
		t.Fatal(err)
	}
	for _, r := range g.srv.RequestLog() {
		if strings.HasPrefix(r.Path, "/api/access") {
			t.Fatalf("a SCIM-only sync sent %s %s", r.Method, r.Path)
		}
	}
	if g.srv.Requests()-before == 0 || g.load(t).Access.Logins.Read {
		t.Fatal("SCIM-only sync")
	}
}

// On OneTrust, an access API that fails for another reason (a 500 after
// the retries) fails the sync: a snapshot is all or nothing.
func TestSyncFailsOnAccessErrorsOnOneTrust(t *testing.T) {
	f := newFixtureOf(t, fixtureTenant, client.Options{Timeout: testTimeout, MaxRetries: 1, Dialect: client.DialectOneTrust,
		Clock: scimtest.NewManualClock(time.Unix(1_700_000_000, 0))})
	f.opt = SyncOptions{Concurrency: 3, UserPageSize: 10, GroupPageSize: 5}
	if _, err := f.svc.Sync(ctxT(t), f.opt); err != nil {
		t.Fatal(err)
	}
	f.srv.InjectFault(scimtest.Fault{Path: client.PathUsersV2, Kind: scimtest.FaultStatus, Status: http.StatusInternalServerError})
	_, err := f.svc.Sync(ctxT(t), f.opt)
	if err == nil || !strings.Contains(err.Error(), "Users V2") || !strings.Contains(err.Error(), "previous snapshot is unchanged") {
		t.Fatalf("sync: %v", err)
	}
	if !f.load(t).Access.Logins.Read {
		t.Fatal("the previous snapshot changed")
	}
}
