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
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otaccess/otaccess/tenant"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	// ErrNoSnapshot: the cache holds no completed sync yet.
	ErrNoSnapshot = errors.New("no snapshot in the cache yet: run otaccess sync first")
	// ErrBusy: another process holds the write lock longer than we wait.
	ErrBusy = errors.New("cache is busy (another otaccess is syncing); try again in a moment")
	// ErrForeign: the file is not an otaccess cache; it is left untouched.
	ErrForeign = errors.New("not an otaccess cache")
	// ErrCorrupt: the file is damaged; it is reported, never rewritten.
	ErrCorrupt = errors.New("the cache file is damaged")
	// ErrNotInSnapshot: a user or group id the current snapshot lacks.
	ErrNotInSnapshot = errors.New("not in the cached snapshot")
)

// busyTimeout is how long a writer waits for another one (a sync of 100k
// users holds the lock for a few seconds). A variable for tests.
var busyTimeout = 5 * time.Second

// Store is the SQLite cache file of one profile. Safe for concurrent use;
// several processes may share the file (WAL, busy timeout).
type Store struct {
	db      *sql.DB
	path    string
	chores  sync.WaitGroup // housekeeping a sync leaves running (see tidy)
	hints   pageHints      // which page holds which user, for write-through
	folded  atomic.Int64   // the spool's size when this process last folded it
	created bool           // this Open created the file (see CloseDiscardingUnused)
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
	st.tryFold(ctx)
	return st, nil
}

// Path is the absolute path of the cache file.
func (s *Store) Path() string { return s.path }

// Close closes the database.
// Close waits for housekeeping still running, then closes the file.
func (s *Store) Close() error {
	s.chores.Wait()
	return s.db.Close()
}

// Settle waits for the housekeeping a sync leaves running (see tidy).
func (s *Store) Settle() { s.chores.Wait() }

// tidy runs a sync's housekeeping in the background: pruning older
// snapshots, storing the new one's sort order (see order.go) and
// checkpointing the write-ahead log (copying the new
// snapshot into the file proper; SnapshotWriter turns the automatic
// checkpoint off). Neither changes what readers see, and the new snapshot
// is already current and committed, so the sync need not wait for them.
// If either fails or never runs (the process ends first), the next sync's
// housekeeping does it; SQLite checkpoints when the last connection
// closes.
func (s *Store) tidy(snap int64) {
	s.chores.Add(1)
	go func() {
		defer s.chores.Done()
		ctx := context.Background()
		_ = s.prune(ctx)
		_ = s.pruneJournal(ctx)
		_ = s.saveUserOrder(ctx, snap)
		_, _ = s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	}()
}

func foreign(path, why string) error {
	return fmt.Errorf("%w: %s is %s; it was left untouched: move it away or choose another cache path", ErrForeign, path, why)
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
		return true, nil // new, or all content still in the WAL: SQLite decides
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

// wrapBusy turns SQLite's lock errors into ErrBusy, keeping the cause for
// errors.Is/As but not in the message: "database is locked (5)
// (SQLITE_BUSY)" tells a person nothing ErrBusy does not say better.
func wrapBusy(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED) {
		return busyError{err}
	}
	return err
}

type busyError struct{ cause error }

func (e busyError) Error() string   { return ErrBusy.Error() }
func (e busyError) Unwrap() []error { return []error{ErrBusy, e.cause} }

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// redactURL keeps a tenant URL's scheme, host and path: credentials or a
// token in userinfo or the query never reach the cache.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			return s[:i]
		}
		return s
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// SnapshotInput is what a sync read.
type SnapshotInput struct {
	Source    string // tenant base URL
	Profile   string
	StartedAt time.Time
	Users     []tenant.ReadUser
	Groups    []tenant.ReadGroup
}

// testHookSaveBatch runs after each batch of users a save writes (tests
// cancel a save midway through it).
var testHookSaveBatch func()

// SaveSnapshot writes a whole new snapshot and makes it current (see
// SnapshotWriter), whatever tenant the current one is of (tests and tools
// store snapshots they made; a sync refuses another tenant's, see
// ErrOtherTenant); the previous one is kept (for a diff), older ones are removed
// after the commit (see prune). On any failure, a cancelled ctx included, the
// previous snapshot stays current and intact. A sync that reads the tenant
// page by page uses BeginSnapshot instead, to write while it reads.
func (s *Store) SaveSnapshot(ctx context.Context, in SnapshotInput) (tenant.SyncInfo, error) {
	w, err := s.BeginSnapshot(ctx, in.Source, in.Profile, in.StartedAt)
	if err != nil {
		return tenant.SyncInfo{}, err
	}
	w.ReplaceOther()
	if err := w.AddUsers(ctx, in.Users); err != nil {
		return tenant.SyncInfo{}, err
	}
	info, err := w.Commit(ctx, in.Users, in.Groups)
	s.Settle()
	return info, err
}

// abandonedAfter is how long a snapshot may stay 'writing' without a page
// written before prune takes it for a sync that died: until then another
// process may be writing it.
const abandonedAfter = time.Hour

// prune removes every snapshot but the current and the previous one, and
// those left 'writing' for over abandonedAfter (a sync that crashed; one
// that failed removes its own).
func (s *Store) prune(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail("prune old snapshots", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id FROM snapshots WHERE id NOT IN (
		SELECT CAST(value AS INTEGER) FROM meta WHERE key IN ('current', 'previous'))
		AND (status = 'complete' OR finished_at < ?)`, fmtTime(time.Now().Add(-abandonedAfter)))
	if err != nil {
		return s.fail("prune old snapshots", err)
	}
	var old []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return s.fail("prune old snapshots", err)
		}
		old = append(old, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.fail("prune old snapshots", err)
	}
	if len(old) == 0 {
		return nil
	}
	for _, id := range old {
		if err := deleteSnapshot(ctx, tx, id); err != nil {
			return s.fail("prune old snapshots", err)
		}
	}
	return s.failIf("prune old snapshots", tx.Commit())
}

// deleteSnapshot removes a snapshot and its rows. Each table is deleted
// from as a key range (snapshot_id = ?, or the snapshot's rids), which
// SQLite finds by the primary key; "snapshot_id NOT IN (keep)" would scan
// the rows of the snapshots kept as well. Children first: cheaper than
// row-by-row cascades.
func deleteSnapshot(ctx context.Context, tx *sql.Tx, id int64) error {
	if err := deleteUsers(ctx, tx, id); err != nil {
		return err
	}
	for _, table := range []string{"groups", "roles", "orgs"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE snapshot_id = ?", id); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM snapshots WHERE id = ?", id)
	return err
}

// deleteUsers removes a snapshot's user pages.
func deleteUsers(ctx context.Context, tx *sql.Tx, id int64) error {
	lo, hi := pageRids(id)
	_, err := tx.ExecContext(ctx, "DELETE FROM user_pages WHERE rid BETWEEN ? AND ?", lo, hi)
	return err
}

func (s *Store) fail(what string, err error) error {
	if errors.Is(err, ErrBusy) || errors.Is(err, ErrNoSnapshot) || errors.Is(err, ErrNotInSnapshot) || errors.Is(err, ErrCorrupt) {
		return fmt.Errorf("%s: %w", what, err)
	}
	if isCorrupt(err) {
		return s.corrupt(what, err.Error())
	}
	return wrapBusy(fmt.Errorf("%s in %s: %w", what, s.path, err))
}

func isCorrupt(err error) bool {
	var se *sqlite.Error
	var ie integrityError
	return errors.As(err, &ie) ||
		(errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_CORRUPT || se.Code()&0xff == sqlite3.SQLITE_NOTADB))
}

func (s *Store) corrupt(what, detail string) error {
	return fmt.Errorf("%s: %w: %s (%s); it is left as is: move it away and run `otaccess sync` to rebuild the cache (its audit log may still be readable with `otaccess audit --cache FILE`)",
		what, ErrCorrupt, s.path, detail)
}

// integrityError is a failed PRAGMA quick_check.
type integrityError string

func (e integrityError) Error() string { return "integrity check: " + string(e) }

// checkIntact refuses to write a snapshot into a damaged file: a sync
// touches most pages, and writing around damage would hide it. It costs a
// fraction of the save (about 0.2 s at 100k users).
func (s *Store) checkIntact(ctx context.Context, tx *sql.Tx) error {
	var res string
	if err := tx.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return integrityError(res)
	}
	return checkPages(ctx, tx)
}

// checkPages decodes the framing of the current snapshot's user pages.
// quick_check sees SQLite's structure, not what a value holds, and most of
// the file is user pages: a torn write into one is otherwise noticed only
// by the next load, after a sync has written around it.
func checkPages(ctx context.Context, tx *sql.Tx) error {
	snap, err := currentID(ctx, tx)
	if errors.Is(err, ErrNoSnapshot) {
		return nil
	}
	if err != nil {
		return err
	}
	lo, hi := pageRids(snap)
	rows, err := tx.QueryContext(ctx, "SELECT rid, n, users FROM user_pages WHERE rid BETWEEN ? AND ?", lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var rid int64
		var n int
		var packed string
		if err := rows.Scan(&rid, &n, &packed); err != nil {
			return err
		}
		k, bad := 0, false
		ok := unpackPage(packed, func(e pageEntry) {
			k++
			if _, idOK := packedID(e.fields); !idOK || !unpackIDs(e.gids, func(string) {}) {
				bad = true
			}
		})
		if !ok || bad || k != n {
			return integrityError(fmt.Sprintf("malformed user page %d", rid&0xffffffff))
		}
	}
	return rows.Err()
}

// writeGroups inserts a snapshot's roles, orgs and groups.
func writeGroups(ctx context.Context, tx *sql.Tx, snap int64, m *tenant.Snapshot) error {
	roles, err := newInserter(ctx, tx, "roles", "snapshot_id, id, name")
	if err != nil {
		return err
	}
	defer roles.close()
	for _, r := range m.Roles {
		if err := roles.add(ctx, snap, r.ID, r.Name); err != nil {
			return err
		}
	}
	if err := roles.flush(ctx); err != nil {
		return err
	}
	orgs, err := newInserter(ctx, tx, "orgs", "snapshot_id, id, name")
	if err != nil {
		return err
	}
	defer orgs.close()
	for _, o := range m.Orgs {
		if err := orgs.add(ctx, snap, o.ID, o.Name); err != nil {
			return err
		}
	}
	if err := orgs.flush(ctx); err != nil {
		return err
	}

	groups, err := newInserter(ctx, tx, "groups", groupCols)
	if err != nil {
		return err
	}
	defer groups.close()
	for i := range m.Groups {
		if err := groups.add(ctx, groupRow(snap, &m.Groups[i], m)...); err != nil {
			return err
		}
	}
	return groups.flush(ctx)
}

const groupCols = "snapshot_id, id, display_name, role_id, org_id, category, description, last_modified, raw"

// groupRow is a group's row. raw, which held the group as the SCIM server
// sent it, is left empty: the model's columns are the cache's format, not
// the wire's.
func groupRow(snap int64, g *tenant.Group, m *tenant.Snapshot) []any {
	var roleID, orgID any // NULL for a plain group
	if !g.Plain() {
		roleID, orgID = m.Roles[g.Role].ID, m.Orgs[g.Org].ID
	}
	return []any{snap, g.ID, g.DisplayName, roleID, orgID, g.Category, g.Description, g.LastModified, ""}
}

// inserter batches rows into multi-row INSERTs through one prepared
// statement: per-statement overhead, not per-row, dominates in SQLite.
type inserter struct {
	tx   *sql.Tx
	head string
	ncol int
	per  int
	full *sql.Stmt
	args []any
	rows int
}

// maxParams stays well below SQLite's default limit of 32766 variables.
const maxParams = 4000

func newInserter(ctx context.Context, tx *sql.Tx, table, cols string) (*inserter, error) {
	ncol := strings.Count(cols, ",") + 1
	b := &inserter{tx: tx, head: "INSERT INTO " + table + " (" + cols + ") VALUES ", ncol: ncol, per: max(1, maxParams/ncol)}
	var err error
	if b.full, err = tx.PrepareContext(ctx, b.query(b.per)); err != nil {
		return nil, err
	}
	b.args = make([]any, 0, b.per*ncol)
	return b, nil
}

func (b *inserter) query(rows int) string {
	one := "(" + strings.Repeat("?, ", b.ncol-1) + "?)"
	var sb strings.Builder
	sb.WriteString(b.head)
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(one)
	}
	return sb.String()
}

func (b *inserter) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows < b.per {
		return nil
	}
	_, err := b.full.ExecContext(ctx, b.args...)
	b.args, b.rows = b.args[:0], 0
	return ctxFirst(ctx, err)
}

func (b *inserter) flush(ctx context.Context) error {
	var err error
	if b.rows > 0 {
		_, err = b.tx.ExecContext(ctx, b.query(b.rows), b.args...)
		b.args, b.rows = b.args[:0], 0
	}
	return ctxFirst(ctx, err)
}

// ctxFirst reports a cancelled context as such: database/sql rolls the
// transaction back on cancel, and later calls only say "statement is
// closed".
func ctxFirst(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

func (b *inserter) close() { b.full.Close() }

// currentID is the current snapshot's id.
func currentID(ctx context.Context, q queryer) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'current'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoSnapshot
	}
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNoSnapshot
	}
	return id, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const infoCols = "id, source, profile, started_at, finished_at, n_users, n_groups, n_memberships, tenant_id, n_dropped"

func scanInfo(sc interface{ Scan(...any) error }) (tenant.SyncInfo, error) {
	var i tenant.SyncInfo
	var started, finished string
	err := sc.Scan(&i.ID, &i.Source, &i.Profile, &started, &finished, &i.Users, &i.Groups, &i.Memberships, &i.TenantID, &i.Dropped)
	i.StartedAt, i.FinishedAt = parseTime(started), parseTime(finished)
	return i, err
}

// LatestInfo describes the current snapshot (ErrNoSnapshot when none).
func (s *Store) LatestInfo(ctx context.Context) (tenant.SyncInfo, error) {
	id, err := currentID(ctx, s.db)
	if err != nil {
		return tenant.SyncInfo{}, s.fail("read cache", err)
	}
	info, err := scanInfo(s.db.QueryRowContext(ctx, "SELECT "+infoCols+" FROM snapshots WHERE id = ?", id))
	if err != nil {
		return tenant.SyncInfo{}, s.fail("read cache", err)
	}
	return info, nil
}

// Snapshots lists the stored snapshots (the current one and the one before),
// newest first.
func (s *Store) Snapshots(ctx context.Context) ([]tenant.SyncInfo, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+infoCols+" FROM snapshots WHERE status = 'complete' ORDER BY id DESC")
	if err != nil {
		return nil, s.fail("list snapshots", err)
	}
	defer rows.Close()
	var out []tenant.SyncInfo
	for rows.Next() {
		i, err := scanInfo(rows)
		if err != nil {
			return nil, s.fail("list snapshots", err)
		}
		out = append(out, i)
	}
	return out, s.failIf("list snapshots", rows.Err())
}

func (s *Store) failIf(what string, err error) error {
	if err == nil {
		return nil
	}
	return s.fail(what, err)
}

// Load reads the current snapshot into the model (ErrNoSnapshot when none).
func (s *Store) Load(ctx context.Context) (*tenant.Snapshot, error) {
	id, err := currentID(ctx, s.db)
	if err != nil {
		return nil, s.fail("load snapshot", err)
	}
	return s.LoadSnapshot(ctx, id)
}

// readUsers reads a snapshot's users, in the order of their pages: a
// hundred page rows, not a hundred thousand user rows (see pages.go); a
// user's fields are substrings of its page. A
// page that does not decode is a damaged cache.
func readUsers(ctx context.Context, q queryer, snap int64) (users []tenant.User, gids []string, err error) {
	lo, hi := pageRids(snap)
	rows, err := q.QueryContext(ctx, "SELECT n, users FROM user_pages WHERE rid BETWEEN ? AND ?", lo, hi)
	if err != nil {
		return nil, nil, err
	}
	var pages []string
	off := []int{0}
	for rows.Next() {
		var n int
		var packed string
		if err := rows.Scan(&n, &packed); err != nil {
			rows.Close()
			return nil, nil, err
		}
		pages = append(pages, packed)
		off = append(off, off[len(off)-1]+max(n, 0))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	// Each page decodes straight into its place in one array, on one core:
	// the writes land in fresh memory (every page of it a fault at first
	// touch, and a write barrier while the collector marks), and two cores
	// doing so contend: in parallel this took 1.5x as long.
	users, gids = make([]tenant.User, off[len(pages)]), make([]string, off[len(pages)])
	for i, packed := range pages {
		k, end := off[i], off[i+1]
		bad := ""
		ok := unpackPage(packed, func(e pageEntry) {
			if k == end {
				bad = "more users than the page says"
				return
			}
			if !unpackUser(e.fields, &users[k]) && bad == "" {
				bad = e.fields[:min(len(e.fields), 80)]
			}
			gids[k] = e.gids
			k++
		})
		switch {
		case !ok && bad == "":
			bad = packed[:min(len(packed), 80)]
		case bad == "" && k != end:
			bad = "fewer users than the page says"
		}
		if bad != "" {
			return nil, nil, integrityError(fmt.Sprintf("malformed user page %d: %q", i+1, bad))
		}
	}
	return users, gids, nil
}

// mmapSize is how much of the file SQLite reads through a memory map.
const mmapSize = 256 << 20

// LoadSnapshot reads one stored snapshot (see Snapshots), in one read
// transaction so a concurrent sync is never half-seen.
func (s *Store) LoadSnapshot(ctx context.Context, id int64) (*tenant.Snapshot, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, s.fail("load snapshot", err)
	}
	defer conn.Close()
	defer unmap(conn)
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.fail("load snapshot", err)
	}
	defer tx.Rollback()
	info, err := scanInfo(tx.QueryRowContext(ctx, "SELECT "+infoCols+" FROM snapshots WHERE id = ? AND status = 'complete'", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.fail("load snapshot", ErrNoSnapshot)
	}
	if err != nil {
		return nil, s.fail("load snapshot", err)
	}
	list, err := loadGroups(ctx, tx, id)
	if err != nil {
		return nil, s.fail("load groups", err)
	}
	b := tenant.NewBuilder(info, list, info.Memberships)
	conv, gids, err := readUsers(ctx, tx, id)
	if err != nil {
		return nil, s.fail("load users", err)
	}
	for k, ids := range gids {
		ok := unpackIDs(ids, func(gid string) { b.Member(k, gid) })
		if !ok {
			return nil, s.corrupt("load users", fmt.Sprintf("malformed group list for user %q", conv[k].ID))
		}
	}
	var stored []byte
	if err := tx.QueryRowContext(ctx, `SELECT user_order FROM snapshots WHERE id = ?`, id).Scan(&stored); err != nil {
		return nil, s.fail("load snapshot", err)
	}
	return b.Build(conv, storedOrder(stored, len(conv))), nil
}

// unmap drops conn's memory map of the file. A load touches every page of
// the snapshot through it, and touched pages count in the process's RSS for
// as long as the map lives: the TUI would show the file's size (240 MB for
// 100k users) on top of the model. The pages stay in the kernel's cache;
// the next read maps the file again, lazily.
func unmap(conn *sql.Conn) {
	ctx := context.Background()
	_, _ = conn.ExecContext(ctx, "PRAGMA mmap_size = 0")
	_, _ = conn.ExecContext(ctx, "PRAGMA mmap_size = "+strconv.Itoa(mmapSize))
}

// packUser encodes the model fields as "<len>,<len>,...:<field><field>...":
// byte lengths first, so any content splits back exactly.
func packUser(u *tenant.User) string {
	active := "0"
	if u.Active {
		active = "1"
	}
	fields := [...]string{u.ID, u.ExternalID, u.UserName, u.GivenName, u.FamilyName, u.DisplayName, u.Email, u.UserType, u.Title,
		u.Department, u.Division, u.Organization, u.CostCenter, u.EmployeeID, u.ManagerID, u.ManagerName, active, u.Created, u.LastModified}
	n := 0
	for _, f := range fields {
		n += len(f) + 4
	}
	b := make([]byte, 0, n)
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(len(f)), 10)
	}
	b = append(b, ':')
	for _, f := range fields {
		b = append(b, f...)
	}
	return string(b)
}

func unpackUser(s string, u *tenant.User) bool {
	var active string
	ok := unpack(s, &u.ID, &u.ExternalID, &u.UserName, &u.GivenName, &u.FamilyName, &u.DisplayName, &u.Email, &u.UserType, &u.Title,
		&u.Department, &u.Division, &u.Organization, &u.CostCenter, &u.EmployeeID, &u.ManagerID, &u.ManagerName, &active,
		&u.Created, &u.LastModified)
	u.Active = active == "1"
	return ok
}

// unpack splits a packUser value into dst; false when malformed.
func unpack(s string, dst ...*string) bool {
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return false
	}
	header, body := s[:colon], s[colon+1:]
	for i, d := range dst {
		n, rest, ok := leadingLen(header, len(body))
		if !ok {
			return false
		}
		switch {
		case i < len(dst)-1 && rest != "" && rest[0] == ',':
			header = rest[1:]
		case i == len(dst)-1 && rest == "":
		default:
			return false
		}
		*d, body = body[:n], body[n:]
	}
	return body == ""
}

// leadingLen parses the decimal length at the start of s, at most limit:
// Load parses two million of them, which strconv.Atoi on a cut string
// made a third of its decoding.
func leadingLen(s string, limit int) (n int, rest string, ok bool) {
	i := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		if n > limit {
			return 0, "", false
		}
	}
	return n, s[i:], i > 0
}

// packIDs encodes ids as "<len>:<id>" repeated. users.group_ids holds a
// user's group ids packed, sorted and without duplicates.
func packIDs(ids []string) string {
	n := 0
	for _, id := range ids {
		n += len(id) + 4
	}
	b := make([]byte, 0, n)
	for _, id := range ids {
		b = strconv.AppendInt(b, int64(len(id)), 10)
		b = append(b, ':')
		b = append(b, id...)
	}
	return string(b)
}

func unpackIDs(s string, fn func(id string)) bool {
	for s != "" {
		n, rest, ok := leadingLen(s, len(s))
		if !ok || rest == "" || rest[0] != ':' || n > len(rest)-1 {
			return false
		}
		fn(rest[1 : 1+n])
		s = rest[1+n:]
	}
	return true
}

func loadGroups(ctx context.Context, q queryer, snap int64) ([]tenant.ReadGroup, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, display_name, category, description, last_modified FROM groups WHERE snapshot_id = ?`, snap)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []tenant.ReadGroup
	for rows.Next() {
		var g tenant.ReadGroup
		if err := rows.Scan(&g.ID, &g.DisplayName, &g.Category, &g.Description, &g.LastModified); err != nil {
			return nil, err
		}
		list = append(list, g)
	}
	return list, rows.Err()
}

// write runs fn in one write transaction on the current snapshot.
func (s *Store) write(ctx context.Context, what string, fn func(tx *sql.Tx, snap int64) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(what, err)
	}
	defer tx.Rollback()
	var folded int64 = -1
	if s.spoolPending() {
		if folded, err = s.fold(ctx, tx); err != nil {
			return s.fail(what+": fold the spool in", err)
		}
	}
	snap, err := currentID(ctx, tx)
	if err != nil {
		return s.fail(what, err)
	}
	if err := fn(tx, snap); err != nil {
		return s.fail(what, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(what, err)
	}
	if folded >= 0 {
		s.folded.Store(folded)
	}
	return nil
}

func exists(ctx context.Context, tx *sql.Tx, table string, snap int64, id string) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE snapshot_id = ? AND id = ?", snap, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func bumpCounts(ctx context.Context, tx *sql.Tx, snap int64, users, groups, members int64) error {
	if users == 0 && groups == 0 && members == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE snapshots SET n_users = n_users + ?, n_groups = n_groups + ?, n_memberships = n_memberships + ? WHERE id = ?`,
		users, groups, members, snap)
	return err
}

// SetMembership records a grant (member) or a revocation after a tenant
// write. Both the user and the group must be in the current snapshot.
func (s *Store) SetMembership(ctx context.Context, userID, groupID string, member bool) error {
	return s.write(ctx, "record membership", func(tx *sql.Tx, snap int64) error {
		return setMembership(ctx, tx, &s.hints, snap, userID, groupID, member)
	})
}

// RecordMembership is SetMembership and AppendAudit in one transaction: a
// grant or revocation and its audit row land together or not at all, and a
// write to the tenant costs the cache one commit.
func (s *Store) RecordMembership(ctx context.Context, userID, groupID string, member bool, e AuditEntry) error {
	return s.Record(ctx, &Write{Kind: WriteMember, UserID: userID, GroupID: groupID, Value: member}, &e)
}

// setMembership adds groupID to, or removes it from, the user's group ids.
func setMembership(ctx context.Context, tx *sql.Tx, h *pageHints, snap int64, userID, groupID string, member bool) error {
	p, found, err := findUser(ctx, tx, h, snap, userID)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("user %q: %w", userID, ErrNotInSnapshot)
	}
	ids, err := p.groupIDs(userID)
	if err != nil {
		return err
	}
	ok, err := exists(ctx, tx, "groups", snap, groupID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("group %q: %w", groupID, ErrNotInSnapshot)
	}
	i, held := slices.BinarySearch(ids, groupID)
	var delta int64
	switch {
	case member && !held:
		ids, delta = slices.Insert(ids, i, groupID), 1
	case !member && held:
		ids, delta = slices.Delete(ids, i, i+1), -1
	default:
		return nil // already so
	}
	p.entries[p.at].gids = packIDs(ids)
	if err := p.store(ctx, tx); err != nil {
		return err
	}
	return bumpCounts(ctx, tx, snap, 0, 0, delta)
}

// PutUser stores a user re-read from the server (attributes and memberships
// from u.Groups), adding it when new. A group the snapshot lacks is added
// from the reference, and roles and orgs are derived again. read is the
// Mark taken before the read was sent: the writes to the user journaled
// since are replayed over it, so an answer that left the server before
// another write landed never undoes that write.
func (s *Store) PutUser(ctx context.Context, u tenant.ReadUser, read Mark) error {
	if u.ID == "" {
		return errors.New("record user: empty id")
	}
	return s.write(ctx, "record user "+u.ID, func(tx *sql.Tx, snap int64) error {
		p, known, err := findUser(ctx, tx, &s.hints, snap, u.ID)
		if err != nil {
			return err
		}
		var old []string
		if known {
			if old, err = p.groupIDs(u.ID); err != nil {
				return err
			}
		}
		ids := u.GroupIDs(nil)
		var newGroups int64
		for _, id := range ids {
			ok, err := exists(ctx, tx, "groups", snap, id)
			if err != nil {
				return err
			}
			if ok {
				continue
			}
			name := ""
			for _, ref := range u.Groups {
				if ref.ID == id {
					name = ref.Name
					break
				}
			}
			var roleID, orgID any
			if r, o, ok := tenant.SplitGroupID(id); ok {
				roleID, orgID = r, o
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO groups (`+groupCols+`) VALUES (?, ?, ?, ?, ?, '', '', '', '')`,
				snap, id, name, roleID, orgID); err != nil {
				return err
			}
			newGroups++
		}
		if err := clearUserOrder(ctx, tx, snap); err != nil {
			return err
		}
		e := pageEntry{packUser(&u.User), packIDs(ids)}
		if known {
			p.entries[p.at] = e
			err = p.store(ctx, tx)
		} else {
			var rid int64
			rid, err = appendUser(ctx, tx, snap, e)
			s.hints.set(snap, u.ID, rid)
		}
		if err != nil {
			return err
		}
		if newGroups > 0 {
			if err := redecompose(ctx, tx, snap); err != nil {
				return err
			}
		}
		var newUser int64
		if !known {
			newUser = 1
		}
		if err := bumpCounts(ctx, tx, snap, newUser, newGroups, int64(len(ids)-len(old))); err != nil {
			return err
		}
		_, err = replay(ctx, tx, &s.hints, snap, read, u.ID)
		return err
	})
}

// redecompose rewrites a snapshot's roles and orgs from its groups, as
// Snapshot.ReplaceUser does in memory.
func redecompose(ctx context.Context, tx *sql.Tx, snap int64) error {
	list, err := loadGroups(ctx, tx, snap)
	if err != nil {
		return err
	}
	d := tenant.Decompose(list)
	for _, table := range []string{"roles", "orgs"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE snapshot_id = ?", snap); err != nil {
			return err
		}
	}
	for _, r := range d.Roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO roles (snapshot_id, id, name) VALUES (?, ?, ?)`, snap, r.ID, r.Name); err != nil {
			return err
		}
	}
	for _, o := range d.Orgs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO orgs (snapshot_id, id, name) VALUES (?, ?, ?)`, snap, o.ID, o.Name); err != nil {
			return err
		}
	}
	return nil
}

// DeleteUser removes a user and its memberships from the current snapshot,
// once the server says it is gone, and journals that (see Record). A user
// already absent is not an error.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.Record(ctx, &Write{Kind: WriteDeleted, UserID: id}, nil)
}

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID      int64
	At      time.Time
	Actor   string // OS user; filled in when empty
	Profile string
	Tenant  string
	Action  string // grant, revoke, deactivate, delete, create ...
	Target  string
	Detail  string
	Result  string // ok, failed, ...
	Status  int    // HTTP status from the server, 0 when none
}

// OSUser names the person at the keyboard for the audit log.
func OSUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "unknown"
}

// AppendAudit appends one entry; At defaults to now, Actor to the OS user.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	return s.failIf("append to the audit log", insertAudit(ctx, s.db, e))
}

func insertAudit(ctx context.Context, db interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if e.Actor == "" {
		e.Actor = OSUser()
	}
	_, err := db.ExecContext(ctx, `INSERT INTO audit (at, actor, profile, tenant, action, target, detail, result, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		fmtTime(e.At), e.Actor, e.Profile, redactURL(e.Tenant), e.Action, e.Target, e.Detail, e.Result, e.Status)
	return err
}

// Audit returns up to limit entries (all when limit <= 0), newest first.
func (s *Store) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	s.tryFold(ctx)
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor, profile, tenant, action, target, detail, result, status FROM audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, s.fail("read the audit log", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Profile, &e.Tenant, &e.Action, &e.Target, &e.Detail, &e.Result, &e.Status); err != nil {
			return nil, s.fail("read the audit log", err)
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, s.failIf("read the audit log", rows.Err())
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
