package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// leaversOf returns n active users with memberships (distinct, with an
// email and a userName).
func leaversOf(t *testing.T, e *env, n int) []client.User {
	t.Helper()
	var out []client.User
	for _, u := range e.srv.Users() {
		if u.Active && len(u.Groups) > 0 && u.PrimaryEmail() != "" && u.UserName != "" {
			out = append(out, u)
			if len(out) == n {
				return out
			}
		}
	}
	t.Fatalf("the fake tenant has fewer than %d active members", n)
	return nil
}

// TestDeactivateFromFile: a leavers CSV (header, comment, blank line, a
// user listed twice, by email, userName and id) is planned in full, sent
// after one confirmation, and a re-run has nothing left to do.
func TestDeactivateFromFile(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	ls := leaversOf(t, e, 3)
	file := filepath.Join(t.TempDir(), "leavers.csv")
	body := "Email,Reason\n# Q4 leavers\n" +
		ls[0].PrimaryEmail() + ",moved on\n\n" +
		strings.ToUpper(ls[1].UserName) + ",contract ended\n" +
		ls[2].ID + ",\n" +
		ls[0].PrimaryEmail() + ",listed twice\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	r := e.mustRun("deactivate", "--from-file", file, "--strip-roles", "--dry-run")
	if e.patches() != 0 {
		t.Fatalf("--dry-run sent %d PATCHes", e.patches())
	}
	for _, want := range []string{"3 users (1 lines name a user listed before)", "plan for " + ls[0].PrimaryEmail(), "deactivate the user (active: false)", "remove "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}

	if r := e.run("deactivate", "--from-file", file, "--strip-roles"); r.code == 0 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("without a terminal or --yes: %+v", r)
	}

	r = e.mustRun("deactivate", "--from-file", file, "--strip-roles", "--yes")
	if !strings.Contains(r.stdout, "3 users deprovisioned") || strings.Contains(r.stdout, "✗") {
		t.Fatalf("run: %s", r.stdout)
	}
	if !strings.Contains(r.stdout, "✓ "+ls[1].PrimaryEmail()+": deactivate the user") {
		t.Errorf("steps are not named by user:\n%s", r.stdout)
	}
	for _, l := range ls {
		u, _ := e.srv.User(l.ID)
		if u.Active || len(u.Groups) != 0 {
			t.Errorf("%s on the server: active=%v, %d groups", l.PrimaryEmail(), u.Active, len(u.Groups))
		}
	}
	audit := e.mustRun("audit", "--json").stdout
	if n := strings.Count(audit, `"action": "deactivate"`); n != 3 {
		t.Errorf("%d deactivate audit rows, want 3", n)
	}

	sent := e.patches()
	r = e.mustRun("deactivate", "--from-file", file, "--strip-roles", "--yes")
	if e.patches() != sent || !strings.Contains(r.stdout, "nothing to do for 3 users already inactive with no memberships") {
		t.Fatalf("re-run sent %d PATCHes: %s", e.patches()-sent, r.stdout)
	}
	assertNoToken(t, e)
}

// TestDeactivateFromFileRefusesUnknownLines: one line that identifies no
// user, or several, stops the whole batch before anything is sent, and
// each bad line is named with its number.
func TestDeactivateFromFileRefusesUnknownLines(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	ls := leaversOf(t, e, 1)
	r := invocation{home: e.home, env: e.tenantEnv(), stdin: ls[0].PrimaryEmail() + "\nnobody@nowhere.test\n\x1b[31mred\n"}.
		run(t, "--cache", e.cache, "deactivate", "--from-file", "-", "--yes")
	if r.code == 0 || e.patches() != 0 {
		t.Fatalf("exit %d, %d PATCHes sent: %+v", r.code, e.patches(), r)
	}
	for _, want := range []string{`stdin:2: no user matches "nobody@nowhere.test"`, "stdin:3: no user matches", "2 of 3 lines identify no single user; nothing was sent"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "\x1b") {
		t.Errorf("a raw escape from the file reached the terminal: %q", r.stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"deactivate", ls[0].ID, "--from-file", "-"}, "not both"},
		{[]string{"deactivate"}, "needs USER"},
		{[]string{"deactivate", "--from-file", filepath.Join(t.TempDir(), "missing.csv")}, "no such file"},
	} {
		if r := e.run(tc.args...); r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %+v; want an error mentioning %q", tc.args, r, tc.want)
		}
	}
	if r := (invocation{home: e.home, env: e.tenantEnv(), stdin: "# nobody\n\n"}).run(t, "--cache", e.cache, "deactivate", "--from-file", "-"); r.code == 0 || !strings.Contains(r.stderr, "lists no users") {
		t.Errorf("an empty list: %+v", r)
	}
}

func TestReadLeaversColumns(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a@x\nb@x\n", "a@x b@x"},
		{"name,employee_number\nAna,E1\nBo,E2\n", "E1 E2"},
		{"a@x,ignored\n\"b,c@x\",y\n", "a@x b,c@x"},
		{"  a@x  \n# c\n\n", "a@x"},
	} {
		got, err := readLeavers(strings.NewReader(tc.in))
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		var ids []string
		for _, l := range got {
			ids = append(ids, l.id)
		}
		if strings.Join(ids, " ") != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, ids, tc.want)
		}
	}
	if _, err := readLeavers(strings.NewReader("name,email\nAna,\n")); err == nil || !strings.Contains(err.Error(), "line 2 has no identifier in column 2") {
		t.Errorf("a row without its identifier: %v", err)
	}
}
