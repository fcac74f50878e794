package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/otaccess/otaccess/tenant"
)

// currentID is the current snapshot's id.
func currentID(ctx context.Context, q queryer) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'current'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoSnapshot
	}
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNoSnapshot
	}
	return id, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const infoCols = "id, source, profile, started_at, finished_at, n_users, n_groups, n_memberships, tenant_id, n_dropped"

func scanInfo(sc interface{ Scan(...any) error }) (tenant.SyncInfo, error) {
	var i tenant.SyncInfo
	var started, finished string
	err := sc.Scan(&i.ID, &i.Source, &i.Profile, &started, &finished, &i.Users, &i.Groups, &i.Memberships, &i.TenantID, &i.Dropped)
	i.StartedAt, i.FinishedAt = parseTime(started), parseTime(finished)
	return i, err
}

// LatestInfo describes the current snapshot (ErrNoSnapshot when none).
func (s *Store) LatestInfo(ctx context.Context) (tenant.SyncInfo, error) {
	id, err := currentID(ctx, s.db)
	if err != nil {
		return tenant.SyncInfo{}, s.fail("read cache", err)
	}
	info, err := scanInfo(s.db.QueryRowContext(ctx, "SELECT "+infoCols+" FROM snapshots WHERE id = ?", id))
	if err != nil {
		return tenant.SyncInfo{}, s.fail("read cache", err)
	}
	return info, nil
}

// Snapshots lists the stored snapshots (the current one and the one before),
// newest first.
func (s *Store) Snapshots(ctx context.Context) ([]tenant.SyncInfo, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+infoCols+" FROM snapshots WHERE status = 'complete' ORDER BY id DESC")
	if err != nil {
		return nil, s.fail("list snapshots", err)
	}
	defer rows.Close()
	var out []tenant.SyncInfo
	for rows.Next() {
		i, err := scanInfo(rows)
		if err != nil {
			return nil, s.fail("list snapshots", err)
		}
		out = append(out, i)
	}
	return out, s.failIf("list snapshots", rows.Err())
}

// Load reads the current snapshot into the model (ErrNoSnapshot when none).
func (s *Store) Load(ctx context.Context) (*tenant.Snapshot, error) {
	id, err := currentID(ctx, s.db)
	if err != nil {
		return nil, s.fail("load snapshot", err)
	}
	return s.LoadSnapshot(ctx, id)
}

// readUsers reads a snapshot's users, in the order of their pages: a
// hundred page rows, not a hundred thousand user rows (see pages.go); a
// user's fields are substrings of its page. A
// page that does not decode is a damaged cache.
func readUsers(ctx context.Context, q queryer, snap int64) (users []tenant.User, gids []string, err error) {
	lo, hi := pageRids(snap)
	rows, err := q.QueryContext(ctx, "SELECT b.n, b.users FROM snapshot_blocks r JOIN user_blocks b ON b.id = r.block WHERE r.rid BETWEEN ? AND ? ORDER BY r.rid", lo, hi)
	if err != nil {
		return nil, nil, err
	}
	var pages []string
	off := []int{0}
	for rows.Next() {
		var n int
		var packed string
		if err := rows.Scan(&n, &packed); err != nil {
			rows.Close()
			return nil, nil, err
		}
		pages = append(pages, packed)
		off = append(off, off[len(off)-1]+max(n, 0))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	// Each page decodes straight into its place in one array, on one core:
	// the writes land in fresh memory (every page of it a fault at first
	// touch, and a write barrier while the collector marks), and two cores
	// doing so contend: in parallel this took 1.5x as long.
	users, gids = make([]tenant.User, off[len(pages)]), make([]string, off[len(pages)])
	c := newCompactor()
	for i, packed := range pages {
		k, end := off[i], off[i+1]
		bad := ""
		ok := unpackPage(packed, func(e pageEntry) {
			if k == end {
				bad = "more users than the page says"
				return
			}
			if !unpackUser(e.fields, &users[k]) && bad == "" {
				bad = e.fields[:min(len(e.fields), 80)]
			}
			gids[k] = e.gids
			k++
		})
		switch {
		case !ok && bad == "":
			bad = packed[:min(len(packed), 80)]
		case bad == "" && k != end:
			bad = "fewer users than the page says"
		}
		if bad != "" {
			return nil, nil, integrityError(fmt.Sprintf("malformed user page %d: %q", i+1, bad))
		}
		c.page(users[off[i]:end])
		pages[i] = "" // only the group ids (gids) still refer to it
	}
	return users, gids, nil
}

// mmapSize is how much of the file a load reads through a memory map.
const mmapSize = 256 << 20

// LoadSnapshot reads one stored snapshot (see Snapshots), in one read
// transaction so a concurrent sync is never half-seen.
func (s *Store) LoadSnapshot(ctx context.Context, id int64) (*tenant.Snapshot, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, s.fail("load snapshot", err)
	}
	// Deferred calls run last first: unmap, give conn back, close it.
	defer s.dropIdle()
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA mmap_size = "+strconv.Itoa(mmapSize)); err != nil {
		return nil, s.fail("load snapshot", err)
	}
	defer unmap(conn)
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.fail("load snapshot", err)
	}
	defer tx.Rollback()
	info, err := scanInfo(tx.QueryRowContext(ctx, "SELECT "+infoCols+" FROM snapshots WHERE id = ? AND status = 'complete'", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.fail("load snapshot", ErrNoSnapshot)
	}
	if err != nil {
		return nil, s.fail("load snapshot", err)
	}
	list, err := loadGroups(ctx, tx, id)
	if err != nil {
		return nil, s.fail("load groups", err)
	}
	b := tenant.NewBuilder(info, list, info.Memberships)
	conv, gids, err := readUsers(ctx, tx, id)
	if err != nil {
		return nil, s.fail("load users", err)
	}
	for k, ids := range gids {
		ok := unpackIDs(ids, func(gid string) { b.Member(k, gid) })
		if !ok {
			return nil, s.corrupt("load users", fmt.Sprintf("malformed group list for user %q", conv[k].ID))
		}
	}
	var stored []byte
	var never bool
	if err := tx.QueryRowContext(ctx, `SELECT user_order, user_order IS NULL FROM snapshots WHERE id = ?`, id).Scan(&stored, &never); err != nil {
		return nil, s.fail("load snapshot", err)
	}
	order := storedOrder(stored, len(conv))
	if order == nil && never && len(conv) > 0 {
		order = tenant.SortOrder(conv) // what Build would sort by
		s.fillOrder(id, order)
	}
	access, err := readAccess(ctx, tx, id)
	if err != nil {
		return nil, s.fail("load access data", err)
	}
	snap := b.Build(conv, order)
	snap.SetAccess(access)
	if err := s.readOrgTree(ctx, tx, id, snap); err != nil {
		return nil, err
	}
	return snap, nil
}

// unmap drops conn's memory map of the file. A load touches every page of
// the snapshot through it, and touched pages count in the process's RSS for
// as long as the map lives: the TUI would show the file's size (240 MB for
// 100k users) on top of the model. The pages stay in the kernel's cache.
// Other reads do without a map (see openDB).
func unmap(conn *sql.Conn) {
	_, _ = conn.ExecContext(context.Background(), "PRAGMA mmap_size = 0")
}

func loadGroups(ctx context.Context, q queryer, snap int64) ([]tenant.ReadGroup, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, display_name, category, description, last_modified FROM groups WHERE snapshot_id = ?`, snap)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []tenant.ReadGroup
	for rows.Next() {
		var g tenant.ReadGroup
		if err := rows.Scan(&g.ID, &g.DisplayName, &g.Category, &g.Description, &g.LastModified); err != nil {
			return nil, err
		}
		list = append(list, g)
	}
	return list, rows.Err()
}
