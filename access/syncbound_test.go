package access

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestSyncConcurrencyIsShared: users and groups are read at once, and
// Concurrency bounds their requests in flight together, not each. The first
// users request and the first groups request are held until both have
// arrived: only a sync that reads both at once gets past it, whatever the
// machine's speed. A held request ends early only if its client gives up
// (the fixture's per-request timeout, far above any wait here).
func TestSyncConcurrencyIsShared(t *testing.T) {
	var inflight, peak atomic.Int32
	var users, groups sync.Once
	usersIn, groupsIn := make(chan struct{}), make(chan struct{})
	f := newFixtureWrapped(t, func(_ *scimtest.Server, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Concurrency bounds SCIM's requests; the access APIs have
			// slots of their own (AccessConcurrency).
			if !strings.HasPrefix(r.URL.Path, "/api/scim/") {
				next.ServeHTTP(w, r)
				return
			}
			n := inflight.Add(1)
			for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
			}
			switch {
			case strings.HasSuffix(r.URL.Path, "/Users"):
				users.Do(func() { close(usersIn) })
				wait(r, groupsIn)
			case strings.HasSuffix(r.URL.Path, "/Groups"):
				groups.Do(func() { close(groupsIn) })
				wait(r, usersIn)
			}
			// The answer is held until the request is counted out: sent
			// as it is written, its last byte could reach the client, which
			// then sends its next request, before the count went down.
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			inflight.Add(-1)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	})
	if _, err := f.svc.Sync(ctxT(t), f.opt); err != nil {
		t.Fatal(err)
	}
	if p := int(peak.Load()); p > f.opt.Concurrency || p < 2 {
		t.Fatalf("peak requests in flight %d, want 2..%d", p, f.opt.Concurrency)
	}
}

// wait blocks until ch closes or r's client gives up.
func wait(r *http.Request, ch <-chan struct{}) {
	select {
	case <-ch:
	case <-r.Context().Done():
	}
}

// TestSyncPacedByServer: a server that caps pages below what the client asks
// and answers 429 when pushed still yields the whole tenant, with progress.
func TestSyncPacedByServer(t *testing.T) {
	// The rate window moves only when the server has said 429, so every run
	// sees throttling, and every retry after one finds a fresh window,
	// however fast or slow the machine is.
	clock := scimtest.NewManualClock(time.Unix(1_700_000_000, 0))
	f := newFixtureOf(t, scimtest.Config{Users: 120, Roles: 3, Orgs: 2, Seed: 3,
		UserPageCap: 15, RateLimitPerMinute: 4, RateClock: clock.Now},
		client.Options{
			MaxBackoff: 2 * time.Millisecond, MaxRetries: 20,
			Clock: clock, // the client's waits for the limit it learns move the fake's clock
		},
		scimtest.WithHandler(func(_ *scimtest.Server, next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec := &statusRecorder{ResponseWriter: w}
				next.ServeHTTP(rec, r)
				if rec.status == http.StatusTooManyRequests {
					clock.Advance(time.Minute)
				}
			})
		}))
	fake := f.srv
	var updates atomic.Int32
	info, err := f.svc.Sync(ctxT(t), SyncOptions{Concurrency: 3, Progress: func(SyncProgress) { updates.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	if info.Users != 120 || info.Memberships != fake.Memberships() {
		t.Fatalf("synced %+v; server has 120 users, %d memberships", info, fake.Memberships())
	}
	throttled := 0
	for _, r := range fake.RequestLog() {
		if r.Status == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled == 0 || updates.Load() == 0 {
		t.Fatalf("%d answers were 429 and progress was reported %d times; want both > 0", throttled, updates.Load())
	}
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// TestSyncDeadline: a server that never answers fails the sync at its
// deadline, saying so, however many retries each request had left (that
// progress says what it waits for is client.TestWalkSaysItWaits...).
func TestSyncDeadline(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hs.Close)
	c, err := client.New(client.Options{BaseURL: hs.URL + "/api/scim/v2", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	st, err := cache.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	_, err = New(c, st, "test").Sync(ctxT(t), SyncOptions{Deadline: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "not done within the sync's deadline of 300ms") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}
