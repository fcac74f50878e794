package main

import (
	"bufio"
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client/scimtest"
)

// mustExec runs otaccess as a process and fails on a non-zero exit.
func (e *env) mustExec(args ...string) result {
	e.t.Helper()
	r := e.exec(args...)
	if r.code != 0 {
		e.t.Fatalf("otaccess %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// TestExitCodes: the process exits 0 on success and 1 on an error, which
// it says on stderr in one line after "otaccess: "; the in-process runs
// of every other test return the same status through run.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scimtest.Config{Users: 20})
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"users"}, 1, "otaccess: no snapshot in the cache"},
		{[]string{"sync", "-q"}, 0, ""},
		{[]string{"users", "--nope"}, 1, "otaccess: unknown flag: --nope"},
		{[]string{"grant", "nobody@nowhere", "x", "y"}, 1, "otaccess: no user matches"},
		{[]string{"users", "--csv"}, 0, ""},
	} {
		r := e.exec(tc.args...)
		if r.code != tc.code || !strings.HasPrefix(r.stderr, tc.err) || (tc.err != "" && strings.Count(r.stderr, "\n") != 1) {
			t.Errorf("otaccess %v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.err)
		}
		in := e.run(tc.args...)
		if tc.args[0] == "sync" {
			in.stdout = r.stdout // it says how long the sync took
		}
		if in.code != r.code || in.stdout != r.stdout {
			t.Errorf("otaccess %v: in-process exit %d and %d bytes of stdout, the binary %d and %d", tc.args, in.code, len(in.stdout), r.code, len(r.stdout))
		}
	}
}

// TestFakeServerStopsOnSignal: `otaccess fake-server` prints its URL,
// serves a sync, and on SIGINT (ctrl+c) or SIGTERM shuts down and exits 0.
func TestFakeServerStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := command(ctx, t, nil, "fake-server", "--listen", "127.0.0.1:0", "--users", "50", "--roles", "3", "--orgs", "2", "--token", "ft")
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		url, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || !strings.HasPrefix(url, "http://127.0.0.1:") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("first line %q, %v", url, err)
		}
		e := &env{t: t, cache: filepath.Join(t.TempDir(), "c.db"), home: t.TempDir()}
		r := e.runEnv([]string{"OTACCESS_URL=" + strings.TrimSpace(url), "OTACCESS_TOKEN=ft"}, "sync", "-q")
		if r.code != 0 || !strings.Contains(r.stdout, "50 users, 6 groups") {
			t.Errorf("sync against fake-server: %+v", r)
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("fake-server after %v: %v (want exit 0)", sig, err)
		}
	}
}

// TestFakeServerRefusesNonLoopback: the fake tenant listens on loopback only.
func TestFakeServerRefusesNonLoopback(t *testing.T) {
	r := runIn(t, t.TempDir(), nil, "fake-server", "--listen", "0.0.0.0:0", "--token", "x")
	if r.code == 0 || !strings.Contains(r.stderr, "loopback") {
		t.Fatalf("non-loopback listen: %+v", r)
	}
}
