package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/ui"
)

// Options describe the tenant and how it is served.
type Options struct {
	Users, Roles, Orgs int
	Seed               int64
	// Latency is injected before every request is served (0: none).
	Latency time.Duration
	// Concurrency bounds the sync's requests in flight (0: the client's
	// default).
	Concurrency int
	// Runs is how many times each sync and the sequential script run; the
	// best counts (0: 3).
	Runs int
	// SyncOnly measures the sync figures only (the SCIM sync, the default
	// sync with the access APIs, the sequential script), for a quicker run.
	SyncOnly bool
	// Dir holds the cache files; empty uses a temporary directory that is
	// removed afterwards.
	Dir string
	// Log receives a line per phase (nil: quiet).
	Log io.Writer
	// MeasureUI measures opening the cache file and building the UI on it,
	// ideally in a process of its own so the served tenant does not count
	// (see MeasureUI); nil measures in this process.
	MeasureUI func(ctx context.Context, cacheFile string) (UIMeasure, error)
	// MeasureResyncs measures the TUI on the cache file re-syncing from
	// the served tenant (see MeasureResyncs), ideally in a process of its
	// own; nil measures in this process.
	MeasureResyncs func(ctx context.Context, cacheFile, url, tokenFile string) (ResyncMeasure, error)
	// CLI runs `otaccess ARGS` in a child process and times it from start
	// to exit, so the sync is measured as users run it; nil runs the same
	// code in this process (the Go tests).
	CLI func(ctx context.Context, args []string) (ChildRun, error)
}

// Reference is the tenant the design is held to, served with 20 ms per
// request.
func Reference() Options {
	return Options{Users: 100_000, Roles: 40, Orgs: 50, Seed: 1, Latency: 20 * time.Millisecond}
}

// Report is the outcome of Run.
type Report struct {
	Tenant TenantInfo    `json:"tenant"`
	Rows   []Row         `json:"rows"`
	Took   time.Duration `json:"took_ns"`
	Go     string        `json:"go"`
	CPUs   int           `json:"cpus"`
}

// TenantInfo is what was measured on.
type TenantInfo struct {
	Users       int           `json:"users"`
	Roles       int           `json:"roles"`
	Orgs        int           `json:"orgs"`
	Groups      int           `json:"groups"`
	Memberships int           `json:"memberships"`
	Latency     time.Duration `json:"latency_ns"`
	Concurrency int           `json:"concurrency"`
}

// Row is one figure of the table.
type Row struct {
	Figure     string `json:"figure"`
	Measured   string `json:"measured"`
	Comparison string `json:"comparison"` // what it was compared with, measured in the same run
	Target     string `json:"target"`
	Pass       bool   `json:"pass"`
	// Limit says what bounds the figure; Err is set when it could not be
	// measured (then Pass is false).
	Limit   string             `json:"limit"`
	Err     string             `json:"error,omitempty"`
	Metrics map[string]float64 `json:"metrics,omitempty"` // raw numbers: *_ms, *_bytes, ratios
}

// Run generates the tenant, serves it and measures every figure in turn.
// A figure that cannot be measured is reported as a failed row; the error
// is reserved for a run that cannot start at all.
func Run(ctx context.Context, opt Options) (Report, error) {
	start := time.Now()
	e, err := newEnv(opt)
	if err != nil {
		return Report{}, err
	}
	defer e.close()
	rep := Report{Go: runtime.Version(), CPUs: runtime.NumCPU()}
	rep.Tenant = TenantInfo{Users: opt.Users, Roles: opt.Roles, Orgs: opt.Orgs, Latency: opt.Latency, Concurrency: e.conc}

	figures := []func(context.Context, *env) (Row, error){
		figSync, figAccessSync, figSequential, figOpen, figFilter, figRender, figMatrix, figMemory, figResyncMemory, figWrites,
		figReviewFile, figReviewHints,
	}
	if opt.SyncOnly {
		figures = figures[:3]
	}
	for _, fig := range figures {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		row, err := fig(ctx, e)
		if err != nil {
			row.Pass = false
			row.Err = err.Error()
			if row.Measured == "" {
				row.Measured = "error"
			}
		}
		e.logf("%-28s %s", row.Figure, row.Measured)
		rep.Rows = append(rep.Rows, row)
	}
	if e.snap != nil {
		rep.Tenant.Groups, rep.Tenant.Memberships = e.snap.Info.Groups, e.snap.Info.Memberships
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// env is one run's served tenant and scratch state, shared by the figures.
type env struct {
	opt  Options
	conc int
	runs int
	srv  *scimtest.Server
	hs   *httptest.Server
	lat  *delay
	url  string
	dir  string
	own  bool // dir is ours to remove

	tokenFile string // the token, for child processes

	// Filled in by figSync: the reference snapshot's cache file and model,
	// and the SCIM-only sync at the reference latency (best of Runs). Then
	// figAccessSync makes the default sync's cache the reference (a user's
	// cache holds the access APIs' data) and records that sync: the
	// re-sync a user waits for.
	cacheFile    string
	snap         *tenant.Snapshot
	syncRequests int
	syncTook     time.Duration
	resyncTook   time.Duration
	resyncReqs   int
	// Filled in by figOpen: the UI opened on that cache, median of three,
	// and where it was measured; figMemory reads its memory.
	ui      UIMeasure
	uiWhere string
	// Built by the first review figure from snap: the review of every
	// membership both review figures measure.
	rev *benchReview
}

const token = "bench-token"

func newEnv(opt Options) (*env, error) {
	if opt.Users < 1 || opt.Roles < 1 || opt.Orgs < 1 {
		return nil, errors.New("bench: users, roles and orgs must be at least 1")
	}
	if opt.Latency < 0 {
		return nil, errors.New("bench: latency must not be negative")
	}
	e := &env{opt: opt, conc: opt.Concurrency, dir: opt.Dir, runs: opt.Runs}
	if e.runs <= 0 {
		e.runs = 3
	}
	if e.conc <= 0 {
		e.conc = client.DefaultConcurrency
	}
	if e.dir == "" {
		d, err := os.MkdirTemp("", "otaccess-bench-")
		if err != nil {
			return nil, err
		}
		e.dir, e.own = d, true
	}
	e.logf("generating %d users, %d roles x %d orgs", opt.Users, opt.Roles, opt.Orgs)
	e.srv = scimtest.NewServer(scimtest.Config{Users: opt.Users, Roles: opt.Roles, Orgs: opt.Orgs, OrgLevels: 5, Seed: opt.Seed, Token: token})
	// The latency is injected in front of the fake rather than by it, so
	// the sync can be measured at several on one tenant.
	e.lat = &delay{next: e.srv}
	e.lat.d.Store(int64(opt.Latency))
	e.hs = httptest.NewServer(e.lat)
	e.srv.SetPublicURL(e.hs.URL)
	e.url = e.hs.URL + e.srv.BasePath()
	if err := e.writeToken(); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) close() {
	e.hs.Close()
	if e.own {
		os.RemoveAll(e.dir)
	}
}

func (e *env) logf(format string, args ...any) {
	if e.opt.Log != nil {
		fmt.Fprintf(e.opt.Log, format+"\n", args...)
	}
}

// delay holds every request back by d, as a distant server would.
type delay struct {
	d    atomic.Int64
	next http.Handler
}

func (h *delay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d := time.Duration(h.d.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	h.next.ServeHTTP(w, r)
}

// withLatency runs fn with the injected latency set to d.
func (e *env) withLatency(d time.Duration, fn func() error) error {
	old := e.lat.d.Swap(int64(d))
	defer e.lat.d.Store(old)
	return fn()
}

// newClient is a client of the served tenant as the CLI builds one: paced
// for OneTrust's limits, which the served tenant enforces.
func (e *env) newClient() (*client.Client, error) {
	return client.New(client.Options{BaseURL: e.url, Token: token, UserAgent: "otaccess-bench"})
}

// newService opens a fresh cache file name in the scratch directory and binds
// a client of the served tenant to it.
func (e *env) newService(name string) (*access.Service, error) {
	path := filepath.Join(e.dir, name)
	removeCache(path)
	st, err := cache.Open(path)
	if err != nil {
		return nil, err
	}
	c, err := e.newClient()
	if err != nil {
		st.Close()
		return nil, err
	}
	svc := access.New(c, st, "bench")
	svc.Actor = "bench"
	return svc, nil
}

func removeCache(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
}

// timings is a set of samples.
type timings []time.Duration

func (t timings) quantile(q float64) time.Duration {
	if len(t) == 0 {
		return 0
	}
	s := slices.Clone(t)
	slices.Sort(s)
	i := int(q*float64(len(s)-1) + 0.5)
	return s[min(i, len(s)-1)]
}

func (t timings) max() time.Duration { return slices.Max(t) }

func (t timings) mean() time.Duration {
	var sum time.Duration
	for _, d := range t {
		sum += d
	}
	return sum / time.Duration(max(1, len(t)))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fmtDur prints a duration with three significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0f ms", ms(d))
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", ms(d))
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", ms(d))
	case d >= 10*time.Microsecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	}
	return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// UIMeasure is opening a cache file and building the UI on it.
type UIMeasure struct {
	OpenToFrame time.Duration `json:"open_to_frame_ns"`
	Load        time.Duration `json:"load_ns"` // of which Store.Load
	RSS         int64         `json:"rss_bytes"`
	PeakRSS     int64         `json:"peak_rss_bytes"`
	HeapInuse   int64         `json:"heap_inuse_bytes"`
	Users       int           `json:"users"`
	// FilterRSS is the RSS once a filter has been typed (the filter index
	// is built then, if it was not yet).
	FilterRSS int64 `json:"filter_rss_bytes"`
}

// figOpen opens the cached reference snapshot and renders the first frame,
// as `otaccess` does on start; compared with the re-sync a user would
// otherwise wait for.
func figOpen(ctx context.Context, e *env) (Row, error) {
	row := Row{Figure: "open cache → first frame", Target: "< 1 s; ≥ 5× faster than a re-sync"}
	if e.cacheFile == "" {
		return row, errors.New("no reference cache (the sync figure failed)")
	}
	// As `otaccess` starts: in a process of its own when the caller can
	// run one, so the collector does not also walk the tenant this process
	// serves (about a third of an in-process open went to that).
	measure, where := e.opt.MeasureUI, "in a process of its own"
	if measure == nil {
		measure, where = MeasureUI, "in this process, which also serves the tenant"
	}
	var opens []UIMeasure
	var runs, loads timings
	for range 3 {
		m, err := measure(ctx, e.cacheFile)
		if err != nil {
			return row, err
		}
		opens = append(opens, m)
		runs, loads = append(runs, m.OpenToFrame), append(loads, m.Load)
	}
	open := runs.quantile(0.5)
	for _, m := range opens {
		if m.OpenToFrame == open {
			e.ui, e.uiWhere = m, where
		}
	}

	// What the user would otherwise wait for: the re-sync, as the CLI runs
	// it by default at the reference latency (the default sync's best).
	if e.resyncTook == 0 {
		return row, errors.New("no default sync measured (its figure failed)")
	}
	resync := e.resyncTook
	speedup := resync.Seconds() / open.Seconds()
	row.Measured = fmt.Sprintf("%s (median of %d, %s)", fmtDur(open), len(runs), where)
	row.Comparison = fmt.Sprintf("re-syncing it with `otaccess sync` (the default, with the access APIs) at %s per request: %s (best of %d): %.1f× slower", e.opt.Latency, fmtDur(resync), e.runs, speedup)
	row.Pass = open < time.Second && speedup >= 5
	row.Limit = fmt.Sprintf("Store.Load is %s of it: reading %s users in about %d page rows from SQLite (pure Go), slicing their fields out of each page, "+
		"and rebuilding the model in the sort order stored by the sync; the filter index is built in the background after the first frame, not before it; the re-sync is round trips and CPU (decoding JSON, writing pages), which is what the open avoids",
		fmtDur(loads.quantile(0.5)), numfmt.Commas(e.opt.Users), (e.opt.Users+999)/1000)
	row.Metrics = map[string]float64{"open_ms": ms(open), "load_ms": ms(loads.quantile(0.5)), "resync_ms": ms(resync), "speedup": speedup}
	return row, nil
}

// opened is the app as `otaccess` has it after its first frame. The store
// stays open: the TUI writes through it.
type opened struct {
	took, load time.Duration   // open to first frame; of which Store.Load
	svc        *access.Service // offline, over the cache opened
	snap       *tenant.Snapshot
	model      *ui.Model
}

// openToFrame opens path, loads the snapshot, builds the UI and renders its
// first frame, as the TUI does offline. The caller closes o.svc.
func openToFrame(ctx context.Context, path string) (opened, error) {
	start := time.Now()
	svc, err := access.Open(nil, path, "bench")
	if err != nil {
		return opened{}, err
	}
	loadStart := time.Now()
	snap, err := svc.Load(ctx)
	if err != nil {
		svc.Close()
		return opened{}, err
	}
	load := time.Since(loadStart)
	m := newUI(snap, svc)
	if frame(m) == "" {
		svc.Close()
		return opened{}, errors.New("the first frame is empty")
	}
	return opened{took: time.Since(start), load: load, svc: svc, snap: snap, model: m}, nil
}

// figRender renders the users screen with the reference tenant and with a
// 100-user one: a virtual table costs the same whatever the number of users.
func figRender(ctx context.Context, e *env) (Row, error) {
	row := Row{Figure: "users view render", Target: "N users within 2× of 100 users"}
	if e.snap == nil {
		return row, errors.New("no reference snapshot (the sync figure failed)")
	}
	small := smallSnapshot(e.opt)
	bigRuns, smallRuns := renderTimes(newUI(e.snap, nil), newUI(small, nil))
	big, little := bigRuns.quantile(0.5), smallRuns.quantile(0.5)
	ratio := big.Seconds() / little.Seconds()
	row.Measured = fmt.Sprintf("%s per frame with %s users", fmtDur(big), numfmt.Commas(len(e.snap.Users)))
	row.Comparison = fmt.Sprintf("%s with %d users: %.2f×", fmtDur(little), len(small.Users), ratio)
	row.Pass = ratio <= 2
	row.Limit = fmt.Sprintf("a virtual table: only the %d visible rows are formatted and styled (lipgloss), whatever the number of users; the title, filter and hint lines make up the rest", termH-5)
	row.Metrics = map[string]float64{"render_ms": ms(big), "render_small_ms": ms(little), "ratio": ratio}
	return row, ctx.Err()
}

// smallSnapshot is a 100-user tenant with the same roles and orgs.
func smallSnapshot(opt Options) *tenant.Snapshot {
	srv := scimtest.NewServer(scimtest.Config{Users: 100, Roles: opt.Roles, Orgs: opt.Orgs, Seed: opt.Seed})
	return tenant.NewSnapshot(tenant.SyncInfo{FinishedAt: time.Now()}, access.ReadUsers(srv.Users()), access.ReadGroups(srv.Groups()))
}

// renderTimes times users-screen frames of two models in alternate rounds
// (so that a noisy moment hits both), with the cursor on the first row,
// then on the last: a list that is not virtual pays most there.
func renderTimes(a, b *ui.Model) (ta, tb timings) {
	const rounds, perRound = 20, 25
	batch := func(m *ui.Model) time.Duration {
		start := time.Now()
		for range perRound {
			frame(m)
		}
		return time.Since(start) / perRound
	}
	for r := range rounds {
		if r == rounds/2 {
			press(a, "end")
			press(b, "end")
		}
		ta, tb = append(ta, batch(a)), append(tb, batch(b))
	}
	return ta, tb
}

// figMatrix times the tenant matrix: the counts (Snapshot.TenantMatrix) and
// what the matrix screen computes to show them, up to its first frame; and
// the screen's recompute (s re-sorts: counts, totals, order, frame). The
// comparison counts the same cells from every user's memberships.
func figMatrix(ctx context.Context, e *env) (Row, error) {
	row := Row{Figure: "tenant matrix build", Target: "< 50 ms"}
	if e.snap == nil {
		return row, errors.New("no reference snapshot (the sync figure failed)")
	}
	snap := e.snap
	var first, resort, naive timings
	for range 10 {
		m := newUI(snap, nil)
		start := time.Now()
		snap.TenantMatrix()
		press(m, "2")
		frame(m)
		first = append(first, time.Since(start))
		start = time.Now()
		press(m, "s")
		frame(m)
		resort = append(resort, time.Since(start))
		press(m, "s")

		start = time.Now()
		countFromUsers(snap)
		naive = append(naive, time.Since(start))
	}
	cells := len(snap.Roles) * len(snap.Orgs)
	worst := max(first.quantile(0.5), resort.quantile(0.5))
	row.Measured = fmt.Sprintf("%s to first frame, %s to recompute (%s cells)", fmtDur(first.quantile(0.5)), fmtDur(resort.quantile(0.5)), numfmt.Commas(cells))
	row.Comparison = fmt.Sprintf("counting from %s memberships: %s", numfmt.Commas(snap.Info.Memberships), fmtDur(naive.quantile(0.5)))
	row.Pass = worst < 50*time.Millisecond
	row.Limit = "each cell is a group's member count (its member list is kept by the snapshot), so the matrix costs 2,000 lookups; the screen then sorts 40 rows and 50 columns by name and renders the visible window"
	row.Metrics = map[string]float64{"first_frame_ms": ms(first.quantile(0.5)), "recompute_ms": ms(resort.quantile(0.5)), "naive_ms": ms(naive.quantile(0.5)), "cells": float64(cells)}
	return row, ctx.Err()
}

// countFromUsers counts role x org members by walking every membership.
func countFromUsers(snap *tenant.Snapshot) [][]int {
	counts := make([][]int, len(snap.Roles))
	for r := range counts {
		counts[r] = make([]int, len(snap.Orgs))
	}
	for u := range snap.Users {
		for _, g := range snap.Users[u].Groups {
			if grp := &snap.Groups[g]; !grp.Plain() {
				counts[grp.Role][grp.Org]++
			}
		}
	}
	return counts
}

// figMemory is the memory of a process that opened the reference cache
// and shows it in the UI.
func figMemory(ctx context.Context, e *env) (Row, error) {
	row := Row{Figure: "memory, tenant loaded in UI", Target: "RSS < 300 MB, also after a filter"}
	if e.cacheFile == "" {
		return row, errors.New("no reference cache (the sync figure failed)")
	}
	// The process figOpen measured: the median of its three.
	m, where := e.ui, strings.TrimPrefix(e.uiWhere, "in ")
	if m.Users == 0 {
		return row, errors.New("no UI measured (the open figure failed)")
	}
	fi, err := os.Stat(e.cacheFile)
	if err != nil {
		return row, err
	}
	row.Measured = fmt.Sprintf("RSS %s (Go heap in use %s), %s after the filter %q, in %s", mib(m.RSS), mib(m.HeapInuse), mib(m.FilterRSS), filterQuery, where)
	row.Comparison = fmt.Sprintf("peak while loading %s; cache file %s", mib(m.PeakRSS), mib(fi.Size()))
	row.Pass = m.RSS > 0 && m.RSS < 300<<20 && m.FilterRSS < 300<<20
	row.Limit = fmt.Sprintf("the model of %s users (their fields copied out of the pages read, one string per page, repeated values shared; int32 membership lists) and SQLite's page cache, then the filter index; the peak is the load reading the file through SQLite's memory map, dropped once loaded, and what the load freed is given back to the system after the first frame",
		numfmt.Commas(m.Users))
	row.Metrics = map[string]float64{"rss_bytes": float64(m.RSS), "peak_rss_bytes": float64(m.PeakRSS), "heap_inuse_bytes": float64(m.HeapInuse), "cache_file_bytes": float64(fi.Size()), "filter_rss_bytes": float64(m.FilterRSS)}
	return row, nil
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
