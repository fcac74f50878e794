package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"
)

// listServer serves /Users and /Groups from an ordered slice of ids and can
// cap pages, lie about totals, and mutate itself between requests.
type listServer struct {
	mu       sync.Mutex
	ids      []string
	pageCap  func(req int) int // 0 = no cap; req is the 1-based request number
	total    func(real int) int
	mutate   func(req int, ids []string) []string // before answering request req
	latency  time.Duration
	fail     func(req, start int) int // non-zero: answer with this status
	requests int
	starts   []int
	counts   []int

	inflight, maxInflight atomic.Int32
	// overlap, when set, holds every request past the first page until
	// that many are in flight at once (then none again): proof that pages
	// are fetched in parallel that no machine's speed can fake or spoil. A
	// walk that never gets there times out instead of passing.
	overlap int32
	met     chan struct{}
	metOnce sync.Once
}

// overlapping is a listServer whose pages must overlap n at a time.
func overlapping(ids []string, n int32) *listServer {
	return &listServer{ids: ids, overlap: n, met: make(chan struct{})}
}

func newIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%04d", i+1)
	}
	return ids
}

func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cur := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for {
		m := s.maxInflight.Load()
		if cur <= m || s.maxInflight.CompareAndSwap(m, cur) {
			break
		}
	}
	if s.latency > 0 {
		time.Sleep(s.latency)
	}
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get("startIndex"))
	if s.overlap > 0 && start > 1 {
		if cur >= s.overlap {
			s.metOnce.Do(func() { close(s.met) })
		}
		select {
		case <-s.met:
		case <-r.Context().Done():
			return
		}
	}
	count, err := strconv.Atoi(q.Get("count"))
	if err != nil {
		http.Error(w, "count missing", 400)
		return
	}
	s.mu.Lock()
	s.requests++
	req := s.requests
	s.starts = append(s.starts, start)
	s.counts = append(s.counts, count)
	if s.mutate != nil {
		s.ids = s.mutate(req, s.ids)
	}
	if s.fail != nil {
		if st := s.fail(req, start); st != 0 {
			s.mu.Unlock()
			w.WriteHeader(st)
			_, _ = w.Write([]byte(`{"status":"` + strconv.Itoa(st) + `","detail":"injected"}`))
			return
		}
	}
	n := count
	if s.pageCap != nil {
		if c := s.pageCap(req); c > 0 {
			n = min(n, c)
		}
	}
	lo := min(max(start-1, 0), len(s.ids))
	hi := min(lo+n, len(s.ids))
	type res struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName,omitempty"`
	}
	items := make([]res, 0, hi-lo)
	for i := lo; i < hi; i++ {
		items = append(items, res{ID: s.ids[i], DisplayName: fmt.Sprintf("%s@%d", s.ids[i], i+1)})
	}
	total := len(s.ids)
	if s.total != nil {
		total = s.total(total)
	}
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{
		"schemas":      []string{SchemaListResponse},
		"totalResults": total, "startIndex": start, "itemsPerPage": len(items), "Resources": items,
	})
}

func (s *listServer) reqCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func userIDs(us []User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func assertUnique(t *testing.T, ids []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("id %s returned twice", id)
		}
		seen[id] = true
	}
}

func TestAllUsers(t *testing.T) {
	tests := []struct {
		name     string
		srv      func() *listServer
		opts     PageOptions
		want     []string // nil: use wantFn
		wantFn   func(s *listServer) []string
		maxReqs  int    // 0 = unchecked
		wantReqs int    // 0 = unchecked
		wantErr  string // "" = success
	}{
		{
			name: "short last page", srv: func() *listServer { return &listServer{ids: newIDs(95)} },
			opts: PageOptions{PageSize: 10, Concurrency: 1}, want: newIDs(95), wantReqs: 10,
		},
		{
			name: "exact multiple ends on its last full page", srv: func() *listServer { return &listServer{ids: newIDs(40)} },
			opts: PageOptions{PageSize: 10, Concurrency: 1}, want: newIDs(40), wantReqs: 4,
		},
		{
			name: "empty tenant", srv: func() *listServer { return &listServer{} },
			opts: PageOptions{PageSize: 10}, want: []string{}, wantReqs: 1,
		},
		{
			name: "server caps pages below count", srv: func() *listServer {
				return &listServer{ids: newIDs(50), pageCap: func(int) int { return 7 }}
			},
			opts: PageOptions{PageSize: 20, Concurrency: 1}, want: newIDs(50), wantReqs: 8,
		},
		{
			name: "server caps pages below count, concurrent", srv: func() *listServer {
				return &listServer{ids: newIDs(100), pageCap: func(int) int { return 7 }}
			},
			opts: PageOptions{PageSize: 25, Concurrency: 4}, want: newIDs(100), wantReqs: 15,
		},
		{
			name: "cap shrinks after the first page, gaps refilled", srv: func() *listServer {
				return &listServer{ids: newIDs(100), pageCap: func(req int) int {
					if req == 1 {
						return 0
					}
					return 6
				}}
			},
			opts: PageOptions{PageSize: 20, Concurrency: 4}, want: newIDs(100), maxReqs: 40,
		},
		{
			name: "total grows mid-walk", srv: func() *listServer {
				return &listServer{ids: newIDs(30), mutate: func(req int, ids []string) []string {
					if req == 2 {
						for i := range 15 {
							ids = append(ids, fmt.Sprintf("new%02d", i))
						}
					}
					return ids
				}}
			},
			opts: PageOptions{PageSize: 10, Concurrency: 1},
			want: append(newIDs(30), "new00", "new01", "new02", "new03", "new04", "new05", "new06", "new07", "new08", "new09", "new10", "new11", "new12", "new13", "new14"),
		},
		{
			name: "total grows mid-walk, concurrent", srv: func() *listServer {
				return &listServer{ids: newIDs(300), mutate: func(req int, ids []string) []string {
					if req == 3 {
						for i := range 25 {
							ids = append(ids, fmt.Sprintf("new%02d", i))
						}
					}
					return ids
				}}
			},
			opts: PageOptions{PageSize: 10, Concurrency: 4},
			wantFn: func(*listServer) []string {
				out := newIDs(300)
				for i := range 25 {
					out = append(out, fmt.Sprintf("new%02d", i))
				}
				return out
			},
		},
		{
			name: "total shrinks mid-walk", srv: func() *listServer {
				return &listServer{ids: newIDs(50), mutate: func(req int, ids []string) []string {
					if req == 2 {
						return ids[:33]
					}
					return ids
				}}
			},
			opts: PageOptions{PageSize: 10, Concurrency: 1}, want: newIDs(33), wantReqs: 4,
		},
		{
			name: "total shrinks mid-walk, concurrent", srv: func() *listServer {
				return &listServer{ids: newIDs(200), mutate: func(req int, ids []string) []string {
					if req == 2 {
						return ids[:120]
					}
					return ids
				}}
			},
			opts: PageOptions{PageSize: 10, Concurrency: 4},
			// Pages fetched before the shrink may already hold later ids.
			wantFn: func(*listServer) []string { return nil },
		},
		{
			name: "insert at the front repeats an item across pages", srv: func() *listServer {
				return &listServer{ids: newIDs(30), mutate: func(req int, ids []string) []string {
					if req == 2 {
						return append([]string{"front"}, ids...)
					}
					return ids
				}}
			},
			// u0010 ends page 1 and starts page 2: kept once.
			opts: PageOptions{PageSize: 10, Concurrency: 1}, want: newIDs(30),
		},
		{
			name: "server repeats and skips items", srv: func() *listServer {
				ids := newIDs(20)
				ids = slices.Insert(ids, 10, "u0003") // a repeat in page 2
				ids = slices.Delete(ids, 15, 16)      // u0015 is skipped by the server
				return &listServer{ids: ids}
			},
			opts: PageOptions{PageSize: 10, Concurrency: 2},
			want: []string{"u0001", "u0002", "u0004", "u0005", "u0006", "u0007", "u0008", "u0009", "u0010", "u0003",
				"u0011", "u0012", "u0013", "u0014", "u0016", "u0017", "u0018", "u0019", "u0020"},
		},
		{
			name: "empty page before the claimed total stops the walk", srv: func() *listServer {
				return &listServer{ids: newIDs(30), total: func(int) int { return 100 }}
			},
			opts: PageOptions{PageSize: 10, Concurrency: 1}, want: newIDs(30), wantReqs: 4,
		},
		{
			name: "empty page before the claimed total, concurrent", srv: func() *listServer {
				return &listServer{ids: newIDs(30), total: func(int) int { return 100 }}
			},
			opts: PageOptions{PageSize: 10, Concurrency: 4}, want: newIDs(30), maxReqs: 10,
		},
		{
			// Nothing on the wire tells it from an honest total: asking past
			// every honest list's last page would cost a request per walk.
			name: "a total every page agrees on is taken at its word", srv: func() *listServer {
				return &listServer{ids: newIDs(35), total: func(int) int { return 10 }}
			},
			opts: PageOptions{PageSize: 10, Concurrency: 3}, want: newIDs(10), wantReqs: 1,
		},
		{
			name: "a page past the total is looked past", srv: func() *listServer {
				return &listServer{ids: newIDs(35), total: func(int) int { return 5 }}
			},
			opts: PageOptions{PageSize: 10, Concurrency: 3}, want: newIDs(35), maxReqs: 10,
		},
		{
			name: "server ignoring startIndex is caught", srv: func() *listServer {
				s := &listServer{ids: newIDs(10), total: func(int) int { return 1000 }}
				s.mutate = func(req int, ids []string) []string { return ids }
				s.pageCap = nil
				return s
			},
			opts: PageOptions{PageSize: 10, Concurrency: 1}, wantErr: "ignoring startIndex",
		},
		{
			name: "a failing page fails the walk", srv: func() *listServer {
				return &listServer{ids: newIDs(100), fail: func(req, start int) int {
					if start == 41 {
						return 403
					}
					return 0
				}}
			},
			opts: PageOptions{PageSize: 10, Concurrency: 3}, wantErr: "403 from GET",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.srv()
			if strings.Contains(tt.name, "ignoring startIndex") {
				// Every request gets the first page, whatever startIndex says.
				inner := s
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					q := r.URL.Query()
					q.Set("startIndex", "1")
					r.URL.RawQuery = q.Encode()
					inner.ServeHTTP(w, r)
				})
				c, _ := newTestClient(t, h)
				_, err := c.AllUsers(ctxT(t), tt.opts)
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v", err)
				}
				if n := s.reqCount(); n > 10 {
					t.Fatalf("%d requests before giving up", n)
				}
				return
			}
			c, _ := newTestClient(t, s)
			var progMu sync.Mutex
			lastDone := -1
			opts := tt.opts
			opts.Progress = func(done, total int) {
				progMu.Lock()
				defer progMu.Unlock()
				if done < lastDone {
					t.Errorf("progress went backwards: %d after %d", done, lastDone)
				}
				if total < done {
					t.Errorf("progress total %d < done %d", total, done)
				}
				lastDone = done
			}
			// Pages handed over as they arrive: one call at a time, and
			// together they hold every user the walk returns.
			var inPage atomic.Int32
			delivered := map[string]int{}
			opts.UserPage = func(page []User) {
				if inPage.Add(1) != 1 {
					t.Error("UserPage called while another call runs")
				}
				defer inPage.Add(-1)
				for _, u := range page {
					delivered[u.ID]++
				}
			}
			users, err := c.AllUsers(ctxT(t), opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := userIDs(users)
			assertUnique(t, got)
			for _, id := range got {
				if delivered[id] == 0 {
					t.Fatalf("%s returned but never handed to UserPage", id)
				}
			}
			want := tt.want
			if want == nil && tt.wantFn != nil {
				want = tt.wantFn(s)
			}
			if want != nil && !slices.Equal(got, want) {
				t.Fatalf("got %d ids %v\nwant %d ids %v", len(got), got, len(want), want)
			}
			if want == nil {
				// Shrink under concurrency: whatever arrived is unique, in
				// server order, and covers what still exists.
				if !slices.IsSorted(got) || len(got) < 120 {
					t.Fatalf("got %d ids, sorted=%v", len(got), slices.IsSorted(got))
				}
			}
			if len(users) > 0 && lastDone != len(users) {
				t.Errorf("final progress %d, want %d", lastDone, len(users))
			}
			if tt.wantReqs > 0 && s.reqCount() != tt.wantReqs {
				t.Errorf("requests = %d, want %d (starts %v)", s.reqCount(), tt.wantReqs, s.starts)
			}
			if tt.maxReqs > 0 && s.reqCount() > tt.maxReqs {
				t.Errorf("requests = %d, want <= %d (starts %v)", s.reqCount(), tt.maxReqs, s.starts)
			}
			for _, c := range s.counts {
				if c <= 0 {
					t.Errorf("a request asked count=%d", c)
				}
			}
		})
	}
}

func TestPagerKeepsLastOccurrence(t *testing.T) {
	s := &listServer{ids: []string{"a", "b", "c", "b", "d"}}
	c, _ := newTestClient(t, s)
	us, err := c.AllUsers(ctxT(t), PageOptions{PageSize: 2, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range us {
		got = append(got, u.ID+"="+u.DisplayName)
	}
	want := []string{"a=a@1", "c=c@3", "b=b@4", "d=d@5"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestPagerConcurrencyBound(t *testing.T) {
	for _, conc := range []int{1, 3, 8} {
		t.Run(strconv.Itoa(conc), func(t *testing.T) {
			s := &listServer{ids: newIDs(1000)}
			if conc > 1 {
				s = overlapping(newIDs(1000), 2)
			}
			c, _ := newTestClient(t, s)
			us, err := c.AllUsers(ctxT(t), PageOptions{PageSize: 10, Concurrency: conc})
			if err != nil {
				t.Fatal(err)
			}
			if got := userIDs(us); !slices.Equal(got, newIDs(1000)) {
				t.Fatalf("got %d users", len(got))
			}
			if m := int(s.maxInflight.Load()); m > conc {
				t.Fatalf("max in flight %d > concurrency %d", m, conc)
			} else if conc > 1 && m < 2 {
				t.Fatalf("max in flight %d: pages were not fetched in parallel", m)
			}
			if s.reqCount() != 100 {
				t.Errorf("requests = %d, want 100", s.reqCount())
			}
		})
	}
}

// TestPagerSharedSlots: two walks sharing slots (a sync reads users and
// groups at once) keep their requests in flight within the slots together.
func TestPagerSharedSlots(t *testing.T) {
	s := overlapping(newIDs(400), 2)
	c, _ := newTestClient(t, s)
	slots := semaphore.NewWeighted(3)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.AllUsers(ctxT(t), PageOptions{PageSize: 10, Concurrency: 3, Slots: slots})
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if m := s.maxInflight.Load(); m > 3 || m < 2 {
		t.Fatalf("max in flight %d, want 2..3 for two walks sharing 3 slots", m)
	}
}

// TestPagerLatencyBound: with latency L and concurrency C, N pages take
// about ceil(N/C)*L, not N*L, because C requests are on the wire at once
// after the first page. The server holds the pages until all C are in
// flight together, so that is shown without timing anything.
func TestPagerLatencyBound(t *testing.T) {
	s := overlapping(newIDs(4000), 10)
	c, _ := newTestClient(t, s)
	us, err := c.AllUsers(ctxT(t), PageOptions{PageSize: 100, Concurrency: 10})
	if err != nil || len(us) != 4000 {
		t.Fatalf("%d users, err %v", len(us), err)
	}
	if m := s.maxInflight.Load(); m != 10 || s.reqCount() != 40 {
		t.Fatalf("at most %d in flight in %d requests, want 10 in 40", m, s.reqCount())
	}
}

func TestAllGroupsDefaultsAndCap(t *testing.T) {
	ids := make([]string, 60)
	for i := range ids {
		ids[i] = fmt.Sprintf("role%02d:org%d", i/2, i%2)
	}
	s := &listServer{ids: ids, pageCap: func(int) int { return 25 }}
	c, _ := newTestClient(t, s)
	gs, err := c.AllGroups(ctxT(t), PageOptions{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 60 || gs[0].ID != "role00:org0" || gs[59].ID != "role29:org1" {
		t.Fatalf("got %d groups", len(gs))
	}
	if s.counts[0] != 100 || s.counts[1] != 25 {
		t.Fatalf("counts asked = %v: after the first capped page, ask for the cap", s.counts)
	}
	s2 := &listServer{ids: ids}
	c2, _ := newTestClient(t, s2)
	if _, err := c2.AllGroups(ctxT(t), PageOptions{}); err != nil {
		t.Fatal(err)
	}
	if s2.counts[0] != DefaultGroupPageSize {
		t.Fatalf("default group page size = %d", s2.counts[0])
	}
}

func TestPagerPassesFilter(t *testing.T) {
	var got atomic.Value
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.URL.Query().Get("filter"))
		_, _ = w.Write([]byte(`{"totalResults":0,"Resources":[]}`))
	})
	c, _ := newTestClient(t, h)
	f := And(Sw("givenName", "Google"), Sw("familyName", "User"))
	if _, err := c.AllUsers(ctxT(t), PageOptions{Filter: string(f)}); err != nil {
		t.Fatal(err)
	}
	if got.Load() != `givenName sw "Google" and familyName sw "User"` {
		t.Fatalf("filter = %v", got.Load())
	}
}

func TestPagerCancellation(t *testing.T) {
	s := &listServer{ids: newIDs(500), latency: 5 * time.Millisecond}
	c, _ := newTestClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.AllUsers(ctx, PageOptions{PageSize: 5, Concurrency: 2})
	if err == nil {
		t.Fatal("want an error after cancellation")
	}
}

// TestPagerLargeTenant: 100k users in pages of 1000 at 20 ms per request
// with 8 in flight take exactly the 100 pages, and the pages overlap on
// the wire. How much of the latency that hides is the bench's figure, not
// a test's: a test cannot time it on a busy machine.
func TestPagerLargeTenant(t *testing.T) {
	if testing.Short() {
		t.Skip("large tenant")
	}
	users, pageSize := 100_000, 1000
	if raceEnabled {
		users, pageSize = 10_000, 100 // same 100 requests, a tenth of the JSON
	}
	s := overlapping(newIDs(users), 2)
	s.latency = 20 * time.Millisecond
	c, _ := newTestClient(t, s)
	start := time.Now()
	us, err := c.AllUsers(ctxT(t), PageOptions{PageSize: pageSize, Concurrency: 8})
	if err != nil || len(us) != users || s.reqCount() != 100 {
		t.Fatalf("%d users in %d requests, err %v", len(us), s.reqCount(), err)
	}
	t.Logf("%d users, 100 requests, concurrency 8, 20 ms each: %v, at most %d in flight", users, time.Since(start), s.maxInflight.Load())
	if m := s.maxInflight.Load(); m < 2 || m > 8 {
		t.Fatalf("at most %d requests in flight, want 2..8", m)
	}
}
