package access

import (
	"context"
	"database/sql"
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
