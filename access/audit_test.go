package access

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/otaccess/otaccess/client/scimtest"
)

// A write made while another process holds the cache's write lock past the
// store's busy timeout (a long sync save) still gets its audit row: the
// server did change, so the record must not be lost.
func TestAuditWaitsForABusyCache(t *testing.T) {
	if testing.Short() {
		t.Skip("holds a lock past the store's 5 s busy timeout")
	}
	ctx := context.Background()
	svc, srv, snap := newService(t, scimtest.Config{Users: 20})
	u, g := outsider(t, snap)

	other, err := sql.Open("sqlite", svc.Store.Path()+"?_pragma=busy_timeout(100)")
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
	release := time.AfterFunc(5500*time.Millisecond, func() { conn.ExecContext(ctx, "ROLLBACK"); conn.Close() })
	defer release.Stop()

	out := svc.Apply(ctx, NewChange(snap, u, g, true))
	if !srv.IsMember(snap.Users[u].ID, snap.Groups[g].ID) {
		t.Fatal("the grant did not reach the server")
	}
	if out.Err != nil {
		t.Fatalf("grant while the cache was busy: %v", out.Err)
	}
	entries, err := svc.Store.Audit(ctx, 1)
	if err != nil || len(entries) != 1 || entries[0].Action != "grant" {
		t.Fatalf("audit after a busy cache: %+v %v", entries, err)
	}
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
