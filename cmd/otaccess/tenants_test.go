package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

func cacheFiles(t *testing.T, home string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(home, "xdg-cache", "otaccess", "*.db"))
	return m
}

// Two tenants on one host (two fake tenants on 127.0.0.1, or OneTrust's
// shared regional hosts) get a default cache each: the name comes from the
// whole base URL, port and path included.
func TestDefaultCachePerTenantURL(t *testing.T) {
	a := scimtest.NewTestServer(t, scimtest.Config{Users: 30, Seed: 1, Token: testToken})
	b := scimtest.NewTestServer(t, scimtest.Config{Users: 40, Seed: 2, Token: testToken})
	home := t.TempDir()
	for _, srv := range []*scimtest.TestServer{a, b} {
		r := runIn(t, home, []string{"OTACCESS_URL=" + srv.URL, "OTACCESS_TOKEN=" + testToken}, "sync")
		if r.code != 0 {
			t.Fatalf("sync %s: %d %s", srv.URL, r.code, r.stderr)
		}
	}
	if files := cacheFiles(t, home); len(files) != 2 {
		t.Fatalf("default caches %v, want one per tenant", files)
	}
	for _, tc := range []struct {
		srv  *scimtest.TestServer
		want string
	}{{a, "30 users"}, {b, "40 users"}} {
		r := runIn(t, home, []string{"OTACCESS_URL=" + tc.srv.URL}, "users", "--offline", "--csv")
		if r.code != 0 || strings.Count(r.stdout, "\n") != len(tc.srv.Users())+1 {
			t.Fatalf("users of %s: exit %d, %d lines\n%s", tc.srv.URL, r.code, strings.Count(r.stdout, "\n"), r.stderr)
		}
	}
}

// A sync that shares no user and no group with the current snapshot is
// another tenant behind the same cache: it is refused, the snapshot stays,
// and the message says what to do. --replace does it knowingly. Offline,
// a configured URL other than the snapshot's is named.
func TestSyncOfAnotherTenantIsRefused(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 30, Seed: 1})
	other := scimtest.NewTestServer(t, scimtest.Config{Users: 25, Seed: 99, Token: testToken})
	e.mustRun("sync")
	r := e.runEnv([]string{"OTACCESS_URL=" + other.URL, "OTACCESS_TOKEN=" + testToken}, "sync")
	if r.code == 0 || !strings.Contains(r.stderr, "--replace") || !strings.Contains(r.stderr, "profile") || !strings.Contains(r.stderr, e.srv.URL) {
		t.Fatalf("sync of another tenant: exit %d\n%s", r.code, r.stderr)
	}
	users := e.run("users", "--offline", "--csv")
	if users.code != 0 || strings.Count(users.stdout, "\n") != 31 {
		t.Fatalf("the previous snapshot did not stay: %d %q", users.code, users.stderr)
	}
	// Offline with the other URL configured: whose snapshot this is.
	off := e.runEnv([]string{"OTACCESS_URL=" + other.URL}, "users", "--csv")
	if !strings.Contains(off.stderr, e.srv.URL) || !strings.Contains(off.stderr, other.URL) {
		t.Fatalf("offline with another URL does not say whose snapshot it is: %q", off.stderr)
	}
	r = e.runEnv([]string{"OTACCESS_URL=" + other.URL, "OTACCESS_TOKEN=" + testToken}, "sync", "--replace")
	if r.code != 0 || !strings.Contains(r.stdout, "25 users") {
		t.Fatalf("sync --replace: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// A command that fails before it talks to a tenant leaves no cache file.
func TestFailedCommandsLeaveNoEmptyCache(t *testing.T) {
	srv := scimtest.NewTestServer(t, scimtest.Config{Users: 10, Token: testToken})
	home := t.TempDir()
	for _, c := range []struct {
		env  []string
		args []string
	}{
		{[]string{"OTACCESS_URL=" + srv.URL}, []string{"users"}},
		{[]string{"OTACCESS_URL=" + srv.URL}, []string{"audit"}},
		{[]string{"OTACCESS_URL=" + srv.URL, "OTACCESS_TOKEN=" + testToken}, []string{"grant", "x@example.com", "--role", "r", "--org", "o"}},
		{[]string{"OTACCESS_URL=" + srv.URL, "OTACCESS_TOKEN= "}, []string{"sync"}},
		{[]string{"OTACCESS_URL=" + srv.URL, "OTACCESS_TOKEN=wrong"}, []string{"sync"}},
	} {
		r := runIn(t, home, c.env, c.args...)
		if r.code == 0 && c.args[0] != "audit" { // an empty audit log is no error
			t.Fatalf("%v succeeded", c.args)
		}
		if files := cacheFiles(t, home); len(files) != 0 {
			t.Fatalf("%v left %v behind (%s)", c.args, files, r.stderr)
		}
	}
}
