package cache

import (
	"context"
	"database/sql"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

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

// deleteSnapshot removes a snapshot and its rows. Each table is deleted
// from as a key range (snapshot_id = ?, or the snapshot's rids), which
// SQLite finds by the primary key; "snapshot_id NOT IN (keep)" would scan
// the rows of the snapshots kept as well. Children first: cheaper than
// row-by-row cascades.
func deleteSnapshot(ctx context.Context, tx *sql.Tx, id int64) error {
	if err := deleteBlockLists(ctx, tx, id); err != nil {
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

// deleteBlockLists removes a snapshot's lists of blocks (users and
// logins); the blocks no other snapshot shares are swept later
// (sweepBlocks).
func deleteBlockLists(ctx context.Context, tx *sql.Tx, id int64) error {
	lo, hi := snapshotRids(id)
	_, err := tx.ExecContext(ctx, "DELETE FROM snapshot_blocks WHERE rid BETWEEN ? AND ?", lo, hi)
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
