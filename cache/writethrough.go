package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/otaccess/otaccess/tenant"
)

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
func (s *Store) RecordMembership(ctx context.Context, userID, groupID string, member bool, e tenant.AuditEntry) error {
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
