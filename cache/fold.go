package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The log (WAL) is folded into the file as housekeeping, never on close.
// SQLite folds it when a file's last connection closes: after a first sync
// of 100k users that is 70 MB copied and synced, 1-1.5 s the CLI spent
// before it could print its result (the writer's connection is closed
// after the commit, see SnapshotWriter.release) or exit. Every connection
// is opened with SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE instead, and foldLog
// runs after a sync (tidy) and when a process opens a cache whose log
// holds something (resume), in the background; Close stops it and the
// next process folds the log again from the start. Nothing is lost by not
// folding: a committed transaction is in the log, which every connection
// reads, as after a kill -9.

func init() { sqlite.RegisterConnectionHook(noCheckpointOnClose) }

// closeSkipsFold records that the hook could set the option (tests); set
// by every new connection, from whichever goroutine opens it.
var closeSkipsFold atomic.Bool

// noCheckpointOnClose sets SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE on a new
// connection. modernc.org/sqlite does not offer sqlite3_db_config, so the
// handle is read from its connection, and only when the connection is the
// struct it is known to be (db uintptr, tls *libc.TLS first): another
// layout leaves SQLite's default, folding on close, which is slow but
// correct (TestCloseLeavesTheLogToTheNextProcess fails on it).
func noCheckpointOnClose(c sqlite.ExecQuerierContext, _ string) error {
	db, tls, ok := rawConn(c)
	if !ok {
		return nil
	}
	const vaSlot = 8 // libc.VaList's stride: an int and a pointer
	va := libc.Xmalloc(tls, types.Size_t(2*vaSlot))
	if va == 0 {
		return errors.New("set no checkpoint on close: out of memory")
	}
	defer libc.Xfree(tls, va)
	if rc := sqlite3.Xsqlite3_db_config(tls, db, sqlite3.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, libc.VaList(va, int32(1), uintptr(0))); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("set no checkpoint on close: sqlite3_db_config returned %d", rc)
	}
	closeSkipsFold.Store(true)
	return nil
}

// rawConn is the sqlite3 handle and thread state of a modernc connection,
// read by reflection (unexported fields are readable, not writable).
func rawConn(c any) (db uintptr, tls *libc.TLS, ok bool) {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct || v.Elem().NumField() < 2 {
		return 0, nil, false
	}
	s, t := v.Elem(), v.Elem().Type()
	if f := t.Field(0); f.Name != "db" || f.Type.Kind() != reflect.Uintptr {
		return 0, nil, false
	}
	if f := t.Field(1); f.Name != "tls" || f.Type != reflect.TypeFor[*libc.TLS]() {
		return 0, nil, false
	}
	db, tls = uintptr(s.Field(0).Uint()), (*libc.TLS)(s.Field(1).UnsafePointer())
	return db, tls, db != 0 && tls != nil
}

// logPending reports whether the cache's log holds anything: foldLog
// truncates it to nothing once folded.
func (s *Store) logPending() bool {
	fi, err := os.Stat(s.path + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	return err != nil || fi.Size() > 0
}

// foldLog folds the log (foldLogOnce), trying again while a reader holds
// part of it: the process that resumes the fold is usually loading the
// snapshot through that very log as the fold starts (the TUI opening a
// cache a sync just wrote), and one try would leave the log for the next
// process, and the next. It gives up after foldTries, or when ctx ends,
// leaving the rest for the next process.
func (s *Store) foldLog(ctx context.Context) error {
	wait := foldFirstWait
	for try := 1; ; try++ {
		err := s.foldLogOnce(ctx)
		if !errors.Is(err, ErrBusy) || try == foldTries {
			return err
		}
		if testHookFoldBusy != nil {
			testHookFoldBusy()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, foldMaxWait)
	}
}

// The fold's retries: about 20 s in all, far longer than a load takes.
const (
	foldTries     = 25
	foldFirstWait = 50 * time.Millisecond
	foldMaxWait   = time.Second
)

// foldLogOnce copies the log into the file and truncates it, without
// waiting for anyone: on a connection that does not wait on locks, so a
// reader or writer in another process makes it fold what it can (as a
// passive checkpoint does) and leave the rest, rather than hold up their
// writes.
func (s *Store) foldLogOnce(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), "PRAGMA busy_timeout = "+strconv.Itoa(int(s.busyTimeout.Milliseconds())))
	var busy, logFrames, folded int
	err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &folded)
	if err == nil && busy != 0 {
		err = ErrBusy
	}
	if testHookFolded != nil && err == nil {
		testHookFolded()
	}
	return err
}

// testHookFolded runs when foldLog has folded the whole log,
// testHookFoldBusy when a try found a reader in the way.
var testHookFolded, testHookFoldBusy func()
