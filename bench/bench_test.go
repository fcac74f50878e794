package bench

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/list"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// The benchmarks share one served tenant, synced once: the reference tenant,
// or a tenth of it under -short.
var (
	sharedOnce sync.Once
	shared     *env
	sharedErr  error
)

func benchEnv(b *testing.B) *env {
	b.Helper()
	sharedOnce.Do(func() {
		opt := Reference()
		if testing.Short() {
			opt.Users = 10_000
		}
		shared, sharedErr = newEnv(opt)
		if sharedErr != nil {
			return
		}
		var r syncRun
		if r, sharedErr = shared.syncOnce(context.Background(), "shared.db"); sharedErr != nil {
			return
		}
		shared.cacheFile, shared.syncRequests = r.path, r.requests
		var st *cache.Store
		if st, sharedErr = cache.Open(r.path); sharedErr != nil {
			return
		}
		defer st.Close()
		shared.snap, sharedErr = st.Load(context.Background())
	})
	if sharedErr != nil {
		b.Fatal(sharedErr)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.close()
	}
	os.Exit(code)
}

// BenchmarkSyncConcurrent is access.Service.Sync into a fresh cache, as
// `otaccess sync` runs it; it reports the whole sync, and the fetch alone,
// against the latency floor.
func BenchmarkSyncConcurrent(b *testing.B) {
	e := benchEnv(b)
	var last syncRun
	for b.Loop() {
		r, err := e.syncOnce(context.Background(), "bench-sync.db")
		if err != nil {
			b.Fatal(err)
		}
		last = r
	}
	floor := time.Duration(ceilDiv(last.requests, e.conc)) * e.opt.Latency
	b.ReportMetric(ms(last.took), "sync-ms")
	b.ReportMetric(ms(last.fetch), "fetch-ms")
	b.ReportMetric(last.took.Seconds()/floor.Seconds(), "sync/floor")
	b.ReportMetric(last.fetch.Seconds()/floor.Seconds(), "fetch/floor")
	b.ReportMetric(float64(last.requests), "requests")
}

// BenchmarkSyncFetch is the fetch alone: users and groups read at once,
// sharing the concurrency, as Sync reads them.
func BenchmarkSyncFetch(b *testing.B) {
	e := benchEnv(b)
	c, err := e.newClient()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cpu0 := processCPU()
	for b.Loop() {
		e.srv.ResetRateLimits() // each a first sync of the hour
		slots := semaphore.NewWeighted(int64(e.conc))
		var g errgroup.Group
		g.Go(func() error {
			_, err := c.AllUsers(ctx, client.PageOptions{Concurrency: e.conc, Slots: slots})
			return err
		})
		g.Go(func() error {
			_, err := c.AllGroups(ctx, client.PageOptions{Concurrency: e.conc, Slots: slots})
			return err
		})
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkSyncSequential is the baseline script (Sequential): one page of
// OneTrust's size at a time.
func BenchmarkSyncSequential(b *testing.B) {
	e := benchEnv(b)
	ctx := context.Background()
	for b.Loop() {
		e.srv.ResetRateLimits()
		if _, err := Sequential(ctx, e.url, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilterKeystroke is one keystroke typed into the users screen's
// filter (Update and the frame after it), over every prefix of the typed
// queries in turn.
func BenchmarkFilterKeystroke(b *testing.B) {
	e := benchEnv(b)
	m := newUI(e.snap, nil)
	var keys []string
	for _, q := range typedQueries {
		for _, r := range q {
			keys = append(keys, string(r))
		}
		keys = append(keys, "esc")
	}
	press(m, "/")
	i := 0
	for b.Loop() {
		k := keys[i%len(keys)]
		i++
		m.Update(keyMsg(k))
		frame(m)
		if k == "esc" {
			press(m, "/")
		}
	}
}

// BenchmarkIndexFilter is tenant.Index.Filter alone over the same prefixes.
func BenchmarkIndexFilter(b *testing.B) {
	e := benchEnv(b)
	ix := tenant.NewIndex(e.snap)
	prefixes := queryPrefixes()
	var dst []int32
	i := 0
	for b.Loop() {
		dst, _ = ix.Filter(prefixes[i%len(prefixes)], dst)
		i++
	}
}

// BenchmarkListFilterBaseline is bubbles/list's DefaultFilter over the same
// strings (name, email, userName per user) and prefixes.
func BenchmarkListFilterBaseline(b *testing.B) {
	e := benchEnv(b)
	targets := listTargets(e.snap)
	prefixes := queryPrefixes()
	i := 0
	for b.Loop() {
		list.DefaultFilter(prefixes[i%len(prefixes)], targets)
		i++
	}
}

// BenchmarkUsersView100 and BenchmarkUsersView100k render the users screen
// at 120x40: the cost must not depend on the number of users.
func BenchmarkUsersView100(b *testing.B) {
	benchView(b, smallSnapshot(Reference()))
}

func BenchmarkUsersView100k(b *testing.B) {
	benchView(b, benchEnv(b).snap)
}

func benchView(b *testing.B, snap *tenant.Snapshot) {
	m := newUI(snap, nil)
	press(m, "end") // the last row: a list that is not virtual pays most here
	for b.Loop() {
		frame(m)
	}
}

// BenchmarkOpenToFirstFrame opens the cache, loads the snapshot, builds the
// UI and renders its first frame, as `otaccess` starts.
func BenchmarkOpenToFirstFrame(b *testing.B) {
	e := benchEnv(b)
	for b.Loop() {
		o, err := openToFrame(context.Background(), e.cacheFile)
		if err != nil {
			b.Fatal(err)
		}
		o.svc.Close()
	}
}

// BenchmarkTenantMatrix is the tenant matrix's counts and the matrix
// screen's recompute and frame.
func BenchmarkTenantMatrix(b *testing.B) {
	e := benchEnv(b)
	m := newUI(e.snap, nil)
	press(m, "2")
	for b.Loop() {
		e.snap.TenantMatrix()
		press(m, "s") // the screen recomputes: counts, totals, order
		frame(m)
	}
}

// TestRunSmall runs the whole benchmark on a tiny tenant and checks that the
// report is complete and well-formed. It asserts no timing target: CI
// machines are too noisy for that.
func TestRunSmall(t *testing.T) {
	opt := Options{Users: 2000, Roles: 8, Orgs: 6, Seed: 1, Latency: time.Millisecond, Concurrency: 4, Runs: 1, Dir: t.TempDir()}
	var log strings.Builder
	opt.Log = &log
	rep, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	figures := []string{"SCIM sync, as the CLI runs it (--scim-only)", "full sync with the access APIs (the default)", "sync vs a sequential script", "open cache → first frame", "filter, per keystroke", "users view render",
		"tenant matrix build", "memory, tenant loaded in UI", "memory, TUI after 5 re-syncs", "grant/revoke round trip",
		"review decision file, write + read back", "review outlier hints"}
	if len(rep.Rows) != len(figures) {
		t.Fatalf("%d rows, want %d:\n%+v", len(rep.Rows), len(figures), rep.Rows)
	}
	for i, row := range rep.Rows {
		if !strings.HasPrefix(row.Figure, figures[i]) {
			t.Errorf("row %d is %q, want %q", i, row.Figure, figures[i])
		}
		if row.Err != "" {
			t.Errorf("%s: %s", row.Figure, row.Err)
		}
		if row.Measured == "" || row.Comparison == "" || row.Target == "" || row.Limit == "" || len(row.Metrics) == 0 {
			t.Errorf("%s: incomplete row %+v", row.Figure, row)
		}
	}
	if rep.Tenant.Users != 2000 || rep.Tenant.Groups != 48 || rep.Tenant.Memberships == 0 {
		t.Errorf("tenant %+v", rep.Tenant)
	}
	// Facts that hold whatever the machine's speed.
	if rs := rep.Rows[8].Metrics; rs["first_rss_bytes"] <= 0 || rs["last_rss_bytes"] <= 0 {
		t.Errorf("re-sync memory %v", rs)
	}
	writes := rep.Rows[9].Metrics
	if writes["requests"] != 1 {
		t.Errorf("a grant or revoke took %v requests, want 1", writes["requests"])
	}
	// The review figures measure one review of every membership, at most
	// 3 items a user, and name its size.
	for _, row := range rep.Rows[10:] {
		n := int(row.Metrics["items"])
		if n <= 0 || n > 3*2000 || !strings.HasSuffix(row.Figure, "("+numfmt.Commas(n)+" items)") {
			t.Errorf("review row %q: %v", row.Figure, row.Metrics)
		}
	}
	if m := rep.Rows[10].Metrics; m["file_bytes"] <= 0 || m["csv_ms"] <= 0 {
		t.Errorf("decision file metrics %v", m)
	}
	// 2,000 users in pages of 1,000 and 48 groups in pages of 25: no
	// request past the last page, none refused, the script the same pages.
	if m := rep.Rows[0].Metrics; m["requests"] != 4 || m["throttled_1ms"] != 0 || m["throttled_100ms"] != 0 {
		t.Errorf("sync metrics %v", m)
	}
	// The default sync also reads the access APIs: more requests, still
	// none refused.
	if m := rep.Rows[1].Metrics; m["requests"] <= 4 || m["throttled"] != 0 {
		t.Errorf("access sync metrics %v", m)
	}
	if m := rep.Rows[2].Metrics; m["requests"] != 4 || m["sequential_requests"] != 4 {
		t.Errorf("sequential metrics %v", m)
	}

	var table strings.Builder
	if err := WriteTable(&table, rep); err != nil {
		t.Fatal(err)
	}
	out := table.String()
	for _, f := range figures {
		if !strings.Contains(out, f) {
			t.Errorf("the table lacks %q:\n%s", f, out)
		}
	}
	if !strings.Contains(out, "targets met") && !strings.Contains(out, "targets missed") {
		t.Errorf("the table has no summary line:\n%s", out)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[2], "figure ") || !strings.Contains(lines[2], "| result") {
		t.Errorf("header line %q", lines[2])
	}
	var js strings.Builder
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal([]byte(js.String()), &back); err != nil || len(back.Rows) != len(rep.Rows) {
		t.Fatalf("JSON round trip: %v, %d rows", err, len(back.Rows))
	}
	if !strings.Contains(log.String(), "generating 2000 users") {
		t.Errorf("log:\n%s", log.String())
	}
}
