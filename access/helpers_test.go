package access

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// testToken is the one test token of every package's tests.
const testToken = scimtest.TestToken

// fixture is a small fake tenant, a client tuned to fail fast (short
// timeout, retry waits on a test clock) and a cache file in a temp dir.
type fixture struct {
	srv   *scimtest.TestServer
	svc   *Service
	store *cache.Store
	opt   SyncOptions
}

// Per-request timeout of the test client, on the fixture's ManualClock:
// the clock moves only on the client's retry waits (milliseconds, a 429's
// second) and on a delay fault, which moves it on by slowDelay, so only a
// delay fault trips the timeout, and at once: no case waits on the wall.
const (
	testTimeout = time.Minute
	slowDelay   = 2 * testTimeout
)

// fixtureTenant has several pages of users and of groups, so faults land
// mid-walk.
var fixtureTenant = scimtest.Config{Users: 45, Roles: 4, Orgs: 3, Seed: 7, UserPageCap: 10, GroupPageCap: 5}

func newFixture(t *testing.T) *fixture { return newFixtureWrapped(t, nil) }

// fixtureRetries is how often the fixture's client retries a request.
const fixtureRetries = 3

// newFixtureWrapped serves the tenant through wrap (nil: directly), for
// tests that change the tenant between requests.
func newFixtureWrapped(t *testing.T, wrap func(*scimtest.Server, http.Handler) http.Handler) *fixture {
	t.Helper()
	var opts []scimtest.TestOption
	if wrap != nil {
		opts = append(opts, scimtest.WithHandler(wrap))
	}
	// Retry waits (backoff, a 429's Retry-After), the per-attempt timeout
	// and the fake's delay faults all run on a clock of the test's own, so
	// they take no time.
	clock := scimtest.NewManualClock(time.Unix(1_700_000_000, 0))
	cfg := fixtureTenant
	cfg.DelayClock = clock
	f := newFixtureOf(t, cfg, client.Options{Timeout: testTimeout, MaxRetries: fixtureRetries, Clock: clock}, opts...)
	f.opt = SyncOptions{Concurrency: 3, UserPageSize: 10, GroupPageSize: 5}
	return f
}

// newFixtureOf serves a tenant of cfg to a service whose client has opt
// (zero fields: scimtest.TestServer.NewClient's) over a fresh cache; the
// cache is not synced yet.
func newFixtureOf(t *testing.T, cfg scimtest.Config, opt client.Options, serve ...scimtest.TestOption) *fixture {
	t.Helper()
	return newFixtureStore(t, cfg, opt, nil, serve...)
}

// newFixtureStore is newFixtureOf with a cache opened with storeOpts.
func newFixtureStore(t *testing.T, cfg scimtest.Config, opt client.Options, storeOpts []cache.OpenOption, serve ...scimtest.TestOption) *fixture {
	t.Helper()
	cfg.Token = testToken
	srv := scimtest.NewTestServer(t, cfg, serve...)
	st, err := cache.Open(filepath.Join(t.TempDir(), "cache", "t.db"), storeOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &fixture{srv: srv, svc: New(srv.NewClient(t, opt), st, "test"), store: st}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// tenantState is what must agree between the cache and the server: who
// exists, their status and email, which groups exist, who is in which.
type tenantState struct {
	Users   map[string]string // id -> "active|email"
	Groups  []string
	Members map[string]bool // "userID groupID"
}

func userKey(active bool, email string) string { return fmt.Sprintf("%v|%s", active, email) }

func snapState(s *tenant.Snapshot) tenantState {
	st := tenantState{Users: map[string]string{}, Members: map[string]bool{}}
	for i := range s.Users {
		u := &s.Users[i]
		st.Users[u.ID] = userKey(u.Active, u.Email)
		for _, g := range u.Groups {
			st.Members[u.ID+" "+s.Groups[g].ID] = true
		}
	}
	for i := range s.Groups {
		st.Groups = append(st.Groups, s.Groups[i].ID)
	}
	slices.Sort(st.Groups)
	return st
}

func serverState(srv *scimtest.Server) tenantState {
	st := tenantState{Users: map[string]string{}, Members: map[string]bool{}}
	for _, u := range srv.Users() {
		st.Users[u.ID] = userKey(u.Active, u.PrimaryEmail())
		for _, g := range u.Groups {
			st.Members[u.ID+" "+g.Value] = true
		}
	}
	for _, g := range srv.Groups() {
		st.Groups = append(st.Groups, g.ID)
	}
	slices.Sort(st.Groups)
	return st
}

// diff describes how two states differ ("" when equal), briefly.
func (a tenantState) diff(b tenantState) string {
	var out []string
	for id, v := range a.Users {
		if w, ok := b.Users[id]; !ok {
			out = append(out, "user "+id+" only in the first")
		} else if v != w {
			out = append(out, fmt.Sprintf("user %s: %s vs %s", id, v, w))
		}
	}
	for id := range b.Users {
		if _, ok := a.Users[id]; !ok {
			out = append(out, "user "+id+" only in the second")
		}
	}
	if !slices.Equal(a.Groups, b.Groups) {
		out = append(out, fmt.Sprintf("groups: %d vs %d", len(a.Groups), len(b.Groups)))
	}
	if !maps.Equal(a.Members, b.Members) {
		n := 0
		for k := range a.Members {
			if !b.Members[k] {
				n++
			}
		}
		for k := range b.Members {
			if !a.Members[k] {
				n++
			}
		}
		out = append(out, fmt.Sprintf("%d memberships differ (%d vs %d)", n, len(a.Members), len(b.Members)))
	}
	slices.Sort(out)
	if len(out) > 6 {
		out = append(out[:6], fmt.Sprintf("… %d more", len(out)-6))
	}
	return strings.Join(out, "; ")
}

func (f *fixture) load(t *testing.T) *tenant.Snapshot {
	t.Helper()
	s, err := f.store.Load(context.Background())
	if err != nil {
		t.Fatalf("load the cache: %v", err)
	}
	return s
}

// assertCacheMatchesServer fails unless the current snapshot equals the
// server's state.
func (f *fixture) assertCacheMatchesServer(t *testing.T) {
	t.Helper()
	if d := snapState(f.load(t)).diff(serverState(f.srv.Server)); d != "" {
		t.Fatalf("cache disagrees with the server: %s", d)
	}
}
