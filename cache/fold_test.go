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
	if !closeSkipsFold.Load() {
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
	var n int64
	select {
	case n = <-folded:
	case <-time.After(2 * time.Minute): // a guard against a hang, not a timing
		t.Fatal("the next process never folded the log")
	}
	if n != 0 {
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

// TestFoldWaitsForAReader: a fold that starts while another connection
// reads the snapshot through the log (the TUI loading the cache a sync
// just wrote, as the fold resumes) tries again once the reader is done,
// rather than leave the log for the next process (CI hung on that: the
// fold found the test's own Load in the way, once, and gave up).
func TestFoldWaitsForAReader(t *testing.T) {
	st, path := openTemp(t)
	ctx := context.Background()
	users, groups := genTenant(500, 3, 3, 2, 5)
	testHookHousekeep = func(ctx context.Context) { <-ctx.Done() }
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
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	testHookHousekeep = nil

	reader, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	tx, err := reader.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow("SELECT count(*) FROM snapshots").Scan(&n); err != nil || n == 0 {
		t.Fatalf("read the snapshot through the log: %d rows, %v", n, err)
	}
	busy := 0
	testHookFoldBusy = func() {
		if busy++; busy == 1 {
			tx.Rollback() // the reader is done
		}
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
	defer func() { testHookFoldBusy, testHookFolded = nil, nil }()
	again, err := Open(path) // resumes the fold, in the background
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	select {
	case n := <-folded:
		if n != 0 {
			t.Fatalf("the log holds %d bytes after the fold: want it truncated", n)
		}
	case <-time.After(2 * time.Minute): // a guard against a hang, not a timing
		t.Fatal("the fold gave up on the reader")
	}
	again.Settle()
	if busy == 0 {
		t.Fatal("the fold never found the reader in the way: the test tests nothing")
	}
}
