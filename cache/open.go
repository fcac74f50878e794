package cache

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// busyTimeout is how long a writer waits for another one (a sync of 100k
// users holds the lock for a few seconds). A variable for tests.
var busyTimeout = 5 * time.Second

// Store is the SQLite cache file of one profile. Safe for concurrent use;
// several processes may share the file (WAL, busy timeout).
type Store struct {
	db     *sql.DB
	path   string
	chores sync.WaitGroup // housekeeping a sync leaves running (see tidy)
	// deferrable is cancelled by Close: the housekeeping that a later
	// process can do as well (see tidy) stops rather than hold up an exit.
	deferrable     context.Context
	stopDeferrable context.CancelFunc
	hints          pageHints    // which page holds which user, for write-through
	folded         atomic.Int64 // the spool's size when this process last folded it
	created        bool         // this Open created the file (see CloseDiscardingUnused)
}

var profileName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// DefaultPath is os.UserCacheDir()/otaccess/<profile>.db.
func DefaultPath(profile string) (string, error) {
	if !profileName.MatchString(profile) || profile == "." || profile == ".." {
		return "", fmt.Errorf("invalid profile name %q: use letters, digits, '.', '_' and '-'", profile)
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locate the cache directory: %w (set XDG_CACHE_HOME or pass a cache path)", err)
	}
	return filepath.Join(dir, "otaccess", profile+".db"), nil
}

// Open opens or creates the cache at path: the directory is created 0700,
// the file 0600. A file that is not an otaccess cache (not SQLite, or
// another application's database) is reported with ErrForeign and never
// modified. The schema is migrated to the current version.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open cache: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	dir := filepath.Dir(abs)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create cache directory %s: %w", dir, err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create cache directory %s: %w", dir, err)
		}
	}
	exists, err := checkHeader(abs)
	if err != nil {
		return nil, err
	}
	created := false
	if !exists {
		// Created here, not by SQLite, to choose the mode; O_EXCL so a
		// file that appeared meanwhile is checked, not truncated.
		f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case err == nil:
			f.Close()
			created = true
		case errors.Is(err, fs.ErrExist):
			if _, err := checkHeader(abs); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("create cache %s: %w", abs, err)
		}
	}

	// Per-connection settings only: nothing here writes to the file before
	// identify has looked at it. BEGIN IMMEDIATE takes the write lock up
	// front, so a writer waits (busy_timeout) instead of failing on a lock
	// upgrade; read-only transactions stay deferred. 16 KiB pages (for a
	// new file; an existing one keeps its own) quarter the pages, log
	// frames and write calls of a sync. A page cache of 8 MiB holds the
	// users index a sync inserts into, while the users it appends spill to
	// the log as the sync goes rather than all at its commit; reads go
	// through the memory map.
	dsn := (&url.URL{Scheme: "file", Path: abs}).String() + "?" + strings.Join([]string{
		"_pragma=page_size(16384)",
		"_pragma=busy_timeout(" + strconv.Itoa(int(busyTimeout/time.Millisecond)) + ")",
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)",
		"_pragma=mmap_size(" + strconv.Itoa(mmapSize) + ")",
		"_pragma=cache_size(-8192)",
		"_txlock=immediate",
	}, "&")
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open cache %s: %w", abs, err)
	}
	ctx := context.Background()
	if err := identify(ctx, db, abs); err != nil {
		db.Close()
		return nil, err
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil || !strings.EqualFold(mode, "wal") {
		db.Close()
		return nil, wrapBusy(fmt.Errorf("open cache %s: enable WAL (got %q): %v", abs, mode, err))
	}
	if err := migrate(ctx, db, abs); err != nil {
		db.Close()
		return nil, err
	}
	for _, p := range []string{abs, abs + "-wal", abs + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			db.Close()
			return nil, fmt.Errorf("restrict cache permissions on %s: %w", p, err)
		}
	}
	st := &Store{db: db, path: abs, created: created}
	st.deferrable, st.stopDeferrable = context.WithCancel(context.Background())
	st.tryFold(ctx)
	return st, nil
}

// Path is the absolute path of the cache file.
func (s *Store) Path() string { return s.path }

// Close stops the housekeeping a later process can do as well (storing a
// sync's sort order: the next load stores it), waits for the rest, and
// closes the file: a command exits once its work is done.
func (s *Store) Close() error {
	s.stopDeferrable()
	s.chores.Wait()
	return s.db.Close()
}

// Settle waits for the housekeeping a sync leaves running (see tidy).
func (s *Store) Settle() { s.chores.Wait() }

// checkHeader reports whether path exists and rejects, without SQLite ever
// opening it, a file that is not a SQLite database or carries another
// application's id.
func checkHeader(path string) (exists bool, err error) {
	// Another process may be creating the file this very moment: SQLite
	// extends it before page 1 is written, so a header that is short or
	// still zero is looked at again for a while before it is called foreign.
	for tries := 0; ; tries++ {
		exists, hdr, err := readHeader(path)
		if err != nil || !exists || hdr == nil {
			return exists, err
		}
		if tries < headerRetries && (len(hdr) < 100 || allZero(hdr[:16])) {
			awaitCreator(headerRetryWait)
			continue
		}
		if len(hdr) < 100 || string(hdr[:16]) != "SQLite format 3\x00" {
			return true, foreign(path, "not a SQLite database")
		}
		if id := binary.BigEndian.Uint32(hdr[68:72]); id != 0 && id != applicationID {
			return true, foreign(path, fmt.Sprintf("a SQLite database of another application (application_id %#x)", id))
		}
		return true, nil
	}
}

// How long checkHeader waits for a file being created by another process.
const (
	headerRetries   = 50
	headerRetryWait = 20 * time.Millisecond
)

// awaitCreator is time.Sleep; tests replace it to finish the creation.
var awaitCreator = time.Sleep

// readHeader returns the file's first 100 bytes (fewer if it is shorter), or
// a nil header for an empty file (new, or all content still in the WAL:
// SQLite decides).
func readHeader(path string) (exists bool, hdr []byte, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return true, nil, foreign(path, "not a regular file")
	}
	if st.Size() == 0 {
		return true, nil, nil
	}
	hdr = make([]byte, 100)
	n, _ := io.ReadFull(f, hdr)
	return true, hdr[:n], nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// identify accepts our own database or an empty one.
func identify(ctx context.Context, db *sql.DB, path string) error {
	var appID, version, objects int
	err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID)
	if err == nil {
		err = db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
	}
	if err == nil {
		err = db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects)
	}
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_NOTADB || se.Code()&0xff == sqlite3.SQLITE_CORRUPT) {
			return foreign(path, "damaged or not a SQLite database ("+err.Error()+")")
		}
		return wrapBusy(fmt.Errorf("open cache %s: %w", path, err))
	}
	switch {
	case appID == applicationID:
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").Scan(&n); err != nil || n == 0 {
			return foreign(path, "marked as an otaccess cache but has no meta table (damaged)")
		}
		return nil
	case appID == 0 && version == 0 && objects == 0:
		return nil // empty: ours to initialise
	}
	return foreign(path, "a SQLite database of another application")
}

// CloseDiscardingUnused closes the store and, when this Open created the
// file and nothing was ever stored in it (no snapshot, no audit row, no
// review: a command that failed before it talked to a tenant), removes it,
// so a mistyped command leaves no empty cache behind. The check and the
// removal happen under the write lock; a process that opened the brand-new
// file at the same moment and has not written yet is the one case this
// cannot see.
func (s *Store) CloseDiscardingUnused() error {
	if !s.created {
		return s.Close()
	}
	s.stopDeferrable()
	s.chores.Wait()
	ctx := context.Background()
	discard := false
	if tx, err := s.db.BeginTx(ctx, nil); err == nil {
		var n int
		if tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM snapshots) + (SELECT count(*) FROM audit) + (SELECT count(*) FROM reviews)`).Scan(&n) == nil && n == 0 && !s.spoolPending() {
			discard = true
			for _, p := range []string{s.path, s.path + "-wal", s.path + "-shm"} {
				if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
					discard = false
				}
			}
		}
		tx.Rollback()
	}
	err := s.db.Close()
	if discard {
		// Closing may have checkpointed into a fresh -wal; the main file is gone.
		for _, p := range []string{s.path + "-wal", s.path + "-shm"} {
			_ = os.Remove(p)
		}
	}
	return err
}
