package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/ui"
)

// MeasureUI opens cacheFile, builds the UI on it and renders the first
// frame, as `otaccess` does on start, then reports the time that took and
// this process's memory after a garbage collection, with the store still
// open; then types a filter and reports the memory again. `otaccess bench`
// runs it in a child process (`otaccess bench --measure-ui FILE`) so that
// the served tenant is not counted.
func MeasureUI(ctx context.Context, cacheFile string) (UIMeasure, error) {
	o, err := openToFrame(ctx, cacheFile)
	if err != nil {
		return UIMeasure{}, err
	}
	defer o.svc.Close()
	if err := runInit(ctx, o.model); err != nil {
		return UIMeasure{}, err
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := settledRSS()
	out := UIMeasure{OpenToFrame: o.took, Load: o.load, RSS: rss, PeakRSS: procStatus("VmHWM:"), HeapInuse: int64(ms.HeapInuse), Users: len(o.snap.Users)}
	typeFilter(o.model, filterQuery)
	out.FilterRSS = settledRSS()
	runtime.KeepAlive(o.model) // measured with the UI holding the snapshot
	return out, nil
}

// runInit runs the commands the UI starts with (Model.Init) as Bubble
// Tea's runtime does after the first frame, until the one that gives the
// load's memory back (ui.MemoryReleased) has run: the figure is what the
// user's terminal process holds by then. Timers are not waited for.
func runInit(ctx context.Context, m *ui.Model) error {
	msgs := make(chan tea.Msg, 16)
	run := func(cmd tea.Cmd) {
		if cmd != nil {
			go func() { msgs <- cmd() }()
		}
	}
	run(m.Init())
	deadline := time.After(time.Minute)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return errors.New("the UI did not give its memory back within a minute of its first frame")
		case msg := <-msgs:
			switch msg := msg.(type) {
			case tea.BatchMsg:
				for _, c := range msg {
					run(c)
				}
			case ui.MemoryReleased:
				m.Update(msg) // the UI builds its filter index on it
				return nil
			}
		}
	}
}

// filterQuery is the filter the memory figures type.
const filterQuery = "role:admin"

// typeFilter types q into the users screen's filter and applies it.
func typeFilter(m *ui.Model, q string) {
	press(m, "/")
	for _, r := range q {
		press(m, string(r))
	}
	press(m, "enter")
	frame(m)
}

// settledRSS is this process's RSS after a garbage collection; what the
// runtime holds from the OS where /proc is not there.
func settledRSS() int64 {
	runtime.GC()
	if rss := procStatus("VmRSS:"); rss > 0 {
		return rss
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.Sys - ms.HeapReleased)
}

// ResyncMeasure is the TUI's memory after its first frame and after each
// re-sync (`r`), against the served tenant.
type ResyncMeasure struct {
	FirstRSS int64           `json:"first_rss_bytes"`
	After    []int64         `json:"after_rss_bytes"`
	Took     []time.Duration `json:"took_ns"`
}

// MeasureResyncs opens cacheFile online against the tenant at url, as
// `otaccess` does, renders the first frame, then presses r n times, each
// time waiting for the re-sync's result, and reports the RSS (after a
// collection) after the first frame and after each re-sync. `otaccess
// bench` runs it in a child process (`--measure-resyncs FILE`).
func MeasureResyncs(ctx context.Context, cacheFile, url, token string, n int) (ResyncMeasure, error) {
	c, err := client.New(client.Options{BaseURL: url, Token: token, UserAgent: "otaccess-bench"})
	if err != nil {
		return ResyncMeasure{}, err
	}
	svc, err := access.Open(c, cacheFile, "bench")
	if err != nil {
		return ResyncMeasure{}, err
	}
	defer svc.Close()
	snap, err := svc.Load(ctx)
	if err != nil {
		return ResyncMeasure{}, err
	}
	// As cmd/otaccess's TUI builds it.
	m := ui.New(ui.Options{Snapshot: snap, Service: svc, Tenant: "bench.onetrust.test", Mode: "online",
		SyncOptions: access.SyncOptions{MemoryBudget: true}})
	snap = nil
	m.Update(tea.WindowSizeMsg{Width: termW, Height: termH})
	frame(m)
	var out ResyncMeasure
	out.FirstRSS = settledRSS()
	for i := range n {
		start := time.Now()
		done, err := resync(ctx, m)
		if err != nil {
			return out, fmt.Errorf("re-sync %d: %w", i+1, err)
		}
		out.Took = append(out.Took, done.Sub(start))
		out.After = append(out.After, settledRSS())
	}
	return out, nil
}

// resync presses r and runs the commands the UI returns, feeding their
// messages back, until the frame says the sync is done (or failed) and
// the command the UI returned with the result to give the sync's memory
// back has run (ui.MemoryReleased): a figure taken before it is not what
// the user's terminal process holds. done is when the frame said the sync
// was done.
func resync(ctx context.Context, m *ui.Model) (done time.Time, err error) {
	msgs := make(chan tea.Msg, 64)
	run := func(cmd tea.Cmd) {
		if cmd != nil {
			go func() { msgs <- cmd() }()
		}
	}
	_, cmd := m.Update(keyMsg("r"))
	run(cmd)
	deadline := time.After(5 * time.Minute)
	released := false
	for {
		select {
		case <-ctx.Done():
			return done, ctx.Err()
		case <-deadline:
			return done, errors.New("the re-sync did not finish within 5 minutes")
		case msg := <-msgs:
			if batch, ok := msg.(tea.BatchMsg); ok {
				for _, c := range batch {
					run(c)
				}
				continue
			}
			if msg == nil {
				continue
			}
			if _, ok := msg.(ui.MemoryReleased); ok {
				released = true
			}
			_, cmd := m.Update(msg)
			run(cmd)
			if done.IsZero() {
				switch f := frame(m); {
				case strings.Contains(f, "✓ synced"):
					done = time.Now()
				case strings.Contains(f, "✗"):
					return done, fmt.Errorf("the UI says: %s", lineWith(f, "✗"))
				}
			}
			if !done.IsZero() && released {
				return done, nil
			}
		}
	}
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// ResyncCount is how many re-syncs the TUI memory figure makes.
const ResyncCount = 5

// figResyncMemory is the TUI's memory after five re-syncs (`r`) against
// the served tenant, against its memory after the first load.
func figResyncMemory(ctx context.Context, e *env) (Row, error) {
	row := Row{Figure: "memory, TUI after 5 re-syncs", Target: "≤ 1.3× the RSS after the first load"}
	if e.cacheFile == "" {
		return row, errors.New("no reference cache (the sync figure failed)")
	}
	measure, where := e.opt.MeasureResyncs, "in a process of its own"
	if measure == nil {
		measure, where = func(ctx context.Context, file, url, _ string) (ResyncMeasure, error) {
			return MeasureResyncs(ctx, file, url, token, ResyncCount)
		}, "in this process, which also serves the tenant"
	}
	e.srv.ResetRateLimits()
	m, err := measure(ctx, e.cacheFile, e.url, e.tokenFile)
	if err != nil {
		return row, err
	}
	if len(m.After) == 0 || m.FirstRSS <= 0 {
		return row, errors.New("no re-sync measured")
	}
	last := m.After[len(m.After)-1]
	ratio := float64(last) / float64(m.FirstRSS)
	var after []string
	for _, b := range m.After {
		after = append(after, mib(b))
	}
	var took timings = m.Took
	row.Measured = fmt.Sprintf("RSS %s after the 5th re-sync (after each: %s), %s", mib(last), strings.Join(after, ", "), where)
	row.Comparison = fmt.Sprintf("RSS after the first load %s → %.2f×; the re-syncs took %s–%s each (the default sync, at %s per request)",
		mib(m.FirstRSS), ratio, fmtDur(slicesMin(took)), fmtDur(took.max()), e.opt.Latency)
	row.Pass = ratio <= 1.3
	row.Limit = fmt.Sprintf("after a re-sync the UI holds only the new snapshot of %s users (a test checks the old one and its filter index become unreachable) and gives the memory back to the system; during the sync a soft memory limit for the tenant's size keeps the heap near what the sync needs",
		numfmt.Commas(e.opt.Users))
	row.Metrics = map[string]float64{"first_rss_bytes": float64(m.FirstRSS), "last_rss_bytes": float64(last), "ratio": ratio}
	return row, nil
}

func slicesMin(t timings) time.Duration { return t.quantile(0) }

// A child process `otaccess bench` runs gets PeakEnv set and, when it
// exits, writes PeakLine and its own peak RSS (VmHWM, bytes) to stderr.
// The peak in the child's rusage is no use: Linux counts in it the
// parent's memory at the fork (the bench process, which serves the
// tenant, holds several hundred MiB), so every child looked that big.
const (
	PeakEnv  = "OTACCESS_BENCH_PEAK"
	PeakLine = "otaccess-bench-peak-rss: "
)

// OwnPeakRSS is this process's peak RSS (VmHWM); 0 where unknown.
func OwnPeakRSS() int64 { return procStatus("VmHWM:") }

// procStatus reads a size field (in kB) of /proc/self/status; 0 when absent.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
