package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// ErrChangedMeanwhile: the item's decision or note is no longer what the
// caller saw (someone decided it since), so the new one was not recorded.
var ErrChangedMeanwhile = errors.New("decided by someone else meanwhile")

// decideBatch is how many decisions share one write transaction: a bulk
// import of 300k decisions holds the write lock a short while at a time
// (like a sync's pages), not for the whole import.
const decideBatch = 2000

// DecideMany records many decisions (from a decision file), in write
// transactions of decideBatch each. A decision whose Expect no longer
// matches the item (ErrChangedMeanwhile), whose item was applied
// (ErrItemApplied), which revokes nothing (ErrNothingToRevoke) or names no
// item (ErrNoItem) is not recorded: its error is at its index in failed
// (nil for those recorded). err is a failure of the cache itself; batches
// before it are recorded.
func (s *Store) DecideMany(ctx context.Context, reviewID int64, ds []tenant.Decision) (failed []error, err error) {
	failed = make([]error, len(ds))
	now := time.Now()
	for start := 0; start < len(ds); start += decideBatch {
		end := min(start+decideBatch, len(ds))
		if err := s.decideBatch(ctx, reviewID, ds[start:end], failed[start:end], now); err != nil {
			return failed, err
		}
	}
	return failed, nil
}

func (s *Store) decideBatch(ctx context.Context, reviewID int64, ds []tenant.Decision, failed []error, now time.Time) error {
	const what = "record decisions"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(what, err)
	}
	defer tx.Rollback()
	sel, err := tx.PrepareContext(ctx, `SELECT decision, note, apply_status FROM review_items WHERE review_id = ? AND user_id = ? AND group_id = ?`)
	if err != nil {
		return s.fail(what, err)
	}
	defer sel.Close()
	upd, err := tx.PrepareContext(ctx, `UPDATE review_items SET decision = ?, reviewer = ?, decided_at = ?, note = ?, reviewer_reason = ? WHERE review_id = ? AND user_id = ? AND group_id = ?`)
	if err != nil {
		return s.fail(what, err)
	}
	defer upd.Close()
	for i, d := range ds {
		if _, err := tenant.ParseVerdict(string(d.Verdict)); err != nil {
			failed[i] = err
			continue
		}
		var decision, note, status string
		err := sel.QueryRowContext(ctx, reviewID, d.Key.UserID, d.Key.GroupID).Scan(&decision, &note, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			failed[i] = ErrNoItem
			continue
		case err != nil:
			return s.fail(what, err)
		}
		if e := d.Expect; e != nil && (string(e.Verdict) != decision || e.Note != note) {
			failed[i] = fmt.Errorf("%w (now %s)", ErrChangedMeanwhile, tenant.Verdict(decision))
			continue
		}
		if status == string(tenant.Applied) && decision != string(d.Verdict) {
			failed[i] = ErrItemApplied
			continue
		}
		if d.Key.GroupID == "" && d.Verdict == tenant.Revoke {
			failed[i] = ErrNothingToRevoke
			continue
		}
		if d.Note != nil {
			note = *d.Note
		}
		at := d.At
		if at.IsZero() {
			at = now
		}
		reviewer, when, why := d.Reviewer, fmtTime(at), d.ReviewerReason
		if reviewer == "" {
			reviewer = OSUser()
		}
		if d.Verdict == tenant.Undecided {
			reviewer, when, why = "", "", ""
		}
		if _, err := upd.ExecContext(ctx, string(d.Verdict), reviewer, when, note, why, reviewID, d.Key.UserID, d.Key.GroupID); err != nil {
			return s.fail(what, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.fail(what, ctxFirst(ctx, err))
	}
	return nil
}
