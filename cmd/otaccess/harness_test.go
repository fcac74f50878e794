package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/ui"
)

// The CLI tests run the real root command in-process (run, as main does)
// against a scimtest tenant over real HTTP, with the streams, environment
// and home directory injected, and check stdout, stderr, the exit status
// and the server's state afterwards. A few tests run otaccess as a process
// instead: exit statuses as the shell sees them, signals, and the bench
// command's child processes.

const testToken = scimtest.TestToken

type env struct {
	t     *testing.T
	srv   *scimtest.TestServer
	cache string
	home  string
}

func newEnv(t *testing.T, cfg scimtest.Config) *env {
	t.Helper()
	if cfg.Users == 0 {
		cfg.Users = 120
	}
	if cfg.Roles == 0 {
		cfg.Roles, cfg.Orgs = 6, 4
	}
	cfg.Token = testToken
	dir := t.TempDir()
	return &env{t: t, srv: scimtest.NewTestServer(t, cfg), cache: filepath.Join(dir, "cache", "t.db"), home: dir}
}

type result struct {
	stdout, stderr string
	code           int
}

// tenantEnv is the environment that points otaccess at e's tenant.
func (e *env) tenantEnv() []string {
	return []string{"OTACCESS_URL=" + e.srv.URL, "OTACCESS_TOKEN=" + testToken}
}

// run runs otaccess with the tenant in the environment and e's cache.
func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.runEnv(e.tenantEnv(), args...)
}

// runEnv runs otaccess with e's cache and only the environment extra
// (besides the home directory).
func (e *env) runEnv(extra []string, args ...string) result {
	e.t.Helper()
	return runIn(e.t, e.home, extra, append([]string{"--cache", e.cache}, args...)...)
}

func (e *env) mustRun(args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("otaccess %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// invocation is one in-process run of otaccess: the streams, the
// environment and the directories it sees.
type invocation struct {
	home   string
	env    []string
	stdin  string
	tty    bool             // stdin is a terminal a person answers at
	now    func() time.Time // nil: the real clock
	stdout io.Writer
	busy   time.Duration // the cache's busy timeout (0: the default)
	// httpClient, when set, carries every request to the tenant (see
	// scimtest.TestServer.ClientAs).
	httpClient *http.Client
	// runUI, when set, is given what the terminal UI would run on.
	runUI func(context.Context, ui.Options) error
}

// runIn runs otaccess in-process with the environment envv only (no
// --cache flag added): HOME is home, the config file and the default
// caches live under it, as XDG_CONFIG_HOME and XDG_CACHE_HOME would put
// them.
func runIn(t *testing.T, home string, envv []string, args ...string) result {
	t.Helper()
	return invocation{home: home, env: envv}.run(t, args...)
}

func (inv invocation) run(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := inv.app(&out, &errb)
	if inv.stdout != nil {
		a.io.Out = inv.stdout
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := run(ctx, a, args)
	return result{out.String(), errb.String(), code}
}

// app is the app a run of inv gets, writing to out and errOut.
func (inv invocation) app(out, errOut io.Writer) *app {
	vars := map[string]string{
		"HOME": inv.home, "XDG_CONFIG_HOME": filepath.Join(inv.home, "cfg"), "XDG_CACHE_HOME": filepath.Join(inv.home, "xdg-cache"),
	}
	for _, kv := range inv.env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	ios := &ioStreams{In: strings.NewReader(inv.stdin), Out: out, ErrOut: errOut, InTerminal: inv.tty}
	a := newApp(ios, func(k string) string { return vars[k] })
	if inv.now != nil {
		a.now = inv.now
	}
	// Retries back off for milliseconds, not the client's seconds: the
	// tests count retries, they do not time them.
	a.tuneClient = func(o *client.Options) { o.BaseBackoff, o.MaxBackoff = time.Millisecond, 20*time.Millisecond }
	a.httpClient = inv.httpClient
	a.uiRunner = inv.runUI
	if inv.busy > 0 {
		a.openCacheWith = append(a.openCacheWith, access.WithBusyTimeout(inv.busy))
	}
	a.configPath = func() (string, error) {
		return filepath.Join(vars["XDG_CONFIG_HOME"], "otaccess", "config.toml"), nil
	}
	a.cachePath = func(name string) (string, error) {
		p, err := access.DefaultCachePath(name) // its checks of the name, in another directory
		if err != nil {
			return "", err
		}
		return filepath.Join(vars["XDG_CACHE_HOME"], "otaccess", filepath.Base(p)), nil
	}
	return a
}

// pick returns a user on the server with at least one group, that group,
// and a user not in it (for grants).
func (e *env) pick() (member client.User, group client.Group, outsider client.User) {
	e.t.Helper()
	users := e.srv.Users()
	for _, u := range users {
		if len(u.Groups) > 0 && u.Active {
			member = u
			break
		}
	}
	group, _ = e.srv.Group(member.Groups[0].Value)
	for _, u := range users {
		if !e.srv.IsMember(u.ID, group.ID) && u.PrimaryEmail() != "" {
			outsider = u
			break
		}
	}
	return
}

// startFakeServer runs `otaccess fake-server` in-process with extra flags
// until the test ends, and returns its base URL.
func startFakeServer(t *testing.T, flags ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb syncBuffer
	a := newApp(&ioStreams{In: strings.NewReader(""), Out: pw, ErrOut: &errb}, func(string) string { return "" })
	args := append([]string{"fake-server", "--listen", "127.0.0.1:0", "--users", "40", "--roles", "3", "--orgs", "2", "--token", "ft"}, flags...)
	done := make(chan int, 1)
	go func() { done <- run(ctx, a, args); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("fake-server ended with exit %d: %s", code, errb.String())
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://127.0.0.1:") {
		t.Fatalf("fake-server printed %q, %v", line, err)
	}
	go io.Copy(io.Discard, pr) // nothing more is printed; never block it
	return strings.TrimSpace(line)
}

// syncBuffer is a bytes.Buffer safe to write from one goroutine and read
// from another.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ---- the binary, for the few tests that need a process ----

// envAsMain makes the test binary run otaccess's main instead of its
// tests: the tests that need a process (exit codes, signals, bench's
// children) run this binary as otaccess, the same main, rather than
// linking another one (seconds of CPU per test run). The name has no
// OTACCESS_ prefix, so bench passes it on to the children it starts.
const envAsMain = "GO_TEST_OTACCESS_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envAsMain) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// command is otaccess ARGS as a process of its own, with the environment
// env (nil: this process's).
func command(ctx context.Context, t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env, asMainEnv(t)...)
	return cmd
}

// asMainEnv is what a child run of this binary as otaccess needs in its
// environment: envAsMain, and under `go test -cover` a directory for the
// child's coverage data (without one it warns on stderr, which the exit
// code tests read).
func asMainEnv(t *testing.T) []string {
	out := []string{envAsMain + "=1"}
	if testing.CoverMode() != "" {
		out = append(out, "GOCOVERDIR="+t.TempDir())
	}
	return out
}

// exec runs otaccess as a process with the tenant in its environment and e's
// cache.
func (e *env) exec(args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	env := append([]string{"HOME=" + e.home, "XDG_CONFIG_HOME=" + filepath.Join(e.home, "cfg"), "XDG_CACHE_HOME=" + filepath.Join(e.home, "xdg-cache"), "PATH=" + os.Getenv("PATH")}, e.tenantEnv()...)
	cmd := command(ctx, e.t, env, append([]string{"--cache", e.cache}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("exec %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}
