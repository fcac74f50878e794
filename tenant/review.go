package tenant

import (
	"errors"
	"fmt"
	"strings"
	"time"
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
type Hints uint16

const (
	HintInactive Hints = 1 << iota // the user is inactive yet holds the membership
	HintNoRole                     // the user holds no role at all
	HintAdmin                      // the role's name contains "admin"
	HintNew                        // granted since the previous sync
	// HintOutlier: few of the user's peers (same department, title or
	// manager) hold this role in this org (see Peers.Outlier).
	HintOutlier
	HintSoleAdmin      // revoking leaves the org with no active Site Admin
	HintNewSinceReview // not in the last review of the same scope
	HintStale          // no successful login for StaleDays or more
	HintNeverLoggedIn  // Users V2 says the user never logged in
)

var hintNames = []struct {
	h    Hints
	name string
}{{HintInactive, "inactive"}, {HintNoRole, "no-role"}, {HintAdmin, "admin"}, {HintNew, "new"},
	{HintOutlier, "outlier"}, {HintSoleAdmin, "sole-admin"}, {HintNewSinceReview, "new-since-review"},
	{HintStale, "stale"}, {HintNeverLoggedIn, "never-logged-in"}}

// HintNamed is the hint of a stored name ("stale", "sole-admin"), and
// whether there is one.
func HintNamed(name string) (Hints, bool) {
	for _, n := range hintNames {
		if n.name == name {
			return n.h, true
		}
	}
	return 0, false
}

// HintNameList is every hint's stored name, for messages.
func HintNameList() []string {
	out := make([]string, len(hintNames))
	for i, n := range hintNames {
		out[i] = n.name
	}
	return out
}

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

// ParseHints reads hints as String writes them; unknown names are ignored.
func ParseHints(s string) Hints {
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

	// How the access was held at the start: through UserGroups, and
	// unless ViaOnly directly too (SCIM group or access level). The zero
	// value is held directly; a role-less item holds nothing.
	UserGroups []UserGroupRef
	ViaOnly    bool
	// The user's last successful login at the start: LoginKnown says the
	// snapshot had Users V2 data for the user; a zero LastLogin then means
	// never. DaysSinceLogin counts whole days from it to the snapshot.
	LastLogin      time.Time
	LoginKnown     bool
	DaysSinceLogin int

	Decision  Verdict
	Note      string
	Reviewer  string
	DecidedAt time.Time
	// ReviewerReason says why Reviewer decided it rather than the reviewer
	// its slice names: "the own access of Legal's defaultApprover, given to
	// the defaultApprover of Acme" (review merge of a split by org).
	ReviewerReason string

	ApplyStatus ApplyStatus
	ApplyError  string
	AppliedAt   time.Time
}

// UserGroupRef names a user group an item is held through.
type UserGroupRef struct{ ID, Name string }

// Held is how the item is held: "direct", "via" (only through user
// groups), "both", or "" for a user without a role.
func (it *ReviewItem) Held() string {
	switch {
	case it.NoRole():
		return ""
	case len(it.UserGroups) == 0:
		return "direct"
	case it.ViaOnly:
		return "via"
	}
	return "both"
}

// HeldDirectly reports an item held directly (perhaps through user groups
// too).
func (it *ReviewItem) HeldDirectly() bool {
	return !it.NoRole() && (!it.ViaOnly || len(it.UserGroups) == 0)
}

// UserGroupNames lists the user groups the item is held through.
func (it *ReviewItem) UserGroupNames() []string {
	out := make([]string, len(it.UserGroups))
	for i, g := range it.UserGroups {
		out[i] = g.Name
	}
	return out
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

// CheckReviewName keeps names usable as CLI arguments and on one line.
func CheckReviewName(name string) error {
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

// Decision is what a reviewer decided about one item.
type Decision struct {
	Key     ItemKey
	Verdict Verdict
	// Note replaces the item's note when non-nil ("" clears it).
	Note     *string
	Reviewer string    // OS user; filled in when empty
	At       time.Time // now when zero
	// ReviewerReason is recorded as the item's ReviewerReason ("" none).
	ReviewerReason string
	// Expect, when non-nil, records the decision only if the item still has
	// this decision and note (a decision file read back after an edit: an
	// item someone decided meanwhile is not overwritten).
	Expect *ItemState
}

// ItemState is an item's decision and note.
type ItemState struct {
	Verdict Verdict
	Note    string
}

// State is the item's decision and note.
func (it *ReviewItem) State() ItemState { return ItemState{it.Decision, it.Note} }
