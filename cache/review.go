package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

var (
	// ErrNoReview: no review of that name in this cache.
	ErrNoReview = errors.New("no such review")
	// ErrReviewExists: review names are unique per cache.
	ErrReviewExists = errors.New("a review of that name exists already: resume it, or choose another name")
	// ErrNoItem: the membership is not in the review's scope.
	ErrNoItem = errors.New("not in the review's scope")
	// ErrItemApplied: the revocation already happened on the tenant, so the
	// decision can no longer change.
	ErrItemApplied = errors.New("already revoked on the tenant; the decision can no longer change")
	// ErrNothingToRevoke: the item is a user who holds no role.
	ErrNothingToRevoke = errors.New("the user holds no role: there is nothing to revoke (deprovision the user instead)")
)

// StartReview stores a new review with its items, in one transaction. The
// items' order is kept (Seq is set from it); decisions start empty unless
// the items carry some. r.Name must be unique in any case (ErrReviewExists).
func (s *Store) StartReview(ctx context.Context, r tenant.Review, items []tenant.ReviewItem) (*tenant.Review, error) {
	if err := tenant.CheckReviewName(r.Name); err != nil {
		return nil, err
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	if r.CreatedBy == "" {
		r.CreatedBy = OSUser()
	}
	r.CreatedAt = r.CreatedAt.UTC().Round(0)
	r.Tenant = redactURL(r.Tenant)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.fail("start review", err)
	}
	defer tx.Rollback()
	var one int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM reviews WHERE name = ? COLLATE NOCASE`, r.Name).Scan(&one); {
	case err == nil:
		return nil, fmt.Errorf("start review %q: %w", r.Name, ErrReviewExists)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, s.fail("start review", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO reviews (name, created_at, created_by, profile, tenant, snapshot_id, snapshot_at, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Name, fmtTime(r.CreatedAt), r.CreatedBy, r.Profile, r.Tenant, r.SnapshotID, fmtTime(r.SnapshotAt), r.Scope)
	if err != nil {
		return nil, s.fail("start review", err)
	}
	if r.ID, err = res.LastInsertId(); err != nil {
		return nil, s.fail("start review", err)
	}
	ins, err := newInserter(ctx, tx, "review_items", itemCols)
	if err != nil {
		return nil, s.fail("start review", err)
	}
	defer ins.close()
	r.Items = make([]tenant.ReviewItem, len(items))
	seen := make(map[tenant.ItemKey]bool, len(items))
	for i, it := range items {
		if seen[it.Key()] {
			return nil, fmt.Errorf("start review %q: %s / %s is listed twice", r.Name, it.UserID, it.GroupID)
		}
		seen[it.Key()] = true
		it.Seq = i
		r.Items[i] = it
		if err := ins.add(ctx, itemRow(r.ID, &it)...); err != nil {
			return nil, s.fail("start review", err)
		}
	}
	if err := ins.flush(ctx); err != nil {
		return nil, s.fail("start review", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, s.fail("start review", ctxFirst(ctx, err))
	}
	r.Counts = tenant.Count(r.Items)
	return &r, nil
}

const itemCols = "review_id, seq, user_id, group_id, user_name, user_email, user_label, user_active, role, org, group_name, hints, " +
	"decision, note, reviewer, decided_at, apply_status, apply_error, applied_at, held, user_groups, last_login"

func itemRow(review int64, it *tenant.ReviewItem) []any {
	return []any{review, it.Seq, it.UserID, it.GroupID, it.UserName, it.UserEmail, it.UserLabel, it.UserActive, it.Role, it.Org, it.Group,
		it.Hints.String(), string(it.Decision), it.Note, it.Reviewer, optTime(it.DecidedAt), string(it.ApplyStatus), it.ApplyError, optTime(it.AppliedAt),
		heldColumn(it), packUserGroupRefs(it.UserGroups), loginColumn(it)}
}

// heldColumn is how the item is held, as stored: a role-less item is
// stored as direct (it holds nothing either way).
func heldColumn(it *tenant.ReviewItem) string {
	if h := it.Held(); h != "" {
		return h
	}
	return "direct"
}

func loginColumn(it *tenant.ReviewItem) string {
	switch {
	case !it.LoginKnown:
		return ""
	case it.LastLogin.IsZero():
		return "never"
	}
	return fmtTime(it.LastLogin)
}

func packUserGroupRefs(refs []tenant.UserGroupRef) string {
	flat := make([]string, 0, 2*len(refs))
	for _, g := range refs {
		flat = append(flat, g.ID, g.Name)
	}
	return packIDs(flat)
}

func unpackUserGroupRefs(s string) []tenant.UserGroupRef {
	var flat []string
	if !unpackIDs(s, func(x string) { flat = append(flat, x) }) {
		return nil
	}
	var out []tenant.UserGroupRef
	for i := 0; i+1 < len(flat); i += 2 {
		out = append(out, tenant.UserGroupRef{ID: flat[i], Name: flat[i+1]})
	}
	return out
}

// readHeld fills in how an item was held and its last login, from the v10
// columns; days count to the review's snapshot time.
func readHeld(it *tenant.ReviewItem, held, groups, login string, snapAt time.Time) {
	it.ViaOnly = held == "via"
	it.UserGroups = unpackUserGroupRefs(groups)
	switch login {
	case "":
	case "never":
		it.SetLogin(&tenant.User{InUsersV2: true}, snapAt)
	default:
		it.SetLogin(&tenant.User{InUsersV2: true, LastLogin: parseTime(login)}, snapAt)
	}
}

// optTime is "" for the zero time, so unset times read as unset.
func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmtTime(t)
}

const reviewCols = "r.id, r.name, r.created_at, r.created_by, r.profile, r.tenant, r.snapshot_id, r.snapshot_at, r.scope"

func scanReview(sc interface{ Scan(...any) error }, extra ...any) (tenant.Review, error) {
	var r tenant.Review
	var created, snapAt string
	err := sc.Scan(append([]any{&r.ID, &r.Name, &created, &r.CreatedBy, &r.Profile, &r.Tenant, &r.SnapshotID, &snapAt, &r.Scope}, extra...)...)
	r.CreatedAt, r.SnapshotAt = parseTime(created), parseTime(snapAt)
	return r, err
}

// Reviews lists every review with its counts (no items), newest first.
func (s *Store) Reviews(ctx context.Context) ([]tenant.Review, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+reviewCols+`,
		count(i.seq),
		coalesce(sum(i.decision = ''), 0), coalesce(sum(i.decision = 'keep'), 0),
		coalesce(sum(i.decision = 'revoke'), 0), coalesce(sum(i.decision = 'skip'), 0),
		coalesce(sum(i.apply_status = 'applied'), 0), coalesce(sum(i.apply_status = 'failed'), 0)
		FROM reviews r LEFT JOIN review_items i ON i.review_id = r.id
		GROUP BY r.id ORDER BY r.id DESC`)
	if err != nil {
		return nil, s.fail("list reviews", err)
	}
	defer rows.Close()
	var out []tenant.Review
	for rows.Next() {
		var c tenant.ReviewCounts
		r, err := scanReview(rows, &c.Items, &c.Undecided, &c.Keep, &c.Revoke, &c.Skip, &c.Applied, &c.Failed)
		if err != nil {
			return nil, s.fail("list reviews", err)
		}
		r.Counts = c
		out = append(out, r)
	}
	return out, s.failIf("list reviews", rows.Err())
}

// Review loads one review and all its items, in their fixed order, in one
// read transaction. Names match in any (ASCII) case, like roles and orgs:
// "q4-2026" finds Q4-2026. Names are unique in any case (StartReview);
// should an older cache hold two that differ only in case, the exact one
// wins.
func (s *Store) Review(ctx context.Context, name string) (*tenant.Review, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.fail("load review", err)
	}
	defer tx.Rollback()
	r, err := scanReview(tx.QueryRowContext(ctx, `SELECT `+reviewCols+` FROM reviews r WHERE r.name = ? COLLATE NOCASE ORDER BY r.name = ? DESC, r.id LIMIT 1`, name, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("review %q: %w", name, ErrNoReview)
	}
	if err != nil {
		return nil, s.fail("load review", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, user_id, group_id, user_name, user_email, user_label, user_active, role, org, group_name, hints,
		decision, note, reviewer, decided_at, apply_status, apply_error, applied_at, held, user_groups, last_login, reviewer_reason
		FROM review_items WHERE review_id = ? ORDER BY seq`, r.ID)
	if err != nil {
		return nil, s.fail("load review", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it tenant.ReviewItem
		var hints, decision, decided, status, applied, held, groups, login string
		if err := rows.Scan(&it.Seq, &it.UserID, &it.GroupID, &it.UserName, &it.UserEmail, &it.UserLabel, &it.UserActive, &it.Role, &it.Org, &it.Group,
			&hints, &decision, &it.Note, &it.Reviewer, &decided, &status, &it.ApplyError, &applied, &held, &groups, &login, &it.ReviewerReason); err != nil {
			return nil, s.fail("load review", err)
		}
		it.Hints, it.Decision, it.ApplyStatus = tenant.ParseHints(hints), tenant.Verdict(decision), tenant.ApplyStatus(status)
		readHeld(&it, held, groups, login, r.SnapshotAt)
		if decided != "" {
			it.DecidedAt = parseTime(decided)
		}
		if applied != "" {
			it.AppliedAt = parseTime(applied)
		}
		r.Items = append(r.Items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("load review", err)
	}
	r.Counts = tenant.Count(r.Items)
	return &r, nil
}

// Decide records one decision in its own small transaction, so a crash
// loses at most the decision being made. Undecided clears the decision.
func (s *Store) Decide(ctx context.Context, reviewID int64, d tenant.Decision) error {
	if _, err := tenant.ParseVerdict(string(d.Verdict)); err != nil {
		return err
	}
	if d.At.IsZero() {
		d.At = time.Now()
	}
	if d.Reviewer == "" {
		d.Reviewer = OSUser()
	}
	what := "record decision"
	return s.reviewItemTx(ctx, reviewID, d.Key, what, func(tx *sql.Tx, decision, status string) error {
		if status == string(tenant.Applied) && decision != string(d.Verdict) {
			return ErrItemApplied
		}
		if d.Key.GroupID == "" && d.Verdict == tenant.Revoke {
			return ErrNothingToRevoke
		}
		reviewer, at, why := d.Reviewer, fmtTime(d.At), d.ReviewerReason
		if d.Verdict == tenant.Undecided {
			reviewer, at, why = "", "", ""
		}
		q := `UPDATE review_items SET decision = ?, reviewer = ?, decided_at = ?, reviewer_reason = ? WHERE review_id = ? AND user_id = ? AND group_id = ?`
		args := []any{string(d.Verdict), reviewer, at, why, reviewID, d.Key.UserID, d.Key.GroupID}
		if d.Note != nil {
			q = `UPDATE review_items SET decision = ?, reviewer = ?, decided_at = ?, reviewer_reason = ?, note = ? WHERE review_id = ? AND user_id = ? AND group_id = ?`
			args = []any{string(d.Verdict), reviewer, at, why, *d.Note, reviewID, d.Key.UserID, d.Key.GroupID}
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

// SetNote replaces one item's note, leaving its decision alone.
func (s *Store) SetNote(ctx context.Context, reviewID int64, k tenant.ItemKey, note string) error {
	return s.reviewItemTx(ctx, reviewID, k, "record note", func(tx *sql.Tx, _, _ string) error {
		_, err := tx.ExecContext(ctx, `UPDATE review_items SET note = ? WHERE review_id = ? AND user_id = ? AND group_id = ?`,
			note, reviewID, k.UserID, k.GroupID)
		return err
	})
}

// RecordApply stores the result of applying one item's revocation: Applied,
// or ApplyFailed with the error.
func (s *Store) RecordApply(ctx context.Context, reviewID int64, k tenant.ItemKey, status tenant.ApplyStatus, errText string, at time.Time) error {
	if status != tenant.Applied && status != tenant.ApplyFailed && status != tenant.NotApplied {
		return fmt.Errorf("record apply: unknown status %q", status)
	}
	if at.IsZero() {
		at = time.Now()
	}
	return s.reviewItemTx(ctx, reviewID, k, "record apply result", func(tx *sql.Tx, _, _ string) error {
		_, err := tx.ExecContext(ctx, `UPDATE review_items SET apply_status = ?, apply_error = ?, applied_at = ? WHERE review_id = ? AND user_id = ? AND group_id = ?`,
			string(status), errText, optTime(at), reviewID, k.UserID, k.GroupID)
		return err
	})
}

// reviewItemTx runs fn in a write transaction after checking that the item
// exists; fn gets its current decision and apply status.
func (s *Store) reviewItemTx(ctx context.Context, reviewID int64, k tenant.ItemKey, what string, fn func(tx *sql.Tx, decision, status string) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(what, err)
	}
	defer tx.Rollback()
	var decision, status string
	err = tx.QueryRowContext(ctx, `SELECT decision, apply_status FROM review_items WHERE review_id = ? AND user_id = ? AND group_id = ?`,
		reviewID, k.UserID, k.GroupID).Scan(&decision, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s for %s / %s: %w", what, k.UserID, k.GroupID, ErrNoItem)
	}
	if err != nil {
		return s.fail(what, err)
	}
	if err := fn(tx, decision, status); err != nil {
		if errors.Is(err, ErrItemApplied) || errors.Is(err, ErrNothingToRevoke) {
			return fmt.Errorf("%s: %w", what, err)
		}
		return s.fail(what, err)
	}
	return s.failIf(what, tx.Commit())
}
