package ui

import (
	"testing"

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
