package access

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// newService starts a fake tenant (80 users, 5 roles x 3 orgs unless cfg
// says otherwise), syncs it into a cache opened with storeOpts and returns
// the pieces.
func newService(t *testing.T, cfg scimtest.Config, storeOpts ...cache.OpenOption) (*Service, *scimtest.TestServer, *tenant.Snapshot) {
	t.Helper()
	if cfg.Users == 0 {
		cfg.Users = 80
	}
	if cfg.Roles == 0 {
		cfg.Roles, cfg.Orgs = 5, 3
	}
	f := newFixtureStore(t, cfg, client.Options{Timeout: 2 * time.Second, MaxBackoff: 5 * time.Millisecond}, storeOpts)
	f.svc.Actor = "tester"
	if _, err := f.svc.Sync(context.Background(), SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	return f.svc, f.srv, f.load(t)
}

// outsider finds a user index and a group index where the user is not a member.
func outsider(t *testing.T, snap *tenant.Snapshot) (int, int) {
	for u := range snap.Users {
		for g := range snap.Groups {
			if !snap.IsMember(u, g) && !snap.Groups[g].Plain() {
				return u, g
			}
		}
	}
	t.Fatal("no outsider")
	return 0, 0
}

func TestSyncMatchesServer(t *testing.T) {
	svc, srv, snap := newService(t, scimtest.Config{Users: 250, UserPageCap: 40})
	if len(snap.Users) != 250 || len(snap.Groups) != 15 || snap.Memberships() != srv.Memberships() {
		t.Fatalf("snapshot %d users %d groups %d memberships; server %d memberships",
			len(snap.Users), len(snap.Groups), snap.Memberships(), srv.Memberships())
	}
	for _, su := range srv.Users() {
		u, ok := snap.UserIndex(su.ID)
		if !ok {
			t.Fatalf("user %s missing", su.ID)
		}
		for _, g := range su.Groups {
			gi, _ := snap.GroupIndex(g.Value)
			if !snap.IsMember(u, gi) {
				t.Fatalf("membership %s/%s missing", su.ID, g.Value)
			}
		}
	}
	if info, _ := svc.store.LatestInfo(context.Background()); info.Source != srv.URL || info.Users != 250 {
		t.Fatalf("info %+v", info)
	}
}

func TestApplyGrantAndRevoke(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	u, g := outsider(t, snap)
	ch := NewChange(snap, u, g, true)
	if !strings.Contains(ch.Describe(), "grant ") || !strings.Contains(ch.Request(), "PATCH /Groups/"+ch.GroupID+" (add 1 member)") {
		t.Fatalf("describe %q request %q", ch.Describe(), ch.Request())
	}
	before := srv.Requests()
	out := svc.Apply(ctx, ch)
	if out.Err != nil || !out.Member || out.Reread != nil {
		t.Fatalf("grant: %+v", out)
	}
	if n := srv.Requests() - before; n != 1 {
		t.Fatalf("grant took %d HTTP requests, want 1", n)
	}
	if !srv.IsMember(ch.UserID, ch.GroupID) {
		t.Fatal("server: not a member after grant")
	}
	after, _ := svc.store.Load(ctx)
	au, _ := after.UserIndex(ch.UserID)
	ag, _ := after.GroupIndex(ch.GroupID)
	if !after.IsMember(au, ag) {
		t.Fatal("cache: not a member after grant")
	}

	out = svc.Apply(ctx, NewChange(snap, u, g, false))
	if out.Err != nil || out.Member || srv.IsMember(ch.UserID, ch.GroupID) {
		t.Fatalf("revoke: %+v", out)
	}
	entries, err := svc.store.Audit(ctx, 0)
	if err != nil || len(entries) != 2 || entries[0].Action != "revoke" || entries[1].Action != "grant" || entries[0].Actor != "tester" || entries[0].Result != "ok" {
		t.Fatalf("audit %+v %v", entries, err)
	}
}

func TestApplyLostResponseIsReread(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	u, g := outsider(t, snap)
	ch := NewChange(snap, u, g, true)
	// The PATCH is applied on the server but the connection closes before
	// any response: the outcome is unknown until the user is re-read.
	srv.InjectFault(scimtest.Fault{Method: "PATCH", Path: "/Groups/", Kind: scimtest.FaultDropResponse, Times: 5})
	out := svc.Apply(ctx, ch)
	if !srv.IsMember(ch.UserID, ch.GroupID) {
		t.Fatal("fault did not apply the write")
	}
	if out.Reread == nil || !out.Member || out.Err != nil {
		t.Fatalf("outcome %+v, want a re-read that finds the membership and no error", out)
	}
	after, _ := svc.store.Load(ctx)
	au, _ := after.UserIndex(ch.UserID)
	ag, _ := after.GroupIndex(ch.GroupID)
	if !after.IsMember(au, ag) {
		t.Fatal("cache disagrees with the server after a lost response")
	}
}

func TestApplyRefusedLeavesCache(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	u, g := outsider(t, snap)
	ch := NewChange(snap, u, g, true)
	srv.InjectFault(scimtest.Fault{Method: "PATCH", Kind: scimtest.FaultStatus, Status: 403})
	out := svc.Apply(ctx, ch)
	if out.Err == nil || !strings.Contains(out.Err.Error(), "403") || out.Member {
		t.Fatalf("outcome %+v", out)
	}
	after, _ := svc.store.Load(ctx)
	au, _ := after.UserIndex(ch.UserID)
	ag, _ := after.GroupIndex(ch.GroupID)
	if after.IsMember(au, ag) || srv.IsMember(ch.UserID, ch.GroupID) {
		t.Fatal("a refused grant changed something")
	}
	entries, _ := svc.store.Audit(ctx, 1)
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Result, "failed") || entries[0].Status != 403 {
		t.Fatalf("audit %+v", entries)
	}
}

func TestDeprovision(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	var u int
	for i := range snap.Users {
		if snap.Users[i].Active && len(snap.Users[i].Groups) >= 2 {
			u = i
			break
		}
	}
	plan := PlanDeprovision(snap, u, true, false)
	if !plan.Deactivate || len(plan.Remove) != len(snap.Users[u].Groups) || len(plan.Steps()) != 1+len(plan.Remove) {
		t.Fatalf("plan %+v", plan)
	}
	var seen []StepResult
	res := svc.Deprovision(ctx, plan, func(r StepResult) { seen = append(seen, r) })
	if res.Err() != nil || len(seen) != len(plan.Steps()) {
		t.Fatalf("result %+v, %d steps reported", res, len(seen))
	}
	su, _ := srv.User(plan.UserID)
	if su.Active || len(su.Groups) != 0 {
		t.Fatalf("server: active=%v groups=%d", su.Active, len(su.Groups))
	}
	after, _ := svc.store.Load(ctx)
	au, _ := after.UserIndex(plan.UserID)
	if after.Users[au].Active || len(after.Users[au].Groups) != 0 {
		t.Fatal("cache disagrees with the server after deprovision")
	}

	del := PlanDeprovision(after, au, false, true)
	res = svc.Deprovision(ctx, del, nil)
	if res.Err() != nil || !res.Deleted {
		t.Fatalf("delete: %+v", res)
	}
	if after, _ = svc.store.Load(ctx); func() bool { _, ok := after.UserIndex(plan.UserID); return ok }() {
		t.Fatal("deleted user still cached")
	}
}

func TestDeleteThatOnlyDeactivatesIsReported(t *testing.T) {
	ctx := context.Background()
	svc, _, snap := newService(t, scimtest.Config{DeleteDeactivates: true})
	res := svc.Deprovision(ctx, PlanDeprovision(snap, 0, false, true), nil)
	if res.Deleted || res.User == nil || res.User.Active || !strings.Contains(res.Note, "kept") {
		t.Fatalf("result %+v", res)
	}
}

func TestOffline(t *testing.T) {
	svc, _, snap := newService(t, scimtest.Config{Users: 5})
	off := New(nil, svc.store, "test")
	if out := off.Apply(context.Background(), NewChange(snap, 0, 0, true)); out.Err != ErrOffline {
		t.Fatalf("offline apply: %v", out.Err)
	}
	if _, err := off.Sync(context.Background(), SyncOptions{}); err != ErrOffline {
		t.Fatalf("offline sync: %v", err)
	}
}

func TestApplyVerified(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	u, g := outsider(t, snap)
	ch := NewChange(snap, u, g, true)

	before := srv.Requests()
	out := svc.ApplyVerified(ctx, ch)
	if out.Err != nil || !out.Member || out.NoOp || len(out.Notes) != 0 {
		t.Fatalf("verified grant: %+v", out)
	}
	if n := srv.Requests() - before; n != 3 {
		t.Fatalf("verified grant used %d requests, want 3 (read, patch, read)", n)
	}

	// Replaying the change planned on the old snapshot: the server already
	// has the membership and the user changed since, so nothing is sent and
	// the operator is told.
	ch2 := ch
	before = srv.Requests()
	out = svc.ApplyVerified(ctx, ch2)
	if out.Err != nil || !out.NoOp || len(out.Notes) != 1 || !strings.Contains(out.Notes[0], "changed on the server since the snapshot") {
		t.Fatalf("no-op grant: %+v", out)
	}
	if n := srv.Requests() - before; n != 1 {
		t.Fatalf("no-op grant used %d requests, want 1 (read)", n)
	}
	after, _ := svc.store.Load(ctx)
	au, _ := after.UserIndex(ch2.UserID)
	ag, _ := after.GroupIndex(ch2.GroupID)
	if !after.IsMember(au, ag) {
		t.Fatal("cache not refreshed from the server on a no-op")
	}
}

// TestSyncProgressCounts: a list not yet sized reads "…", not "0/0".
func TestSyncProgressCounts(t *testing.T) {
	for _, c := range []struct {
		p    SyncProgress
		want string
	}{
		{SyncProgress{}, "users …  groups …"},
		{SyncProgress{Groups: 25, GroupsTotal: 2000}, "users …  groups 25/2,000"},
		{SyncProgress{Users: 1000, UsersTotal: 100000, Groups: 2000, GroupsTotal: 2000}, "users 1,000/100,000  groups 2,000/2,000"},
		{SyncProgress{UsersTotal: 0, Users: 0, GroupsTotal: 0, Groups: 0, Saving: true}, "users …  groups …"},
	} {
		if got := c.p.Counts(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
}
