package access

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client/scimtest"
)

// A write made while another process holds the cache's write lock for
// longer than the write waits (a long sync save, a stuck process) still
// leaves exactly one audit row, and its membership reaches the cache: both
// are spooled to an append-only file beside the cache and folded in by the
// next otaccess that writes the cache. The lock is never released while the
// write runs, so nothing here races a timer.
func TestWriteWhileTheCacheIsLockedIsSpooled(t *testing.T) {
	ctx := context.Background()
	// The test holds the lock through the write, so the store's one
	// attempt ends busy however long it waits: a short wait loses nothing.
	svc, srv, snap := newService(t, scimtest.Config{Users: 20}, cache.WithBusyTimeout(100*time.Millisecond))
	u, g := outsider(t, snap)
	defer func(p time.Duration) { cachePatience = p }(cachePatience)
	cachePatience = 0 // one attempt, then the spool

	other, err := sql.Open("sqlite", svc.store.Path()+"?_pragma=busy_timeout(100)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	ch := NewChange(snap, u, g, true)
	out := svc.Apply(ctx, ch)
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if !srv.IsMember(ch.UserID, ch.GroupID) {
		t.Fatal("the grant did not reach the server")
	}
	if out.Err != nil || !out.Member {
		t.Fatalf("grant while the cache was locked: %+v", out)
	}
	if len(out.Notes) == 0 || !strings.Contains(strings.Join(out.Notes, " "), "spool") {
		t.Fatalf("the outcome does not say the record was spooled: %q", out.Notes)
	}
	check := func(st *cache.Store) {
		t.Helper()
		entries, err := st.Audit(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == "grant" && e.Target == ch.UserLabel+" / "+ch.Group {
				n++
				if e.Result != "ok" || e.Actor != "tester" {
					t.Fatalf("spooled row %+v", e)
				}
			}
		}
		if n != 1 {
			t.Fatalf("%d grant rows, want exactly 1: %+v", n, entries)
		}
		s, err := st.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		su, _ := s.UserIndex(ch.UserID)
		sg, _ := s.GroupIndex(ch.GroupID)
		if !s.IsMember(su, sg) {
			t.Fatal("the spooled grant never reached the cache")
		}
	}
	// Reads fold the spool in when the lock is free at once (best effort:
	// a sync's housekeeping may hold it); the next write always does.
	u2, g2 := outsider(t, snap)
	for u2 == u && g2 == g || snap.IsMember(u2, g2) {
		g2 = (g2 + 1) % len(snap.Groups)
	}
	if out := svc.Apply(ctx, NewChange(snap, u2, g2, true)); out.Err != nil || len(out.Notes) != 0 {
		t.Fatalf("a write after the lock was released: %+v", out)
	}
	check(svc.store)
	// Another process opening the cache folds nothing twice.
	again, err := cache.Open(svc.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	check(again)
}

// A PATCH whose answer is lost, followed by a re-read that fails too, has an
// unknown outcome: the audit row says so rather than "failed" (the server
// may well have applied it, and here it did).
func TestLostAnswerAndFailedRereadIsAuditedUnknown(t *testing.T) {
	f := newFixture(t)
	ctx := ctxT(t)
	if _, err := f.svc.Sync(ctx, f.opt); err != nil {
		t.Fatal(err)
	}
	snap := f.load(t)
	u, g := outsider(t, snap)
	f.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultDropResponse, Method: http.MethodPatch, Times: 1})
	f.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 503, Method: http.MethodGet})
	out := f.svc.Apply(ctx, NewChange(snap, u, g, true))
	if out.Err == nil || !strings.Contains(out.Err.Error(), "unknown") {
		t.Fatalf("outcome %+v", out)
	}
	if !f.srv.IsMember(snap.Users[u].ID, snap.Groups[g].ID) {
		t.Fatal("the fault did not apply the grant")
	}
	entries, err := f.store.Audit(ctx, 0)
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit %+v %v", entries, err)
	}
	if !strings.HasPrefix(entries[0].Result, "unknown") {
		t.Fatalf("audit result %q, want it to start with \"unknown\"", entries[0].Result)
	}
}
