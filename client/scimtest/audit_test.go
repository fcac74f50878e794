package scimtest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
)

// TestActivitiesFollowTheWrites: a seeded member's trail has a "User
// Management" grant per membership; a grant, a revoke and a deactivation
// through SCIM each add a "User Provisioning" entry, newest first; the
// endpoint needs USER, answers 404 for no such user and 400 for a bad id.
func TestActivitiesFollowTheWrites(t *testing.T) {
	ts := NewTestServer(t, Config{Users: 30, Roles: 3, Orgs: 2, Seed: 5, Token: TestToken})
	c := ts.NewClient(t, client.Options{})
	ctx := context.Background()
	var member client.User
	for _, u := range ts.Users() {
		if len(u.Groups) > 0 && u.Active {
			member = u
			break
		}
	}
	acts, err := c.UserActivities(ctx, member.ID, client.AccessWalk{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	grants := 0
	for _, a := range acts {
		if a.FieldName == FieldRole && a.OldValue == "" && a.Method == methodManagement {
			grants++
		}
	}
	if grants != len(member.Groups) {
		t.Fatalf("%d generated grants for %d memberships: %+v", grants, len(member.Groups), acts)
	}
	var outside client.Group
	for _, g := range ts.Groups() {
		if !ts.IsMember(member.ID, g.ID) {
			outside = g
			break
		}
	}
	had := member.Groups[0].Value
	hadGroup, _ := ts.Group(had)
	if err := c.AddMember(ctx, outside.ID, member.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveMember(ctx, had, member.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetActive(ctx, member.ID, false); err != nil {
		t.Fatal(err)
	}
	after, err := c.UserActivities(ctx, member.ID, client.AccessWalk{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(acts)+3 {
		t.Fatalf("%d entries after 3 writes, had %d", len(after), len(acts))
	}
	want := [][3]string{{fieldStatus, "Active", "Inactive"}, {FieldRole, hadGroup.DisplayName, ""}, {FieldRole, "", outside.DisplayName}}
	for i, w := range want {
		a := after[i]
		if a.FieldName != w[0] || a.OldValue != w[1] || a.NewValue != w[2] || a.Method != methodProvisioning || a.UpdatedBy == "" || a.Date.Time.IsZero() {
			t.Errorf("entry %d: %+v, want %v through User Provisioning", i, a, w)
		}
	}
	if !strings.HasSuffix(after[0].Date.Raw, "Z") || len(after[0].Date.Raw) != len("2006-01-02T15:04:05.000000Z") {
		t.Errorf("date %q is not microseconds with Z", after[0].Date.Raw)
	}
	expectStatus(t, getRoot(t, ts, auditPrefix+"00000000-0000-4000-8000-000000000000/activities", TestToken), http.StatusNotFound)
	expectStatus(t, getRoot(t, ts, auditPrefix+"nope/activities", TestToken), http.StatusBadRequest)

	noUser := NewTestServer(t, Config{Users: 3, Token: TestToken, Scopes: []string{"SCIM"}})
	_, err = noUser.NewClient(t, client.Options{}).UserActivities(ctx, noUser.Users()[0].ID, client.AccessWalk{})
	if !client.IsForbidden(err) || !strings.Contains(err.Error(), "lacks the USER scope") {
		t.Fatalf("without USER: %v", err)
	}
}
