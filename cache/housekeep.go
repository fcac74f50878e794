package cache

import (
	"context"
	"database/sql"
	"time"
)

// Retention says which snapshots the cache keeps: every one synced in the
// last Days days, and at least the Min newest (see prune).
type Retention struct {
	Days int
	Min  int
}

// DefaultRetention keeps a month of history, and ten syncs at least.
var DefaultRetention = Retention{Days: 30, Min: 10}

// WithRetention sets which snapshots the store keeps (zero fields: the
// default's). Min is at least 2: the current snapshot and the one a diff
// compares it with.
func WithRetention(r Retention) OpenOption {
	return func(o *openOptions) {
		if r.Days <= 0 {
			r.Days = DefaultRetention.Days
		}
		if r.Min <= 0 {
			r.Min = DefaultRetention.Min
		}
		o.retention = Retention{Days: r.Days, Min: max(r.Min, 2)}
	}
}

// withClock sets the clock the retention's days are judged by (tests).
func withClock(now func() time.Time) OpenOption {
	return func(o *openOptions) { o.clock = now }
}

// abandonedAfter is how long a snapshot may stay 'writing' without a page
// written before prune takes it for a sync that died: until then another
// process may be writing it.
const abandonedAfter = time.Hour

// tidy runs a sync's housekeeping in the background (see housekeep),
// storing the new snapshot's sort order too (see order.go). Nothing of it
// changes what readers see, and the new snapshot is already current and
// committed, so the sync need not wait for it: Close stops it, and what it
// left is done by the next process that opens the cache (resume). Storing
// the order re-reads every user (most of its time); the next Load that
// finds none stores the order it sorted by (see fillOrder).
func (s *Store) tidy(snap int64) {
	s.chores.Add(1)
	go func() {
		defer s.chores.Done()
		s.housekeep(s.deferrable)
		_ = s.saveUserOrder(s.deferrable, snap)
		// SnapshotWriter turns the automatic checkpoint off, and closing
		// never folds (see fold.go): copy the new snapshot into the file.
		_ = s.foldLog(s.deferrable)
		s.dropIdle() // their caches hold what the housekeeping read
	}()
}

// resume starts, in the background, the housekeeping an earlier process
// left undone (it closed first): snapshots past retention, blocks no
// snapshot holds, free pages, the log not yet folded into the file.
func (s *Store) resume() {
	fold := s.logPending()
	if !fold && !s.untidy(s.deferrable) {
		return
	}
	s.chores.Add(1)
	go func() {
		defer s.chores.Done()
		// Moving pages about in a damaged file would spread the damage
		// (and hide it): only a file that checks out is tidied.
		if s.intactForHousekeeping(s.deferrable) {
			s.housekeep(s.deferrable)
		}
		// The log an earlier process left (closing does not fold it, see
		// fold.go), and what the housekeeping wrote.
		_ = s.foldLog(s.deferrable)
		s.dropIdle()
	}()
}

// intactForHousekeeping runs checkIntact in a read transaction.
func (s *Store) intactForHousekeeping(ctx context.Context) bool {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return false
	}
	defer tx.Rollback()
	return s.checkIntact(ctx, tx) == nil
}

// housekeep prunes, then gives the freed pages back to the file system.
// Each step is a transaction of its own or a series of them: stopped (ctx
// ends, the process exits) it leaves the cache whole, and the rest for the
// next process.
func (s *Store) housekeep(ctx context.Context) {
	if testHookHousekeep != nil {
		testHookHousekeep(ctx)
	}
	_ = s.prune(ctx)
	_ = s.pruneJournal(ctx)
	_ = vacuumFree(ctx, s.db)
	if testHookHousekept != nil && ctx.Err() == nil {
		testHookHousekept()
	}
}

// testHookHousekeep runs as housekeep begins, testHookHousekept once it
// has done all it had to.
var testHookHousekeep func(ctx context.Context)
var testHookHousekept func()

// untidy reports whether housekeeping has something to do.
func (s *Store) untidy(ctx context.Context) bool {
	var free, old, garbage int
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT freelist_count FROM pragma_freelist_count),
		(SELECT count(*) FROM user_blocks WHERE id NOT IN (SELECT block FROM snapshot_blocks))`).Scan(&free, &garbage)
	if err != nil {
		return false
	}
	if ids, err := s.prunable(ctx, s.db); err == nil {
		old = len(ids)
	}
	return free > 0 || garbage > 0 || old > 0
}

// prunable lists the snapshots prune removes: complete ones outside the
// retention (neither current, nor among the Min newest, nor synced within
// Days), and those left 'writing' for over abandonedAfter (a sync that
// crashed; one that failed removes its own).
func (s *Store) prunable(ctx context.Context, q queryer) ([]int64, error) {
	now := s.clock()
	rows, err := q.QueryContext(ctx, `SELECT id FROM snapshots WHERE id NOT IN (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'current')
		AND ((status = 'complete' AND finished_at < ?1
			AND id NOT IN (SELECT id FROM snapshots WHERE status = 'complete' ORDER BY id DESC LIMIT ?2))
		OR (status = 'writing' AND finished_at < ?3))`,
		fmtTime(now.AddDate(0, 0, -s.retention.Days)), s.retention.Min, fmtTime(now.Add(-abandonedAfter)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// prune removes the snapshots outside the retention (see prunable) and
// the blocks only they held, in one transaction.
func (s *Store) prune(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail("prune old snapshots", err)
	}
	defer tx.Rollback()
	old, err := s.prunable(ctx, tx)
	if err != nil {
		return s.fail("prune old snapshots", err)
	}
	for _, id := range old {
		if err := deleteSnapshot(ctx, tx, id); err != nil {
			return s.fail("prune old snapshots", err)
		}
	}
	swept, err := sweepBlocks(ctx, tx)
	if err != nil {
		return s.fail("prune old snapshots", err)
	}
	if len(old) == 0 && swept == 0 {
		return nil
	}
	return s.failIf("prune old snapshots", tx.Commit())
}
