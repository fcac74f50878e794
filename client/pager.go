package client

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

// PageOptions controls AllUsers / AllGroups.
type PageOptions struct {
	PageSize    int                   // count to ask for (default users 1000, groups 25)
	Concurrency int                   // parallel page requests (default 8); 1 = sequential
	Filter      string                // passed to every page
	Progress    func(done, total int) // called as resources arrive; done never decreases
	Info        *WalkInfo             // when non-nil, filled in when the walk succeeds
	// Slots, when set, is shared by walks that run together (a sync reads
	// users and groups at once): a request holds one slot while in flight,
	// so their sum stays within the slots, not Concurrency per walk.
	Slots *semaphore.Weighted
	// UserPage (AllUsers only), when set, gets each page of users as it
	// arrives, one call at a time, in no particular order, before the
	// walk is over. A page may be read twice and the walk may still fail:
	// what AllUsers returns is the truth. It lets a caller start on the
	// users while later pages are on the wire (a sync writes them to the
	// cache); it must return quickly and must not modify the users.
	UserPage func(users []User)
	// Waiting, when set, is told when the walk's requests wait for a rate
	// limit, a retry or a slow answer (see Wait), and given the zero Wait
	// when they no longer do. Calls are serialized and must return quickly.
	Waiting func(Wait)
}

// DeadlineError is the cause to give a context that bounds a whole sync
// (context.WithTimeoutCause): requests cut short by it say so, rather
// than "context deadline exceeded".
type DeadlineError struct {
	After time.Duration
}

func (e *DeadlineError) Error() string {
	return fmt.Sprintf("not done within the sync's deadline of %s: the server may be down or overloaded; try again later", e.After.Round(time.Millisecond))
}

// Unwrap is context.DeadlineExceeded.
func (e *DeadlineError) Unwrap() error { return context.DeadlineExceeded }

// WalkInfo says how consistent a walk's pages were. SCIM pages by position,
// so a list that changes while it is read (or a server that orders pages
// unstably) makes a walk repeat or miss items without any error. A caller
// that needs a faithful copy checks Consistent and walks again.
type WalkInfo struct {
	Total        int  // totalResults of the last page answered
	TotalChanged bool // pages disagreed on totalResults
	Moved        int  // ids returned at two different positions
	PageSize     int  // effective page size: the server's cap when it is lower
}

// Consistent reports whether n distinct items (the walk's result) can be the
// whole list: every page gave the same total, no id moved, and n matches it.
func (i WalkInfo) Consistent(n int) bool {
	return !i.TotalChanged && i.Moved == 0 && n == i.Total
}

const (
	// DefaultConcurrency is the fastest of 4, 8 and 16 measured with
	// `otaccess bench` on 2 cores: 16 in flight decode more pages at once
	// than the cores can, and hold more memory.
	DefaultConcurrency = 8
	maxConcurrency     = 32
	// maxWalkRequests bounds one walk whatever totalResults claims: it is
	// OneTrust's hourly per-account request allowance.
	maxWalkRequests = 200_000
)

// AllUsers reads every user, page by page (concurrently after the first),
// deduplicated by id, in the server's order.
func (c *Client) AllUsers(ctx context.Context, o PageOptions) ([]User, error) {
	return walk(ctx, o, DefaultUserPageSize, "users", o.UserPage, same[User],
		func(u *User) string { return u.ID },
		func(ctx context.Context, start, count int) (*ListResponse[User], error) {
			return c.ListUsers(ctx, ListParams{StartIndex: start, Count: count, Filter: o.Filter})
		})
}

// WalkUsers reads every user as AllUsers does, but keeps each page only as
// keep converts it, as soon as the page is decoded: the wire users are
// garbage from then on, so a walk of 100,000 users holds what the caller
// keeps of them, not the SCIM JSON's every field. Pages are decoded into
// ListedUser (the fields otaccess reads, nothing else). keep is called
// from several goroutines at once and must not keep the slice it is
// given; onPage, when set, gets each kept page as PageOptions.UserPage
// would (o.UserPage is not used).
func WalkUsers[R any](ctx context.Context, c *Client, o PageOptions, keep func([]ListedUser) []R, idOf func(*R) string, onPage func([]R)) ([]R, error) {
	return walk(ctx, o, DefaultUserPageSize, "users", onPage, keep, idOf,
		func(ctx context.Context, start, count int) (*ListResponse[ListedUser], error) {
			return listPage[ListedUser](ctx, c, "/Users", ListParams{StartIndex: start, Count: count, Filter: o.Filter}, DefaultUserPageSize)
		})
}

// AllGroups reads every group; see AllUsers.
func (c *Client) AllGroups(ctx context.Context, o PageOptions) ([]Group, error) {
	return walk(ctx, o, DefaultGroupPageSize, "groups", nil, same[Group],
		func(g *Group) string { return g.ID },
		func(ctx context.Context, start, count int) (*ListResponse[Group], error) {
			return c.ListGroups(ctx, ListParams{StartIndex: start, Count: count, Filter: o.Filter})
		})
}

// same keeps a page as it was decoded.
func same[T any](page []T) []T { return page }

// listed is a page as the walker keeps it: the resources converted (see
// WalkUsers) and the total the server reported.
type listed[R any] struct {
	items []R
	total int
}

// span is an inclusive range of 1-based list positions.
type span struct{ lo, hi int }

type pageTask struct {
	start, count, seq int
}

type fetchedPage[T any] struct {
	start, seq int
	items      []T
}

// walker plans page requests against what has been covered so far. SCIM
// paging is by position, and the server may cap pages, change totalResults,
// or shift items while we read; the walker therefore tracks covered
// positions rather than page numbers, refills gaps, and only stops once the
// latest total is covered and the end has been seen (a short or empty page).
type walker[T any] struct {
	mu   sync.Mutex
	cond *sync.Cond

	what     string
	pageSize int // what the caller asked for
	eff      int // effective page size: the server's cap once seen
	idOf     func(*T) string

	haveFirst bool
	total     int // totalResults of the most recently issued answered request
	totalSeq  int
	maxTotal  int // largest total, counting positions actually returned
	reported  int // largest totalResults the server claimed
	staleRun  int // consecutive non-empty pages without a new id
	emptyAt   int // start of the lowest empty page; 0 = none
	endMark   int // last position of a page that reached the end; 0 = none

	covered  []span // merged, sorted
	inflight []span
	running  int
	issued   int

	pages   []fetchedPage[T]
	seen    map[string]int // id -> the position it was first returned at
	noID    int
	err     error
	done    bool
	progMu  sync.Mutex
	lastRep [2]int
	pageMu  sync.Mutex // serializes onPage

	// For WalkInfo: ids returned at two positions; the first totalResults
	// answered and whether a later page disagreed; the latest answer's.
	moved                         int
	rawTotal, lastRaw, lastRawSeq int
	rawSeen, rawChanged           bool
}

func walk[T, R any](ctx context.Context, o PageOptions, defPage int, what string, onPage func([]R), keep func([]T) []R, idOf func(*R) string,
	fetch func(ctx context.Context, start, count int) (*ListResponse[T], error)) ([]R, error) {
	pageSize := o.PageSize
	if pageSize <= 0 {
		pageSize = defPage
	}
	conc := o.Concurrency
	if conc == 0 {
		conc = DefaultConcurrency
	}
	conc = min(max(conc, 1), maxConcurrency)

	w := &walker[R]{what: what, pageSize: pageSize, eff: pageSize, idOf: idOf, seen: map[string]int{}, lastRep: [2]int{-1, -1}}
	w.cond = sync.NewCond(&w.mu)

	// A slot is held while a request is on the wire, not while its page is
	// decoded (see Client.hold); twice as many workers as slots let one
	// decode while another waits on the server. A sequential walk stays
	// one worker: it never asks ahead of what it knows.
	slots := o.Slots
	if slots == nil {
		slots = semaphore.NewWeighted(int64(conc))
	}
	workers := conc
	if conc > 1 {
		workers = 2 * conc
	}
	g, gctx := errgroup.WithContext(ctx)
	fctx := context.WithValue(gctx, slotsKey{}, slots)
	if o.Waiting != nil {
		fctx = context.WithValue(fctx, boardKey{}, &waitBoard{notify: o.Waiting})
	}
	for range workers {
		g.Go(func() error {
			for {
				t, ok := w.next()
				if !ok {
					return nil
				}
				resp, err := fetch(fctx, t.start, t.count)
				var page *listed[R]
				if resp != nil {
					page = &listed[R]{items: keep(resp.Resources), total: resp.TotalResults}
					resp = nil // the wire values: garbage once kept
				}
				w.complete(t, page, err)
				if err != nil {
					return err
				}
				w.deliver(onPage, page)
				w.report(o.Progress)
			}
		})
	}
	_ = g.Wait() // the first error is kept in w.err
	if w.err != nil {
		return nil, w.err
	}
	if o.Info != nil {
		*o.Info = WalkInfo{Total: w.lastRaw, TotalChanged: w.rawChanged, Moved: w.moved, PageSize: w.eff}
	}
	return w.result(), nil
}

// slotsKey carries a walk's slots to Client.do in the request context.
type slotsKey struct{}

// next hands out the next request, waits while the plan depends on answers
// still in flight, and returns false when the walk is over.
func (w *walker[T]) next() (pageTask, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		if w.err != nil || w.done {
			return pageTask{}, false
		}
		if !w.haveFirst {
			// The first page establishes the total and the page cap.
			if w.issued == 0 {
				return w.issue(1, w.pageSize)
			}
			w.cond.Wait()
			continue
		}
		limit := w.total
		if w.emptyAt > 0 {
			limit = min(limit, w.emptyAt-1)
		}
		p := w.firstFree()
		if p <= limit {
			count := w.eff
			if nb := w.nextBlocked(p); nb > 0 {
				count = min(count, nb-p)
			}
			return w.issue(p, count)
		}
		if w.running > 0 {
			w.cond.Wait()
			continue
		}
		if w.emptyAt > 0 || (w.endMark > 0 && w.endMark >= w.total) || (w.total == 0 && len(w.covered) == 0) || w.totalTrusted() {
			w.done = true
			w.cond.Broadcast()
			return pageTask{}, false
		}
		// Everything up to the total is covered but no page has come back
		// short, and the pages disagreed on the total or returned more
		// than it: it may be stale, so look past it once.
		return w.issue(p, w.eff)
	}
}

// totalTrusted: every page answered the same totalResults and none
// returned positions past it, so the positions up to it are the whole
// list and a request past them would be wasted (a 100k list in pages of
// 1,000 ends on a full page).
func (w *walker[T]) totalTrusted() bool {
	return w.rawSeen && !w.rawChanged && w.rawTotal == w.total
}

func (w *walker[T]) issue(start, count int) (pageTask, bool) {
	budget := maxWalkRequests
	if w.haveFirst {
		// Budget from what the server claims, so a server that keeps
		// returning more than it announced cannot stretch it.
		expect := w.reported
		if expect == 0 {
			expect = w.maxTotal
		}
		budget = min(budget, 4*((expect+w.eff-1)/w.eff)+10)
	}
	if w.issued >= budget {
		w.err = fmt.Errorf("reading %s did not settle after %d requests (the server reports %d results, pages of %d); the tenant may be changing, try again",
			w.what, w.issued, w.total, w.eff)
		w.cond.Broadcast()
		return pageTask{}, false
	}
	w.issued++
	w.running++
	t := pageTask{start: start, count: count, seq: w.issued}
	w.inflight = append(w.inflight, span{start, start + count - 1})
	return t, true
}

// firstFree is the lowest position neither covered nor being fetched.
func (w *walker[T]) firstFree() int {
	p := 1
	for changed := true; changed; {
		changed = false
		for _, set := range [][]span{w.covered, w.inflight} {
			for _, s := range set {
				if s.lo <= p && p <= s.hi {
					p = s.hi + 1
					changed = true
				}
			}
		}
	}
	return p
}

// nextBlocked is the lowest covered or in-flight position above p; 0 = none.
func (w *walker[T]) nextBlocked(p int) int {
	nb := 0
	for _, set := range [][]span{w.covered, w.inflight} {
		for _, s := range set {
			if s.lo > p && (nb == 0 || s.lo < nb) {
				nb = s.lo
			}
		}
	}
	return nb
}

func (w *walker[T]) complete(t pageTask, resp *listed[T], err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	defer w.cond.Broadcast()
	w.running--
	for i, s := range w.inflight {
		if s.lo == t.start && s.hi == t.start+t.count-1 {
			w.inflight = append(w.inflight[:i], w.inflight[i+1:]...)
			break
		}
	}
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return
	}
	if resp == nil {
		resp = &listed[T]{}
	}
	n := len(resp.items)
	last := t.start + n - 1
	total := max(resp.total, 0)
	if n > 0 {
		w.pages = append(w.pages, fetchedPage[T]{start: t.start, seq: t.seq, items: resp.items})
		w.addCovered(span{t.start, last})
		fresh := 0
		for i := range resp.items {
			if id := w.idOf(&resp.items[i]); id == "" {
				w.noID++
				fresh++
			} else if at, dup := w.seen[id]; !dup {
				w.seen[id] = t.start + i
				fresh++
			} else if at != t.start+i {
				w.moved++
			}
		}
		// A server that ignores startIndex answers every page with the same
		// resources; a few such pages in a row mean paging is not working.
		if fresh == 0 {
			w.staleRun++
			if w.staleRun >= 3 && w.err == nil {
				w.err = fmt.Errorf("reading %s: the server returned the same %s for %d pages in a row; it may be ignoring startIndex", w.what, w.what, w.staleRun)
				return
			}
		} else {
			w.staleRun = 0
		}
		// A total below what was just returned is wrong; do not stop early on it.
		total = max(total, last)
	}
	if t.seq >= w.totalSeq {
		w.total, w.totalSeq = total, t.seq
	}
	if !w.rawSeen {
		w.rawTotal, w.rawSeen = resp.total, true
	} else if resp.total != w.rawTotal {
		w.rawChanged = true
	}
	if t.seq >= w.lastRawSeq {
		w.lastRaw, w.lastRawSeq = resp.total, t.seq
	}
	w.maxTotal = max(w.maxTotal, total)
	w.reported = max(w.reported, resp.total)

	reachedEnd := n < t.count && last >= total
	switch {
	case n == 0:
		if w.emptyAt == 0 || t.start < w.emptyAt {
			w.emptyAt = t.start
		}
	case reachedEnd:
		w.endMark = max(w.endMark, last)
	case n < t.count:
		// Short in the middle: the server caps pages below what we asked.
		// The uncovered rest of this request becomes a gap to refill.
		w.eff = min(w.eff, n)
	}
	w.haveFirst = true
}

func (w *walker[T]) addCovered(s span) {
	w.covered = append(w.covered, s)
	sort.Slice(w.covered, func(i, j int) bool { return w.covered[i].lo < w.covered[j].lo })
	merged := w.covered[:1]
	for _, c := range w.covered[1:] {
		top := &merged[len(merged)-1]
		if c.lo <= top.hi+1 {
			top.hi = max(top.hi, c.hi)
			continue
		}
		merged = append(merged, c)
	}
	w.covered = merged
}

// deliver hands a page to onPage outside the planning lock, one page at a
// time.
func (w *walker[T]) deliver(onPage func([]T), resp *listed[T]) {
	if onPage == nil || resp == nil || len(resp.items) == 0 {
		return
	}
	w.pageMu.Lock()
	defer w.pageMu.Unlock()
	onPage(resp.items)
}

// report calls the progress callback outside the planning lock, serialized
// so that done never goes backwards.
func (w *walker[T]) report(progress func(done, total int)) {
	if progress == nil {
		return
	}
	w.progMu.Lock()
	defer w.progMu.Unlock()
	w.mu.Lock()
	done := len(w.seen) + w.noID
	total := max(w.total, done)
	w.mu.Unlock()
	if done == w.lastRep[0] && total == w.lastRep[1] {
		return
	}
	w.lastRep = [2]int{done, total}
	progress(done, total)
}

// result orders pages by position (deterministic whatever the concurrency)
// and keeps the last occurrence of each id.
func (w *walker[T]) result() []T {
	sort.Slice(w.pages, func(i, j int) bool {
		a, b := w.pages[i], w.pages[j]
		if a.start != b.start {
			return a.start < b.start
		}
		return a.seq < b.seq
	})
	n := 0
	for _, p := range w.pages {
		n += len(p.items)
	}
	if n == len(w.seen)+w.noID {
		// No id came twice (the usual walk): every item is kept, so skip
		// the map of 100k ids below.
		out := make([]T, 0, n)
		for _, p := range w.pages {
			out = append(out, p.items...)
		}
		return out
	}
	type at struct{ page, item int }
	lastAt := make(map[string]at, len(w.seen))
	for pi := range w.pages {
		for ii := range w.pages[pi].items {
			if id := w.idOf(&w.pages[pi].items[ii]); id != "" {
				lastAt[id] = at{pi, ii}
			}
		}
	}
	out := make([]T, 0, len(lastAt)+w.noID)
	for pi := range w.pages {
		for ii := range w.pages[pi].items {
			it := &w.pages[pi].items[ii]
			if id := w.idOf(it); id == "" || lastAt[id] == (at{pi, ii}) {
				out = append(out, *it)
			}
		}
	}
	return out
}
