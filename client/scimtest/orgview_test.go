package scimtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
)

// TestChildOrgCredentialSeesOnlyItsSubtree: every view a child org's
// token reads (SCIM Users and Groups, Users V2, user groups, login
// history) holds only the subtree, by the rules in orgview.go; what is
// outside answers 404 (or 400 in a SCIM group PATCH's body); member lists
// still name users outside the view; the API key still sees everything.
func TestChildOrgCredentialSeesOnlyItsSubtree(t *testing.T) {
	ts := NewTestServer(t, oauthConfig(Config{Users: 300, Orgs: 5, Roles: 4, Seed: 7, UserGroups: 12, ClientOrg: "Legal", Token: TestToken}))
	ctx := context.Background()
	c := ts.NewClient(t, client.Options{Token: "", ClientID: TestClientID, ClientSecret: TestClientSecret})
	in := map[string]bool{}
	for _, o := range ts.CredentialSubtree() {
		in[o.ID] = true
	}
	if len(in) != 3 || !in[ts.CredentialOrg().ID] || in[ts.RootOrg().ID] {
		t.Fatalf("Legal's subtree %v", ts.CredentialSubtree())
	}
	orgOf := func(groupID string) string { _, org, _ := strings.Cut(groupID, ":"); return org }

	// SCIM users: those whose organization is in the subtree, each with
	// its groups in the subtree only.
	var seen, outside []string
	for _, u := range ts.Users() {
		if ts.CredentialSees(u.ID) {
			seen = append(seen, u.ID)
		} else {
			outside = append(outside, u.ID)
		}
	}
	if len(seen) == 0 || len(outside) == 0 {
		t.Fatalf("the seed gives %d users in Legal's subtree and %d outside: want some of each", len(seen), len(outside))
	}
	users, err := c.AllUsers(ctx, client.PageOptions{PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != len(seen) {
		t.Fatalf("SCIM /Users: %d users, want the %d in the subtree", len(users), len(seen))
	}
	for _, u := range users {
		if !ts.CredentialSees(u.ID) {
			t.Fatalf("user %s is outside the subtree", u.ID)
		}
		for _, g := range u.Groups {
			if !in[orgOf(g.Value)] {
				t.Fatalf("user %s lists group %s outside the subtree", u.ID, g.Display)
			}
		}
	}
	// Users V2 agrees with SCIM, its access levels cut the same way.
	v2, err := c.AllUsersV2(ctx, client.AccessWalk{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v2) != len(seen) {
		t.Fatalf("Users V2: %d users, want %d", len(v2), len(seen))
	}
	for _, u := range v2 {
		if !in[u.DefaultOrganizationID] {
			t.Fatalf("Users V2 %s: default org %s outside the subtree", u.UserID, u.DefaultOrganizationName)
		}
		for _, l := range u.AccessLevels {
			if !in[l.OrganizationID] {
				t.Fatalf("Users V2 %s: access level in %s", u.UserID, l.OrganizationName)
			}
		}
	}
	// SCIM groups: the subtree's role x org groups; a member list names
	// users outside the view too.
	groups, err := c.AllGroups(ctx, client.PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 4*len(in) {
		t.Fatalf("%d groups, want 4 roles x %d orgs", len(groups), len(in))
	}
	foreignMember := ""
	for _, g := range groups {
		if !in[orgOf(g.ID)] {
			t.Fatalf("group %s outside the subtree", g.DisplayName)
		}
		full, err := c.GetGroup(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range full.Members {
			if !ts.CredentialSees(m.Value) && foreignMember == "" {
				foreignMember = m.Value
			}
		}
	}
	if foreignMember == "" {
		t.Fatal("no group of the subtree has a member from outside it: the seed does not test that")
	}
	// User groups: those granting something in the subtree, with only
	// those levels; members in full.
	ugs, err := c.AllUserGroups(ctx, client.AccessWalk{})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, ug := range ts.UserGroups() {
		for _, l := range ug.Levels {
			if in[orgOf(l)] {
				want++
				break
			}
		}
	}
	if len(ugs) != want || want == 0 || want == len(ts.UserGroups()) {
		t.Fatalf("%d user groups seen, want %d of %d", len(ugs), want, len(ts.UserGroups()))
	}
	for _, ug := range ugs {
		levels, err := c.UserGroupAccessLevels(ctx, ug.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range levels {
			if !in[l.OrganizationID] {
				t.Fatalf("user group %s: level in %s", ug.Name, l.OrganizationName)
			}
		}
	}
	// Login history of everyone (the last 7 days): the subtree's users only.
	r := tokenRequest(t, ts, map[string]string{"grant_type": "client_credentials", "client_id": TestClientID, "client_secret": TestClientSecret})
	var tok tokenWire
	if err := json.Unmarshal(r.body, &tok); err != nil {
		t.Fatal(err)
	}
	r = getRoot(t, ts, "/api/access/v1/login-history?size=2000", tok.AccessToken)
	expectStatus(t, r, http.StatusOK)
	var hist pageWire[LoginRecord]
	if err := json.Unmarshal(r.body, &hist); err != nil || len(hist.Content) == 0 {
		t.Fatalf("login history: %v, %d records", err, len(hist.Content))
	}
	for _, l := range hist.Content {
		if !ts.CredentialSees(l.UserID) {
			t.Fatalf("login history lists user %s, outside the subtree", l.UserID)
		}
	}

	// Outside the view is as if it did not exist, for reads and writes.
	x := outside[0]
	before, _ := ts.User(x)
	wasMember := ts.IsMember(x, groups[0].ID)
	hiddenGroup := ""
	for _, g := range ts.Groups() {
		if !in[orgOf(g.ID)] {
			hiddenGroup = g.ID
		}
	}
	for name, err := range map[string]error{
		"GET /Users/{id}":    second(c.GetUser(ctx, x)),
		"PATCH /Users/{id}":  second(c.SetActive(ctx, x, false)),
		"GET /Groups/{id}":   second(c.GetGroup(ctx, hiddenGroup)),
		"PATCH /Groups/{id}": c.AddMember(ctx, hiddenGroup, seen[0]),
		"login history":      second(c.LoginHistory(ctx, x, client.AccessWalk{})),
		"audit activities":   second(c.UserActivities(ctx, x, client.AccessWalk{})),
		"user group member":  c.AddUserGroupMember(ctx, ugs[0].ID, x),
	} {
		if !client.IsNotFound(err) {
			t.Errorf("%s of something outside the subtree: %v, want 404", name, err)
		}
	}
	var ce *client.Error
	if err := c.AddMember(ctx, groups[0].ID, x); !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
		t.Errorf("adding a user outside the subtree to a group in it: %v, want 400 (no such user)", err)
	}
	if u, _ := ts.User(x); u.Active != before.Active || ts.IsMember(x, groups[0].ID) != wasMember {
		t.Errorf("a refused write changed user %s", x)
	}

	// A group emptied through the child credential keeps its members from
	// outside the subtree: the credential cannot see them to remove them.
	var fromOutside string
	for _, g := range groups {
		if full, _ := ts.Group(g.ID); len(full.Members) > 0 {
			for _, m := range full.Members {
				if !ts.CredentialSees(m.Value) {
					fromOutside = g.ID
				}
			}
		}
	}
	if _, err := c.PatchGroup(ctx, fromOutside, client.PatchOperation{Op: "remove", Path: "members"}); err != nil {
		t.Fatal(err)
	}
	left, _ := ts.Group(fromOutside)
	for _, m := range left.Members {
		if ts.CredentialSees(m.Value) {
			t.Errorf("emptying group %s left %s, a member in the subtree", left.DisplayName, m.Value)
		}
	}
	if len(left.Members) == 0 {
		t.Errorf("emptying group %s through Legal's credential removed its members from outside the subtree", left.DisplayName)
	}
	// A user created through it is in the subtree, so its creator sees it.
	nu, err := c.CreateUser(ctx, &client.User{UserName: "new.hire@acme.test", Emails: []client.MultiValue{{Value: "new.hire@acme.test"}}})
	if err != nil || !ts.CredentialSees(nu.ID) || len(nu.Groups) != 1 {
		t.Fatalf("created through the child credential: %+v, %v", nu, err)
	}

	// The API key sees the whole tenant.
	all, err := ts.NewClient(t, client.Options{}).AllUsers(ctx, client.PageOptions{})
	if err != nil || len(all) != len(seen)+len(outside)+1 {
		t.Fatalf("API key: %d users, %v; want %d", len(all), err, len(seen)+len(outside)+1)
	}
}

func second[T any](_ T, err error) error { return err }
