package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/export"
)

// users --json / user: effective access with provenance and last logins,
// read from the fake tenant's access APIs over HTTP.
func TestUsersShowEffectiveAccessAndLogins(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	if r := e.mustRun("sync"); strings.Contains(r.stderr, "not available") {
		t.Fatalf("sync stderr: %s", r.stderr)
	}
	var users []export.User
	if err := json.Unmarshal([]byte(e.mustRun("users", "--json").stdout), &users); err != nil {
		t.Fatal(err)
	}
	onlyVia := ""
	never := 0
	for _, u := range users {
		l, _ := e.srv.LoginOf(u.ID)
		switch {
		case u.LastLogin == nil && l.Last.IsZero():
			never++
		case u.LastLogin == nil || !client.ParseTime(*u.LastLogin).Equal(l.Last):
			t.Fatalf("user %s lastLogin %v, the fake has %v", u.ID, u.LastLogin, l.Last)
		}
		for _, m := range u.Memberships {
			if m.UserGroups == nil {
				t.Fatalf("user %s membership %s: userGroups is null, want []", u.ID, m.GroupID)
			}
			direct := e.srv.IsMember(u.ID, m.GroupID)
			if m.Direct != direct || (!direct && len(m.UserGroups) == 0) {
				t.Fatalf("user %s membership %+v, SCIM says direct=%v", u.ID, m, direct)
			}
			if !m.Direct && onlyVia == "" {
				onlyVia = u.ID + " " + m.UserGroups[0]
			}
		}
	}
	if onlyVia == "" || never == 0 {
		t.Fatalf("no access held only through a user group (%q) or no user who never logged in (%d)", onlyVia, never)
	}
	id, group, _ := strings.Cut(onlyVia, " ")
	if out := e.mustRun("user", id).stdout; !strings.Contains(out, "via "+group) || !strings.Contains(out, "last login") {
		t.Errorf("user %s:\n%s", id, out)
	}
	var nev []export.User
	_ = json.Unmarshal([]byte(e.mustRun("users", "--filter", "login:never", "--json").stdout), &nev)
	if len(nev) != never {
		t.Errorf("login:never lists %d users, %d never logged in", len(nev), never)
	}
	csv := e.mustRun("users", "--filter", "stale:90d", "--csv").stdout
	if !strings.HasPrefix(csv, "id,name,email,userName,status,roles,orgs,type,lastLogin,daysSinceLogin") || strings.Count(csv, "\n") < never+1 {
		t.Errorf("stale:90d csv:\n%.300s", csv)
	}
	cutoff := time.Now().Add(-90 * 24 * time.Hour)
	for _, line := range strings.Split(strings.TrimSpace(csv), "\n")[1:] {
		f := strings.Split(line, ",")
		if at := f[len(f)-2]; at != "" && client.ParseTime(at).After(cutoff) {
			t.Errorf("stale:90d lists a login of %s", at)
		}
	}
}

// Without the USER scope the sync goes on, and every place that would
// show the data says why it cannot.
func TestUsersSayWhyLoginsAreMissing(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.srv.InjectFault(scimtest.Fault{Path: client.PathUsersV2, Kind: scimtest.FaultStatus, Status: http.StatusForbidden})
	r := e.mustRun("sync")
	if !strings.Contains(r.stderr, "note: last logins not available — the key lacks the USER scope") {
		t.Fatalf("sync stderr: %s", r.stderr)
	}
	if r := e.mustRun("users"); !strings.Contains(r.stderr, "last login: not available — the key lacks the USER scope") {
		t.Errorf("users stderr: %s", r.stderr)
	}
	var users []export.User
	_ = json.Unmarshal([]byte(e.mustRun("users", "--json").stdout), &users)
	if len(users) == 0 || users[0].LastLogin != nil || !strings.Contains(users[0].LastLoginNote, "lacks the USER scope") {
		t.Errorf("users --json: %+v", users[0])
	}
	if r := e.run("users", "--filter", "stale:90d"); r.code == 0 || !strings.Contains(r.stderr, "not available — the key lacks the USER scope") {
		t.Errorf("stale:90d without logins: exit %d, %s", r.code, r.stderr)
	}
}

// Revoking access held only through a user group removes the user from
// that group, and nothing else changes: not the user's other groups or
// direct memberships, not the group's other members.
func TestRevokeThroughAUserGroupLeavesIt(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync")
	var users []export.User
	_ = json.Unmarshal([]byte(e.mustRun("users", "--json").stdout), &users)
	var who export.User
	var cell export.Membership
	for _, u := range users {
		for _, m := range u.Memberships {
			if !m.Direct && len(m.UserGroups) == 1 && m.Role != "" && who.ID == "" {
				who, cell = u, m
			}
		}
	}
	if who.ID == "" {
		t.Fatal("no cell held only through one user group")
	}
	scimBefore := map[string]int{}
	for _, u := range e.srv.Users() {
		scimBefore[u.ID] = len(u.Groups)
	}
	groupsBefore := e.srv.UserGroups()
	r := e.mustRun("revoke", who.ID, cell.Role, cell.Org, "--yes")
	if !strings.Contains(r.stdout, `Remove `+who.Email+` from user group "`+cell.UserGroups[0]+`"`) || !strings.Contains(r.stdout, "other members are untouched") ||
		!strings.Contains(r.stdout, "✓ "+who.Email+" left user group "+cell.UserGroups[0]) {
		t.Fatalf("revoke output:\n%s", r.stdout)
	}
	for _, u := range e.srv.Users() {
		if scimBefore[u.ID] != len(u.Groups) {
			t.Fatalf("SCIM memberships of %s changed", u.ID)
		}
	}
	for i, g := range e.srv.UserGroups() {
		want := groupsBefore[i].Members
		if g.Name == cell.UserGroups[0] {
			want = slices.DeleteFunc(slices.Clone(want), func(id string) bool { return id == who.ID })
		}
		if !slices.Equal(g.Members, want) {
			t.Fatalf("user group %s: %d members, want %d", g.Name, len(g.Members), len(want))
		}
	}
	var after export.User
	_ = json.Unmarshal([]byte(e.mustRun("user", who.ID, "--json").stdout), &after)
	for _, m := range after.Memberships {
		if m.GroupID == cell.GroupID {
			t.Fatalf("the cache still shows %+v", m)
		}
	}
	if a := e.mustRun("audit", "--json").stdout; !strings.Contains(a, "leave user group") {
		t.Errorf("audit: %s", a)
	}
}

// deactivate --strip-roles leaves the user's user groups too, each a step.
func TestStripRolesLeavesUserGroups(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync")
	var who string
	for _, u := range e.srv.Users() {
		if len(e.srv.UserGroupsOf(u.ID)) > 0 && len(u.Groups) > 0 && u.Active {
			who = u.ID
			break
		}
	}
	if who == "" {
		t.Fatal("no active user in a user group")
	}
	ugs := e.srv.UserGroupsOf(who)
	r := e.mustRun("deactivate", who, "--strip-roles", "--yes")
	for _, g := range ugs {
		if !strings.Contains(r.stdout, "leave user group "+g.Name) {
			t.Errorf("no step for %s:\n%s", g.Name, r.stdout)
		}
	}
	if got := e.srv.UserGroupsOf(who); len(got) != 0 {
		t.Fatalf("still in %d user groups", len(got))
	}
	if u, _ := e.srv.User(who); u.Active || len(u.Groups) != 0 {
		t.Fatalf("after the strip: active %v, %d groups", u.Active, len(u.Groups))
	}
	var after export.User
	_ = json.Unmarshal([]byte(e.mustRun("user", who, "--json").stdout), &after)
	if len(after.Memberships) != 0 {
		t.Fatalf("the cache still shows %+v", after.Memberships)
	}
}
