package access

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/otaccess/otaccess/tenant"
)

// A revoke decision takes the access away the way it is held: a direct
// membership by a PATCH (access also held through a user group stays, and
// the plan says so), access held only through user groups by leaving each
// of them (which takes away everything else the group grants the user:
// the plan names it).

// ItemRevoke is how one revoke decision is applied, planned on the
// current snapshot.
type ItemRevoke struct {
	Item tenant.ReviewItem
	// Direct: the user holds it directly; one PATCH removes that.
	Direct bool
	// KeptVia names the user groups the access is still held through after
	// the direct revoke.
	KeptVia []string
	// Leaves are the user groups to leave when it is held only through
	// them.
	Leaves []Leave
}

// PlanItemRevoke plans the revocation of one item on snap. An item whose
// user or group the snapshot no longer has, or that it shows held neither
// way, is revoked as it was held when the review started (the server is
// the truth; what is gone already costs a request that changes nothing).
func PlanItemRevoke(snap *tenant.Snapshot, it *tenant.ReviewItem) ItemRevoke {
	p := ItemRevoke{Item: *it}
	u, uok := snap.UserIndex(it.UserID)
	g, gok := snap.GroupIndex(it.GroupID)
	if uok && gok {
		plan := PlanRevoke(snap, u, g)
		switch {
		case plan.Direct:
			p.Direct, p.KeptVia = true, plan.KeptAfterDirect()
			return p
		case len(plan.Leaves) > 0:
			p.Leaves = plan.Leaves
			return p
		}
	}
	if it.HeldDirectly() {
		p.Direct = true
		return p
	}
	for _, ug := range it.UserGroups {
		p.Leaves = append(p.Leaves, Leave{UserID: it.UserID, UserLabel: it.UserLabel, GroupID: ug.ID, Group: ug.Name})
	}
	return p
}

// PlanReviewRevokes plans every item (PendingRevocations) on snap.
func PlanReviewRevokes(snap *tenant.Snapshot, items []tenant.ReviewItem) []ItemRevoke {
	out := make([]ItemRevoke, len(items))
	for i := range items {
		out[i] = PlanItemRevoke(snap, &items[i])
	}
	return out
}

// Lines says what applying the item does, a line per request, each with
// its request after four spaces.
func (p ItemRevoke) Lines() []string {
	if p.Direct {
		ch := ReviewChange(&p.Item)
		line := ch.Describe() + "    " + ch.Request()
		if len(p.KeptVia) > 0 {
			line += "\n      still held through user group " + quoteNames(p.KeptVia) + " afterwards: the direct revoke leaves the group's grant (`otaccess revoke` again leaves the group)"
		}
		return []string{line}
	}
	out := make([]string, 0, len(p.Leaves))
	for _, l := range p.Leaves {
		out = append(out, l.Describe()+"    "+l.Request())
	}
	return out
}

// Note is what the result line adds: the user groups a direct revoke left
// the access in.
func (p ItemRevoke) Note() string {
	if len(p.KeptVia) == 0 {
		return ""
	}
	return "still held through user group " + quoteNames(p.KeptVia)
}

// Past says what was done, for the result line.
func (p ItemRevoke) Past() string {
	if p.Direct {
		return ReviewChange(&p.Item).Past()
	}
	names := make([]string, len(p.Leaves))
	for i, l := range p.Leaves {
		names[i] = l.Group
	}
	return fmt.Sprintf("%s left user group %s (held %s through it)", p.Item.UserLabel, quoteNames(names), p.Item.Membership())
}

// Describe is the revocation in words, for an error line.
func (p ItemRevoke) Describe() string {
	if p.Direct {
		return ReviewChange(&p.Item).Describe()
	}
	return fmt.Sprintf("revoke %s from %s by leaving its user groups", p.Item.Membership(), p.Item.UserLabel)
}

func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, ", ")
}

// applyRevoke sends one planned revocation; nil means the access is gone
// the way the plan took it (a direct revoke may leave it held through a
// user group: the plan says so).
func (s *Service) applyRevoke(ctx context.Context, p *ItemRevoke) error {
	if p.Direct {
		return s.applyItem(ctx, &p.Item)
	}
	var errs []error
	for _, l := range p.Leaves {
		if err := s.LeaveUserGroup(ctx, l); err != nil {
			errs = append(errs, fmt.Errorf("leave user group %q: %w", l.Group, err))
		}
	}
	return errors.Join(errs...)
}
