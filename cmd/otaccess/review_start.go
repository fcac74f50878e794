package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

type reviewStartOptions struct {
	*app
	Name  string
	Scope access.ReviewScope
}

func newCmdReviewStart(a *app, runF func(context.Context, *reviewStartOptions) error) *cobra.Command {
	o := &reviewStartOptions{app: a}
	cmd := &cobra.Command{
		Use:   "start --name NAME [--org ORG [--with-suborgs]] [--role ROLE] [--filter TEXT]",
		Short: "Start a review: freeze the memberships in scope against the current snapshot",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if o.Name != "" && o.Name != args[0] {
					return errors.New("give the review's name once: --name NAME or NAME")
				}
				o.Name = args[0]
			}
			if o.Name == "" {
				return errors.New("a review needs a name: --name Q4-2026")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return reviewStartRun(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "", "the review's name, e.g. Q4-2026 (unique in this cache)")
	f.StringVar(&o.Scope.Org, "org", "", "only memberships in this organization (id, exact name, or every name containing it)")
	f.BoolVar(&o.Scope.WithSubOrgs, "with-suborgs", false, "with --org: also the organizations under it in OneTrust's organization tree (see otaccess orgs)")
	f.StringVar(&o.Scope.Role, "role", "", "only memberships of this role (id, exact name, or every name containing it)")
	f.StringVarP(&o.Scope.Filter, "filter", "f", "", `only these users, e.g. "status:inactive", "type:external", "legal"`)
	return cmd
}

func reviewStartRun(ctx context.Context, o *reviewStartOptions) error {
	svc, err := o.localService()
	if err != nil {
		return err
	}
	r, err := svc.StartReview(ctx, o.Name, o.Scope)
	if err != nil {
		return o.explain(err)
	}
	users := map[string]bool{}
	var inactive, noRole, admin, fresh int
	// The hints review start computes from the whole snapshot and the
	// last logins, counted on the line after the first hints line.
	stale := fmt.Sprintf("stale (no login for %d days or more)", tenant.StaleDays)
	found := []struct {
		h         tenant.Hints
		one, many string
		n         int
	}{{h: tenant.HintStale, one: stale, many: stale},
		{h: tenant.HintNeverLoggedIn, one: "never logged in", many: "never logged in"},
		{h: tenant.HintOutlier, one: "outlier", many: "outliers"},
		{h: tenant.HintSoleAdmin, one: "sole Site Admin of an org", many: "sole Site Admins of an org"},
		{h: tenant.HintNewSinceReview, one: "new since the last review of this scope", many: "new since the last review of this scope"}}
	for _, it := range r.Items {
		for i := range found {
			if it.Hints.Has(found[i].h) {
				found[i].n++
			}
		}
		users[it.UserID] = true
		switch {
		case it.NoRole():
			noRole++
			continue
		case it.Hints.Has(tenant.HintInactive):
			inactive++
		}
		if it.Hints.Has(tenant.HintAdmin) {
			admin++
		}
		if it.Hints.Has(tenant.HintNew) {
			fresh++
		}
	}
	w := o.io.Out
	fmt.Fprintf(w, "started review %s: %s of %s (%s)\n", textsafe.Line(r.Name),
		numfmt.Count(r.Counts.Items-noRole, "membership", "memberships"), numfmt.Count(len(users), "user", "users"), textsafe.Line(r.Scope))
	fmt.Fprintf(w, "frozen against the snapshot of %s from %s\n", r.SnapshotAt.Local().Format("2006-01-02 15:04"), textsafe.Line(r.Tenant))
	fmt.Fprintf(w, "hints: %s held by inactive users, %s, %s of admin roles, %d granted since the previous sync\n",
		numfmt.Count(inactive, "membership", "memberships"), numfmt.Count(noRole, "user with no role", "users with no role"), numfmt.Count(admin, "membership", "memberships"), fresh)
	counted := make([]string, len(found))
	for i, c := range found {
		counted[i] = numfmt.Count(c.n, c.one, c.many)
	}
	fmt.Fprintf(w, "       %s\n", strings.Join(counted, ", "))
	if err := reviewAccessNotes(ctx, o.io.ErrOut, svc, r); err != nil {
		return err
	}
	fmt.Fprintf(w, "next: decide in the terminal UI (otaccess, then R), or `otaccess review decide %s USER ROLE ORG keep|revoke|skip`\n", textsafe.Line(r.Name))
	return nil
}

// reviewAccessNotes says on w what review r lacks because its snapshot
// did not hold OneTrust's user groups or last logins (a key without the
// USER scope, a server that is not OneTrust), as sync said when it ran:
// an auditor's completeness check needs to know the review covers direct
// access only. The bundle's population.json records the same.
func reviewAccessNotes(ctx context.Context, w io.Writer, svc *access.Service, r *tenant.Review) error {
	info, err := svc.SnapshotAccess(ctx, r.SnapshotID)
	if err != nil {
		return err
	}
	if !info.UserGroups.Read {
		fmt.Fprintf(w, "note: user groups not available — %s: access held only through a user group is not in this review\n", info.UserGroups.Reason())
	}
	if !info.Logins.Read {
		fmt.Fprintf(w, "note: last logins not available — %s: no [stale] or [never logged in] hints\n", info.Logins.Reason())
	}
	return nil
}
