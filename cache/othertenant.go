package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/otaccess/otaccess/tenant"
)

// ErrOtherTenant: a sync read a tenant that shares no user and no group
// with the cached snapshot. On OneTrust's shared regional hosts
// (app-eu.onetrust.com/api/scim/v2 serves many tenants at one URL) only the
// key tells tenants apart, so a key for another tenant with the same URL
// would otherwise replace one tenant's snapshot with another's: the diff,
// and a review applied, would then cross tenants.
var ErrOtherTenant = errors.New("another tenant")

// sameTenant refuses to make info current over snapshot prev when they can
// only be two tenants: their tenant ids differ, or (without ids) they share
// no user id and no group id. A previous snapshot that is empty proves
// nothing and is replaced.
func sameTenant(ctx context.Context, tx *sql.Tx, prev int64, info *tenant.SyncInfo, users []tenant.ReadRef, _ []tenant.ReadGroup) error {
	old, err := scanInfo(tx.QueryRowContext(ctx, "SELECT "+infoCols+" FROM snapshots WHERE id = ?", prev))
	if err != nil {
		return err
	}
	if old.Users == 0 && old.Groups == 0 {
		return nil
	}
	if old.TenantID != "" && info.TenantID != "" {
		if old.TenantID == info.TenantID {
			return nil
		}
		return otherTenant(&old, info)
	}
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM groups a JOIN groups b ON b.snapshot_id = ? AND b.id = a.id WHERE a.snapshot_id = ? LIMIT 1`, prev, info.ID).Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	// No group in common (rare: a tenant whose groups all changed); look
	// for a user in common before calling it another tenant.
	ids := make(map[string]struct{}, len(users))
	for i := range users {
		ids[users[i].ID] = struct{}{}
	}
	lo, hi := pageRids(prev)
	rows, err := tx.QueryContext(ctx, `SELECT b.ids FROM snapshot_blocks r JOIN user_blocks b ON b.id = r.block WHERE r.rid BETWEEN ? AND ?`, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	shared := false
	for rows.Next() && !shared {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			return err
		}
		unpackIDs(packed, func(id string) {
			if _, ok := ids[id]; ok {
				shared = true
			}
		})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if shared {
		return nil
	}
	return otherTenant(&old, info)
}

func otherTenant(old, read *tenant.SyncInfo) error {
	name := func(i *tenant.SyncInfo) string {
		if i.TenantID != "" {
			return i.Source + " (tenant " + i.TenantID + ")"
		}
		return i.Source
	}
	return fmt.Errorf("%w: the tenant just read, %s (%d users, %d groups), shares no user and no group with the cached snapshot of %s (%d users, %d groups, synced %s), so that snapshot was kept: give each tenant a profile (or a --cache) of its own, or run `otaccess sync --replace` to replace it",
		ErrOtherTenant, name(read), read.Users, read.Groups, name(old), old.Users, old.Groups, old.FinishedAt.Format("2006-01-02 15:04 MST"))
}
