package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// applySample is how many revocations the confirmation lists.
const applySample = 5

type reviewApplyOptions struct {
	*app
	Name        string
	Concurrency int // revocations in flight
	Write       writeFlags
}

func newCmdReviewApply(a *app, runF func(context.Context, *reviewApplyOptions) error) *cobra.Command {
	o := &reviewApplyOptions{app: a}
	cmd := &cobra.Command{
		Use:   "apply NAME",
		Short: `Revoke every "revoke" decision of a review on the tenant; a re-run retries only what failed`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return reviewApplyRun(cmd.Context(), o)
		},
	}
	o.Write.add(cmd)
	cmd.Flags().IntVar(&o.Concurrency, "parallel", 4, "revocations in flight at once (the client paces below the tenant's rate limit either way)")
	return cmd
}

func reviewApplyRun(ctx context.Context, o *reviewApplyOptions) error {
	_, r, err := o.loadReview(ctx, o.Name)
	if err != nil {
		return err
	}
	todo := access.PendingRevocations(r)
	w := o.io.Out
	if len(todo) == 0 {
		fmt.Fprintf(w, "nothing to apply: %s has no pending revoke decision (%s applied, %s undecided)\n",
			textsafe.Line(r.Name), numfmt.Commas(r.Counts.Applied), numfmt.Commas(r.Counts.Undecided))
		return nil
	}
	retries := 0
	for _, it := range todo {
		if it.ApplyStatus == tenant.ApplyFailed {
			retries++
		}
	}
	head := fmt.Sprintf("plan: revoke %s on %s", numfmt.Count(len(todo), "membership", "memberships"), r.Tenant)
	if retries > 0 {
		head += fmt.Sprintf(" (%d retried after failing)", retries)
	}
	fmt.Fprintln(w, textsafe.Line(head))
	show := todo
	if !o.Write.dryRun && len(show) > applySample {
		show = show[:applySample]
	}
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	leaves := 0
	for _, p := range access.PlanReviewRevokes(snap, todo) {
		if len(p.Leaves) > 0 {
			leaves++
		}
	}
	if leaves > 0 {
		fmt.Fprintf(w, "%s only through user groups: the user leaves each group, and loses what else it grants (named below)\n",
			numfmt.Count(leaves, "membership is held", "memberships are held"))
	}
	for _, p := range access.PlanReviewRevokes(snap, show) {
		for _, line := range p.Lines() {
			for _, l := range strings.Split(line, "\n") {
				fmt.Fprintf(w, "  %s\n", textsafe.Line(l))
			}
		}
	}
	if len(show) < len(todo) {
		fmt.Fprintf(w, "  … and %d more (--dry-run lists them all)\n", len(todo)-len(show))
	}
	if note := access.UndecidedNote(r); note != "" {
		fmt.Fprintln(w, note)
	}
	if o.Write.dryRun {
		return nil
	}
	svc, err := o.service(ctx, true)
	if err != nil {
		return err
	}
	if err := o.confirm(o.Write, fmt.Sprintf("Revoke %s?", numfmt.Count(len(todo), "membership", "memberships"))); err != nil {
		return err
	}
	var mu sync.Mutex
	res, err := svc.ApplyReview(ctx, r, access.ReviewApplyOptions{Concurrency: o.Concurrency, Progress: func(p access.ReviewApplyProgress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Err != nil {
			fmt.Fprintf(w, "✗ [%d/%d] %s: %s\n", p.Done, p.Total, textsafe.Line(p.Plan.Describe()), textsafe.Line(p.Err.Error()))
			return
		}
		done := p.Plan.Past()
		if note := p.Plan.Note(); note != "" {
			done += " (" + note + ")"
		}
		fmt.Fprintf(w, "✓ [%d/%d] %s\n", p.Done, p.Total, textsafe.Line(done))
	}})
	fmt.Fprintf(w, "%s revoked, %s failed, %s not attempted\n", numfmt.Commas(res.Applied), numfmt.Commas(res.Failed), numfmt.Commas(res.Total-res.Applied-res.Failed))
	if err != nil {
		return err
	}
	if res.Failed > 0 {
		return fmt.Errorf("%d of %d revocations failed (listed above, and recorded in the review); run `otaccess review apply %s` again to retry only those",
			res.Failed, res.Total, r.Name)
	}
	return nil
}
