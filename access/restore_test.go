package access

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// userGroupIDs is what the cache says user u is a member of.
func userGroupIDs(snap *tenant.Snapshot, u int) []string {
	var out []string
	for _, k := range snap.UserGroupsOf(u) {
		out = append(out, snap.UserGroups[k].ID)
	}
	slices.Sort(out)
	return out
}

func serverUserGroupIDs(srv *scimtest.TestServer, id string) []string {
	var out []string
	for _, g := range srv.UserGroupsOf(id) {
		out = append(out, g.ID)
	}
	slices.Sort(out)
	return out
}

// effective lists every group user u holds, directly or through a user
// group, as the cache has it.
func effective(snap *tenant.Snapshot, u int) []string {
	var out []string
	for g := range snap.Groups {
		if snap.HoldsEffectively(u, g) {
			out = append(out, snap.Groups[g].ID)
		}
	}
	return out
}

// A restore after deactivate --strip-roles of a user with direct and
// user-group access re-adds the user groups too (one POST each, its own
// audit row), and leaves the user exactly as before on the server and in
// the cache.
func TestRestoreRejoinsUserGroups(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	u := memberWith(t, snap, 2)
	id := snap.Users[u].ID
	// Two user groups, so order and count both show.
	for _, g := range srv.UserGroups()[:2] {
		if !slices.Contains(g.Members, id) {
			if err := srv.SetUserGroupMember(g.ID, id, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := svc.Sync(ctx, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	snap, _ = svc.Load(ctx)
	u, _ = snap.UserIndex(id)
	direct, ugs, eff := groupIDs(snap, u), userGroupIDs(snap, u), effective(snap, u)
	if len(ugs) < 2 || !slices.Equal(ugs, serverUserGroupIDs(srv, id)) {
		t.Fatalf("before: cache user groups %v, server %v", ugs, serverUserGroupIDs(srv, id))
	}

	dep := svc.Deprovision(ctx, PlanDeprovision(snap, u, true, false), nil)
	if err := dep.Err(); err != nil {
		t.Fatal(err)
	}
	if got := serverUserGroupIDs(srv, id); len(got) != 0 {
		t.Fatalf("the strip left user groups %v", got)
	}
	snap, _ = svc.Load(ctx)
	u, _ = snap.UserIndex(id)
	plan, err := svc.PlanRestore(ctx, snap, u, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Activate || len(plan.Grants) != len(direct) || len(plan.Joins) != len(ugs) {
		t.Fatalf("plan %+v: want reactivation, %d grants, %d rejoins", plan, len(direct), len(ugs))
	}
	steps := plan.Steps()
	for _, j := range plan.Joins {
		if j.Group == "" || j.Group == j.GroupID || !slices.Contains(steps, "rejoin user group "+j.Group) {
			t.Fatalf("the plan does not name user group %+v: %q", j, steps)
		}
	}
	var reported []string
	res := svc.Restore(ctx, plan, func(r StepResult) { reported = append(reported, r.Name) })
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	// (The reactivation's step is named without its request.)
	if len(reported) != len(steps) || !slices.Equal(reported[:len(steps)-1], steps[:len(steps)-1]) {
		t.Fatalf("steps reported %q, planned %q", reported, steps)
	}

	sv, _ := srv.User(id)
	if !sv.Active || !slices.Equal(serverGroupIDs(srv, id), direct) || !slices.Equal(serverUserGroupIDs(srv, id), ugs) {
		t.Fatalf("server after restore: active %v groups %v user groups %v; want %v %v",
			sv.Active, serverGroupIDs(srv, id), serverUserGroupIDs(srv, id), direct, ugs)
	}
	snap, _ = svc.Load(ctx)
	u, _ = snap.UserIndex(id)
	if !snap.Users[u].Active || !slices.Equal(groupIDs(snap, u), direct) || !slices.Equal(userGroupIDs(snap, u), ugs) ||
		!slices.Equal(effective(snap, u), eff) {
		t.Fatalf("cache after restore: active %v groups %v user groups %v", snap.Users[u].Active, groupIDs(snap, u), userGroupIDs(snap, u))
	}
	// A fresh sync agrees with the cache kept in step.
	if _, err := svc.Sync(ctx, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	synced, _ := svc.Load(ctx)
	su, _ := synced.UserIndex(id)
	if !slices.Equal(userGroupIDs(synced, su), ugs) || !slices.Equal(effective(synced, su), eff) {
		t.Fatalf("after a sync: user groups %v, effective %v", userGroupIDs(synced, su), effective(synced, su))
	}

	rows, _ := svc.Audit(ctx, 0)
	joins := map[string]bool{}
	for _, r := range rows {
		if r.Action == "join user group" && strings.Contains(r.Detail, " · restore ") && r.Result == "ok" {
			for _, g := range plan.Joins {
				if strings.HasPrefix(r.Detail, "POST "+client.PathUserGroups+"/"+g.GroupID+"/members/"+id+" ") {
					joins[g.GroupID] = true
				}
			}
		}
	}
	if len(joins) != len(ugs) {
		t.Fatalf("%d join audit rows for %d user groups", len(joins), len(ugs))
	}
	if again, err := svc.PlanRestore(ctx, snap, u, 0); err != nil || !again.Empty() || len(again.Held) != len(direct)+len(ugs) {
		t.Fatalf("second plan %+v %v", again, err)
	}
}

// A user group the server no longer has fails its step with the server's
// answer; the other steps run.
func TestRestoreOfAUserGroupGone(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	u := memberWith(t, snap, 1)
	id := snap.Users[u].ID
	g := srv.UserGroups()[0]
	if !slices.Contains(g.Members, id) {
		_ = srv.SetUserGroupMember(g.ID, id, true)
		_, _ = svc.Sync(ctx, SyncOptions{})
		snap, _ = svc.Load(ctx)
		u, _ = snap.UserIndex(id)
	}
	plan := PlanDeprovision(snap, u, true, false)
	if err := svc.Deprovision(ctx, plan, nil).Err(); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteUserGroup(g.ID); err != nil {
		t.Fatal(err)
	}
	snap, _ = svc.Load(ctx)
	u, _ = snap.UserIndex(id)
	rp, err := svc.PlanRestore(ctx, snap, u, 0)
	if err != nil {
		t.Fatal(err)
	}
	res := svc.Restore(ctx, rp, nil)
	failed := 0
	for _, s := range res.Steps {
		if s.Err != nil {
			failed++
			if s.Name != "rejoin user group "+g.Name || !strings.Contains(s.Err.Error(), "404") {
				t.Errorf("step %q: %v", s.Name, s.Err)
			}
		}
	}
	if failed != 1 {
		t.Fatalf("%d steps failed: %+v", failed, res.Steps)
	}
	if sv, _ := srv.User(id); !sv.Active {
		t.Fatal("the other steps did not run")
	}
}

// Leave rows parse from the log: the group's id and quoted name, the run
// last; rows written before the run ended the detail still parse.
func TestPlanRestoreReadsUserGroupRows(t *testing.T) {
	_, _, snap := newService(t, scimtest.Config{Users: 20})
	u := 0
	for snap.Users[u].Active {
		u++
	}
	id := snap.Users[u].ID
	path := "DELETE " + client.PathUserGroups + "/"
	log := []tenant.AuditEntry{ // newest first
		{ID: 3, Action: "leave user group", Target: "x / Old Team", Result: "ok",
			Detail: path + "ug-old/members/" + id + " · deprovision aaa; also loses Auditor — Legal"},
		{ID: 2, Action: "leave user group", Target: "x / a / b", Result: "ok",
			Detail: path + "ug-new/members/" + id + ` user group "Legal / Privacy \"Team\""; also loses A — B · deprovision aaa`},
		{ID: 1, Action: "leave user group", Target: "x / Failed", Result: "failed: 500",
			Detail: path + "ug-bad/members/" + id + ` user group "Failed" · deprovision aaa`},
	}
	p, err := PlanRestore(snap, log, u, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []UserGroupMembership{
		{UserID: id, UserLabel: snap.Users[u].Label(), GroupID: "ug-new", Group: `Legal / Privacy "Team"`},
		{UserID: id, UserLabel: snap.Users[u].Label(), GroupID: "ug-old", Group: "Old Team"},
	}
	if p.Run != "deprovision aaa" || !slices.Equal(p.Joins, want) || !slices.Equal(p.NotRemoved, []string{"user group Failed"}) {
		t.Fatalf("plan %+v", p)
	}
}
