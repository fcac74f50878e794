package access

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// memberWith finds an active user with at least n memberships.
func memberWith(t *testing.T, snap *tenant.Snapshot, n int) int {
	t.Helper()
	for i := range snap.Users {
		if snap.Users[i].Active && len(snap.Users[i].Groups) >= n {
			return i
		}
	}
	t.Fatalf("no active user with %d memberships", n)
	return 0
}

func groupIDs(snap *tenant.Snapshot, u int) []string {
	var out []string
	for _, g := range snap.Users[u].Groups {
		out = append(out, snap.Groups[g].ID)
	}
	slices.Sort(out)
	return out
}

func serverGroupIDs(srv *scimtest.TestServer, id string) []string {
	u, _ := srv.User(id)
	var out []string
	for _, g := range u.Groups {
		out = append(out, g.Value)
	}
	slices.Sort(out)
	return out
}

// An edit sends one PATCH of just the changed fields (never a PUT), leaves
// an audit row, and the cache holds the re-read user.
func TestEditPatchesOnlyTheChangedFields(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	u := memberWith(t, snap, 1)
	usr := snap.Users[u]
	mgr := (u + 1) % len(snap.Users)
	e, err := PlanEdit(snap, u, map[Field]string{
		FieldTitle: "Chief Counsel", FieldDepartment: "", FieldManager: snap.Users[mgr].Email,
		FieldGiven: usr.GivenName, // unchanged: not sent
	})
	if err != nil {
		t.Fatal(err)
	}
	if usr.Department == "" {
		// Nothing to clear on this user: only two changes.
		if len(e.Changes) != 2 {
			t.Fatalf("changes %+v", e.Changes)
		}
	}
	for _, c := range e.Changes {
		if c.Field == FieldGiven {
			t.Fatalf("an unchanged field is in the edit: %+v", c)
		}
	}
	mark := len(srv.RequestLog())
	res := svc.Edit(ctx, e)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var methods []string
	for _, r := range srv.RequestLog()[mark:] {
		methods = append(methods, r.Method)
	}
	if !slices.Equal(methods, []string{"GET", "PATCH", "GET"}) {
		t.Fatalf("requests %v, want GET (conflict check), PATCH, GET (re-read)", methods)
	}
	got, _ := srv.User(usr.ID)
	if got.Title != "Chief Counsel" || got.Enterprise.Manager.Value != snap.Users[mgr].ID || got.Enterprise.Department != "" || got.Name.GivenName != usr.GivenName {
		t.Fatalf("server after the edit: %+v %+v", got, got.Enterprise)
	}
	after, _ := svc.Load(ctx)
	i, _ := after.UserIndex(usr.ID)
	if c := after.Users[i]; c.Title != "Chief Counsel" || c.ManagerID != snap.Users[mgr].ID || c.LastModified != got.Meta.LastModified {
		t.Fatalf("cache after the edit: %+v", c)
	}
	rows, _ := svc.Audit(ctx, 1)
	if len(rows) != 1 || rows[0].Action != "edit" || rows[0].Result != "ok" || !strings.Contains(rows[0].Detail, "replace title") {
		t.Fatalf("audit %+v", rows)
	}
}

// An edit whose user changed on the server since the snapshot stops with
// the conflict: nothing is sent, the cache takes the server's version.
func TestEditStopsOnConflict(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	u := memberWith(t, snap, 1)
	id := snap.Users[u].ID
	e, err := PlanEdit(snap, u, map[Field]string{FieldTitle: "Mine"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.UpdateUser(id, func(u *client.User) { u.Title = "Theirs" }); err != nil {
		t.Fatal(err)
	}
	mark := len(srv.RequestLog())
	res := svc.Edit(ctx, e)
	if !errors.Is(res.Err, ErrConflict) || !strings.Contains(res.Err.Error(), "nothing was sent") {
		t.Fatalf("edit after a server change: %v", res.Err)
	}
	for _, r := range srv.RequestLog()[mark:] {
		if r.Method != "GET" {
			t.Fatalf("the conflicting edit sent %s %s", r.Method, r.Path)
		}
	}
	if got, _ := srv.User(id); got.Title != "Theirs" {
		t.Fatalf("server title %q", got.Title)
	}
	after, _ := svc.Load(ctx)
	i, _ := after.UserIndex(id)
	if after.Users[i].Title != "Theirs" {
		t.Fatalf("the cache did not take the server's version: %q", after.Users[i].Title)
	}
	rows, _ := svc.Audit(ctx, 1)
	if len(rows) != 1 || rows[0].Action != "edit" || !strings.HasPrefix(rows[0].Result, "failed: ") {
		t.Fatalf("audit %+v", rows)
	}
}

func TestPlanEditRefusesBadInput(t *testing.T) {
	_, _, snap := newService(t, scimtest.Config{Users: 10})
	for _, tc := range []map[Field]string{
		{FieldGiven: ""},
		{FieldUserType: "Contractor"},
		{FieldManager: "nobody@nowhere.example"},
		{FieldManager: snap.Users[0].ID},
		{FieldTitle: "a\x1b[2Jb"},
	} {
		if _, err := PlanEdit(snap, 0, tc); err == nil {
			t.Errorf("PlanEdit(%v) accepted", tc)
		}
	}
	e, err := PlanEdit(snap, 0, map[Field]string{FieldUserType: strings.ToLower(snap.Users[0].UserType)})
	if err != nil || !e.Empty() {
		t.Errorf("the userType in another case is a change: %+v %v", e, err)
	}
}

// A restore after deactivate --strip-roles leaves the user exactly as
// before, on the server and in the cache; every step has its audit row.
func TestRestoreUndoesADeprovisioning(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	u := memberWith(t, snap, 2)
	id := snap.Users[u].ID
	before := groupIDs(snap, u)
	dep := svc.Deprovision(ctx, PlanDeprovision(snap, u, true, false), nil)
	if err := dep.Err(); err != nil {
		t.Fatal(err)
	}
	// Someone else's writes in between do not confuse the restore.
	o, g := outsider(t, snap)
	if o != u {
		svc.Apply(ctx, NewChange(snap, o, g, true))
	}
	snap, _ = svc.Load(ctx)
	u, _ = snap.UserIndex(id)
	plan, err := svc.PlanRestore(ctx, snap, u, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Activate || len(plan.Grants) != len(before) {
		t.Fatalf("plan %+v, want reactivation and %d grants", plan, len(before))
	}
	res := svc.Restore(ctx, plan, nil)
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	sv, _ := srv.User(id)
	if !sv.Active || !slices.Equal(serverGroupIDs(srv, id), before) {
		t.Fatalf("server after restore: active %v groups %v, want %v", sv.Active, serverGroupIDs(srv, id), before)
	}
	snap, _ = svc.Load(ctx)
	u, _ = snap.UserIndex(id)
	if !snap.Users[u].Active || !slices.Equal(groupIDs(snap, u), before) {
		t.Fatalf("cache after restore: active %v groups %v", snap.Users[u].Active, groupIDs(snap, u))
	}
	rows, _ := svc.Audit(ctx, 0)
	grants, activations := 0, 0
	for _, r := range rows {
		if strings.Contains(r.Detail, " · restore ") {
			switch r.Action {
			case "grant":
				grants++
			case "activate":
				activations++
			}
		}
	}
	if grants != len(before) || activations != 1 {
		t.Fatalf("restore audit rows: %d grants, %d activations", grants, activations)
	}
	// Restored: a second plan has nothing left to do.
	if again, err := svc.PlanRestore(ctx, snap, u, 0); err != nil || !again.Empty() || len(again.Held) != len(before) {
		t.Fatalf("second plan %+v %v", again, err)
	}
	// --from a row of another user's deprovisioning, or no deprovisioning.
	if _, err := svc.PlanRestore(ctx, snap, o, 0); !errors.Is(err, ErrNoDeprovisioning) {
		t.Fatalf("restore of a user never deprovisioned: %v", err)
	}
	if _, err := svc.PlanRestore(ctx, snap, o, plan.FromID); err == nil {
		t.Fatal("a row of another user's deprovisioning was accepted")
	}
}

// grant --like plans only what the other user holds and this one lacks.
func TestPlanLikeGrantsOnlyWhatIsMissing(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	other := memberWith(t, snap, 2)
	u := (other + 1) % len(snap.Users)
	// Make u share one of other's memberships and hold one other lacks.
	shared := snap.Users[other].Groups[0]
	if !snap.IsMember(u, int(shared)) {
		svc.Apply(ctx, NewChange(snap, u, int(shared), true))
	}
	for g := range snap.Groups {
		if !snap.IsMember(other, g) && !snap.IsMember(u, g) {
			svc.Apply(ctx, NewChange(snap, u, g, true))
			break
		}
	}
	snap, _ = svc.Load(ctx)
	p := PlanLike(snap, u, other)
	want := 0
	for _, g := range snap.Users[other].Groups {
		if !snap.IsMember(u, int(g)) {
			want++
		}
	}
	if len(p.Grants) != want || len(p.Shared) == 0 || len(p.Extra) == 0 {
		t.Fatalf("plan %+v, want %d grants, some shared and some extra", p, want)
	}
	uid := snap.Users[u].ID
	extraBefore := groupIDs(snap, u)
	mark := len(srv.RequestLog())
	res := svc.GrantAll(ctx, uid, p.UserLabel, p.Grants, nil)
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	patches := 0
	for _, r := range srv.RequestLog()[mark:] {
		if r.Method == "PATCH" {
			patches++
		}
	}
	if patches != want {
		t.Fatalf("%d PATCHes for %d grants", patches, want)
	}
	rows, _ := svc.Audit(ctx, want)
	for _, r := range rows {
		if r.Action != "grant" || r.Result != "ok" || !strings.Contains(r.Detail, " user "+uid) {
			t.Fatalf("grant --like audit row %+v", r)
		}
	}
	got := serverGroupIDs(srv, uid)
	for _, id := range extraBefore {
		if !slices.Contains(got, id) {
			t.Fatalf("grant --like removed %s", id)
		}
	}
	snap, _ = svc.Load(ctx)
	if p := PlanLike(snap, u, other); len(p.Grants) != 0 {
		t.Fatalf("after the grants, still missing %d", len(p.Grants))
	}
}

// create: POST, the default role reported, the grants, the activation; a
// duplicate userName is refused before sending (snapshot) and on the 409.
func TestCreateSteps(t *testing.T) {
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{})
	g := 0
	for snap.Groups[g].ID == srv.DefaultGroupID() {
		g++
	}
	p := CreatePlan{User: NewUser{Email: "new.hire@example.com", Given: "New", Family: "Hire", Title: "Analyst"}, Activate: true,
		Grants: []Change{{Grant: true, GroupID: snap.Groups[g].ID, Group: MembershipLabel(snap, g)}}}
	if err := p.Validate(snap); err != nil {
		t.Fatal(err)
	}
	var lines []string
	res := svc.Create(ctx, p, func(r StepResult) { lines = append(lines, r.Name) })
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || !strings.Contains(lines[0], "default: ") {
		t.Fatalf("steps %q", lines)
	}
	sv, ok := srv.UserByName("new.hire@example.com")
	if !ok || !sv.Active || len(sv.Groups) != 2 || sv.Title != "Analyst" {
		t.Fatalf("server %+v", sv)
	}
	snap, _ = svc.Load(ctx)
	i, ok := snap.UserIndex(sv.ID)
	if !ok || !snap.Users[i].Active || len(snap.Users[i].Groups) != 2 {
		t.Fatalf("cache lacks the new user as the server has it")
	}
	rows, _ := svc.Audit(ctx, 3)
	if len(rows) != 3 || rows[2].Action != "create" || rows[1].Action != "grant" || rows[0].Action != "activate" {
		t.Fatalf("audit %+v", rows)
	}
	// Taken in the snapshot: refused before sending.
	dup := CreatePlan{User: NewUser{Email: "NEW.HIRE@example.com", Given: "A", Family: "B"}}
	if err := dup.Validate(snap); !errors.Is(err, ErrUserNameTaken) {
		t.Fatalf("duplicate in the snapshot: %v", err)
	}
	// Taken on the server only (an invited user): the 409, said plainly.
	srv.AddInvitedUser(client.User{UserName: "invited@example.com"})
	inv := CreatePlan{User: NewUser{Email: "invited@example.com", Given: "A", Family: "B"}}
	if err := inv.Validate(snap); err != nil {
		t.Fatal(err)
	}
	r := svc.Create(ctx, inv, nil)
	if err := r.Err(); !errors.Is(err, ErrUserNameTaken) || !strings.Contains(err.Error(), "409") || r.Created != nil {
		t.Fatalf("duplicate on the server: %v", err)
	}
	for _, bad := range []string{"", "jane", "jane@", "Jane <jane@example.com>", "a b@example.com", "jane@example"} {
		p := CreatePlan{User: NewUser{Email: bad, Given: "A", Family: "B"}}
		if p.Validate(snap) == nil {
			t.Errorf("email %q accepted", bad)
		}
	}
}

// PlanRestore over a hand-made log: only the chosen run's rows count; a
// failed revoke removed nothing; a delete cannot be undone; --from picks
// the run a row belongs to.
func TestPlanRestoreFromTheLog(t *testing.T) {
	_, _, snap := newService(t, scimtest.Config{Users: 20})
	u := 0
	for snap.Users[u].Active {
		u++
	}
	id := snap.Users[u].ID
	g1, g2 := snap.Groups[0].ID, snap.Groups[1].ID
	for _, g := range snap.Users[u].Groups {
		if snap.Groups[g].ID == g1 || snap.Groups[g].ID == g2 {
			t.Skip("the user holds the groups the log says were removed")
		}
	}
	row := func(n int64, action, detail, result string) tenant.AuditEntry {
		return tenant.AuditEntry{ID: n, Action: action, Target: "x / G" + string(rune('0'+n)), Detail: detail, Result: result}
	}
	log := []tenant.AuditEntry{ // newest first
		row(6, "revoke", "PATCH /Groups/"+g2+" (remove 1 member) user "+id+" · deprovision bbb", "ok"),
		row(5, "revoke", "PATCH /Groups/"+g1+" (remove 1 member) user "+id+" · deprovision bbb", "ok"),
		row(4, "grant", "PATCH /Groups/"+g1+" (add 1 member) user "+id, "ok"),
		row(3, "revoke", "PATCH /Groups/"+g2+" (remove 1 member) user "+id+" · deprovision aaa", "failed: 403"),
		row(2, "revoke", "PATCH /Groups/"+g1+" (remove 1 member) user "+id+" · deprovision aaa", "ok"),
		row(1, "deactivate", "PATCH /Users/"+id+" active=false · deprovision aaa", "ok"),
	}
	latest, err := PlanRestore(snap, log, u, 0)
	if err != nil || latest.Run != "deprovision bbb" || latest.Activate || len(latest.Grants) != 2 || latest.FromID != 5 {
		t.Fatalf("latest: %+v %v", latest, err)
	}
	first, err := PlanRestore(snap, log, u, 3)
	if err != nil || first.Run != "deprovision aaa" || !first.Activate || len(first.Grants) != 1 || first.Grants[0].GroupID != g1 ||
		len(first.NotRemoved) != 1 || first.FromID != 1 {
		t.Fatalf("--from 3: %+v %v", first, err)
	}
	if _, err := PlanRestore(snap, log, u, 4); err == nil {
		t.Fatal("--from a row that is no deprovisioning step was accepted")
	}
	del := append([]tenant.AuditEntry{row(7, "delete", "DELETE /Users/"+id+" · deprovision ccc", "ok")}, log...)
	if _, err := PlanRestore(snap, del, u, 0); err == nil || !strings.Contains(err.Error(), "deleted") {
		t.Fatalf("restore of a delete: %v", err)
	}
}
