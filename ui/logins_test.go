package ui

import (
	"net/http"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/access/accesstest"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// i on the user detail reads the login history into a pager: each attempt's
// time, result, IP and agent, newest first; any other key closes it.
func TestLoginHistoryPager(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	var id string
	var recs []scimtest.LoginRecord
	for _, u := range tn.snap.Users {
		if r := tn.srv.LoginHistory(u.ID); u.Email != "" && len(r) > 3 && r[0].Status == "Failure" {
			id, recs = u.ID, r
			break
		}
	}
	if id == "" {
		t.Fatal("no user whose latest attempt failed")
	}
	u, _ := tn.snap.UserIndex(id)
	d := tn.model(t, 120, 30)
	d.openUser(tn.snap.Users[u].Email)
	d.contains("last login " + lastLoginText(tn.snap, &tn.snap.Users[u], tn.now()))
	d.key("i")
	if _, ok := d.m.top().(*loginsScreen); !ok {
		t.Fatalf("i opened no login history:\n%s", d.screen())
	}
	first := recs[0].At.UTC().Format("2006-01-02 15:04")
	d.contains("WHEN (UTC)", "RESULT", "AGENT", first, markFail+" failure", markOK+" success", recs[0].IPAddress, "newest first")
	d.key("q")
	if _, ok := d.m.top().(*detailScreen); !ok {
		t.Fatalf("q did not close the login history:\n%s", d.screen())
	}
}

// Without the USER scope the pager says why there is no login history.
func TestLoginHistoryUnavailable(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Scopes: []string{"SCIM"}})
	d := tn.model(t, 120, 30)
	u := pick(t, tn.snap, func(u *tenant.User) bool { return u.Email != "" })
	d.openUser(tn.snap.Users[u].Email)
	d.key("i")
	d.contains("login history: not available — the key lacks the USER scope (403 from /api/access/v1/login-history)")
}

// A SCIM server without OneTrust's access APIs: the header, the login
// pager and the org view each say why they have nothing to show.
func TestAccessViewsOnAServerWithoutAccessAPIs(t *testing.T) {
	tn := newTenant(t, scimtest.Config{NoAccessAPIs: true})
	d := tn.model(t, 120, 30)
	u := pick(t, tn.snap, func(u *tenant.User) bool { return u.Email != "" })
	d.openUser(tn.snap.Users[u].Email)
	d.contains("last login not available — ", "direct access only — user groups: not available")
	d.key("i")
	d.contains("login history: not available — ")
	d.key("q")
	d.key("O")
	d.contains("org tree: not available — ")
}

// Login history strings come from the server: escape sequences and
// controls in the agent or IP never reach the terminal.
func TestLoginHistoryIsSanitized(t *testing.T) {
	const evil = `{"content":[{"userId":"x","ipAddress":"10.0.0.1\u001b[2J","userAgentString":"Evil\u001b]52;c;aGk=\u0007Agent\r\nnext","createDT":"2026-11-30T10:00:00Z","status":"Failure"}],"empty":false,"first":true,"last":true,"number":0,"numberOfElements":1,"size":2000,"totalElements":1,"totalPages":1}`
	kit := accesstest.New(t, scimtest.Config{Users: 40, Seed: 42}, accesstest.WithServer(scimtest.WithHandler(func(_ *scimtest.Server, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/login-history") {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(evil))
				return
			}
			next.ServeHTTP(w, r)
		})
	})))
	tn := &testTenant{srv: kit.Srv, svc: kit.Svc, snap: kit.Snap}
	d := tn.model(t, 120, 30)
	u := pick(t, tn.snap, func(u *tenant.User) bool { return u.Email != "" })
	d.openUser(tn.snap.Users[u].Email)
	d.key("i")
	d.contains("2026-11-30 10:00", markFail+" failure", "10.0.0.1", "Evil", "Agent")
	raw := d.m.View().Content
	for _, bad := range []string{"\x1b[2J", "\x1b]52", "\x07", "\r"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("the view carries %q from the server", bad)
		}
	}
}
