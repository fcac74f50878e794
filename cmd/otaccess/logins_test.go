package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// user --logins reads the login history from the tenant: a table of the
// attempts newest first, or under "logins" with --json; without the USER
// scope it says why and exits non-zero.
func TestUserLogins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync")
	var id string
	var recs []scimtest.LoginRecord
	for _, u := range e.srv.Users() {
		if r := e.srv.LoginHistory(u.ID); len(r) > 2 {
			id, recs = u.ID, r
			break
		}
	}
	if id == "" {
		t.Fatal("no user with a login history")
	}
	r := e.mustRun("user", id, "--logins")
	if !strings.Contains(r.stdout, "WHEN") || !strings.Contains(r.stdout, recs[0].IPAddress) ||
		!strings.Contains(r.stdout, recs[0].At.UTC().Format("2006-01-02 15:04")) {
		t.Fatalf("user --logins:\n%s", r.stdout)
	}
	r = e.mustRun("user", id, "--logins", "--json")
	var out struct {
		ID     string `json:"id"`
		Logins []struct {
			Time      string `json:"time"`
			Success   bool   `json:"success"`
			IPAddress string `json:"ipAddress"`
			UserAgent string `json:"userAgent"`
		} `json:"logins"`
		History *[]any `json:"history"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if out.ID != id || len(out.Logins) != len(recs) || out.History != nil {
		t.Fatalf("--json: %d logins, want %d (history %v)", len(out.Logins), len(recs), out.History)
	}
	for i, l := range out.Logins {
		if l.Success != (recs[i].Status == "Success") || l.IPAddress != recs[i].IPAddress || l.UserAgent != recs[i].UserAgent || l.Time != recs[i].CreateDT {
			t.Fatalf("login %d: %+v, want %+v", i, l, recs[i])
		}
	}

	e2 := newEnv(t, scimtest.Config{Scopes: []string{"SCIM"}})
	e2.mustRun("sync")
	m, _, _ := e2.pick()
	r = e2.run("user", m.PrimaryEmail(), "--logins")
	if r.code == 0 || !strings.Contains(r.stderr, "login history: not available — the key lacks the USER scope") {
		t.Fatalf("without USER: %+v", r)
	}
}
