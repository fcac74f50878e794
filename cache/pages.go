package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// A snapshot's users are stored a page at a time (see schemaV4, and
// schemaV9Blocks for how snapshots share pages): a page holds about
// pageUsers users, each as its packed model fields (packUser) and its
// packed group ids (packIDs), and the page's user ids (packIDs) to find a
// user by. Load reads a hundred rows instead of a hundred thousand: with a
// pure-Go SQLite the cost is per row and per column, not per byte.
const pageUsers = 1000

// pageEntry is one user of a page: packUser and packIDs output.
type pageEntry struct{ fields, gids string }

// pageRids is the range of snapshot_blocks rids of a snapshot's users:
// snapshot_id << 32 | page number, so a snapshot's pages are one range to
// read. Its logins follow in the upper half (loginRids); snapshotRids is
// both, to delete.
func pageRids(snap int64) (lo, hi int64) { return snap << 32, snap<<32 | 0x7fffffff }

func loginRids(snap int64) (lo, hi int64) { return snap<<32 | 0x80000000, snap<<32 | 0xffffffff }

func snapshotRids(snap int64) (lo, hi int64) { return snap << 32, snap<<32 | 0xffffffff }

// packPage encodes entries as "<len>:<fields><len>:<gids>" repeated, the
// packIDs format (schemaV4's migration builds the same in SQL).
func packPage(entries []pageEntry) string {
	n := 0
	for _, e := range entries {
		n += len(e.fields) + len(e.gids) + 16
	}
	return string(appendPage(make([]byte, 0, n), entries))
}

// unpackPage calls fn for each entry of a packPage value; false when
// malformed. Entries are substrings of s.
func unpackPage(s string, fn func(pageEntry)) bool {
	var e pageEntry
	second := false
	ok := unpackIDs(s, func(part string) {
		if !second {
			e.fields = part
		} else {
			e.gids = part
			fn(e)
		}
		second = !second
	})
	return ok && !second
}

// packedID is the user id packUser put first in fields.
func packedID(fields string) (string, bool) {
	header, body, ok := strings.Cut(fields, ":")
	if !ok {
		return "", false
	}
	if i := strings.IndexByte(header, ','); i >= 0 {
		header = header[:i]
	}
	n, err := strconv.Atoi(header)
	if err != nil || n < 0 || n > len(body) {
		return "", false
	}
	return body[:n], true
}

// userPage is a stored page being edited by a write-through, and where
// one user is on it.
type userPage struct {
	rid     int64
	entries []pageEntry
	at      int // the user's entry
}

// findUser reads the page that holds a user of snapshot snap: the one
// hints names, when it does hold the user, else the one a scan of every
// page's ids finds (a few MB at 100k users), which refills hints. h may be
// nil.
func findUser(ctx context.Context, tx *sql.Tx, h *pageHints, snap int64, id string) (*userPage, bool, error) {
	if rid, ok := h.lookup(snap, id); ok {
		p, found, err := readUserPage(ctx, tx, rid, id)
		if err != nil || found {
			return p, found, err
		}
	}
	lo, hi := pageRids(snap)
	rows, err := tx.QueryContext(ctx, `SELECT r.rid, b.ids FROM snapshot_blocks r JOIN user_blocks b ON b.id = r.block WHERE r.rid BETWEEN ? AND ?`, lo, hi)
	if err != nil {
		return nil, false, err
	}
	page := map[string]int64{}
	for rows.Next() {
		var rid int64
		var ids string
		if err := rows.Scan(&rid, &ids); err != nil {
			rows.Close()
			return nil, false, err
		}
		unpackIDs(ids, func(id string) { page[id] = rid })
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	h.reset(snap, page)
	rid, ok := page[id]
	if !ok {
		return nil, false, nil
	}
	return readUserPage(ctx, tx, rid, id)
}

// readUserPage reads page rid and finds user id on it.
func readUserPage(ctx context.Context, tx *sql.Tx, rid int64, id string) (*userPage, bool, error) {
	p := &userPage{rid: rid}
	if err := p.read(ctx, tx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, nil // a hint to a page removed since
		}
		return nil, false, err
	}
	for i, e := range p.entries {
		if got, _ := packedID(e.fields); got == id {
			p.at = i
			return p, true, nil
		}
	}
	return nil, false, nil
}

// pageHints remembers which page holds which user of one snapshot, so
// that only the first write-through of a session scans every page's ids
// and the next ones read one page. A hint is a guess, never trusted:
// findUser checks the page holds the user (another process may have
// changed it) and scans again when it does not.
type pageHints struct {
	mu   sync.Mutex
	snap int64
	page map[string]int64
}

func (h *pageHints) lookup(snap int64, id string) (int64, bool) {
	if h == nil {
		return 0, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	rid, ok := h.page[id]
	return rid, ok && h.snap == snap
}

func (h *pageHints) reset(snap int64, page map[string]int64) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.snap, h.page = snap, page
}

// set records that user id of snap is on page rid.
func (h *pageHints) set(snap int64, id string, rid int64) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.snap == snap && h.page != nil {
		h.page[id] = rid
	}
}

func (p *userPage) read(ctx context.Context, tx *sql.Tx) error {
	var packed string
	if err := tx.QueryRowContext(ctx, `SELECT b.users FROM snapshot_blocks r JOIN user_blocks b ON b.id = r.block WHERE r.rid = ?`, p.rid).Scan(&packed); err != nil {
		return err
	}
	p.entries = p.entries[:0]
	if !unpackPage(packed, func(e pageEntry) { p.entries = append(p.entries, e) }) {
		return integrityError(fmt.Sprintf("user page %d does not decode", p.rid))
	}
	return nil
}

// store writes the page back: as a block of its own, since the one it was
// read from may be another snapshot's too (see blocks.go). An emptied page
// is removed.
func (p *userPage) store(ctx context.Context, tx *sql.Tx) error {
	if len(p.entries) == 0 {
		_, err := tx.ExecContext(ctx, `DELETE FROM snapshot_blocks WHERE rid = ?`, p.rid)
		return err
	}
	block, _, err := putBlock(ctx, tx, p.entries, nil)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE snapshot_blocks SET block = ? WHERE rid = ?`, block, p.rid)
	return err
}

// pageIDs is the ids column of a page holding entries.
func pageIDs(entries []pageEntry) string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i], _ = packedID(e.fields)
	}
	return packIDs(ids)
}

// groupIDs is the user's group ids, sorted and unique.
func (p *userPage) groupIDs(userID string) ([]string, error) {
	var ids []string
	if !unpackIDs(p.entries[p.at].gids, func(id string) { ids = append(ids, id) }) {
		return nil, fmt.Errorf("malformed group list for user %q", userID)
	}
	// Every writer stores them sorted and unique; a list that is not stays
	// correct to search and count.
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// appendUser adds a user to the snapshot's last page, or to a new page
// after it when that one is full.
func appendUser(ctx context.Context, tx *sql.Tx, snap int64, e pageEntry) (rid int64, err error) {
	lo, hi := pageRids(snap)
	p := &userPage{rid: lo}
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(rid) FROM snapshot_blocks WHERE rid BETWEEN ? AND ?`, lo, hi).Scan(&last); err != nil {
		return 0, err
	}
	if last.Valid {
		p.rid = last.Int64
		if err := p.read(ctx, tx); err != nil {
			return 0, err
		}
	}
	if !last.Valid || len(p.entries) >= pageUsers {
		p.rid++
		block, _, err := putBlock(ctx, tx, []pageEntry{e}, nil)
		if err != nil {
			return 0, err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO snapshot_blocks (rid, block) VALUES (?, ?)`, p.rid, block)
		return p.rid, err
	}
	p.entries = append(p.entries, e)
	return p.rid, p.store(ctx, tx)
}

// eachStoredEntry calls fn on every user of the packed pages query selects
// (one column, in order); ok is false when a page does not decode.
func eachStoredEntry(ctx context.Context, tx *sql.Tx, fn func(pageEntry), query string, args ...any) (ok bool, err error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			return false, err
		}
		if !unpackPage(packed, fn) {
			return false, nil
		}
	}
	return true, rows.Err()
}
