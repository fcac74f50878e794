package cache

import (
	"context"
	"database/sql"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// tidy runs a sync's housekeeping in the background: pruning older
// snapshots, storing the new one's sort order (see order.go) and
// checkpointing the write-ahead log (copying the new
// snapshot into the file proper; SnapshotWriter turns the automatic
// checkpoint off). Neither changes what readers see, and the new snapshot
// is already current and committed, so the sync need not wait for them.
// If either fails or never runs (the process ends first), the next sync's
// housekeeping does it; SQLite checkpoints when the last connection
// closes. Storing the order re-reads every user (most of the time this
// takes): Close stops it rather than wait, and the next Load that finds
// none stores the order it sorted by (see fillOrder).
func (s *Store) tidy(snap int64) {
	s.chores.Add(1)
	go func() {
		defer s.chores.Done()
		ctx := context.Background()
		_ = s.prune(ctx)
		_ = s.pruneJournal(ctx)
		_ = s.saveUserOrder(s.deferrable, snap)
		_, _ = s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	}()
}

// SnapshotInput is what a sync read.
type SnapshotInput struct {
	Source    string // tenant base URL
	Profile   string
	StartedAt time.Time
	Users     []tenant.ReadUser
	Groups    []tenant.ReadGroup
	Access    *tenant.AccessData // what the access APIs said; nil: nothing
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
	if in.Access != nil {
		w.SetAccess(*in.Access)
	}
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
	for _, table := range []string{"groups", "roles", "orgs", "snapshot_access", "snapshot_orgs"} {
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
