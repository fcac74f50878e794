package cache

import (
	"context"
	"database/sql"
	"os"
	"sync"
	"testing"
	"time"
)

// TestCloseLeavesTheLogToTheNextProcess (issue 12 item 5): a process that
// closes right after a sync, before its housekeeping folded the log into
// the file, does not fold it while closing (SQLite does so by default: a
// second or more after a first sync at 100k users); the log stays, a
// reader sees the snapshot through it, and the next process to open the
// cache folds it and truncates it to nothing.
func TestCloseLeavesTheLogToTheNextProcess(t *testing.T) {
	st, path := openTemp(t)
	ctx := context.Background()
	users, groups := genTenant(3000, 3, 3, 2, 4)
	var once sync.Once
	held := make(chan struct{})
	testHookHousekeep = func(ctx context.Context) {
		once.Do(func() { close(held) })
		<-ctx.Done() // only Close ends it: the fold after it never runs
	}
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
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	testHookHousekeep = nil
	if !closeSkipsFold {
		t.Fatal("connections are not opened with SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE (has modernc.org/sqlite's connection changed?): closing folds the log, which the CLI waits for")
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil || fi.Size() == 0 {
		t.Fatalf("the log after a close (%v): want the sync's, left for the next process", err)
	}

	folded := make(chan int64, 1)
	testHookFolded = func() {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			folded <- -1
			return
		}
		folded <- fi.Size()
	}
	defer func() { testHookFolded = nil }()
	next, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	snap, err := next.Load(ctx) // through the log, or once it is folded
	if err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, snap)
	if len(snap.Users) != len(users) {
		t.Fatalf("%d users read through the log, want %d", len(snap.Users), len(users))
	}
	if n := <-folded; n != 0 {
		t.Fatalf("the log holds %d bytes once the next process folded it: want it truncated", n)
	}
}

// foldForTest folds the log of the cache at path into the file, waiting
// for any lock, as closing used to.
func foldForTest(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var busy, frames, folded int
	if err := db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &folded); err != nil || busy != 0 {
		t.Fatalf("fold the log of %s: busy %d, %v", path, busy, err)
	}
}
