package cache

import (
	"context"
	"database/sql"
	"encoding/binary"

	"github.com/otaccess/otaccess/tenant"
)

// A snapshot's sort order is stored with it (snapshots.user_order), so
// that opening the cache does not sort 100k users every time. The sync's
// housekeeping (tidy) computes it once per snapshot; a write that could
// move a user in it (PutUser, DeleteUser) clears it, and Load then sorts
// as before.

// encodeOrder is the stored value for perm: a version byte, three zero
// bytes, then perm as little-endian uint32s.
func encodeOrder(perm []int32) []byte {
	b := make([]byte, 4, 4+4*len(perm))
	b[0] = tenant.OrderVersion
	for _, k := range perm {
		b = binary.LittleEndian.AppendUint32(b, uint32(k))
	}
	return b
}

// storedOrder is the order b stores for n users, or nil when b is not one
// (cleared, of another version, or damaged).
func storedOrder(b []byte, n int) []int32 {
	if len(b) != 4+4*n || n == 0 || b[0] != tenant.OrderVersion {
		return nil
	}
	perm := make([]int32, n)
	seen := make([]bool, n)
	for i := range perm {
		k := binary.LittleEndian.Uint32(b[4+4*i:])
		if k >= uint32(n) || seen[k] {
			return nil
		}
		seen[k] = true
		perm[i] = int32(k)
	}
	return perm
}

// saveUserOrder stores the sort order of snapshot snap's users. Reading
// and storing are one transaction, so no write slips in between.
func (s *Store) saveUserOrder(ctx context.Context, snap int64) error {
	if testHookSaveOrder != nil {
		testHookSaveOrder(ctx)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	users, _, err := readUsers(ctx, tx, snap)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET user_order = ? WHERE id = ?`, encodeOrder(tenant.SortOrder(users)), snap); err != nil {
		return err
	}
	return tx.Commit()
}

// testHookSaveOrder runs as saveUserOrder begins (a test holds it there
// until its context ends).
var testHookSaveOrder func(ctx context.Context)

// clearUserOrder forgets snapshot snap's stored order, in a write that may
// move a user in it. It leaves an empty order, not NULL: NULL is an order
// never stored, which a load may fill in from what it read (fillOrder),
// and a load that read before this write must not.
func clearUserOrder(ctx context.Context, tx *sql.Tx, snap int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE snapshots SET user_order = X'' WHERE id = ? AND (user_order IS NULL OR length(user_order) > 0)`, snap)
	return err
}

// fillOrder stores order for snapshot snap in the background, if no order
// was ever stored for it (the process that synced it stopped first, see
// tidy): the next load then needs no sort.
func (s *Store) fillOrder(snap int64, order []int32) {
	s.chores.Add(1)
	go func() {
		defer s.chores.Done()
		_, _ = s.db.ExecContext(s.deferrable, `UPDATE snapshots SET user_order = ? WHERE id = ? AND user_order IS NULL`, encodeOrder(order), snap)
	}()
}
