package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/otaccess/otaccess/client"
)

// SnapshotWriter writes a new snapshot while a sync is still reading the
// tenant, so that little of the save is left once the last page arrives:
// users are inserted page by page as they come (AddUsers); Commit, given
// the complete lists, makes the stored rows exactly the snapshot
// NewSnapshot builds from them, adds the groups, roles and orgs, and makes
// it current. All of it is one transaction: readers never see the
// snapshot before Commit, and Rollback, a failure or a cancelled context
// leave the previous snapshot current and intact.
//
// The transaction holds the cache's write lock from BeginSnapshot to
// Commit: another process's write to the cache waits for the sync (a
// tenant write's cache update waits out a busy cache, see access).
//
// A SnapshotWriter is not safe for concurrent use.
type SnapshotWriter struct {
	s      *Store
	conn   *sql.Conn
	tx     *sql.Tx
	info   SyncInfo
	index  *inserter        // user_index rows
	staged map[string]int32 // ids of the users inserted (values: see settleUsers)
	links  int              // memberships in the rows inserted
	pages  int64            // pages inserted so far: the last one's number
	redo   bool             // an id came twice: Commit rewrites the users from its lists
	done   bool
}

// BeginSnapshot starts writing a new snapshot of source, read for profile
// since started. It refuses a damaged cache file (see checkIntact).
func (s *Store) BeginSnapshot(ctx context.Context, source, profile string, started time.Time) (*SnapshotWriter, error) {
	w := &SnapshotWriter{s: s, staged: map[string]int32{},
		info: SyncInfo{Source: redactURL(source), Profile: profile, StartedAt: started.UTC().Round(0)}}
	var err error
	if w.conn, err = s.db.Conn(ctx); err != nil {
		return nil, s.fail("save snapshot", err)
	}
	// A commit past 1,000 pages of log checkpoints at once, copying the
	// whole snapshot into the file before the sync could return; tidy
	// does it afterwards instead.
	if _, err := w.conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		w.conn.Close()
		return nil, s.fail("save snapshot", err)
	}
	if w.tx, err = w.conn.BeginTx(ctx, nil); err != nil {
		w.release()
		return nil, s.fail("save snapshot", err)
	}
	if err := w.begin(ctx); err != nil {
		w.tx.Rollback()
		w.release()
		return nil, s.fail("save snapshot", ctxFirst(ctx, err))
	}
	return w, nil
}

// release gives the connection back with SQLite's default checkpointing.
func (w *SnapshotWriter) release() {
	_, _ = w.conn.ExecContext(context.Background(), "PRAGMA wal_autocheckpoint = 1000")
	w.conn.Close()
}

func (w *SnapshotWriter) begin(ctx context.Context) error {
	if err := w.s.checkIntact(ctx, w.tx); err != nil {
		return err
	}
	res, err := w.tx.ExecContext(ctx, `INSERT INTO snapshots (source, profile, started_at, finished_at, status) VALUES (?, ?, ?, ?, 'writing')`,
		w.info.Source, w.info.Profile, fmtTime(w.info.StartedAt), fmtTime(w.info.StartedAt))
	if err != nil {
		return err
	}
	if w.info.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	w.index, err = newInserter(ctx, w.tx, "user_index", "snapshot_id, id, page")
	return err
}

// Rollback abandons the snapshot; after Commit it does nothing.
func (w *SnapshotWriter) Rollback() {
	if w.done {
		return
	}
	w.done = true
	w.index.close()
	_ = w.tx.Rollback()
	w.release()
}

// AddUsers inserts users as a sync reads them, in any order and in as many
// calls as it likes. A user that comes twice (a page read again) is
// settled by Commit.
func (w *SnapshotWriter) AddUsers(ctx context.Context, users []client.User) error {
	if w.done {
		return errors.New("save snapshot: the snapshot is already committed or abandoned")
	}
	if err := ctx.Err(); err != nil {
		w.Rollback()
		return err
	}
	if w.redo {
		return nil // Commit rewrites every user anyway
	}
	for i := range users {
		if _, dup := w.staged[users[i].ID]; dup {
			w.redo = true
			return nil
		}
		w.staged[users[i].ID] = 0
	}
	if err := w.insertUsers(ctx, users, nil); err != nil {
		w.Rollback()
		return w.s.fail("save snapshot", ctxFirst(ctx, err))
	}
	return nil
}

// insertUsers appends users to the snapshot, a page of up to pageUsers at
// a time (see pages.go), and indexes them. A user's group ids are its
// references' plus, when extra is set, extra[id].
func (w *SnapshotWriter) insertUsers(ctx context.Context, users []client.User, extra map[string][]string) error {
	entries := make([]pageEntry, 0, min(len(users), pageUsers))
	for len(users) > 0 {
		page := users[:min(len(users), pageUsers)]
		users = users[len(page):]
		entries = entries[:0]
		for i := range page {
			u := &page[i]
			gids := groupIDsOf(u, extra[u.ID])
			x := userFromClient(u)
			entries = append(entries, pageEntry{packUser(&x), packIDs(gids)})
			w.links += len(gids)
		}
		w.pages++
		rid := w.info.ID<<32 | w.pages
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO user_pages (rid, snapshot_id, n, users) VALUES (?, ?, ?, ?)`, rid, w.info.ID, len(entries), packPage(entries)); err != nil {
			return err
		}
		for i := range page {
			w.staged[page[i].ID] = 0
			if err := w.index.add(ctx, w.info.ID, page[i].ID, rid); err != nil {
				return err
			}
		}
		if testHookSaveBatch != nil {
			testHookSaveBatch()
		}
	}
	return nil
}

// groupIDsOf is a user's group ids: its non-empty references and extra,
// sorted and unique.
func groupIDsOf(u *client.User, extra []string) []string {
	gids := make([]string, 0, len(u.Groups)+len(extra))
	for _, ref := range u.Groups {
		if ref.Value != "" {
			gids = append(gids, ref.Value)
		}
	}
	gids = append(gids, extra...)
	slices.Sort(gids)
	return slices.Compact(gids)
}

// Commit completes the snapshot from the complete lists the sync read and
// makes it current. The stored snapshot is NewSnapshot(users, groups): a
// user comes once (the first of an id), memberships are the union of the
// users' references and the groups' members, and a group only referenced
// by users is added from the reference.
func (w *SnapshotWriter) Commit(ctx context.Context, users []client.User, groups []client.Group) (SyncInfo, error) {
	if w.done {
		return SyncInfo{}, errors.New("save snapshot: the snapshot is already committed or abandoned")
	}
	defer w.Rollback()
	info, err := w.commit(ctx, users, groups)
	if err != nil {
		return SyncInfo{}, w.s.fail("save snapshot", ctxFirst(ctx, err))
	}
	w.done = true
	w.release()
	// The new snapshot is current and committed: pruning is housekeeping,
	// in a transaction of its own so a big delete does not lengthen the
	// one that makes the sync visible, and in the background (tidy). If it
	// fails or is interrupted, the older snapshot stays one more sync and
	// the sync has still succeeded.
	w.s.tidy(info.ID)
	return info, nil
}

func (w *SnapshotWriter) commit(ctx context.Context, users []client.User, groups []client.Group) (SyncInfo, error) {
	where, keep := w.settleUsers(users)

	// Groups: the list (first of an id), then those only users reference.
	list := make([]client.Group, 0, len(groups))
	seen := make(map[string]bool, len(groups))
	for i := range groups {
		if !seen[groups[i].ID] {
			seen[groups[i].ID] = true
			list = append(list, groups[i])
		}
	}
	for _, i := range keep {
		for _, ref := range users[i].Groups {
			if ref.Value != "" && !seen[ref.Value] {
				seen[ref.Value] = true
				list = append(list, client.Group{ID: ref.Value, DisplayName: ref.Display})
			}
		}
	}
	// Memberships the groups' member lists add to the users' references.
	extra := map[string][]string{}
	for i := range list {
		for _, m := range list[i].Members {
			if _, ok := where[m.Value]; ok {
				extra[m.Value] = append(extra[m.Value], list[i].ID)
			}
		}
	}

	if w.redo {
		// A page read twice, a user dropped or changed between walks:
		// write the users again from the lists, the truth.
		lo, hi := pageRids(w.info.ID)
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM user_pages WHERE rid BETWEEN ? AND ?`, lo, hi); err != nil {
			return SyncInfo{}, err
		}
		w.index.args, w.index.rows = w.index.args[:0], 0
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM user_index WHERE snapshot_id = ?`, w.info.ID); err != nil {
			return SyncInfo{}, err
		}
		kept := make([]client.User, len(keep))
		for k, i := range keep {
			kept[k] = users[i]
		}
		clear(w.staged)
		w.links = 0
		if err := w.insertUsers(ctx, kept, extra); err != nil {
			return SyncInfo{}, err
		}
	} else if err := w.addMemberships(ctx, users, where, extra); err != nil {
		return SyncInfo{}, err
	}
	if err := w.index.flush(ctx); err != nil {
		return SyncInfo{}, err
	}

	m := &Snapshot{}
	m.setGroups(list)
	if err := writeGroups(ctx, w.tx, w.info.ID, m, list); err != nil {
		return SyncInfo{}, err
	}
	info := w.info
	info.FinishedAt = time.Now().UTC().Round(0)
	info.Users, info.Groups, info.Memberships = len(w.staged), len(list), w.links
	if _, err := w.tx.ExecContext(ctx, `UPDATE snapshots SET finished_at = ?, n_users = ?, n_groups = ?, n_memberships = ?, status = 'complete' WHERE id = ?`,
		fmtTime(info.FinishedAt), info.Users, info.Groups, info.Memberships, info.ID); err != nil {
		return SyncInfo{}, err
	}
	prev, err := currentID(ctx, w.tx)
	if err != nil && !errors.Is(err, ErrNoSnapshot) {
		return SyncInfo{}, err
	}
	for _, kv := range [][2]any{{"current", info.ID}, {"previous", prev}} {
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, kv[0], fmt.Sprint(kv[1])); err != nil {
			return SyncInfo{}, err
		}
	}
	w.index.close()
	if err := w.tx.Commit(); err != nil {
		return SyncInfo{}, err
	}
	return info, nil
}

// settleUsers says which of users the snapshot holds, as NewSnapshot
// keeps them: the first of each id. where maps an id to its index in users
// plus one, keep lists the indexes. When the rows inserted are exactly
// those users (every page came once, the usual sync), where is the staged
// set itself, marked in one pass; otherwise w.redo is set.
func (w *SnapshotWriter) settleUsers(users []client.User) (where map[string]int32, keep []int32) {
	if !w.redo && len(users) == len(w.staged) {
		for i := range users {
			w.staged[users[i].ID] = int32(i) + 1
		}
		// No id was added, so every user was staged; none is left unmarked,
		// so none came twice.
		exact := len(w.staged) == len(users)
		for _, v := range w.staged {
			if v == 0 {
				exact = false
				break
			}
		}
		if exact {
			keep = make([]int32, len(users))
			for i := range keep {
				keep[i] = int32(i)
			}
			return w.staged, keep
		}
	}
	w.redo = true
	where = make(map[string]int32, len(users))
	keep = make([]int32, 0, len(users))
	for i := range users {
		if _, dup := where[users[i].ID]; !dup {
			where[users[i].ID] = int32(i) + 1
			keep = append(keep, int32(i))
		}
	}
	return where, keep
}

// addMemberships rewrites the group ids of the users a group's member
// list adds to (none, when both sides of the tenant agree). users and
// where are Commit's: the rows hold what the users' own references say.
func (w *SnapshotWriter) addMemberships(ctx context.Context, users []client.User, where map[string]int32, extra map[string][]string) error {
	flushed := false
	for id, add := range extra {
		u := &users[where[id]-1]
		own := groupIDsOf(u, nil)
		all := groupIDsOf(u, add)
		if len(all) == len(own) {
			continue
		}
		w.links += len(all) - len(own)
		if !flushed {
			// The user's index row may still be in the inserter's batch.
			if err := w.index.flush(ctx); err != nil {
				return err
			}
			flushed = true
		}
		p, found, err := findUser(ctx, w.tx, w.info.ID, id)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("user %q was written but is not in the snapshot", id)
		}
		p.entries[p.at].gids = packIDs(all)
		if err := p.store(ctx, w.tx); err != nil {
			return err
		}
	}
	return nil
}
