package cache

import (
	"context"
	"errors"
	"testing"

	"github.com/otaccess/otaccess/tenant"
)

// TestRecordMembership: the membership and its audit row are one
// transaction; when the membership cannot be recorded, no audit row lands
// either (the caller then audits the failure on its own).
func TestRecordMembership(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	users, groups := smallTenant()
	if _, err := st.SaveSnapshot(ctx, input(users, groups)); err != nil {
		t.Fatal(err)
	}
	e := tenant.AuditEntry{Actor: "tester", Action: "grant", Target: "u1 / aud:apac", Result: "ok"}
	if err := st.RecordMembership(ctx, "u1", "aud:apac", true, e); err != nil {
		t.Fatal(err)
	}
	snap, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := snap.UserIndex("u1")
	g, _ := snap.GroupIndex("aud:apac")
	if !snap.IsMember(u, g) {
		t.Fatal("membership not recorded")
	}
	log, err := st.Audit(ctx, 0)
	if err != nil || len(log) != 1 || log[0].Target != e.Target || log[0].Actor != "tester" {
		t.Fatalf("audit = %+v, %v", log, err)
	}

	// A user the snapshot lacks (a later sync removed it) is reported, but
	// the server did the write: its audit row is kept all the same.
	e.Target = "nobody / aud:apac"
	if err := st.RecordMembership(ctx, "nobody", "aud:apac", true, e); !errors.Is(err, ErrNotInSnapshot) {
		t.Fatalf("unknown user: %v", err)
	}
	if log, _ := st.Audit(ctx, 0); len(log) != 2 || log[0].Target != e.Target {
		t.Fatalf("a write the snapshot cannot hold left %d audit rows, want its own too", len(log))
	}
}
