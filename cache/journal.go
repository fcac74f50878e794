package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// The write journal: every tenant write otaccess knows the server applied
// (a grant, a revocation, a deactivation, a deletion, an edit of the user's
// attributes, a user group joined or left) is recorded in the
// writes table, in the transaction that applies it to the current snapshot.
// A read of the tenant that began before such a write and is stored after
// it would undo it in the cache: a sync's snapshot, read page by page while
// the TUI or another otaccess grants, or a user re-read whose answer left
// the server before another write to that user landed. Such a read takes a
// Mark before it starts, and the writes journaled after the mark are
// replayed over it when it is stored (see SnapshotWriter.Commit, PutUser).
// Replay is idempotent: a write the read already saw changes nothing.

// WriteKind is what a journaled write did.
type WriteKind string

const (
	WriteMember  WriteKind = "member"  // GroupID granted (Value) or revoked
	WriteActive  WriteKind = "active"  // the user (de)activated (Value)
	WriteDeleted WriteKind = "deleted" // the user is gone from the tenant
	// WriteAttrs set the user's attributes Attrs (an edit).
	WriteAttrs WriteKind = "attrs"
	// WriteUserGroup: the user joined (Value) or left user group GroupID.
	WriteUserGroup WriteKind = "usergroup"
)

// Write is one tenant write known to be applied on the server.
type Write struct {
	Kind    WriteKind
	UserID  string
	GroupID string // WriteMember: the group; WriteUserGroup: the user group
	Value   bool   // WriteMember, WriteUserGroup: member; WriteActive: active
	// Attrs are what a WriteAttrs sets, by tenant.User attribute name
	// (tenant.AttrTitle, …), as the server holds them after the write.
	Attrs map[string]string `json:",omitempty"`
	// At is when the write was recorded (after the server answered), by
	// the wall clock, as marks are: the zero value means now.
	At time.Time
}

// Mark is a point in the journal: the writes recorded after it are the ones
// a read started at the mark may have missed.
type Mark struct {
	Seq int64
	At  time.Time
}

// journalKeep is how long a journaled write is kept at least: longer than a
// user re-read is in flight; a sync in progress keeps its own (writes_mark).
const journalKeep = 10 * time.Minute

// Mark returns the journal's present position, for a read about to start.
func (s *Store) Mark(ctx context.Context) (Mark, error) {
	at := time.Now()
	seq, err := lastSeq(ctx, s.db)
	if err != nil {
		return Mark{}, s.fail("read the write journal", err)
	}
	return Mark{Seq: seq, At: at}, nil
}

func lastSeq(ctx context.Context, q queryer) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM writes`).Scan(&seq)
	return seq, err
}

// Record notes in one transaction what a tenant write did: w (nil when
// nothing is known to have changed on the server) applied to the current
// snapshot and journaled, and e (nil: none) appended to the audit log. A
// user or group the snapshot lacks is not an error for the journal (a later
// sync may have removed it): it is reported with ErrNotInSnapshot, the
// audit row and the journal entry still written.
func (s *Store) Record(ctx context.Context, w *Write, e *tenant.AuditEntry) error {
	if w == nil {
		if e == nil {
			return nil
		}
		return s.AppendAudit(ctx, *e) // needs no snapshot
	}
	var missing error
	err := s.write(ctx, "record a tenant write", func(tx *sql.Tx, snap int64) error {
		if w != nil {
			if w.At.IsZero() {
				w.At = time.Now()
			}
			err := applyWrite(ctx, tx, &s.hints, snap, w)
			if errors.Is(err, ErrNotInSnapshot) {
				missing, err = err, nil
			}
			if err != nil {
				return err
			}
			if err := journal(ctx, tx, w); err != nil {
				return err
			}
		}
		if e != nil {
			return insertAudit(ctx, tx, *e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if missing != nil {
		return fmt.Errorf("record the write: %w", missing)
	}
	return nil
}

func journal(ctx context.Context, tx *sql.Tx, w *Write) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO writes (at, kind, user_id, group_id, value, data) VALUES (?, ?, ?, ?, ?, ?)`,
		w.At.UnixNano(), string(w.Kind), w.UserID, w.GroupID, w.Value, packAttrs(w.Attrs))
	return err
}

// packAttrs packs attributes as name, value pairs in name order.
func packAttrs(attrs map[string]string) string {
	if len(attrs) == 0 {
		return ""
	}
	kv := make([]string, 0, 2*len(attrs))
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		kv = append(kv, k, attrs[k])
	}
	return packIDs(kv)
}

func unpackAttrs(s string) (map[string]string, bool) {
	if s == "" {
		return nil, true
	}
	var kv []string
	if !unpackIDs(s, func(v string) { kv = append(kv, v) }) || len(kv)%2 != 0 {
		return nil, false
	}
	out := make(map[string]string, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out, true
}

// applyWrite makes w true of snapshot snap. A user the snapshot lacks is
// ErrNotInSnapshot, except for a deletion (already so).
func applyWrite(ctx context.Context, tx *sql.Tx, h *pageHints, snap int64, w *Write) error {
	switch w.Kind {
	case WriteMember:
		return setMembership(ctx, tx, h, snap, w.UserID, w.GroupID, w.Value)
	case WriteActive:
		return setActive(ctx, tx, h, snap, w.UserID, w.Value)
	case WriteDeleted:
		return deleteUser(ctx, tx, h, snap, w.UserID)
	case WriteAttrs:
		return setAttrs(ctx, tx, h, snap, w.UserID, w.Attrs)
	case WriteUserGroup:
		return setUserGroupMember(ctx, tx, snap, w.GroupID, w.UserID, w.Value)
	}
	return fmt.Errorf("unknown write kind %q", w.Kind)
}

// replay applies to snapshot snap the writes journaled after m, in order:
// only userID's when it is set. A write to a user or group the snapshot
// lacks is skipped (the read saw it gone). A write made before m.At was on
// the server before the read started and is skipped too: it was journaled
// late (folded from the spool), and the read already saw it or what came
// after it.
func replay(ctx context.Context, tx *sql.Tx, h *pageHints, snap int64, m Mark, userID string) (int, error) {
	q := `SELECT kind, user_id, group_id, value, at, data FROM writes WHERE seq > ? AND at >= ?`
	args := []any{m.Seq, m.At.UnixNano()}
	if userID != "" {
		q += ` AND user_id = ?`
		args = append(args, userID)
	}
	rows, err := tx.QueryContext(ctx, q+` ORDER BY seq`, args...)
	if err != nil {
		return 0, err
	}
	var ws []Write
	for rows.Next() {
		var w Write
		var kind, data string
		var at int64
		if err := rows.Scan(&kind, &w.UserID, &w.GroupID, &w.Value, &at, &data); err != nil {
			rows.Close()
			return 0, err
		}
		w.Kind, w.At = WriteKind(kind), time.Unix(0, at)
		var ok bool
		if w.Attrs, ok = unpackAttrs(data); !ok {
			rows.Close()
			return 0, integrityError(fmt.Sprintf("malformed journaled write of user %q", w.UserID))
		}
		ws = append(ws, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for i := range ws {
		if err := applyWrite(ctx, tx, h, snap, &ws[i]); err != nil && !errors.Is(err, ErrNotInSnapshot) {
			return 0, err
		}
	}
	return len(ws), nil
}

// pruneJournal drops writes no read in progress can need: older than
// journalKeep and at or before every unfinished sync's mark.
func (s *Store) pruneJournal(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM writes WHERE at < ? AND seq <= COALESCE(
		(SELECT MIN(writes_mark) FROM snapshots WHERE status = 'writing'),
		(SELECT MAX(seq) FROM writes))`, time.Now().Add(-journalKeep).UnixNano())
	return err
}

// setActive sets a user's active flag in snapshot snap.
func setActive(ctx context.Context, tx *sql.Tx, h *pageHints, snap int64, userID string, active bool) error {
	return updateUser(ctx, tx, h, snap, userID, func(u *tenant.User) error {
		u.Active = active
		return nil
	})
}

// setAttrs sets a user's attributes in snapshot snap. A lastModified
// older than the snapshot's is not set: the read saw a later change.
func setAttrs(ctx context.Context, tx *sql.Tx, h *pageHints, snap int64, userID string, attrs map[string]string) error {
	return updateUser(ctx, tx, h, snap, userID, func(u *tenant.User) error {
		for name, v := range attrs {
			if name == tenant.AttrLastModified && laterTime(u.LastModified, v) {
				continue
			}
			if !u.SetAttr(name, v) {
				return fmt.Errorf("journaled write of user %q: unknown attribute %q", userID, name)
			}
		}
		return nil
	})
}

// updateUser applies change to user userID of snapshot snap and stores
// the user's page when that changed the user (the stored sort order goes
// with it: it may sort by what changed).
func updateUser(ctx context.Context, tx *sql.Tx, h *pageHints, snap int64, userID string, change func(*tenant.User) error) error {
	p, found, err := findUser(ctx, tx, h, snap, userID)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("user %q: %w", userID, ErrNotInSnapshot)
	}
	var u tenant.User
	before := p.entries[p.at].fields
	if !unpackUser(before, &u) {
		return integrityError(fmt.Sprintf("malformed user %q", userID))
	}
	if err := change(&u); err != nil {
		return err
	}
	after := packUser(&u)
	if after == before {
		return nil
	}
	p.entries[p.at].fields = after
	if err := clearUserOrder(ctx, tx, snap); err != nil {
		return err
	}
	return p.store(ctx, tx)
}

// laterTime reports whether timestamp a is after b (both as SCIM sends
// meta.lastModified); false when either does not read.
func laterTime(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.After(tb)
}

// deleteUser removes a user and its memberships from snapshot snap; a user
// already absent is not an error.
func deleteUser(ctx context.Context, tx *sql.Tx, h *pageHints, snap int64, id string) error {
	p, found, err := findUser(ctx, tx, h, snap, id)
	if err != nil || !found {
		return err
	}
	ids, err := p.groupIDs(id)
	if err != nil {
		return err
	}
	if err := clearUserOrder(ctx, tx, snap); err != nil {
		return err
	}
	p.entries = slices.Delete(p.entries, p.at, p.at+1)
	if err := p.store(ctx, tx); err != nil {
		return err
	}
	return bumpCounts(ctx, tx, snap, -1, 0, -int64(len(ids)))
}

// now is a mark for a read that starts now, when the caller holds no other:
// it replays nothing journaled before it.
func (s *Store) now(ctx context.Context) Mark {
	m, err := s.Mark(ctx)
	if err != nil {
		return Mark{Seq: 1<<63 - 1, At: time.Now()}
	}
	return m
}
