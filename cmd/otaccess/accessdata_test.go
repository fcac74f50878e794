package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// users --json / user: effective access with provenance and last logins,
// read from the fake tenant's access APIs over HTTP.
func TestUsersShowEffectiveAccessAndLogins(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	if r := e.mustRun("sync"); strings.Contains(r.stderr, "not available") {
		t.Fatalf("sync stderr: %s", r.stderr)
	}
	var users []userJSON
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
	var nev []userJSON
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
	var users []userJSON
	_ = json.Unmarshal([]byte(e.mustRun("users", "--json").stdout), &users)
	if len(users) == 0 || users[0].LastLogin != nil || !strings.Contains(users[0].LastLoginNote, "lacks the USER scope") {
		t.Errorf("users --json: %+v", users[0])
	}
	if r := e.run("users", "--filter", "stale:90d"); r.code == 0 || !strings.Contains(r.stderr, "not available — the key lacks the USER scope") {
		t.Errorf("stale:90d without logins: exit %d, %s", r.code, r.stderr)
	}
}
