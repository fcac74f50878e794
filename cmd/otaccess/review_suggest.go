package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/textsafe"
)

type reviewSuggestOptions struct {
	*app
	Name  string
	Hint  string
	Write writeFlags
}

func newCmdReviewAcceptSuggestions(a *app, runF func(context.Context, *reviewSuggestOptions) error) *cobra.Command {
	o := &reviewSuggestOptions{app: a}
	cmd := &cobra.Command{
		Use:   "accept-suggestions NAME --hint stale|never-logged-in|inactive",
		Short: "Record the suggested revoke of every undecided item with the hint, behind one confirmation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return reviewSuggestRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Hint, "hint", "", "the hint whose suggestions to accept: stale, never-logged-in or inactive")
	_ = cmd.MarkFlagRequired("hint")
	o.Write.add(cmd)
	return cmd
}

func reviewSuggestRun(ctx context.Context, o *reviewSuggestOptions) error {
	svc, r, err := o.loadReview(ctx, o.Name)
	if err != nil {
		return err
	}
	ds, err := access.SuggestedDecisions(r, o.Hint)
	if err != nil {
		return err
	}
	w := o.io.Out
	if len(ds) == 0 {
		fmt.Fprintf(w, "nothing to record: no undecided item of %s has the hint %s with a suggested revoke\n", textsafe.Line(r.Name), o.Hint)
		return nil
	}
	what := numfmt.Count(len(ds), "revoke decision", "revoke decisions")
	fmt.Fprintf(w, "plan: record %s in %s (every undecided item with [%s]; nothing is sent to the tenant until review apply)\n", what, textsafe.Line(r.Name), o.Hint)
	if o.Write.dryRun {
		return nil
	}
	if err := o.confirm(o.Write, "Record "+what+"?"); err != nil {
		return err
	}
	n, problems, err := svc.AcceptSuggestions(ctx, r, ds)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "✓ recorded %s\n", numfmt.Count(n, "decision", "decisions"))
	for _, p := range problems {
		fmt.Fprintf(o.io.ErrOut, "not recorded: %s\n", textsafe.Line(p.Error()))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d of %d suggestions not recorded (decided meanwhile, or applied)", len(problems), len(ds))
	}
	return nil
}
