package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/tenant"
)

// newCmdReview is the review noun; each verb has its file (review_*.go).
func newCmdReview(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Access reviews: freeze a scope, decide keep/revoke/skip, export evidence, apply revocations",
		Long: `An access review freezes which memberships are under review against the
current snapshot, records a keep / revoke / skip decision (and a note) for
each, exports evidence (CSV + JSON with a summary and a SHA-256 of the rows)
and revokes every "revoke" decision on the tenant.

Decide in the terminal UI (press R), in your editor ("review edit"), or with
"review decide" (one item, or --from-file) from a script.
Reviews are stored in the cache and survive restarts and later syncs.`,
		Args: cobra.ArbitraryArgs,
		RunE: groupRun,
	}
	cmd.AddCommand(newCmdReviewStart(a, nil), newCmdReviewList(a, nil), newCmdReviewShow(a, nil),
		newCmdReviewDecide(a, nil), newCmdReviewEdit(a, nil), newCmdReviewSplit(a, nil), newCmdReviewMerge(a, nil), newCmdReviewExport(a, nil), newCmdReviewApply(a, nil), newCmdReviewAcceptSuggestions(a, nil))
	return cmd
}

// loadReview loads review name from the cache; no connection is needed.
// A missing review says how to list them (see explain).
func (a *app) loadReview(ctx context.Context, name string) (*access.Service, *tenant.Review, error) {
	svc, err := a.localService()
	if err != nil {
		return nil, nil, err
	}
	r, err := svc.Review(ctx, name)
	return svc, r, a.explain(err)
}
