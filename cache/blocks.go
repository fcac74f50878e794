package cache

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
)

// Snapshots share their unchanged users (see schemaV9Blocks). A snapshot's
// users are a list of blocks (snapshot_blocks rows, in order), each block a
// packed page of users (packPage) stored once under the SHA-256 of its
// content (user_blocks): thirty syncs of a tenant that barely changed hold
// one copy of it plus the blocks that changed.
//
// A sync cuts its users into blocks by user id: sorted by id, a block ends
// after a user whose id hashes to a boundary (about one in blockUsers), so
// a user added, changed or removed changes the one block it falls in, not
// every block after it, as fixed-size pages in arrival order would. Blocks
// are a quarter of a page: a change costs a quarter as much history, and a
// load at 100k users reads 400 rows instead of 100, a few milliseconds.
// Blocks are never changed in place: a write-through to the current
// snapshot stores the edited page as a block of its own and points the
// snapshot at it (userPage.store); a block no snapshot points at any more
// is garbage, swept by the housekeeping (sweepBlocks).

const (
	blockUsers    = pageUsers / 4  // users in a block, on average
	minBlockUsers = blockUsers / 8 // no boundary before this many: no crumbs
	maxBlockUsers = blockUsers * 4 // a forced boundary: a block stays small
)

// boundaryAfter reports whether a block ends after the user with this id.
// FNV-1a is fixed forever: a different function would cut every block
// differently and share nothing with the snapshots cut before.
func boundaryAfter(id string) bool {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()%blockUsers == 0
}

// cutBlocks sorts entries by user id and cuts them into blocks.
func cutBlocks(entries []pageEntry) [][]pageEntry {
	ids := make([]string, len(entries))
	order := make([]int, len(entries))
	for i := range entries {
		ids[i], _ = packedID(entries[i].fields)
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(ids[a], ids[b]) })
	sorted := make([]pageEntry, len(entries))
	for k, i := range order {
		sorted[k] = entries[i]
	}
	var blocks [][]pageEntry
	start := 0
	for k, i := range order {
		n := k + 1 - start
		if (n >= minBlockUsers && boundaryAfter(ids[i])) || n >= maxBlockUsers {
			blocks = append(blocks, sorted[start:k+1])
			start = k + 1
		}
	}
	if start < len(sorted) {
		blocks = append(blocks, sorted[start:])
	}
	return blocks
}

// appendPage appends packPage(entries) to b.
func appendPage(b []byte, entries []pageEntry) []byte {
	for _, e := range entries {
		b = strconv.AppendInt(b, int64(len(e.fields)), 10)
		b = append(b, ':')
		b = append(b, e.fields...)
		b = strconv.AppendInt(b, int64(len(e.gids)), 10)
		b = append(b, ':')
		b = append(b, e.gids...)
	}
	return b
}

// blockHash is the SHA-256 of packPage(entries).
func blockHash(entries []pageEntry) []byte {
	sum := sha256.Sum256(appendPage(nil, entries))
	return sum[:]
}

// putBlock returns the id of the block holding entries, storing it first
// when no snapshot has it yet. buf is scratch space (it is returned, grown).
func putBlock(ctx context.Context, tx *sql.Tx, entries []pageEntry, buf []byte) (int64, []byte, error) {
	buf = appendPage(buf[:0], entries)
	sum := sha256.Sum256(buf)
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM user_blocks WHERE hash = ?`, sum[:]).Scan(&id)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, buf, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO user_blocks (hash, n, ids, users) VALUES (?, ?, ?, ?)`, sum[:], len(entries), pageIDs(entries), string(buf))
	if err != nil {
		return 0, buf, err
	}
	id, err = res.LastInsertId()
	return id, buf, err
}

// writeBlocks makes entries the users of snapshot snap: cut into blocks,
// the new ones stored, and the snapshot's list of blocks written (the
// snapshot must have none yet).
func writeBlocks(ctx context.Context, tx *sql.Tx, snap int64, entries []pageEntry) error {
	lo, _ := pageRids(snap)
	return writeBlockList(ctx, tx, lo, entries)
}

// writeBlockList cuts entries into blocks, stores the new ones, and lists
// them at rids first+1, first+2, ...
func writeBlockList(ctx context.Context, tx *sql.Tx, first int64, entries []pageEntry) error {
	ref, err := tx.PrepareContext(ctx, `INSERT INTO snapshot_blocks (rid, block) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer ref.Close()
	var buf []byte
	for k, b := range cutBlocks(entries) {
		var id int64
		id, buf, err = putBlock(ctx, tx, b, buf)
		if err != nil {
			return err
		}
		if _, err := ref.ExecContext(ctx, first+int64(k+1), id); err != nil {
			return err
		}
	}
	return nil
}

// sweepBlocks removes the blocks no snapshot points at (see the top of
// this file), and reports how many.
func sweepBlocks(ctx context.Context, tx *sql.Tx) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM user_blocks WHERE id NOT IN (SELECT block FROM snapshot_blocks)`)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
