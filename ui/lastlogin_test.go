package ui

import (
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// The Users list has a LAST LOGIN column that fits at 80 columns (TYPE
// gives way) and sorts least recent first: never, the oldest, unknown
// last; S reverses it.
func TestUsersLastLoginColumnSorts(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 80, 24)
	d.contains("LAST LOGIN", "never")
	d.lacks("TYPE")
	us := d.m.top().(*usersScreen)
	for range ucolCount {
		if us.sortCol == ucolLogin {
			break
		}
		d.key("s")
	}
	if us.sortCol != ucolLogin {
		t.Fatal("s never sorted by last login")
	}
	d.contains("LAST LOGIN" + markAsc)
	users := tn.snap.Users
	seenLogin := false
	for i, u := range us.rows {
		usr := &users[u]
		if !usr.InUsersV2 {
			t.Fatalf("row %d: a user Users V2 did not list, with logins read", i)
		}
		switch {
		case usr.LastLogin.IsZero() && seenLogin:
			t.Fatalf("row %d: never logged in after one who did", i)
		case !usr.LastLogin.IsZero():
			if seenLogin && usr.LastLogin.Before(users[us.rows[i-1]].LastLogin) {
				t.Fatalf("row %d: %v before %v", i, usr.LastLogin, users[us.rows[i-1]].LastLogin)
			}
			seenLogin = true
		}
	}
	first := &users[us.rows[0]]
	if !first.LastLogin.IsZero() {
		t.Fatal("the fake has users who never logged in; they sort first")
	}
	d.key("S", "home")
	newest := &users[us.rows[0]]
	d.contains(lastLoginCell(newest, tn.now()), "LAST LOGIN"+markDesc)
	if strings.Count(d.screen(), "never") != 0 {
		t.Fatalf("reversed, the first page still shows never:\n%s", d.screen())
	}

	d.send(resize(120, 35))
	d.contains("TYPE", "LAST LOGIN")
}

// Without Users V2 (no USER scope) every last login is "?".
func TestUsersLastLoginUnknown(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Scopes: []string{"SCIM"}})
	d := tn.model(t, 80, 24)
	d.contains("LAST LOGIN", " ?")
	d.lacks("never", "d)")
}
