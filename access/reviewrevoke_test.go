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

// fakeUserGroupsOf names the fake's user groups of userID granting groupID.
func fakeUserGroupsOf(srv *scimtest.TestServer, userID, groupID string) []string {
	var out []string
	for _, ug := range srv.UserGroupsOf(userID) {
		if slices.Contains(ug.Levels, groupID) {
			out = append(out, ug.Name)
		}
	}
	slices.Sort(out)
	return out
}

// A review covers effective access: each item says how it is held, as the
// fake tenant holds it. Applying a revoke of access held only through a
// user group removes the user from that group (the group's other members
// and the user's direct access untouched); a revoke of access held both
// ways removes the direct membership and says the group's grant stays.
func TestApplyReviewLeavesUserGroups(t *testing.T) {
	ctx := context.Background()
	svc, srv, _ := newService(t, scimtest.Config{Users: 200})
	r, err := svc.StartReview(ctx, "Q4", ReviewScope{})
	if err != nil {
		t.Fatal(err)
	}
	var via, both *tenant.ReviewItem
	for i := range r.Items {
		it := &r.Items[i]
		if it.NoRole() {
			continue
		}
		direct := srv.IsMember(it.UserID, it.GroupID)
		names := it.UserGroupNames()
		slices.Sort(names)
		if want := fakeUserGroupsOf(srv, it.UserID, it.GroupID); direct != it.HeldDirectly() || !slices.Equal(names, want) {
			t.Fatalf("%s %s: held %s via %v; the fake: direct %v via %v", it.UserLabel, it.Membership(), it.Held(), names, direct, want)
		}
		switch it.Held() {
		case "via":
			if via == nil && len(it.UserGroups) == 1 {
				via = it
			}
		case "both":
			if both == nil && (via == nil || it.UserID != via.UserID) {
				both = it
			}
		}
	}
	if via == nil || both == nil {
		t.Fatalf("the fake has no item held only via one user group (%v) or both ways (%v)", via, both)
	}
	ug := via.UserGroups[0]
	otherMembers := slices.DeleteFunc(slices.Clone(memberIDs(srv, ug.ID)), func(id string) bool { return id == via.UserID })
	directBefore := len(srvUser(t, srv, via.UserID).Groups)
	for _, it := range []*tenant.ReviewItem{via, both} {
		if err := svc.store.Decide(ctx, r.ID, tenant.Decision{Key: it.Key(), Verdict: tenant.Revoke}); err != nil {
			t.Fatal(err)
		}
	}
	r, _ = svc.store.Review(ctx, "Q4")
	snap, _ := svc.store.Load(ctx)
	plans := PlanReviewRevokes(snap, PendingRevocations(r))
	var lines []string
	for _, p := range plans {
		lines = append(lines, p.Lines()...)
	}
	plan := strings.Join(lines, "\n")
	if !strings.Contains(plan, `from user group "`+ug.Name+`"`) || !strings.Contains(plan, "DELETE /api/access/v2/user-groups/"+ug.ID+"/members/"+via.UserID) ||
		!strings.Contains(plan, "still held through user group") || !strings.Contains(plan, "PATCH /Groups/"+both.GroupID) {
		t.Fatalf("plan:\n%s", plan)
	}
	var progress []ReviewApplyProgress
	res, err := svc.ApplyReview(ctx, r, ReviewApplyOptions{Progress: func(p ReviewApplyProgress) { progress = append(progress, p) }})
	if err != nil || res.Applied != 2 || res.Failed != 0 {
		t.Fatalf("apply %+v %v", res, err)
	}
	// Through the group: the user left it, nothing else changed.
	if slices.Contains(memberIDs(srv, ug.ID), via.UserID) {
		t.Fatal("the user is still in the user group")
	}
	if got := memberIDs(srv, ug.ID); !slices.Equal(got, otherMembers) {
		t.Fatalf("the group's other members changed: %v, were %v", got, otherMembers)
	}
	if n := len(srvUser(t, srv, via.UserID).Groups); n != directBefore && via.UserID != both.UserID {
		t.Fatalf("the user's direct memberships changed: %d, were %d", n, directBefore)
	}
	// Both ways: the direct membership is gone, the user group's grant stays.
	if srv.IsMember(both.UserID, both.GroupID) || len(fakeUserGroupsOf(srv, both.UserID, both.GroupID)) == 0 {
		t.Fatalf("both-ways item: direct %v, via %v", srv.IsMember(both.UserID, both.GroupID), fakeUserGroupsOf(srv, both.UserID, both.GroupID))
	}
	for _, p := range progress {
		if p.Item.Key() == both.Key() && p.Plan.Note() == "" {
			t.Error("the both-ways result does not say what stays")
		}
	}
	r, _ = svc.store.Review(ctx, "Q4")
	if r.Counts.Applied != 2 {
		t.Fatalf("applied %d", r.Counts.Applied)
	}
	audit, _ := svc.store.Audit(ctx, 0)
	if !slices.ContainsFunc(audit, func(e tenant.AuditEntry) bool {
		return e.Action == "leave user group" && strings.Contains(e.Target, ug.Name)
	}) {
		t.Fatal("no audit row for leaving the user group")
	}
}

func memberIDs(srv *scimtest.TestServer, ugID string) []string {
	for _, ug := range srv.UserGroups() {
		if ug.ID == ugID {
			out := slices.Clone(ug.Members)
			slices.Sort(out)
			return out
		}
	}
	return nil
}

func srvUser(t *testing.T, srv *scimtest.TestServer, id string) client.User {
	t.Helper()
	u, ok := srv.User(id)
	if !ok {
		t.Fatalf("no user %s on the fake", id)
	}
	return u
}
