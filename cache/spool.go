package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// The spool: a tenant write must leave its audit row, and its journal entry
// when it was applied, even when the cache is locked by another process for
// longer than the write waits (a stuck process, a huge sync's save). Then
// the record is appended, one JSON line, to an append-only file beside the
// cache (SpoolPath), and folded into the cache by the next otaccess that
// writes to it (every write transaction, Open and Audit try). Folding is
// idempotent: each line carries a random key, stored with its audit row
// (audit.spool_key is unique), and the offset folded so far is kept in
// meta in the same transaction as the rows, so a line is folded once
// however many processes fold at once. The file is never truncated by
// otaccess (appends from another process could be lost); it only holds
// what was written while a cache was locked.

// spooled is one line of the spool.
type spooled struct {
	Key   string            `json:"key"`
	Audit tenant.AuditEntry `json:"audit"`
	Write *Write            `json:"write,omitempty"`
}

// SpoolPath is the spool file of the cache at path.
func SpoolPath(path string) string { return path + ".spool" }

// Spool appends what Record would have written to the spool file, for the
// next otaccess to fold in. The file is created 0600 and synced before
// Spool returns.
func (s *Store) Spool(w *Write, e tenant.AuditEntry) error {
	var key [12]byte
	if _, err := rand.Read(key[:]); err != nil {
		return err
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if e.Actor == "" {
		e.Actor = OSUser()
	}
	e.Tenant = redactURL(e.Tenant)
	if w != nil && w.At.IsZero() {
		w.At = time.Now()
	}
	line, err := json.Marshal(spooled{Key: hex.EncodeToString(key[:]), Audit: e, Write: w})
	if err != nil {
		return err
	}
	path := SpoolPath(s.path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("spool the audit row to %s: %w", path, err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spool the audit row to %s: %w", path, err)
	}
	return nil
}

// spoolPending reports whether the spool may hold lines not folded yet, from
// the file's size alone (no transaction when there is no spool).
func (s *Store) spoolPending() bool {
	st, err := os.Stat(SpoolPath(s.path))
	return err == nil && st.Size() > 0 && st.Size() != s.folded.Load()
}

// tryFold folds the spool in if the cache's write lock is free within a
// moment: a reader (Open, Audit) must not wait for a sync's save to show
// the cache. Every write transaction folds too (see write), so what a
// reader leaves is folded by the next write.
func (s *Store) tryFold(ctx context.Context) {
	if !s.spoolPending() {
		return
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 200"); err != nil {
		return
	}
	defer conn.ExecContext(context.Background(), "PRAGMA busy_timeout = "+strconv.Itoa(int(s.busyTimeout/time.Millisecond)))
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return
	}
	defer tx.Rollback()
	if off, err := s.fold(ctx, tx); err == nil && tx.Commit() == nil {
		s.folded.Store(off)
	}
}

// fold writes the spool's unfolded lines into the cache in tx: each audit
// row once, each write applied to the current snapshot (when it began
// before the write) and journaled for a sync in progress. A line that does
// not decode is skipped; a last line still being written waits for the
// next fold.
func (s *Store) fold(ctx context.Context, tx *sql.Tx) (folded int64, err error) {
	path := SpoolPath(s.path)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	var off int64
	var v string
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'spool_offset'`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return 0, err
	default:
		off, _ = strconv.ParseInt(v, 10, 64)
	}
	if off > st.Size() || off < 0 {
		off = 0 // a new spool file: the keys keep a line from folding twice
	}
	if off == st.Size() {
		return off, nil
	}
	data := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(data, off); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	snap, serr := currentID(ctx, tx)
	var started int64
	if serr == nil {
		var at string
		if err := tx.QueryRowContext(ctx, `SELECT started_at FROM snapshots WHERE id = ?`, snap).Scan(&at); err != nil {
			return 0, err
		}
		started = parseTime(at).UnixNano()
	}
	done := 0
	for done < len(data) {
		nl := bytes.IndexByte(data[done:], '\n')
		if nl < 0 {
			break
		}
		line := data[done : done+nl]
		done += nl + 1
		var sp spooled
		if json.Unmarshal(line, &sp) != nil || sp.Key == "" {
			continue
		}
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO audit (at, actor, profile, tenant, action, target, detail, result, status, spool_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			fmtTime(sp.Audit.At), sp.Audit.Actor, sp.Audit.Profile, redactURL(sp.Audit.Tenant), sp.Audit.Action, sp.Audit.Target, sp.Audit.Detail, sp.Audit.Result, sp.Audit.Status, sp.Key)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 0 || sp.Write == nil {
			continue // folded before, or nothing changed on the server
		}
		if serr == nil && started <= sp.Write.At.UnixNano() {
			if err := applyWrite(ctx, tx, &s.hints, snap, sp.Write); err != nil && !errors.Is(err, ErrNotInSnapshot) {
				return 0, err
			}
		}
		if err := journal(ctx, tx, sp.Write); err != nil {
			return 0, err
		}
	}
	off += int64(done)
	_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('spool_offset', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(off, 10))
	return off, err
}
