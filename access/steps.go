package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/otaccess/otaccess/tenant"
)

// step is one write of a multi-step operation (restore, grant --like,
// create), named for the ✓/✗ line.
type step struct {
	name string
	do   func(ctx context.Context) error
}

// StepsResult is what the server holds after a multi-step operation.
type StepsResult struct {
	Steps []StepResult
	User  *tenant.ReadUser // re-read after the steps (nil: gone or unread)
	Note  string           // what the re-read found that the steps did not say
}

// Err joins the failed steps' errors, or nil.
func (r StepsResult) Err() error {
	var errs []error
	for _, s := range r.Steps {
		if s.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name, s.Err))
		}
	}
	return errors.Join(errs...)
}

// Failed counts the failed steps.
func (r StepsResult) Failed() int {
	n := 0
	for _, s := range r.Steps {
		if s.Err != nil {
			n++
		}
	}
	return n
}

// runSteps runs steps in order with the user locked, reporting each as it
// ends; a step that fails does not stop the next (each is one write that
// stands alone), and none is retried here: a re-run plans again from what
// the server then has. Afterwards the user is re-read into the cache.
func (s *Service) runSteps(ctx context.Context, userID, label string, steps []step, report func(StepResult)) StepsResult {
	var res StepsResult
	emit := func(r StepResult) {
		res.Steps = append(res.Steps, r)
		if report != nil {
			report(r)
		}
	}
	if s.Client == nil {
		emit(StepResult{Index: 0, Name: "connect", Err: ErrOffline})
		return res
	}
	defer s.users.lock(userID)()
	for i, st := range steps {
		if err := ctx.Err(); err != nil {
			emit(StepResult{Index: i, Name: st.name, Err: err})
			continue
		}
		emit(StepResult{Index: i, Name: st.name, Err: st.do(ctx)})
	}
	u, deleted, rerr := s.reread(ctx, userID)
	res.User = u
	switch {
	case rerr != nil:
		res.Note = fmt.Sprintf("re-reading %s after the steps failed (%v): the cache may not match the server; run `otaccess sync`", label, rerr)
	case deleted:
		res.Note = label + " is gone from the server; removed from the cache"
	}
	return res
}

// grantStep is one membership grant as a step: one PATCH, its audit row,
// the cache in step (see apply). Caller holds the user's lock.
func (s *Service) grantStep(ch Change) step {
	return step{name: "grant " + ch.Group, do: func(ctx context.Context) error { return s.apply(ctx, ch).Err }}
}

// LikePlan is what grant --like sends: the memberships OTHER holds that
// USER lacks, one grant each.
type LikePlan struct {
	UserID, UserLabel, OtherLabel string
	Grants                        []Change // OTHER has, USER lacks
	Shared                        []string // both hold (labels)
	Extra                         []string // USER holds, OTHER does not (kept)
}

// PlanLike compares user u's memberships with user other's in snap.
func PlanLike(snap *tenant.Snapshot, u, other int) LikePlan {
	p := LikePlan{UserID: snap.Users[u].ID, UserLabel: snap.Users[u].Label(), OtherLabel: snap.Users[other].Label()}
	for _, g := range snap.Users[other].Groups {
		if snap.IsMember(u, int(g)) {
			p.Shared = append(p.Shared, MembershipLabel(snap, int(g)))
		} else {
			p.Grants = append(p.Grants, NewChange(snap, u, int(g), true))
		}
	}
	for _, g := range snap.Users[u].Groups {
		if !snap.IsMember(other, int(g)) {
			p.Extra = append(p.Extra, MembershipLabel(snap, int(g)))
		}
	}
	return p
}

// GrantAll sends the grants in order (one PATCH each, each audited, the
// cache in step), then re-reads the user. Failures are reported, not
// retried: running the plan again grants what is still missing.
func (s *Service) GrantAll(ctx context.Context, userID, label string, grants []Change, report func(StepResult)) StepsResult {
	steps := make([]step, len(grants))
	for i, ch := range grants {
		steps[i] = s.grantStep(ch)
	}
	return s.runSteps(ctx, userID, label, steps, report)
}

// ChangeAll sends one user's membership changes, grants and revokes, in
// order (one PATCH each, each audited, the cache in step), then re-reads
// the user: the per-user part of a change to several marked users.
func (s *Service) ChangeAll(ctx context.Context, userID, label string, changes []Change, report func(StepResult)) StepsResult {
	steps := make([]step, len(changes))
	for i, ch := range changes {
		ch := ch
		steps[i] = step{name: ch.Verb() + " " + ch.Group, do: func(ctx context.Context) error { return s.apply(ctx, ch).Err }}
	}
	return s.runSteps(ctx, userID, label, steps, report)
}
