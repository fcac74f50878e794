package cache

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestHousekeepingIsDeferredNotWaitedFor: a process that closes while its
// housekeeping is still to do (here held at its start, as a slow prune
// would be) does not wait for it: Close returns with the old snapshots
// still there, and the next process to open the cache finishes the job:
// the snapshots past retention pruned, the blocks only they held swept,
// the free pages given back.
func TestHousekeepingIsDeferredNotWaitedFor(t *testing.T) {
	ahead := withClock(func() time.Time { return time.Now().AddDate(0, 0, 2) })
	keep2 := WithRetention(Retention{Days: 1, Min: 2})
	st, path := openTemp(t)
	ctx := context.Background()
	users, groups := genTenant(3000, 3, 3, 2, 4)
	for i := range 3 {
		users[i*500].Title = "changed"
		if _, err := st.SaveSnapshot(ctx, input(users, groups)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	held := make(chan struct{})
	var once sync.Once
	testHookHousekeep = func(ctx context.Context) {
		once.Do(func() { close(held) })
		<-ctx.Done() // only Close ends it
	}
	st, err := Open(path, keep2, ahead)
	if err != nil {
		t.Fatal(err)
	}
	users[2000].Title = "changed again"
	w, err := st.BeginSnapshot(ctx, "https://acme.onetrust.com/api/scim/v2", "acme", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddUsers(ctx, users); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(ctx, users, groups); err != nil {
		t.Fatal(err)
	}
	<-held
	if err := st.Close(); err != nil { // returns: the held housekeeping is stopped, not waited for
		t.Fatal(err)
	}
	testHookHousekeep = nil

	check, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	check.Settle()
	if list, _ := check.Snapshots(ctx); len(list) != 4 {
		t.Fatalf("%d snapshots after a process closed before its prune: want all 4 (nothing half done)", len(list))
	}
	check.Close()

	done := make(chan struct{})
	testHookHousekept = func() { close(done) }
	defer func() { testHookHousekept = nil }()
	next, err := Open(path, keep2, ahead)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	<-done // the next process resumed the housekeeping and finished it
	list, _ := next.Snapshots(ctx)
	if len(list) != 2 {
		t.Fatalf("%d snapshots after the next process's housekeeping, want 2", len(list))
	}
	prunedRows(t, next, list[0].ID, list[1].ID)
	var free int
	if err := next.db.QueryRow("PRAGMA freelist_count").Scan(&free); err != nil || free != 0 {
		t.Fatalf("%d free pages after the housekeeping (%v)", free, err)
	}
}
