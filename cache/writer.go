package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// SnapshotWriter writes a new snapshot while a sync is still reading the
// tenant, so that little of the save is left once the last page arrives:
// each page of users is written as it comes (AddUsers), in a short
// transaction of its own, into a snapshot marked 'writing' that no reader
// looks at. Commit, given the complete lists, settles what the pages did
// not (a page read twice, users gone between walks, memberships only the
// groups list), adds the groups, roles and orgs and makes the snapshot
// current, in one transaction: readers never see half a sync, and a failed,
// cancelled or abandoned sync (Rollback) leaves the previous snapshot
// current and intact.
//
// The cache's write lock is held a page at a time and for the commit, not
// while the tenant is read (seconds, against a paced API): other
// processes' writes to the cache do not wait for a sync.
//
// A SnapshotWriter is not safe for concurrent use.
type SnapshotWriter struct {
	s      *Store
	conn   *sql.Conn
	info   tenant.SyncInfo
	staged map[string]int32 // ids of the users written (values: see settleUsers)
	links  int              // memberships in the rows written
	pages  int64            // pages written so far: the last one's number
	redo   bool             // an id came twice: Commit rewrites the users from its lists
	done   bool
	mark   Mark // the write journal when the sync began (see journal.go)
	// replace lets Commit replace a snapshot that shares nothing with this
	// one (see ErrOtherTenant).
	replace bool
	access  *tenant.AccessData // see SetAccess
	orgTree *orgTreeRow        // see SetOrgTree
}

// SetTenant records the tenant's own id (OneTrust's tenant GUID), when the
// token response gave one, and how many users the sync had to drop.
func (w *SnapshotWriter) SetTenant(tenantID string, dropped int) {
	w.info.TenantID, w.info.Dropped = tenantID, dropped
}

// SetStats records what reading the tenant took: requests sent and lists
// read again (see tenant.SyncInfo).
func (w *SnapshotWriter) SetStats(requests, rereads int) {
	w.info.Requests, w.info.Rereads, w.info.Recorded = requests, rereads, true
}

// ReplaceOther lets Commit replace a current snapshot this one shares no
// user and no group with (see ErrOtherTenant): the operator said so.
func (w *SnapshotWriter) ReplaceOther() { w.replace = true }

// BeginSnapshot starts writing a new snapshot of source, read for profile
// since started. It refuses a damaged cache file (see checkIntact), before
// the sync sends its first request.
func (s *Store) BeginSnapshot(ctx context.Context, source, profile string, started time.Time) (*SnapshotWriter, error) {
	w := &SnapshotWriter{s: s, staged: map[string]int32{},
		info: tenant.SyncInfo{Source: redactURL(source), Profile: profile, StartedAt: started.UTC().Round(0)}}
	var err error
	if w.conn, err = s.db.Conn(ctx); err != nil {
		return nil, s.fail("save snapshot", err)
	}
	// A commit past 1,000 pages of log checkpoints there and then, copying
	// what the sync wrote so far into the file; tidy does it once, after
	// the sync.
	if _, err := w.conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		w.conn.Close()
		return nil, s.fail("save snapshot", err)
	}
	// The pages of users go to a table of the connection's own, in a
	// temporary file, until Commit cuts them into blocks (see blocks.go):
	// they never reach the cache file, so a sync that changed little grows
	// it by little, and one that dies leaves nothing of them behind.
	if _, err := w.conn.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS staged_users (seq INTEGER PRIMARY KEY, users TEXT NOT NULL); DELETE FROM temp.staged_users`); err != nil {
		w.release()
		return nil, s.fail("save snapshot", err)
	}
	err = w.write(ctx, func(tx *sql.Tx) error {
		if err := s.checkIntact(ctx, tx); err != nil {
			return err
		}
		// While 'writing', finished_at is when a page was last written, by
		// the clock prune judges it by (the store's): prune tells a sync
		// that died from one in progress by it.
		// Writes journaled from here on may be missing from what the sync
		// reads: Commit replays them (see journal.go).
		seq, err := lastSeq(ctx, tx)
		if err != nil {
			return err
		}
		w.mark = Mark{Seq: seq, At: time.Now()} // the wall clock, as journal entries (not the caller's)
		res, err := tx.ExecContext(ctx, `INSERT INTO snapshots (source, profile, started_at, finished_at, status, writes_mark) VALUES (?, ?, ?, ?, 'writing', ?)`,
			w.info.Source, w.info.Profile, fmtTime(w.info.StartedAt), fmtTime(s.clock()), seq)
		if err != nil {
			return err
		}
		w.info.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		w.release()
		return nil, s.fail("save snapshot", ctxFirst(ctx, err))
	}
	return w, nil
}

// write runs fn in a transaction of its own on the writer's connection.
func (w *SnapshotWriter) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// probeAt tells the store's save probe (see WithSaveProbe) of step.
func (s *Store) probeAt(step string) {
	if s.probe != nil {
		s.probe(step)
	}
}

// release gives the connection back with SQLite's default checkpointing
// and without the staged pages.
func (w *SnapshotWriter) release() {
	_, _ = w.conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.staged_users")
	_, _ = w.conn.ExecContext(context.Background(), "PRAGMA wal_autocheckpoint = 1000")
	w.conn.Close()
	// The connection's page cache is full of what the sync wrote and its
	// temporary database of the staged pages' cache: close it.
	w.s.dropIdle()
}

var errWriterDone = errors.New("save snapshot: the snapshot is already committed or abandoned")

// Rollback abandons the snapshot and removes what was written of it; after
// Commit it does nothing. Should the removal fail (the process ends, the
// cache is busy), a later sync's prune removes it.
func (w *SnapshotWriter) Rollback() {
	if w.done {
		return
	}
	w.done = true
	_ = w.write(context.Background(), func(tx *sql.Tx) error { return deleteSnapshot(context.Background(), tx, w.info.ID) })
	w.release()
}

// AddUsers writes users as a sync reads them, in any order and in as many
// calls as it likes. A user that comes twice (a page read again) is
// settled by Commit. Every user given is written, so the caller need not
// keep their fields: it may give Commit each as tenant.StoredRef (its id
// and group references), and a Commit that has to rewrite users reads the
// rest back from the pages written, the last written for an id.
func (w *SnapshotWriter) AddUsers(ctx context.Context, users []tenant.ReadUser) error {
	if w.done {
		return errWriterDone
	}
	for i := range users {
		if _, dup := w.staged[users[i].ID]; dup {
			w.redo = true // Commit rewrites every user
		}
		w.staged[users[i].ID] = 0
	}
	err := w.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET finished_at = ? WHERE id = ?`, fmtTime(w.s.clock()), w.info.ID); err != nil {
			return err
		}
		if err := w.insertUsers(ctx, tx, users, nil, nil); err != nil {
			return err
		}
		w.s.probeAt("page")
		return nil
	})
	if err != nil {
		err = w.s.fail("save snapshot", ctxFirst(ctx, err))
		w.Rollback()
		return err
	}
	return nil
}

// insertUsers stages users for the snapshot, a page of up to pageUsers at
// a time (see pages.go). A user's group ids are its references' plus, when
// extra is set, extra[id]. A Stored user's fields are stored[id].
func (w *SnapshotWriter) insertUsers(ctx context.Context, tx *sql.Tx, users []tenant.ReadUser, extra map[string][]string, stored map[string]string) error {
	insert, err := tx.PrepareContext(ctx, `INSERT INTO temp.staged_users (seq, users) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer insert.Close()
	entries := make([]pageEntry, 0, min(len(users), pageUsers))
	for len(users) > 0 {
		page := users[:min(len(users), pageUsers)]
		users = users[len(page):]
		entries = entries[:0]
		for i := range page {
			u := &page[i]
			gids := u.GroupIDs(extra[u.ID])
			var fields string
			if u.Stored {
				var ok bool
				if fields, ok = stored[u.ID]; !ok {
					return fmt.Errorf("user %s was given as stored, but no page written holds it", u.ID)
				}
			} else {
				fields = packUser(&u.User)
			}
			entries = append(entries, pageEntry{fields, packIDs(gids)})
			w.staged[u.ID] = 0
			w.links += len(gids)
		}
		w.pages++
		if _, err := insert.ExecContext(ctx, w.pages, packPage(entries)); err != nil {
			return err
		}
		if testHookSaveBatch != nil {
			testHookSaveBatch()
		}
	}
	return nil
}

// Commit completes the snapshot from the complete lists the sync read and
// makes it current. The stored snapshot is NewSnapshot(users, groups): a
// user comes once (the first of an id), memberships are the union of the
// users' references and the groups' members, and a group only referenced
// by users is added from the reference.
func (w *SnapshotWriter) Commit(ctx context.Context, users []tenant.ReadUser, groups []tenant.ReadGroup) (tenant.SyncInfo, error) {
	refs := make([]tenant.ReadRef, len(users))
	for i := range users {
		refs[i] = users[i].Ref()
	}
	return w.commitAll(ctx, refs, users, groups)
}

// CommitRefs is Commit for a sync that gave AddUsers every user (each
// page as it came) and kept only their ids and groups: a user that must
// be written again is read back from the pages written, the last written
// for an id.
func (w *SnapshotWriter) CommitRefs(ctx context.Context, users []tenant.ReadRef, groups []tenant.ReadGroup) (tenant.SyncInfo, error) {
	return w.commitAll(ctx, users, nil, groups)
}

// commitAll is Commit of refs, the users' ids and groups; full, when not
// nil, is the users themselves (refs[i] is full[i]'s), else they are
// all stored.
func (w *SnapshotWriter) commitAll(ctx context.Context, refs []tenant.ReadRef, full []tenant.ReadUser, groups []tenant.ReadGroup) (tenant.SyncInfo, error) {
	if w.done {
		return tenant.SyncInfo{}, errWriterDone
	}
	var info tenant.SyncInfo
	err := w.write(ctx, func(tx *sql.Tx) error {
		var err error
		info, err = w.commit(ctx, tx, refs, full, groups)
		if err == nil {
			w.s.probeAt("commit")
		}
		return err
	})
	if err != nil {
		err = w.s.fail("save snapshot", ctxFirst(ctx, err))
		w.Rollback()
		return tenant.SyncInfo{}, err
	}
	w.done = true
	w.release()
	w.s.probeAt("committed")
	// The new snapshot is current and committed: pruning is housekeeping,
	// in a transaction of its own so a big delete does not lengthen the
	// one that makes the sync visible, and in the background (tidy). If it
	// fails or is interrupted, the older snapshot stays one more sync and
	// the sync has still succeeded.
	w.s.tidy(info.ID)
	return info, nil
}

func (w *SnapshotWriter) commit(ctx context.Context, tx *sql.Tx, users []tenant.ReadRef, full []tenant.ReadUser, groups []tenant.ReadGroup) (tenant.SyncInfo, error) {
	// A prune elsewhere removes snapshots left 'writing' for long (see
	// prune): make sure this one is still there to complete.
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM snapshots WHERE id = ?`, w.info.ID).Scan(&status); err != nil || status != "writing" {
		return tenant.SyncInfo{}, fmt.Errorf("the snapshot being written (%d) is gone (%q, %v): another otaccess removed it; sync again", w.info.ID, status, err)
	}
	where, keep := w.settleUsers(users)

	list := tenant.RefGroups(users, groups)
	// Memberships the groups' member lists add to the users' references:
	// none when both sides of the tenant agree, as they should.
	extra := map[string][]string{}
	for i := range list {
		for _, m := range list[i].Members {
			if k, ok := where[m]; ok && !users[k-1].HasGroup(list[i].ID) {
				extra[m] = append(extra[m], list[i].ID)
			}
		}
	}
	if w.redo || len(extra) > 0 {
		// A page read twice, users dropped or changed between walks, or
		// memberships only a group lists: write the users again from the
		// lists, the truth.
		kept := make([]tenant.ReadUser, len(keep))
		anyStored := false
		for k, i := range keep {
			if full != nil {
				kept[k] = full[i]
			} else {
				kept[k] = tenant.StoredRef(users[i].ID, users[i].Groups)
			}
			anyStored = anyStored || kept[k].Stored
		}
		var stored map[string]string
		if anyStored {
			var err error
			if stored, err = w.storedFields(ctx, tx); err != nil {
				return tenant.SyncInfo{}, err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM temp.staged_users`); err != nil {
			return tenant.SyncInfo{}, err
		}
		clear(w.staged)
		w.links = 0
		if err := w.insertUsers(ctx, tx, kept, extra, stored); err != nil {
			return tenant.SyncInfo{}, err
		}
	}

	if err := w.cutStaged(ctx, tx); err != nil {
		return tenant.SyncInfo{}, err
	}

	// The groups' decomposition and order, as NewSnapshot makes them (the
	// users are in their blocks already).
	m := tenant.NewSnapshot(tenant.SyncInfo{}, nil, list)
	if err := writeGroups(ctx, tx, w.info.ID, m); err != nil {
		return tenant.SyncInfo{}, err
	}
	if w.access != nil {
		if err := writeAccess(ctx, tx, w.info.ID, w.access); err != nil {
			return tenant.SyncInfo{}, err
		}
	}
	if w.orgTree != nil {
		if err := writeOrgTree(ctx, tx, w.info.ID, w.orgTree); err != nil {
			return tenant.SyncInfo{}, err
		}
	}
	info := w.info
	info.FinishedAt = time.Now().UTC().Round(0)
	info.Users, info.Groups, info.Memberships = len(keep), len(list), w.links
	if _, err := tx.ExecContext(ctx, `UPDATE snapshots SET finished_at = ?, n_users = ?, n_groups = ?, n_memberships = ?, tenant_id = ?, n_dropped = ?, status = 'complete' WHERE id = ?`,
		fmtTime(info.FinishedAt), info.Users, info.Groups, info.Memberships, info.TenantID, info.Dropped, info.ID); err != nil {
		return tenant.SyncInfo{}, err
	}
	if err := writeSnapshotRecord(ctx, tx, info); err != nil {
		return tenant.SyncInfo{}, err
	}
	prev, err := currentID(ctx, tx)
	if err != nil && !errors.Is(err, ErrNoSnapshot) {
		return tenant.SyncInfo{}, err
	}
	if err == nil && !w.replace {
		if err := sameTenant(ctx, tx, prev, &info, users, list); err != nil {
			return tenant.SyncInfo{}, err
		}
	}
	// What otaccess wrote to the tenant while the sync read it: the pages
	// may predate it (see journal.go).
	if n, err := replay(ctx, tx, &w.s.hints, info.ID, w.mark, ""); err != nil {
		return tenant.SyncInfo{}, err
	} else if n > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT n_users, n_groups, n_memberships FROM snapshots WHERE id = ?`, info.ID).Scan(&info.Users, &info.Groups, &info.Memberships); err != nil {
			return tenant.SyncInfo{}, err
		}
	}
	for _, kv := range [][2]any{{"current", info.ID}, {"previous", prev}} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, kv[0], fmt.Sprint(kv[1])); err != nil {
			return tenant.SyncInfo{}, err
		}
	}
	return info, nil
}

// storedFields reads back the packed fields of every user AddUsers wrote,
// by id: the last written of an id (a page read again is the later read).
func (w *SnapshotWriter) storedFields(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	out := make(map[string]string, len(w.staged))
	ok, err := eachStoredEntry(ctx, tx, func(e pageEntry) {
		if id, ok := packedID(e.fields); ok {
			out[id] = e.fields
		}
	}, `SELECT users FROM temp.staged_users ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("a page of the snapshot being written does not read back")
	}
	return out, nil
}

// settleUsers says which of users the snapshot holds, as NewSnapshot
// keeps them: the first of each id. where maps an id to its index in users
// plus one, keep lists the indexes. When the rows written are exactly
// those users (every page came once, the usual sync), where is the staged
// set itself, marked in one pass; otherwise w.redo is set.
func (w *SnapshotWriter) settleUsers(users []tenant.ReadRef) (where map[string]int32, keep []int32) {
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

// cutStaged stores the staged users as the snapshot's blocks (see
// blocks.go): only the blocks no snapshot holds yet are written.
func (w *SnapshotWriter) cutStaged(ctx context.Context, tx *sql.Tx) error {
	var entries []pageEntry
	ok, err := eachStoredEntry(ctx, tx, func(e pageEntry) { entries = append(entries, e) }, `SELECT users FROM temp.staged_users ORDER BY seq`)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("a staged page of users does not decode")
	}
	return writeBlocks(ctx, tx, w.info.ID, entries)
}
