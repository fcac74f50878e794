package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

type reviewShowOptions struct {
	*app
	Name string
	Only *tenant.Verdict // nil: every item
}

func newCmdReviewShow(a *app, runF func(context.Context, *reviewShowOptions) error) *cobra.Command {
	o := &reviewShowOptions{app: a}
	var only string
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a review's items and decisions (--decision to list only some)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if only != "" {
				v, err := tenant.ParseVerdict(only)
				if err != nil {
					return fmt.Errorf("--decision: %w", err)
				}
				o.Only = &v
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return reviewShowRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&only, "decision", "", "only items with this decision: keep, revoke, skip or undecided")
	return cmd
}

func reviewShowRun(ctx context.Context, o *reviewShowOptions) error {
	_, r, err := o.loadReview(ctx, o.Name)
	if err != nil {
		return err
	}
	t := newTable(o.io.Out, "USER", "ROLE — ORG", "HINTS", "DECISION", "BY", "APPLIED", "NOTE")
	for _, it := range r.Items {
		if o.Only != nil && it.Decision != *o.Only {
			continue
		}
		applied := string(it.ApplyStatus)
		if it.ApplyStatus == tenant.ApplyFailed {
			applied += ": " + it.ApplyError
		}
		t.row(it.UserLabel, it.Membership(), it.Hints.String(), it.Decision.String(), it.Reviewer, applied, it.Note)
	}
	if err := t.flush(); err != nil {
		return err
	}
	c := r.Counts
	fmt.Fprintf(o.io.ErrOut, "%s: %s of %s decided (keep %s, revoke %s, skip %s); %s revocations applied, %s failed\n",
		textsafe.Line(r.Name), numfmt.Commas(c.Decided()), numfmt.Commas(c.Items), numfmt.Commas(c.Keep), numfmt.Commas(c.Revoke), numfmt.Commas(c.Skip), numfmt.Commas(c.Applied), numfmt.Commas(c.Failed))
	return nil
}
