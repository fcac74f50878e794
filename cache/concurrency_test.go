package cache

import (
	"context"
	"testing"
	"time"
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

	start := time.Now()
	b, err := Open(path)
	if err != nil {
		t.Fatalf("open while another process writes: %v", err)
	}
	defer b.Close()
	if _, err := b.Load(ctx); err != nil {
		t.Fatalf("load while another process writes: %v", err)
	}
	if d := time.Since(start); d > busyTimeout/2 {
		t.Fatalf("open and load waited %v for the writer", d)
	}
}
