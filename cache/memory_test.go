package cache

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestSyncAndLoadLeaveNoMemoryBehind: what a sync and a load leave the
// process holding outside the Go heap once they are done. No part of the
// cache file stays memory-mapped (a map's touched pages count in the RSS
// for as long as the connection lives: 60 MiB of the file after each
// re-sync in the TUI), and no connection stays idle in the pool with its
// page cache and temporary database.
func TestSyncAndLoadLeaveNoMemoryBehind(t *testing.T) {
	st, path := openTemp(t)
	ctx := context.Background()
	users, groups := genTenant(3000, 3, 3, 2, 7)
	for i := range 2 { // the second sync reads the first snapshot
		users[i*100].Title = "changed"
		if _, err := st.SaveSnapshot(ctx, input(users, groups)); err != nil {
			t.Fatal(err)
		}
		st.Settle()
		if idle := st.db.Stats().Idle; idle != 0 {
			t.Fatalf("sync %d: %d idle connections left open after its housekeeping, want 0", i+1, idle)
		}
		mapped(t, path, "after sync")
		snap, err := st.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Users) != len(users) {
			t.Fatalf("loaded %d users, want %d", len(snap.Users), len(users))
		}
		if idle := st.db.Stats().Idle; idle != 0 {
			t.Fatalf("load %d: %d idle connections left open, want 0", i+1, idle)
		}
		mapped(t, path, "after load")
	}
	// A connection opened afterwards reads without a map too.
	if _, err := st.Snapshots(ctx); err != nil {
		t.Fatal(err)
	}
	mapped(t, path, "after a query")
}

// mapped fails if this process has any part of the file at path mapped
// (Linux's /proc/self/maps; skipped where there is none).
func mapped(t *testing.T, path, when string) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip("no /proc/self/maps here")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(line, " "+path) {
			t.Fatalf("%s: the cache file is still memory-mapped: %s", when, line)
		}
	}
}
