package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/textsafe"
)

// Safety tests of the real commands: the token never leaves the process,
// hostile server strings never reach the terminal raw, and bad input ends in
// one clear line and a non-zero exit.

// noCrash fails on output that shows a panic or a runtime trace.
func noCrash(t *testing.T, what string, r result) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine ", "runtime error", "[signal "} {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Fatalf("%s crashed (%q):\nstdout: %s\nstderr: %s", what, s, r.stdout, r.stderr)
		}
	}
}

// TestTokenNeverLeaks runs a full session — sync, reads, grant, revoke,
// deprovision, delete, a review with exported evidence, and commands that
// fail in ways that quote the server (which echoes the token back) — then
// looks for the token in everything otaccess printed and in every file it
// wrote.
func TestTokenNeverLeaks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scimtest.Config{})
	escaped := url.QueryEscape(testToken)
	var printed []result
	run := func(args ...string) result {
		t.Helper()
		r := e.run(args...)
		noCrash(t, strings.Join(args, " "), r)
		printed = append(printed, r)
		return r
	}
	must := func(args ...string) {
		t.Helper()
		if r := run(args...); r.code != 0 {
			t.Fatalf("otaccess %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
		}
	}

	must("sync")
	member, group, outsider := e.pick()
	gi := strings.Index(group.DisplayName, " - ")
	role, org := group.DisplayName[:gi], group.DisplayName[gi+3:]
	must("users", "--json")
	must("user", member.ID)
	must("grant", outsider.PrimaryEmail(), role, org, "--yes")
	must("revoke", outsider.PrimaryEmail(), role, org, "--yes")
	must("deactivate", member.PrimaryEmail(), "--strip-roles", "--yes")
	must("restore", member.PrimaryEmail(), "--yes")
	must("edit", member.ID, "--title", "Leak Check", "--department", "", "--yes")
	must("grant", outsider.PrimaryEmail(), "--like", member.ID, "--yes")
	must("create", "--email", "leak.check@example.com", "--given", "Leak", "--family", "Check", "--like", member.ID, "--activate", "--yes")
	must("deactivate", "leak.check@example.com", "--yes")
	must("activate", "leak.check@example.com", "--yes")
	must("delete", outsider.ID, "--yes")
	must("review", "start", "--name", "leak-check", "--org", org)
	evidence := t.TempDir()
	must("review", "export", "leak-check", "--csv", filepath.Join(evidence, "e.csv"), "--json", filepath.Join(evidence, "e.json"))

	// A server that quotes the Authorization header back in its errors.
	echo := "invalid credentials: Bearer " + testToken + " (" + escaped + ")"
	e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 500, Body: echo, Method: http.MethodGet, Path: "/Users"})
	if r := run("sync"); r.code == 0 || !strings.Contains(r.stderr, "500") {
		t.Fatalf("sync against a failing server: %+v", r)
	}
	e.srv.ClearFaults()
	e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 401, Body: echo, Method: http.MethodPatch})
	// (The member holds the group again: restore gave it back.)
	if r := run("revoke", member.PrimaryEmail(), role, org, "--yes"); r.code == 0 || !strings.Contains(r.stderr, "401") {
		t.Fatalf("revoke refused with 401: %+v", r)
	}
	e.srv.ClearFaults()
	e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 401, Body: echo, Method: http.MethodPost})
	if r := run("create", "--email", "leak.two@example.com", "--given", "Leak", "--family", "Two", "--yes"); r.code == 0 || !strings.Contains(r.stdout+r.stderr, "401") {
		t.Fatalf("create refused with 401: %+v", r)
	}
	e.srv.ClearFaults()
	e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 500, Body: echo, Method: http.MethodPatch, Path: "/Users/" + member.ID})
	if r := run("edit", member.ID, "--title", "Echo", "--yes"); r.code == 0 || !strings.Contains(r.stdout+r.stderr, "500") {
		t.Fatalf("edit refused with 500: %+v", r)
	}
	e.srv.ClearFaults()
	e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultDropResponse, Method: http.MethodPatch, Times: 1})
	e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 503, Body: echo, Method: http.MethodGet})
	run("revoke", member.PrimaryEmail(), role, org, "--yes")
	e.srv.ClearFaults()
	// Wrong tokens and a refused URL are quoted nowhere either.
	for _, extra := range [][]string{
		{"OTACCESS_URL=" + e.srv.URL, "OTACCESS_TOKEN=" + testToken + "-wrong"},
		{"OTACCESS_URL=http://example.com/api/scim/v2", "OTACCESS_TOKEN=" + testToken},
		{"OTACCESS_URL=" + e.srv.URL, "OTACCESS_TOKEN=" + testToken + " with spaces"},
	} {
		r := e.runEnv(extra, "sync")
		noCrash(t, "sync with "+extra[0], r)
		printed = append(printed, r)
	}
	must("audit", "--json", "-n", "0")
	must("audit", "--csv", "-n", "0")

	for _, r := range printed {
		out := r.stdout + r.stderr
		if strings.Contains(out, testToken) || strings.Contains(out, escaped) {
			t.Errorf("token printed:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
		}
	}
	// Every file under HOME (cache, WAL, config dirs) and the evidence.
	for _, root := range []string{e.home, evidence} {
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return nil
			}
			data, _ := os.ReadFile(p)
			if bytes.Contains(data, []byte(testToken)) || bytes.Contains(data, []byte(escaped)) {
				t.Errorf("token found in %s", p)
			}
			return nil
		})
	}
}

// hostile holds every way a server string could try to drive a terminal:
// OSC (set the title, hyperlinks, clipboard), CSI (clear the screen, move
// the cursor), bare C0/C1 controls, bidi overrides, and runes that show as
// nothing or as a line break (zero-width space, U+2028).
const hostile = "\x1b]0;pwned\x07\x1b[2J\x1b[H\u202eevil\u202c\x1b]52;c;ZXZpbA==\x07\r\x08\u009b31m\u200bja\u200bne\u2028"

// rawTerminalBytes reports what of s a terminal would act on.
func rawTerminalBytes(s string) []string {
	var bad []string
	for _, r := range s {
		switch {
		case r == '\n':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			bad = append(bad, strings.TrimPrefix(string(rune(r)), ""))
		case textsafe.Invisible(r): // bidi controls, zero-width runes, U+2028
			bad = append(bad, string(r))
		}
	}
	return bad
}

// TestHostileNamesAreNeutralized gives a user and a role hostile names on
// the server, syncs, and runs every command that prints them: table output
// carries none of the bytes a terminal would act on; JSON output escapes the
// controls and decodes back to the server's exact strings.
func TestHostileNamesAreNeutralized(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 30})
	email := "mallory" + hostile + "@example.com"
	id := e.srv.AddUser(client.User{
		UserName: email, DisplayName: "Mallory " + hostile, Title: "CFO" + hostile, Active: true,
		Name:   client.Name{GivenName: "Mal" + hostile, FamilyName: "Lory"},
		Emails: []client.MultiValue{{Value: email, Primary: true}},
	})
	groups := e.srv.Groups()
	g := groups[0]
	roleID, orgID, _ := strings.Cut(g.ID, ":")
	if err := e.srv.RenameRole(roleID, "Admin"+hostile); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.RenameOrg(orgID, "Legal"+hostile); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SetMember(id, g.ID, true); err != nil {
		t.Fatal(err)
	}
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "hostile")
	grantTo := e.srv.Users()[0]

	for _, args := range [][]string{
		{"users"},
		{"users", "--filter", "mallory"},
		{"user", id},
		{"groups"},
		{"matrix"},
		{"matrix", "--user", id},
		{"deactivate", id, "--strip-roles", "--dry-run"},
		{"grant", grantTo.ID, roleID, orgID, "--dry-run"},
		{"grant", grantTo.ID, roleID, orgID, "--yes"},
		{"revoke", id, roleID, orgID, "--yes"},
		{"audit"},
		{"review", "show", "hostile"},
		{"review", "list"},
		{"user", "Mal" + hostile}, // an error that quotes what was typed
	} {
		r := e.run(args...)
		noCrash(t, strings.Join(args, " "), r)
		if bad := rawTerminalBytes(r.stdout + r.stderr); len(bad) > 0 {
			t.Errorf("otaccess %q printed %q raw\nstdout: %q\nstderr: %q", args, bad, r.stdout, r.stderr)
		}
	}

	// JSON is data: exact strings, controls escaped per JSON.
	r := e.mustRun("user", id, "--json")
	if strings.ContainsAny(r.stdout, "\x1b\x07\r\x08") {
		t.Fatalf("--json output carries raw controls: %q", r.stdout)
	}
	var u export.User
	if err := json.Unmarshal([]byte(r.stdout), &u); err != nil {
		t.Fatal(err)
	}
	if u.Email != email || !strings.Contains(u.Name, hostile) {
		t.Fatalf("JSON changed the data: %q %q", u.Email, u.Name)
	}
	if bad := rawTerminalBytes(r.stdout); len(bad) > 0 {
		t.Errorf("--json printed %q raw", bad)
	}
	r = e.mustRun("users", "--json")
	if bad := rawTerminalBytes(r.stdout); len(bad) > 0 {
		t.Errorf("users --json printed %q raw", bad)
	}
}

// TestBadInputFailsCleanly: flags, config files, environment values, typed
// filters and user arguments that make no sense each end the command with a
// non-zero exit and one line on stderr that says what is wrong; never a
// panic, never the token.
func TestBadInputFailsCleanly(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 20})
	dup := "shared@example.com"
	for _, name := range []string{"twin.one@example.com", "twin.two@example.com"} {
		e.srv.AddUser(client.User{UserName: name, Active: true, Emails: []client.MultiValue{{Value: dup, Primary: true}}})
	}
	e.mustRun("sync", "-q")
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknownKeys := write("unknown.toml", "[profiles.a]\ndomian = \"acme\"\n")
	notTOML := write("bad.toml", "this is = = not toml\n[")
	badURL := write("badurl.toml", "default_profile = \"a\"\n[profiles.a]\nurl = \"ftp://acme.onetrust.com\"\ntoken_file = \"/nonexistent/token\"\n")
	emptyToken := write("empty-token", "\n")
	junk := write("junk.db", strings.Repeat("not a database\n", 100))
	good := []string{"OTACCESS_URL=" + e.srv.URL, "OTACCESS_TOKEN=" + testToken}
	srv := func(more ...string) []string { return append(append([]string{}, good...), more...) }
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"URL that is not one", []string{"OTACCESS_URL=not a url", "OTACCESS_TOKEN=x"}, []string{"sync"}, "not an http(s) URL"},
		{"URL with credentials", []string{"OTACCESS_URL=https://me:pw@acme.onetrust.com/api/scim/v2", "OTACCESS_TOKEN=x"}, []string{"sync"}, "credentials"},
		{"http to a name under .localhost", []string{"OTACCESS_URL=http://evil.localhost:1/api/scim/v2", "OTACCESS_TOKEN=x"}, []string{"sync"}, "clear text"},
		{"URL and domain flags", good, []string{"sync", "--url", e.srv.URL, "--domain", "acme"}, "--url and --domain"},
		{"token with spaces", []string{"OTACCESS_URL=" + e.srv.URL, "OTACCESS_TOKEN=two words"}, []string{"sync"}, "spaces or control characters"},
		{"missing token file", []string{"OTACCESS_URL=" + e.srv.URL}, []string{"sync", "--token-file", filepath.Join(dir, "nope")}, "token file"},
		{"empty token file", []string{"OTACCESS_URL=" + e.srv.URL}, []string{"sync", "--token-file", emptyToken}, "empty"},
		{"unknown profile", good, []string{"users", "--profile", "nope"}, `profile "nope" not found`},
		{"profile from env with a path in it", srv("OTACCESS_PROFILE=../../etc"), []string{"users"}, "profile"},
		{"config with unknown keys", srv("OTACCESS_CONFIG=" + unknownKeys), []string{"users"}, "unknown key(s) profiles.a.domian"},
		{"config that is not TOML", srv("OTACCESS_CONFIG=" + notTOML), []string{"users"}, notTOML},
		{"config with an ftp URL", []string{"OTACCESS_CONFIG=" + badURL}, []string{"sync"}, "not an http(s) URL"},
		{"negative concurrency", good, []string{"sync", "--concurrency=-1"}, "concurrency"},
		{"huge concurrency", good, []string{"sync", "--concurrency", "100000"}, "concurrency"},
		{"concurrency not a number", good, []string{"sync", "--concurrency", "lots"}, "invalid argument"},
		{"cache is a directory", good, []string{"users", "--cache", dir}, "not an otaccess cache"},
		{"cache is someone's file", good, []string{"users", "--cache", junk}, "not an otaccess cache"},
		{"unterminated filter", good, []string{"users", "--filter", `role:"Site`}, "unterminated quote"},
		{"unknown status", good, []string{"users", "--filter", "status:maybe"}, "status"},
		{"empty user", good, []string{"user", ""}, "no user matches"},
		{"user that matches nothing", good, []string{"user", "nobody@nowhere.test"}, "no user matches"},
		{"user that matches two", good, []string{"user", dup}, "matches 2 users"},
		{"grant to two users", good, []string{"grant", dup, "x", "y", "--yes"}, "matches 2 users"},
		{"role that matches nothing", good, []string{"grant", "twin.one@example.com", "No Such Role", "x", "--yes"}, "no role matches"},
		{"role that matches several", good, []string{"grant", "twin.one@example.com", "e", "x", "--yes"}, "ambiguous"},
		{"too many arguments", good, []string{"deactivate", "a", "b"}, "received 2"},
		{"unknown command", good, []string{"frobnicate"}, "unknown command"},
		{"negative audit limit flag value", good, []string{"audit", "-n", "many"}, "invalid argument"},
		{"fake server, bad faults", nil, []string{"fake-server", "--token", "x", "--faults", "bogus:1"}, "--faults"},
		{"fake server, negative users", nil, []string{"fake-server", "--token", "x", "--users", "-5"}, "--users"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.runEnv(tc.env, tc.args...)
			noCrash(t, tc.name, r)
			if r.code == 0 {
				t.Fatalf("exit 0\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
			}
			msg := strings.TrimSpace(r.stderr)
			if strings.Contains(msg, "\n") || !strings.Contains(msg, tc.want) {
				t.Fatalf("stderr %q: want one line mentioning %q", msg, tc.want)
			}
			if strings.Contains(r.stdout+r.stderr, testToken) {
				t.Fatal("token in the output")
			}
			if strings.ContainsFunc(msg, func(r rune) bool { return unicode.IsControl(r) }) {
				t.Fatalf("control characters in %q", msg)
			}
		})
	}
}

// TestBusyCacheIsReported: while another connection (as another process
// would) holds the cache's write lock longer than otaccess waits, a sync ends with a clear "busy" message
// and changes nothing, and read-only commands are not held up at all.
func TestBusyCacheIsReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scimtest.Config{Users: 20})
	e.mustRun("sync", "-q")
	before := e.mustRun("users").stdout

	// The busy timeout lets this take the lock once the commands above
	// have let go of it (in-process, a cancelled background write of
	// theirs may still be rolling back).
	db, err := sql.Open("sqlite", e.cache+"?_txlock=immediate&_pragma=busy_timeout(20000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin() // the write lock, as a saving sync holds it
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	// The lock is held until after the command ends, so a read that waited
	// for it would end busy, not succeed: exit 0 means it never waited,
	// without timing anything.
	if r := e.run("users"); r.code != 0 || r.stdout != before {
		t.Fatalf("users during another's write: exit %d: %s", r.code, r.stderr)
	}
	// The lock is held throughout, so the sync ends busy however long its
	// store waits: a short wait tests the same.
	r := invocation{home: e.home, env: e.tenantEnv(), busy: 100 * time.Millisecond}.run(t, "--cache", e.cache, "sync", "-q")
	noCrash(t, "sync on a busy cache", r)
	if r.code == 0 || !strings.Contains(r.stderr, "busy") || !strings.Contains(r.stderr, "is unchanged") ||
		strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("sync on a busy cache: exit %d, stderr %q", r.code, r.stderr)
	}
	// SQLite's own words are for developers, not in the message.
	for _, raw := range []string{"SQLITE", "database is locked", "(5)"} {
		if strings.Contains(r.stderr, raw) {
			t.Errorf("the busy message quotes SQLite (%q): %q", raw, r.stderr)
		}
	}
	tx.Rollback()
	if after := e.mustRun("users").stdout; after != before {
		t.Fatal("the cache changed")
	}
}

// TestFaultsThroughTheFakeServerFlag: faults switched on with fake-server
// --faults reach a real sync: transient ones are ridden out, a refused
// token ends it with the cause and leaves the previous snapshot.
func TestFaultsThroughTheFakeServerFlag(t *testing.T) {
	t.Parallel()
	e := &env{t: t, cache: filepath.Join(t.TempDir(), "c.db"), home: t.TempDir()}
	flaky := startFakeServer(t, "--faults", "503:1,path=/Users;cut:1,path=/Groups;shift:1,shift=2,path=/Users,after=1;total:1,delta=3,path=/Users")
	r := e.runEnv([]string{"OTACCESS_URL=" + flaky, "OTACCESS_TOKEN=ft"}, "sync", "-q")
	noCrash(t, "sync through transient faults", r)
	if r.code != 0 || !strings.Contains(r.stdout, "40 users, 6 groups") {
		t.Fatalf("sync through transient faults: %+v", r)
	}
	refusing := startFakeServer(t, "--faults", "401,path=/Users")
	r = e.runEnv([]string{"OTACCESS_URL=" + refusing, "OTACCESS_TOKEN=ft"}, "sync", "-q")
	noCrash(t, "sync refused", r)
	if r.code == 0 || !strings.Contains(r.stderr, "401") || !strings.Contains(r.stderr, "is unchanged") {
		t.Fatalf("sync refused with 401: %+v", r)
	}
	if r := e.runEnv(nil, "users"); r.code != 0 || !strings.Contains(r.stderr, "40 of 40 users") {
		t.Fatalf("previous snapshot after the refused sync: %+v", r)
	}
}
