package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/access/accesstest"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestDeleteOnOneTrustIsRefused: against a OneTrust host (the fake, reached
// as acme.onetrust.com) delete says before sending anything that OneTrust
// has no SCIM delete; --yes and scripts get exit 1 and the command to run
// instead, a person at a terminal is offered deactivate + strip, which then
// runs. On loopback, delete still deletes (TestTokenNeverLeaks and others).
func TestDeleteOnOneTrustIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scimtest.Config{})
	as := func(stdin string, tty bool, args ...string) result {
		t.Helper()
		inv := invocation{home: e.home, env: []string{"OTACCESS_URL=" + accesstest.OneTrustURL, "OTACCESS_TOKEN=" + testToken},
			stdin: stdin, tty: tty, httpClient: e.srv.ClientAs()}
		return inv.run(t, append([]string{"--cache", e.cache}, args...)...)
	}
	if r := as("", false, "sync"); r.code != 0 {
		t.Fatalf("sync as OneTrust: %+v", r)
	}
	member, _, _ := e.pick()
	email := member.PrimaryEmail()
	noWrites := func(what string) {
		t.Helper()
		for _, rr := range e.srv.RequestLog() {
			if rr.Method != http.MethodGet {
				t.Fatalf("%s: sent %+v", what, rr)
			}
		}
	}
	const why = "OneTrust documents SCIM DELETE /Users as not available at this time (acme.onetrust.com): nothing was sent"
	for _, tc := range []struct {
		name  string
		stdin string
		tty   bool
		args  []string
		code  int
	}{
		{"--yes", "", false, []string{"delete", email, "--yes"}, 1},
		{"no terminal", "", false, []string{"delete", email}, 1},
		{"--dry-run", "", false, []string{"delete", email, "--dry-run"}, 0},
		{"declined", "n\n", true, []string{"delete", email}, 1},
	} {
		r := as(tc.stdin, tc.tty, tc.args...)
		noCrash(t, tc.name, r)
		if r.code != tc.code || !strings.Contains(r.stderr, why) || !strings.Contains(r.stdout, "instead of a delete: plan for "+email) ||
			!strings.Contains(r.stdout, "deactivate the user (active: false)") || strings.Contains(r.stdout, "DELETE /Users") {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s", tc.name, r.code, r.stdout, r.stderr)
		}
		if tc.name == "--yes" && !strings.Contains(r.stderr, "run `otaccess deactivate "+email+" --strip-roles` to do that instead") {
			t.Errorf("--yes does not say what to run instead: %s", r.stderr)
		}
		noWrites(tc.name)
	}
	r := as("y\n", true, "delete", email)
	if r.code != 0 || !strings.Contains(r.stderr, "Deactivate and remove its memberships instead? [y/N]") || !strings.Contains(r.stdout, "✓ deactivate the user") {
		t.Fatalf("offer taken: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	su, ok := e.srv.User(member.ID)
	if !ok || su.Active || len(su.Groups) != 0 {
		t.Fatalf("after the offer: exists %v, active %v, %d groups", ok, su.Active, len(su.Groups))
	}
	for _, rr := range e.srv.RequestLog() {
		if rr.Method == http.MethodDelete {
			t.Fatalf("a DELETE was sent: %+v", rr)
		}
	}
}
