package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// Against the fake tenant over HTTP: the access APIs agree with SCIM.
func TestAccessAPIsAgainstTheFake(t *testing.T) {
	anchor := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ts := scimtest.NewTestServer(t, scimtest.Config{Users: 4200, Orgs: 3, Seed: 2, Token: scimtest.TestToken, LoginAnchor: anchor})
	c := ts.NewClient(t, client.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var last [2]int
	users, err := c.AllUsersV2(ctx, client.AccessWalk{Progress: func(d, n int) { last = [2]int{d, n} }})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 4200 || last != [2]int{4200, 4200} {
		t.Fatalf("%d users, progress %v", len(users), last)
	}
	for _, u := range users {
		l, _ := ts.LoginOf(u.UserID)
		if !u.LastLoginDate.Time.Equal(l.Last) || u.LastLoginDate.Bad || u.CreatedDate.Bad || u.CreatedDate.Time.IsZero() {
			t.Fatalf("user %s: lastLoginDate %+v, the fake has %v", u.UserID, u.LastLoginDate, l.Last)
		}
		if !u.Active && u.DisabledDateTime.Time.IsZero() {
			t.Fatalf("inactive %s without disabledDateTime", u.UserID)
		}
	}
	groups, err := c.AllUserGroups(ctx, client.AccessWalk{PageSize: 3})
	if err != nil || len(groups) != len(ts.UserGroups()) {
		t.Fatalf("%d user groups, %v", len(groups), err)
	}
	g := ts.UserGroups()[0]
	levels, err := c.UserGroupAccessLevels(ctx, g.ID)
	if err != nil || len(levels) != len(g.Levels) || levels[0].GroupID() != g.Levels[0] {
		t.Fatalf("levels %+v %v, want %v", levels, err, g.Levels)
	}
	members, err := c.AllUserGroupMembers(ctx, g.ID, client.AccessWalk{PageSize: 50})
	if err != nil || len(members) != len(g.Members) {
		t.Fatalf("%d members, %v; want %d", len(members), err, len(g.Members))
	}
	if err := c.RemoveUserGroupMember(ctx, g.ID, g.Members[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveUserGroupMember(ctx, g.ID, g.Members[0]); !client.IsNotFound(err) {
		t.Fatalf("removing a non-member: %v", err)
	}
	if err := c.AddUserGroupMember(ctx, g.ID, g.Members[0]); err != nil {
		t.Fatal(err)
	}
	hist, err := c.LoginHistory(ctx, users[0].UserID, client.AccessWalk{PageSize: 5})
	if err != nil || len(hist) != len(ts.LoginHistory(users[0].UserID)) {
		t.Fatalf("history %d, %v", len(hist), err)
	}
}

// A SCIM server that is not OneTrust answers 404 on the access APIs.
func TestAccessAPIsAbsent(t *testing.T) {
	ts := scimtest.NewTestServer(t, scimtest.Config{Users: 10, NoAccessAPIs: true, Token: scimtest.TestToken})
	c := ts.NewClient(t, client.Options{})
	if _, err := c.AllUsersV2(context.Background(), client.AccessWalk{}); !client.IsNotFound(err) {
		t.Fatalf("%v", err)
	}
}
