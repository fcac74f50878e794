package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

var (
	// ErrNoReview: no review of that name in this cache.
	ErrNoReview = errors.New("no such review (`otaccess review list` shows them)")
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

// Verdict is a reviewer's decision on one review item.
type Verdict string

const (
	Undecided Verdict = ""
	Keep      Verdict = "keep"
	Revoke    Verdict = "revoke"
	Skip      Verdict = "skip"
)

// ParseVerdict accepts keep, revoke, skip and "" / undecided (any case).
func ParseVerdict(s string) (Verdict, error) {
	switch v := Verdict(strings.ToLower(strings.TrimSpace(s))); v {
	case Keep, Revoke, Skip, Undecided:
		return v, nil
	case "undecided", "none", "clear":
		return Undecided, nil
	}
	return "", fmt.Errorf("decision %q: want keep, revoke, skip or undecided", s)
}

// String is the verdict, or "undecided".
func (v Verdict) String() string {
	if v == Undecided {
		return "undecided"
	}
	return string(v)
}

// ApplyStatus records what happened when a review's revocations were applied.
type ApplyStatus string

const (
	NotApplied  ApplyStatus = ""
	Applied     ApplyStatus = "applied"
	ApplyFailed ApplyStatus = "failed"
)

// Hints are facts frozen at a review's start that help a reviewer decide.
type Hints uint8

const (
	HintInactive Hints = 1 << iota // the user is inactive yet holds the membership
	HintNoRole                     // the user holds no role at all
	HintAdmin                      // the role's name contains "admin"
	HintNew                        // granted since the previous sync
)

var hintNames = []struct {
	h    Hints
	name string
}{{HintInactive, "inactive"}, {HintNoRole, "no-role"}, {HintAdmin, "admin"}, {HintNew, "new"}}

// Has reports whether every hint in h2 is set.
func (h Hints) Has(h2 Hints) bool { return h&h2 == h2 }

// Names lists the hints, in a fixed order.
func (h Hints) Names() []string {
	var out []string
	for _, n := range hintNames {
		if h.Has(n.h) {
			out = append(out, n.name)
		}
	}
	return out
}

// String is the hints comma-separated ("inactive,admin"), as stored.
func (h Hints) String() string { return strings.Join(h.Names(), ",") }

func parseHints(s string) Hints {
	var h Hints
	for _, part := range strings.Split(s, ",") {
		for _, n := range hintNames {
			if part == n.name {
				h |= n.h
			}
		}
	}
	return h
}

// ItemKey identifies a review item: a membership, or a user alone (GroupID
// "") for an in-scope user who holds no role.
type ItemKey struct{ UserID, GroupID string }

// ReviewItem is one membership under review: a frozen copy of what the
// snapshot said at the start, plus the decision and the apply result.
type ReviewItem struct {
	Seq        int
	UserID     string
	GroupID    string // "" when the user holds no role
	UserName   string
	UserEmail  string
	UserLabel  string // email, else userName, else id
	UserActive bool
	Role, Org  string // "" for a group that is not role x org
	Group      string // the group's display name
	Hints      Hints

	Decision  Verdict
	Note      string
	Reviewer  string
	DecidedAt time.Time

	ApplyStatus ApplyStatus
	ApplyError  string
	AppliedAt   time.Time
}

// Key identifies the item within its review.
func (it *ReviewItem) Key() ItemKey { return ItemKey{it.UserID, it.GroupID} }

// NoRole reports an item that is a user without any membership.
func (it *ReviewItem) NoRole() bool { return it.GroupID == "" }

// Membership names what the user holds: "Role — Org", the group name, or
// "(no role)".
func (it *ReviewItem) Membership() string {
	switch {
	case it.NoRole():
		return "(no role)"
	case it.Role != "" || it.Org != "":
		return it.Role + " — " + it.Org
	}
	return it.Group
}

// Pending reports a revoke decision that has not reached the tenant yet
// (never applied, or the last attempt failed).
func (it *ReviewItem) Pending() bool {
	return it.Decision == Revoke && it.ApplyStatus != Applied && !it.NoRole()
}

// ReviewCounts summarises a review's items.
type ReviewCounts struct {
	Items, Undecided, Keep, Revoke, Skip int
	Applied, Failed                      int
}

// Decided is how many items have a decision.
func (c ReviewCounts) Decided() int { return c.Items - c.Undecided }

// Count tallies items.
func Count(items []ReviewItem) ReviewCounts {
	c := ReviewCounts{Items: len(items)}
	for i := range items {
		c.add(&items[i], 1)
	}
	return c
}

func (c *ReviewCounts) add(it *ReviewItem, n int) {
	switch it.Decision {
	case Keep:
		c.Keep += n
	case Revoke:
		c.Revoke += n
	case Skip:
		c.Skip += n
	default:
		c.Undecided += n
	}
	switch it.ApplyStatus {
	case Applied:
		c.Applied += n
	case ApplyFailed:
		c.Failed += n
	}
}

// Review is one access review: its frozen scope and, from Store.Review, its
// items in their fixed order.
type Review struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	CreatedBy  string // OS user who started it
	Profile    string
	Tenant     string // tenant URL of the snapshot
	SnapshotID int64
	SnapshotAt time.Time // when the snapshot the scope was frozen from finished
	Scope      string    // what was selected, in words
	Counts     ReviewCounts
	Items      []ReviewItem
}

// Find returns the index of the item with key k, or -1.
func (r *Review) Find(k ItemKey) int {
	for i := range r.Items {
		if r.Items[i].UserID == k.UserID && r.Items[i].GroupID == k.GroupID {
			return i
		}
	}
	return -1
}

// reviewNameOK keeps names usable as CLI arguments and on one line.
func reviewNameOK(name string) error {
	switch {
	case strings.TrimSpace(name) != name || name == "":
		return errors.New("a review needs a name without leading or trailing spaces, e.g. Q4-2026")
	case len(name) > 100:
		return errors.New("a review name is at most 100 characters")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return errors.New("a review name cannot contain control characters")
		}
	}
	return nil
}

// StartReview stores a new review with its items, in one transaction. The
// items' order is kept (Seq is set from it); decisions start empty unless
// the items carry some. r.Name must be unique (ErrReviewExists).
func (s *Store) StartReview(ctx context.Context, r Review, items []ReviewItem) (*Review, error) {
	if err := reviewNameOK(r.Name); err != nil {
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
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM reviews WHERE name = ?`, r.Name).Scan(&one); {
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
	r.Items = make([]ReviewItem, len(items))
	seen := make(map[ItemKey]bool, len(items))
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
	r.Counts = Count(r.Items)
	return &r, nil
}

const itemCols = "review_id, seq, user_id, group_id, user_name, user_email, user_label, user_active, role, org, group_name, hints, " +
	"decision, note, reviewer, decided_at, apply_status, apply_error, applied_at"

func itemRow(review int64, it *ReviewItem) []any {
	return []any{review, it.Seq, it.UserID, it.GroupID, it.UserName, it.UserEmail, it.UserLabel, it.UserActive, it.Role, it.Org, it.Group,
		it.Hints.String(), string(it.Decision), it.Note, it.Reviewer, optTime(it.DecidedAt), string(it.ApplyStatus), it.ApplyError, optTime(it.AppliedAt)}
}

// optTime is "" for the zero time, so unset times read as unset.
func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmtTime(t)
}

const reviewCols = "r.id, r.name, r.created_at, r.created_by, r.profile, r.tenant, r.snapshot_id, r.snapshot_at, r.scope"

func scanReview(sc interface{ Scan(...any) error }, extra ...any) (Review, error) {
	var r Review
	var created, snapAt string
	err := sc.Scan(append([]any{&r.ID, &r.Name, &created, &r.CreatedBy, &r.Profile, &r.Tenant, &r.SnapshotID, &snapAt, &r.Scope}, extra...)...)
	r.CreatedAt, r.SnapshotAt = parseTime(created), parseTime(snapAt)
	return r, err
}

// Reviews lists every review with its counts (no items), newest first.
func (s *Store) Reviews(ctx context.Context) ([]Review, error) {
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
	var out []Review
	for rows.Next() {
		var c ReviewCounts
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
// read transaction.
func (s *Store) Review(ctx context.Context, name string) (*Review, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.fail("load review", err)
	}
	defer tx.Rollback()
	r, err := scanReview(tx.QueryRowContext(ctx, `SELECT `+reviewCols+` FROM reviews r WHERE r.name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("review %q: %w", name, ErrNoReview)
	}
	if err != nil {
		return nil, s.fail("load review", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, user_id, group_id, user_name, user_email, user_label, user_active, role, org, group_name, hints,
		decision, note, reviewer, decided_at, apply_status, apply_error, applied_at
		FROM review_items WHERE review_id = ? ORDER BY seq`, r.ID)
	if err != nil {
		return nil, s.fail("load review", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it ReviewItem
		var hints, decision, decided, status, applied string
		if err := rows.Scan(&it.Seq, &it.UserID, &it.GroupID, &it.UserName, &it.UserEmail, &it.UserLabel, &it.UserActive, &it.Role, &it.Org, &it.Group,
			&hints, &decision, &it.Note, &it.Reviewer, &decided, &status, &it.ApplyError, &applied); err != nil {
			return nil, s.fail("load review", err)
		}
		it.Hints, it.Decision, it.ApplyStatus = parseHints(hints), Verdict(decision), ApplyStatus(status)
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
	r.Counts = Count(r.Items)
	return &r, nil
}

// Decision is what a reviewer decided about one item.
type Decision struct {
	Key     ItemKey
	Verdict Verdict
	// Note replaces the item's note when non-nil ("" clears it).
	Note     *string
	Reviewer string    // OS user; filled in when empty
	At       time.Time // now when zero
}

// Decide records one decision in its own small transaction, so a crash
// loses at most the decision being made. Undecided clears the decision.
func (s *Store) Decide(ctx context.Context, reviewID int64, d Decision) error {
	if _, err := ParseVerdict(string(d.Verdict)); err != nil {
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
		if status == string(Applied) && decision != string(d.Verdict) {
			return ErrItemApplied
		}
		if d.Key.GroupID == "" && d.Verdict == Revoke {
			return ErrNothingToRevoke
		}
		reviewer, at := d.Reviewer, fmtTime(d.At)
		if d.Verdict == Undecided {
			reviewer, at = "", ""
		}
		q := `UPDATE review_items SET decision = ?, reviewer = ?, decided_at = ? WHERE review_id = ? AND user_id = ? AND group_id = ?`
		args := []any{string(d.Verdict), reviewer, at, reviewID, d.Key.UserID, d.Key.GroupID}
		if d.Note != nil {
			q = `UPDATE review_items SET decision = ?, reviewer = ?, decided_at = ?, note = ? WHERE review_id = ? AND user_id = ? AND group_id = ?`
			args = []any{string(d.Verdict), reviewer, at, *d.Note, reviewID, d.Key.UserID, d.Key.GroupID}
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

// SetNote replaces one item's note, leaving its decision alone.
func (s *Store) SetNote(ctx context.Context, reviewID int64, k ItemKey, note string) error {
	return s.reviewItemTx(ctx, reviewID, k, "record note", func(tx *sql.Tx, _, _ string) error {
		_, err := tx.ExecContext(ctx, `UPDATE review_items SET note = ? WHERE review_id = ? AND user_id = ? AND group_id = ?`,
			note, reviewID, k.UserID, k.GroupID)
		return err
	})
}

// RecordApply stores the result of applying one item's revocation: Applied,
// or ApplyFailed with the error.
func (s *Store) RecordApply(ctx context.Context, reviewID int64, k ItemKey, status ApplyStatus, errText string, at time.Time) error {
	if status != Applied && status != ApplyFailed && status != NotApplied {
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
func (s *Store) reviewItemTx(ctx context.Context, reviewID int64, k ItemKey, what string, fn func(tx *sql.Tx, decision, status string) error) error {
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
