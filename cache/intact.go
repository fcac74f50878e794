package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// checkIntact refuses to write a snapshot into a damaged file: a sync
// touches most pages, and writing around damage would hide it. At 100k
// users quick_check takes about 10 ms and checkPages about 90 ms.
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
	rows, err := tx.QueryContext(ctx, "SELECT r.rid, b.n, b.users FROM snapshot_blocks r JOIN user_blocks b ON b.id = r.block WHERE r.rid BETWEEN ? AND ? ORDER BY r.rid", lo, hi)
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
