package access

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// Crash and concurrency tests run real child processes: the test binary
// re-executed into TestCrashChild, which syncs a fake tenant into a cache
// file and prints markers ("open", "fetching", "saving", "done") on stdout
// so the parent can kill it at a chosen moment.

const (
	envChild = "OTACCESS_CRASH_CHILD"
	envCache = "OTACCESS_CRASH_CACHE"
	envUsers = "OTACCESS_CRASH_USERS"
	envSeed  = "OTACCESS_CRASH_SEED"
	// envStop is "STEP:N": at the Nth save step STEP (see
	// cache.WithSaveProbe) the child prints "stopped" and waits there to
	// be killed.
	envStop = "OTACCESS_CRASH_STOP"
)

// crashPageSize is the child's users page size: a tenant of a few
// thousand users is written in a few dozen page transactions.
const crashPageSize = 100

// crashTenant is the tenant a child syncs: seed and size pick it.
func crashTenant(users int, seed int64) scimtest.Config {
	return scimtest.Config{Users: users, Roles: 10, Orgs: 5, Seed: seed, Token: testToken}
}

func TestCrashChild(t *testing.T) {
	if os.Getenv(envChild) != "1" {
		t.Skip("helper process for the crash and concurrency tests")
	}
	users, _ := strconv.Atoi(os.Getenv(envUsers))
	seed, _ := strconv.ParseInt(os.Getenv(envSeed), 10, 64)
	srv := scimtest.NewTestServer(t, crashTenant(users, seed))
	c, err := client.New(client.Options{BaseURL: srv.URL, Token: testToken, HTTPClient: srv.Client(), RequestsPerMinute: 1_000_000})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	var probe []cache.OpenOption
	if stop := os.Getenv(envStop); stop != "" {
		step, nth, _ := strings.Cut(stop, ":")
		n, _ := strconv.Atoi(nth)
		seen := map[string]int{}
		probe = append(probe, cache.WithSaveProbe(func(s string) {
			if seen[s]++; s == step && seen[s] == n {
				fmt.Println("stopped")
				time.Sleep(time.Hour) // until the parent kills the process
			}
		}))
	}
	st, err := cache.Open(os.Getenv(envCache), probe...)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println("open")
	var once sync.Once
	saving := false
	_, err = New(c, st, "crash").Sync(context.Background(), SyncOptions{Replace: true, UserPageSize: crashPageSize, Progress: func(p SyncProgress) {
		once.Do(func() { fmt.Println("fetching") })
		if p.Saving && !saving {
			saving = true
			fmt.Println("saving")
		}
	}})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println("done")
}

// child is a running TestCrashChild.
type child struct {
	cmd   *exec.Cmd
	lines chan string // stdout lines; closed at EOF
	mu    sync.Mutex
	seen  []string
}

// startChild starts a child syncing the tenant of users and seed into the
// cache at path; stop, when set, is its envStop.
func startChild(t *testing.T, path string, users int, seed int64, stop string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChild+"=1", envCache+"="+path,
		envUsers+"="+strconv.Itoa(users), envSeed+"="+strconv.FormatInt(seed, 10), envStop+"="+stop)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string, 16)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.mu.Lock()
			c.seen = append(c.seen, sc.Text())
			c.mu.Unlock()
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return c
}

// waitFor reads lines until marker; false when the child ended first.
func (c *child) waitFor(t *testing.T, marker string) bool {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				return false
			}
			if l == marker {
				return true
			}
		case <-timeout:
			t.Fatalf("no %q from the child", marker)
		}
	}
}

// finish waits for the child to exit and returns its output.
func (c *child) finish() (string, error) {
	for range c.lines {
	}
	err := c.cmd.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.seen, "\n"), err
}

// expected is the complete snapshot a child syncing this tenant stores.
func expected(users int, seed int64) (nUsers, nGroups, nMembers int) {
	s := scimtest.NewServer(crashTenant(users, seed))
	return len(s.Users()), len(s.Groups()), s.Memberships()
}

// checkIntact opens the cache the way otaccess does, checks SQLite's
// integrity and returns the current snapshot's info.
func checkIntact(t *testing.T, path string) tenant.SyncInfo {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	db.Close()
	st, err := cache.Open(path)
	if err != nil {
		t.Fatalf("reopen after the crash: %v", err)
	}
	defer st.Close()
	snap, err := st.Load(context.Background())
	if err != nil {
		t.Fatalf("load after the crash: %v", err)
	}
	// The model's counts come from the rows actually loaded, so a partial
	// snapshot would show here.
	in := snap.Info
	if in.Users != len(snap.Users) || in.Groups != len(snap.Groups) || in.Memberships != snap.Memberships() {
		t.Fatalf("loaded snapshot is inconsistent: %+v vs %d/%d/%d", in, len(snap.Users), len(snap.Groups), snap.Memberships())
	}
	return in
}

// TestSyncSurvivesSIGKILL kills a syncing otaccess at several points — before
// the sync, inside the transactions that write its pages of users, inside
// the one that makes it current, just after that one, and wherever a kill
// right after the fetch lands — and checks the cache still holds a
// complete snapshot: the previous one, or the new one if the kill came
// after its commit; never a mix. The child stops itself at the exact step
// (cache.WithSaveProbe) and waits there to be killed, so where a kill lands
// does not depend on the machine's speed.
func TestSyncSurvivesSIGKILL(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("runs child processes (skipped with -short and -race)")
	}
	const (
		smallUsers, smallSeed = 300, 1
		bigUsers, bigSeed     = 2400, 2 // 24 pages of crashPageSize
	)
	path := filepath.Join(t.TempDir(), "cache", "crash.db")
	first := startChild(t, path, smallUsers, smallSeed, "")
	if out, err := first.finish(); err != nil || !strings.Contains(out, "done") {
		t.Fatalf("first sync: %v\n%s", err, out)
	}
	prev := checkIntact(t, path)
	pu, pg, pm := expected(smallUsers, smallSeed)
	if prev.Users != pu || prev.Groups != pg || prev.Memberships != pm {
		t.Fatalf("first snapshot %+v, want %d/%d/%d", prev, pu, pg, pm)
	}
	nu, ng, nm := expected(bigUsers, bigSeed)

	const (
		previous = iota // the kill came before the commit
		current         // after it
		either          // a kill timed only by a marker lands anywhere
	)
	points := []struct {
		name   string
		marker string // kill once the child prints it ("stopped" with stop)
		stop   string // envStop
		want   int
	}{
		{"before the sync", "open", "", previous},
		{"in the first page", "stopped", "page:1", previous},
		{"in a page mid-fetch", "stopped", "page:12", previous},
		{"in the last page", "stopped", "page:24", previous},
		{"as the save begins", "saving", "", either},
		{"in the commit", "stopped", "commit:1", previous},
		{"after the commit", "stopped", "committed:1", current},
		// Over the new snapshot, with the housekeeping the kill above
		// interrupted still to do.
		{"in a page, again", "stopped", "page:5", previous},
		{"in the commit, again", "stopped", "commit:1", previous},
	}
	for _, p := range points {
		t.Run(p.name, func(t *testing.T) {
			c := startChild(t, path, bigUsers, bigSeed, p.stop)
			if !c.waitFor(t, p.marker) {
				out, err := c.finish()
				t.Fatalf("child ended before %q: %v\n%s", p.marker, err, out)
			}
			if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
				t.Fatal(err)
			}
			_, _ = c.finish()
			got := checkIntact(t, path)
			isNew := got.Users == nu && got.Groups == ng && got.Memberships == nm && got.ID != prev.ID
			switch {
			case got.ID == prev.ID && p.want != current:
				if got != prev {
					t.Fatalf("previous snapshot changed:\n%+v\n%+v", got, prev)
				}
			case isNew && p.want != previous:
				prev = got // the kill came after the commit; it is the new baseline
			case got.ID == prev.ID:
				t.Fatalf("the kill came after the commit, yet the cache holds the previous snapshot %+v", got)
			case isNew:
				t.Fatalf("the kill came before the commit, yet the cache holds the new snapshot %+v", got)
			default:
				t.Fatalf("after the kill the cache holds %+v; want the previous %+v or a complete new one (%d/%d/%d)", got, prev, nu, ng, nm)
			}
		})
	}
}

// TestTwoProcessesSyncOneCache runs two syncs into one cache at once: both
// end without corrupting it, each either succeeds or says the cache is busy,
// and the cache holds one of the two complete snapshots.
func TestTwoProcessesSyncOneCache(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("runs child processes (skipped with -short and -race)")
	}
	path := filepath.Join(t.TempDir(), "cache", "two.db")
	tenants := []struct {
		users int
		seed  int64
	}{{6000, 3}, {5000, 4}}
	var outs [2]string
	var errs [2]error
	var wg sync.WaitGroup
	for i, tn := range tenants {
		wg.Go(func() {
			c := startChild(t, path, tn.users, tn.seed, "")
			outs[i], errs[i] = c.finish()
		})
	}
	wg.Wait()
	succeeded := 0
	for i := range outs {
		switch {
		case errs[i] == nil && slices.Contains(strings.Split(outs[i], "\n"), "done"):
			succeeded++
		case strings.Contains(outs[i], "busy"):
			t.Logf("child %d: %s", i, outs[i])
		default:
			t.Fatalf("child %d neither synced nor reported a busy cache: %v\n%s", i, errs[i], outs[i])
		}
	}
	if succeeded == 0 {
		t.Fatal("neither sync succeeded")
	}
	got := checkIntact(t, path)
	ok := false
	for _, tn := range tenants {
		u, g, m := expected(tn.users, tn.seed)
		ok = ok || (got.Users == u && got.Groups == g && got.Memberships == m)
	}
	if !ok {
		t.Fatalf("the cache holds %+v, neither tenant's complete snapshot", got)
	}
}
