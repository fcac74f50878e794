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

// DefaultBusyTimeout is how long a writer waits for another one (a sync
// of 100k users holds the lock for a few seconds).
const DefaultBusyTimeout = 5 * time.Second

// OpenOption changes how Open opens a cache.
type OpenOption func(*openOptions)

type openOptions struct {
	busyTimeout time.Duration
	probe       func(step string)
	retention   Retention
	clock       func() time.Time // see withClock
}

// WithBusyTimeout sets how long the store's writers wait for another
// process's write lock before they fail with ErrBusy (d <= 0:
// DefaultBusyTimeout). Tests that hold the lock on purpose use a short one.
func WithBusyTimeout(d time.Duration) OpenOption {
	return func(o *openOptions) {
		if d > 0 {
			o.busyTimeout = d
		}
	}
}

// Store is the SQLite cache file of one profile. Safe for concurrent use;
// several processes may share the file (WAL, busy timeout).
type Store struct {
	db   *sql.DB
	path string
	// anchor is a connection held open for the store's life, so that the
	// log's index stays mapped: were every connection closed (dropIdle),
	// the next one would rebuild it by reading the whole log (0.3-0.7 s
	// after a first sync of 100k users, whose log is not folded yet: see
	// fold.go).
	anchor *sql.Conn
	chores sync.WaitGroup // housekeeping a sync leaves running (see tidy)
	// deferrable is cancelled by Close: the housekeeping that a later
	// process can do as well (see tidy) stops rather than hold up an exit.
	deferrable     context.Context
	stopDeferrable context.CancelFunc
	hints          pageHints // which page holds which user, for write-through
	busyTimeout    time.Duration
	probe          func(step string) // see WithSaveProbe
	folded         atomic.Int64      // the spool's size when this process last folded it
	created        bool              // this Open created the file (see CloseDiscardingUnused)
	retention      Retention         // which snapshots prune keeps
	clock          func() time.Time  // the clock retention is judged by (tests set it)
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

// WithSaveProbe calls probe at each step of saving a snapshot, in the
// goroutine doing it: "page" inside the transaction that writes a page of
// users (SnapshotWriter.AddUsers) before it commits, "commit" inside the
// transaction that makes the snapshot current before it commits, and
// "committed" once it has, before the housekeeping. Crash tests stop a
// process in probe to kill it at an exact point of a save.
func WithSaveProbe(probe func(step string)) OpenOption {
	return func(o *openOptions) { o.probe = probe }
}

// Open opens or creates the cache at path: the directory is created 0700,
// the file 0600. A file that is not an otaccess cache (not SQLite, or
// another application's database) is reported with ErrForeign and never
// modified. The schema is migrated to the current version.
func Open(path string, opts ...OpenOption) (*Store, error) {
	o := openOptions{busyTimeout: DefaultBusyTimeout, retention: DefaultRetention, clock: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
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
	created, err := publishNew(abs, o.busyTimeout)
	if err != nil {
		return nil, err
	}
	if _, err := checkHeader(abs); err != nil {
		return nil, err
	}
	db, err := openDB(abs, o.busyTimeout)
	if err != nil {
		return nil, err
	}
	st := &Store{db: db, path: abs, created: created, busyTimeout: o.busyTimeout, probe: o.probe, retention: o.retention, clock: o.clock}
	if st.anchor, err = anchorConn(db); err != nil {
		db.Close()
		return nil, wrapBusy(fmt.Errorf("open cache %s: %w", abs, err))
	}
	st.deferrable, st.stopDeferrable = context.WithCancel(context.Background())
	st.tryFold(context.Background())
	st.resume()
	return st, nil
}

// openDB opens the SQLite file at abs, accepts it only if it is ours or
// empty, puts it in WAL mode, migrates it and restricts its permissions.
func openDB(abs string, busyTimeout time.Duration) (*sql.DB, error) {
	// Per-connection settings only: nothing here writes to the file before
	// identify has looked at it. BEGIN IMMEDIATE takes the write lock up
	// front, so a writer waits (busy_timeout) instead of failing on a lock
	// upgrade; read-only transactions stay deferred. 16 KiB pages (for a
	// new file; an existing one keeps its own) quarter the pages, log
	// frames and write calls of a sync. A page cache of 8 MiB holds the
	// users index a sync inserts into, while the users it appends spill to
	// the log as the sync goes rather than all at its commit. No memory
	// map but a load's (see LoadSnapshot): every page a connection reads
	// through its map counts in the process's RSS for as long as the
	// connection lives, and a sync's reads of the previous snapshot left
	// 60 MiB of the file mapped in the TUI after each re-sync.
	dsn := (&url.URL{Scheme: "file", Path: abs}).String() + "?" + strings.Join([]string{
		"_pragma=page_size(16384)",
		"_pragma=busy_timeout(" + strconv.Itoa(int(busyTimeout/time.Millisecond)) + ")",
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)",
		"_pragma=mmap_size(0)",
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
	// A new file reclaims free pages incrementally (see vacuum.go); set
	// before its first table, or it takes a VACUUM.
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, wrapBusy(fmt.Errorf("open cache %s: %w", abs, err))
	}
	if version == 0 {
		if _, err := db.ExecContext(ctx, "PRAGMA auto_vacuum = INCREMENTAL"); err != nil {
			db.Close()
			return nil, wrapBusy(fmt.Errorf("open cache %s: %w", abs, err))
		}
	}
	if err := migrate(ctx, db, abs); err != nil {
		db.Close()
		return nil, err
	}
	// Should it fail (another process holds the file), the next open
	// tries again: the cache works without.
	_ = ensureIncrementalVacuum(ctx, db)
	for _, p := range []string{abs, abs + "-wal", abs + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			db.Close()
			return nil, fmt.Errorf("restrict cache permissions on %s: %w", p, err)
		}
	}
	return db, nil
}

// publishNew makes a cache at abs when there is none, and reports whether
// this call made it. The cache is built whole in a file of its own beside
// abs (0600, schema and WAL mode in place) and hard-linked into place, so
// another process never sees a cache file that is half made; if one
// appears first, it wins and this one is dropped.
func publishNew(abs string, busyTimeout time.Duration) (bool, error) {
	if _, err := os.Lstat(abs); !errors.Is(err, fs.ErrNotExist) {
		return false, nil // there is one (checkHeader looks at it), or Lstat's error is checkHeader's to report
	}
	f, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".new-*")
	if err != nil {
		return false, fmt.Errorf("create cache %s: %w", abs, err)
	}
	tmp := f.Name()
	f.Close()
	defer func() {
		for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
			_ = os.Remove(p)
		}
	}()
	db, err := openDB(tmp, busyTimeout)
	if err != nil {
		return false, err
	}
	if err := db.Close(); err != nil {
		return false, fmt.Errorf("create cache %s: %w", abs, err)
	}
	beforePublish(tmp, abs)
	switch err := os.Link(tmp, abs); {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	default:
		return false, fmt.Errorf("create cache %s: %w", abs, err)
	}
}

// beforePublish is called with the finished new cache just before it is
// linked into place; tests look at the moment through it.
var beforePublish = func(tmp, abs string) {}

// Path is the absolute path of the cache file.
func (s *Store) Path() string { return s.path }

// Close stops the housekeeping a later process can do as well (storing a
// sync's sort order: the next load stores it), waits for the rest, and
// closes the file: a command exits once its work is done.
func (s *Store) Close() error {
	s.stopDeferrable()
	s.chores.Wait()
	s.anchor.Close()
	return s.db.Close()
}

// anchorConn opens the connection a store holds for its life (see
// Store.anchor), with a read that maps the log's index.
func anchorConn(db *sql.DB) (*sql.Conn, error) {
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var n int
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM meta").Scan(&n); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Settle waits for the housekeeping a sync leaves running (see tidy).
func (s *Store) Settle() { s.chores.Wait() }

// idleConns is how many unused connections the pool keeps open between
// dropIdle calls (database/sql's default).
const idleConns = 2

// dropIdle closes the pool's unused connections. Each one holds, outside
// the Go heap, its page cache (up to 8 MiB), its temporary database and
// its prepared statements for as long as it lives: after a sync and a
// load the TUI kept 15-45 MiB so, in two idle connections, until it
// exited. The next query opens a fresh connection (a millisecond).
func (s *Store) dropIdle() {
	s.db.SetMaxIdleConns(0)
	s.db.SetMaxIdleConns(idleConns)
}

// checkHeader reports whether path exists and rejects, without SQLite ever
// opening it, a file that is not a SQLite database or carries another
// application's id.
func checkHeader(path string) (exists bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open cache %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("open cache %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return true, foreign(path, "not a regular file")
	}
	if st.Size() == 0 {
		return true, nil // all content still in the WAL, or made by an older otaccess: SQLite decides
	}
	hdr := make([]byte, 100)
	if _, err := io.ReadFull(f, hdr); err != nil || string(hdr[:16]) != "SQLite format 3\x00" {
		return true, foreign(path, "not a SQLite database")
	}
	if id := binary.BigEndian.Uint32(hdr[68:72]); id != 0 && id != applicationID {
		return true, foreign(path, fmt.Sprintf("a SQLite database of another application (application_id %#x)", id))
	}
	return true, nil
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
	s.anchor.Close()
	err := s.db.Close()
	if discard {
		// Closing may have checkpointed into a fresh -wal; the main file is gone.
		for _, p := range []string{s.path + "-wal", s.path + "-shm"} {
			_ = os.Remove(p)
		}
	}
	return err
}
