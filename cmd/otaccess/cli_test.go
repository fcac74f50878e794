package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/export"
)

func TestSyncAndRead(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	r := e.mustRun("sync")
	if !strings.Contains(r.stdout, "120 users") || !strings.Contains(r.stdout, "24 groups") {
		t.Fatalf("sync summary: %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "syncing") {
		t.Errorf("no progress on stderr: %q", r.stderr)
	}

	r = e.mustRun("users")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 121 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("users: %d lines, header %q", len(lines), lines[0])
	}
	if !strings.Contains(r.stderr, "120 of 120 users") {
		t.Errorf("users count line: %q", r.stderr)
	}

	r = e.mustRun("users", "--filter", "status:inactive", "--json")
	var list []export.User
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("users --json: %v", err)
	}
	wantInactive := 0
	for _, u := range e.srv.Users() {
		if !u.Active {
			wantInactive++
		}
	}
	if len(list) != wantInactive {
		t.Fatalf("status:inactive gave %d users, server has %d inactive", len(list), wantInactive)
	}

	member, group, _ := e.pick()
	r = e.mustRun("user", member.PrimaryEmail(), "--json")
	var one export.User
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil {
		t.Fatal(err)
	}
	if one.ID != member.ID || len(one.Memberships) != len(member.Groups) {
		t.Fatalf("user --json: %+v, server has %d groups", one, len(member.Groups))
	}

	r = e.mustRun("groups", "--csv")
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(rows) != 25 {
		t.Fatalf("groups --csv: %d rows, %v", len(rows), err)
	}

	r = e.mustRun("matrix", "--user", member.ID)
	if !strings.Contains(r.stdout, "●") {
		t.Fatalf("matrix --user shows no membership:\n%s", r.stdout)
	}
	r = e.mustRun("matrix", "--csv")
	rows, _ = csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if len(rows) != 7 || len(rows[0]) != 5 {
		t.Fatalf("matrix --csv is %dx%d, want 7x5", len(rows), len(rows[0]))
	}
	_ = group
}

func TestGrantRevokeEndToEnd(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	_, group, outsider := e.pick()
	gi := strings.Index(group.DisplayName, " - ")
	role, org := group.DisplayName[:gi], group.DisplayName[gi+3:]

	r := e.mustRun("grant", outsider.PrimaryEmail(), role, org, "--dry-run")
	if !strings.Contains(r.stdout, "PATCH /Groups/"+group.ID) || e.srv.IsMember(outsider.ID, group.ID) {
		t.Fatalf("dry-run: %q (member now: %v)", r.stdout, e.srv.IsMember(outsider.ID, group.ID))
	}

	r = e.run("grant", outsider.PrimaryEmail(), role, org)
	if r.code == 0 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("grant without a terminal and without --yes: exit %d, %q", r.code, r.stderr)
	}

	r = e.mustRun("grant", outsider.PrimaryEmail(), role, org, "--yes")
	if !strings.Contains(r.stdout, "✓ granted") || !e.srv.IsMember(outsider.ID, group.ID) {
		t.Fatalf("grant: %q, server member: %v", r.stdout, e.srv.IsMember(outsider.ID, group.ID))
	}
	// The cache reflects the write without a re-sync.
	r = e.mustRun("user", outsider.ID, "--json")
	if !strings.Contains(r.stdout, group.ID) {
		t.Fatalf("cache not updated after grant: %s", r.stdout)
	}
	r = e.mustRun("grant", outsider.PrimaryEmail(), role, org, "--yes")
	if !strings.Contains(r.stdout, "nothing to do") {
		t.Fatalf("second grant: %q", r.stdout)
	}

	r = e.mustRun("revoke", outsider.ID, role, org, "--yes")
	if !strings.Contains(r.stdout, "✓ revoked") || e.srv.IsMember(outsider.ID, group.ID) {
		t.Fatalf("revoke: %q", r.stdout)
	}

	r = e.mustRun("audit", "--json")
	if strings.Count(r.stdout, `"action": "grant"`) != 1 {
		t.Fatalf("audit: %s", r.stdout)
	}
	assertNoToken(t, e)
}

func TestDeprovisionEndToEnd(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	member, _, _ := e.pick()
	r := e.mustRun("deactivate", member.PrimaryEmail(), "--strip-roles", "--yes")
	if !strings.Contains(r.stdout, "✓ deactivate") {
		t.Fatalf("deactivate: %s", r.stdout)
	}
	u, _ := e.srv.User(member.ID)
	if u.Active || len(u.Groups) != 0 {
		t.Fatalf("server after deprovision: active=%v groups=%d", u.Active, len(u.Groups))
	}
	r = e.mustRun("user", member.ID, "--json")
	if !strings.Contains(r.stdout, `"active": false`) || !strings.Contains(r.stdout, `"memberships": []`) {
		t.Fatalf("cache after deprovision: %s", r.stdout)
	}

	r = e.mustRun("delete", member.ID, "--yes")
	if _, ok := e.srv.User(member.ID); ok {
		t.Fatal("user still on the server after delete")
	}
	if !strings.Contains(r.stdout, "no longer exists") {
		t.Fatalf("delete output: %s", r.stdout)
	}
	if r := e.run("user", member.ID); r.code == 0 || !strings.Contains(r.stderr, "no user matches") {
		t.Fatalf("deleted user still in the cache: %+v", r)
	}
	assertNoToken(t, e)
}

func TestErrorsAreOneLineAndNonZero(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 20})
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no snapshot", nil, []string{"users"}, "run `otaccess sync` first"},
		{"no tenant", []string{}, []string{"sync"}, "no tenant configured"},
		{"no token", []string{"OTACCESS_URL=" + e.srv.URL}, []string{"sync"}, "no API token"},
		{"bad token", []string{"OTACCESS_URL=" + e.srv.URL, "OTACCESS_TOKEN=wrong"}, []string{"sync"}, "401"},
		{"plain http", []string{"OTACCESS_URL=http://example.com/api/scim/v2", "OTACCESS_TOKEN=x"}, []string{"sync"}, "http://"},
		{"bad flag", nil, []string{"users", "--nope"}, "unknown flag"},
		{"bad args", nil, []string{"grant", "x"}, "accepts 3 arg"},
		{"bad config", []string{"OTACCESS_CONFIG=/dev/null/x"}, []string{"users"}, "config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			envv := tc.env
			if envv == nil {
				envv = []string{"OTACCESS_URL=" + e.srv.URL, "OTACCESS_TOKEN=" + testToken}
			}
			r := e.runEnv(envv, tc.args...)
			if r.code == 0 {
				t.Fatalf("exit 0, stdout %q", r.stdout)
			}
			msg := strings.TrimSpace(r.stderr)
			if strings.Count(msg, "\n") != 0 || !strings.Contains(msg, tc.want) {
				t.Fatalf("stderr %q, want one line mentioning %q", msg, tc.want)
			}
			if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, testToken) {
				t.Fatalf("stderr: %q", r.stderr)
			}
		})
	}
	e.mustRun("sync", "-q")
	for _, args := range [][]string{
		{"user", "nobody@nowhere"},
		{"users", "--filter", `org:"unterminated`},
		{"grant", "nobody@nowhere", "x", "y", "--yes"},
	} {
		if r := e.run(args...); r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d stderr %q", args, r.code, r.stderr)
		}
	}
}

// assertNoToken greps every file otaccess wrote for the token.
func assertNoToken(t *testing.T, e *env) {
	t.Helper()
	filepath.Walk(filepath.Dir(e.cache), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte(testToken)) {
			t.Errorf("token found in %s", p)
		}
		return nil
	})
	if r := e.mustRun("audit", "--csv"); strings.Contains(r.stdout, testToken) {
		t.Error("token in the audit log")
	}
}
