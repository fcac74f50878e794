package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// reviewItemsPerUser sets the review the review figures are held to: 3 items
// a user, 300,000 at the reference tenant's 100,000 users (issue 15's
// figure), and a few thousand in the tests' small tenants.
const reviewItemsPerUser = 3

// benchReview is a review of every membership of the reference snapshot, as
// `review start` freezes it (access.SelectScope: the same items, order and
// hints), cut to reviewItemsPerUser items a user when it has more.
type benchReview struct {
	r    *tenant.Review
	snap *tenant.Snapshot
	// The snapshot's user and group of each item (-1 for an item of a user
	// who holds no role), looked up once, outside the timings.
	user, group []int
}

// review builds the figures' review once a run.
func (e *env) review() (*benchReview, error) {
	if e.rev != nil {
		return e.rev, nil
	}
	if e.snap == nil {
		return nil, errors.New("no reference snapshot (the sync figure failed)")
	}
	scope, err := access.SelectScope(e.snap, nil, access.ReviewScope{})
	if err != nil {
		return nil, err
	}
	items := scope.Items
	if want := reviewItemsPerUser * e.opt.Users; len(items) > want {
		items = items[:want]
	}
	for i := range items {
		items[i].Seq = i // as the cache numbers a review's items (cache.StartReview)
	}
	info := e.snap.Info
	b := &benchReview{snap: e.snap, r: &tenant.Review{ID: 1, Name: "bench", CreatedAt: time.Now(), CreatedBy: "bench",
		SnapshotID: info.ID, SnapshotAt: info.FinishedAt, Scope: scope.Description, Items: items}}
	b.user, b.group = make([]int, len(items)), make([]int, len(items))
	for i := range items {
		b.user[i], b.group[i] = -1, -1
		if u, ok := e.snap.UserIndex(items[i].UserID); ok {
			b.user[i] = u
		}
		if g, ok := e.snap.GroupIndex(items[i].GroupID); ok && !items[i].NoRole() {
			b.group[i] = g
		}
	}
	e.rev = b
	return b, nil
}

// reviewLabel is a review figure's name: what it is and at how many items.
func reviewLabel(what string, items int) string {
	return fmt.Sprintf("%s (%s items)", what, numfmt.Commas(items))
}

// figReviewFile writes the review as `review edit` writes its decision
// file, then reads it back with every line changed as `review edit` does
// once the editor exits: the same calls (tenant.WriteDecisionFile,
// tenant.ParseDecisionFile, access.PlanDecisions against the items as
// written), through a file in the scratch directory. Compared with
// encoding/csv writing and reading the same cells.
func figReviewFile(ctx context.Context, e *env) (Row, error) {
	row := Row{Figure: reviewLabel("review decision file, write + read back", reviewItemsPerUser*e.opt.Users), Target: "< 2 s"}
	b, err := e.review()
	if err != nil {
		return row, err
	}
	r := b.r
	row.Figure = reviewLabel("review decision file, write + read back", len(r.Items))
	path := filepath.Join(e.dir, "review-decisions.txt")
	defer os.Remove(path)
	type run struct{ write, read, cpu time.Duration }
	var runs []run
	var total, naive timings
	var size int
	for range 3 {
		if err := ctx.Err(); err != nil {
			return row, err
		}
		runtime.GC() // the garbage of the run before is not this one's
		cpu := processCPU()
		w, rd, n, err := decisionFileRoundTrip(r, path)
		if err != nil {
			return row, err
		}
		runs, total, size = append(runs, run{w, rd, processCPU() - cpu}), append(total, w+rd), n
		runtime.GC()
		c, err := csvRoundTrip(r, path)
		if err != nil {
			return row, err
		}
		naive = append(naive, c)
	}
	took, c := total.quantile(0.5), naive.quantile(0.5)
	var w, rd, cpu time.Duration // the median run's halves and CPU
	for _, x := range runs {
		if x.write+x.read == took {
			w, rd, cpu = x.write, x.read, x.cpu
		}
	}
	row.Measured = fmt.Sprintf("%s (write %s, read back and check %s; CPU %s; %.1f MB, every line changed; median of %d)", fmtDur(took), fmtDur(w), fmtDur(rd), fmtDur(cpu), float64(size)/1e6, len(total))
	row.Comparison = fmt.Sprintf("encoding/csv writing and reading the same cells (no check against the review): %s → %.2f×", fmtDur(c), took.Seconds()/max(c.Seconds(), 1e-9))
	row.Pass = took < 2*time.Second
	row.Limit = "CPU, one pass each way, and the collector (the CPU figure counts this process's, GC included, which also holds the served tenant): writing builds each line in a reused buffer (the item's key, a hash of its ids; names escaped only when they need it; its hints and suggestion as the comment); " +
		"reading splits the lines and checks every one against its item (key, text, order, the state it was written with) before recording anything. The file stays in the page cache; the editor's own time is not counted, nor the cache transaction that records the decisions"
	row.Metrics = map[string]float64{"round_trip_ms": ms(took), "write_ms": ms(w), "read_ms": ms(rd), "cpu_ms": ms(cpu), "csv_ms": ms(c), "file_bytes": float64(size), "items": float64(len(r.Items))}
	return row, nil
}

// decisionFileRoundTrip is one `review edit` of r without the editor: the
// file written (timed), every line's decision changed (not timed: the
// user's part), then read back and planned (timed).
func decisionFileRoundTrip(r *tenant.Review, path string) (write, read time.Duration, size int, err error) {
	start := time.Now()
	var buf bytes.Buffer
	buf.Grow(len(r.Items) * 96)
	if err := tenant.WriteDecisionFile(&buf, tenant.HeaderFor(r), r.Items, nil); err != nil {
		return 0, 0, 0, err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return 0, 0, 0, err
	}
	write = time.Since(start)

	// The reviewer's part: every undecided line kept (the words are padded
	// to one width, so the rest of each line stays where it was).
	edited := bytes.ReplaceAll(buf.Bytes(), []byte("\nundecided "), []byte("\nkeep      "))
	if err := os.WriteFile(path, edited, 0o600); err != nil {
		return 0, 0, 0, err
	}

	start = time.Now()
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, 0, err
	}
	if bytes.Equal(data, buf.Bytes()) {
		return 0, 0, 0, errors.New("the edited file reads back unchanged")
	}
	p := access.PlanDecisions(r, tenant.ParseDecisionFile(data), access.DecisionSource{Written: r.Items})
	read = time.Since(start)
	if len(p.Decisions) != len(r.Items) || len(p.Problems) != 0 {
		return 0, 0, 0, fmt.Errorf("read back %d decisions and %d problems from %d items", len(p.Decisions), len(p.Problems), len(r.Items))
	}
	return write, read, len(data), nil
}

// csvRoundTrip writes the cells a decision file line carries (decision,
// key, user, membership, note, comment) with encoding/csv to path and reads
// them back, parsing each decision: the plain way to keep decisions as text.
func csvRoundTrip(r *tenant.Review, path string) (time.Duration, error) {
	start := time.Now()
	var buf bytes.Buffer
	buf.Grow(len(r.Items) * 96)
	w := csv.NewWriter(&buf)
	for i := range r.Items {
		it := &r.Items[i]
		if err := w.Write([]string{it.Decision.String(), tenant.ItemToken(it), it.UserLabel, it.Membership(), it.Note, it.Comment()}); err != nil {
			return 0, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return 0, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	rd := csv.NewReader(bytes.NewReader(data))
	rd.ReuseRecord = true
	n := 0
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		if _, err := tenant.ParseVerdict(rec[0]); err != nil {
			return 0, err
		}
		n++
	}
	if n != len(r.Items) {
		return 0, fmt.Errorf("csv read back %d rows of %d", n, len(r.Items))
	}
	return time.Since(start), nil
}

// figReviewHints computes the outlier hint of every item as `review start`
// does (tenant.NewPeers once, then Peers.IsOutlier per item), compared with
// counting each item's peers in maps keyed by cohort and group.
func figReviewHints(ctx context.Context, e *env) (Row, error) {
	row := Row{Figure: reviewLabel("review outlier hints", reviewItemsPerUser*e.opt.Users), Target: "< 1 s"}
	b, err := e.review()
	if err != nil {
		return row, err
	}
	row.Figure = reviewLabel("review outlier hints", len(b.r.Items))
	var ours, builds, naive timings
	outliers, naiveOutliers := 0, 0
	for range 3 {
		if err := ctx.Err(); err != nil {
			return row, err
		}
		runtime.GC()
		start := time.Now()
		p := tenant.NewPeers(b.snap)
		built := time.Since(start)
		outliers = 0
		for i, u := range b.user {
			if g := b.group[i]; u >= 0 && g >= 0 && p.IsOutlier(u, g) {
				outliers++
			}
		}
		ours, builds = append(ours, time.Since(start)), append(builds, built)

		runtime.GC()
		start = time.Now()
		naiveOutliers = naiveOutlierCount(b)
		naive = append(naive, time.Since(start))
	}
	if naiveOutliers != outliers {
		return row, fmt.Errorf("the outlier hint marks %d items, counting peers in maps %d", outliers, naiveOutliers)
	}
	took, built, slow := ours.quantile(0.5), builds.quantile(0.5), naive.quantile(0.5)
	row.Measured = fmt.Sprintf("%s (counting the peers %s; %s outliers; median of %d)", fmtDur(took), fmtDur(built), numfmt.Commas(outliers), len(ours))
	row.Comparison = fmt.Sprintf("counting each item's peers in maps keyed by department, title or manager and group: %s → %.1f× slower (same outliers)", fmtDur(slow), slow.Seconds()/max(took.Seconds(), 1e-9))
	row.Pass = took < time.Second
	row.Limit = fmt.Sprintf("counting the peers is most of it: one pass over every user's effective groups per attribute (department, title, manager) into int32 tables, "+
		"a dense table for the few departments and titles and sorted runs for the %s managers; then a lookup or a binary search per item and attribute", numfmt.Commas(managers(b.snap)))
	row.Metrics = map[string]float64{"hints_ms": ms(took), "peers_ms": ms(built), "naive_ms": ms(slow), "outliers": float64(outliers), "items": float64(len(b.r.Items))}
	return row, nil
}

// managers counts the distinct managers users name.
func managers(s *tenant.Snapshot) int {
	seen := map[string]bool{}
	for i := range s.Users {
		if m := s.Users[i].ManagerID; m != "" {
			seen[m] = true
		}
	}
	return len(seen)
}

// naiveOutlierCount decides the outlier hint of every item by the rule
// tenant.Peers implements, counted the plain way: cohort sizes and holders
// in maps keyed by the attribute's value (and the group's id).
func naiveOutlierCount(b *benchReview) int {
	s := b.snap
	attrs := []func(*tenant.User) string{
		func(u *tenant.User) string { return u.Department },
		func(u *tenant.User) string { return u.Title },
		func(u *tenant.User) string { return u.ManagerID },
	}
	norm := func(v string) string { return strings.ToLower(strings.TrimSpace(v)) }
	size := make([]map[string]int, len(attrs))
	holders := make([]map[string]int, len(attrs))
	for a, of := range attrs {
		size[a], holders[a] = map[string]int{}, map[string]int{}
		for u := range s.Users {
			v := norm(of(&s.Users[u]))
			if v == "" {
				continue
			}
			size[a][v]++
			for _, g := range s.EffectiveGroups(u) {
				holders[a][v+"\x00"+s.Groups[g].ID]++
			}
		}
	}
	n := 0
	for i, u := range b.user {
		g := b.group[i]
		if u < 0 || g < 0 {
			continue
		}
		counted, usual := 0, false
		for a, of := range attrs {
			v := norm(of(&s.Users[u]))
			if v == "" || size[a][v] <= tenant.OutlierMinPeers {
				continue
			}
			peers := size[a][v] - 1
			held := holders[a][v+"\x00"+s.Groups[g].ID] - 1 // the user holds it and is not their own peer
			if float64(held) >= tenant.OutlierShare*float64(peers) {
				usual = true
				break
			}
			counted++
		}
		if !usual && counted > 0 {
			n++
		}
	}
	return n
}
