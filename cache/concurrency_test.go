package cache

import (
	"context"
	"testing"
)

// TestOpenDoesNotWaitForAWriter: while another process holds the write lock
// (a sync saving 100k users holds it for seconds), opening and reading the
// cache — every read-only command, the TUI's start — goes ahead at once.
func TestOpenDoesNotWaitForAWriter(t *testing.T) {
	a, path := openTemp(t)
	ctx := context.Background()
	users, groups := smallTenant()
	if _, err := a.SaveSnapshot(ctx, input(users, groups)); err != nil {
		t.Fatal(err)
	}
	tx, err := a.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	// The lock is held until the test ends, so an open or a load that
	// waited for it would fail busy, not succeed: success means neither
	// waited, without timing anything.
	b, err := Open(path)
	if err != nil {
		t.Fatalf("open while another process writes: %v", err)
	}
	defer b.Close()
	if _, err := b.Load(ctx); err != nil {
		t.Fatalf("load while another process writes: %v", err)
	}
}
