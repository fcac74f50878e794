package access

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/otaccess/otaccess/tenant"
)

// SuggestedDecisions are the decisions that accepting the suggestions
// resting on hint records: each undecided item whose hints include hint
// and whose suggestion is revoke (an outlier's "look" is no decision).
// Each expects the item still undecided, so a decision made meanwhile is
// not overwritten.
func SuggestedDecisions(r *tenant.Review, hint string) ([]tenant.Decision, error) {
	h, ok := tenant.HintNamed(hint)
	if !ok {
		return nil, fmt.Errorf("no hint %q: want one of %s", hint, strings.Join(tenant.HintNameList(), ", "))
	}
	if h == tenant.HintOutlier {
		return nil, errors.New("an outlier suggests a closer look, not a decision: decide those items one by one (review edit, or the terminal UI)")
	}
	var out []tenant.Decision
	for i := range r.Items {
		it := &r.Items[i]
		if it.Decision != tenant.Undecided || !it.Hints.Has(h) || it.ApplyStatus == tenant.Applied {
			continue
		}
		sg := it.Suggest()
		if sg.Word != string(tenant.Revoke) {
			continue
		}
		note := it.Note
		if note == "" {
			note = "suggested: " + sg.Reason
		}
		out = append(out, tenant.Decision{Key: it.Key(), Verdict: tenant.Revoke, Note: &note,
			Expect: &tenant.ItemState{Verdict: tenant.Undecided, Note: it.Note}})
	}
	return out, nil
}

// AcceptSuggestions records ds (from SuggestedDecisions) as the service's
// actor; it returns how many were recorded and why the others were not.
func (s *Service) AcceptSuggestions(ctx context.Context, r *tenant.Review, ds []tenant.Decision) (int, []error, error) {
	for i := range ds {
		if ds[i].Reviewer == "" {
			ds[i].Reviewer = s.Actor
		}
		if ds[i].At.IsZero() {
			ds[i].At = s.now()
		}
	}
	failed, err := s.store.DecideMany(ctx, r.ID, ds)
	n := 0
	var problems []error
	for _, f := range failed {
		if f == nil {
			n++
		} else {
			problems = append(problems, f)
		}
	}
	if err != nil {
		n = 0 // a failure of the cache: what was recorded is unknown here
	}
	return n, problems, err
}
