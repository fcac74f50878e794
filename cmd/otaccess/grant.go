package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// grantOptions are grant's and revoke's: one membership, added or removed.
type grantOptions struct {
	*app
	Grant           bool // false: revoke
	User, Role, Org string
	Like            string // grant: copy what this user holds (grant USER --like OTHER)
	OnlyMissing     bool   // --like: the diff lists only what will be granted
	Write           writeFlags
}

func newCmdGrant(a *app, grant bool, runF func(context.Context, *grantOptions) error) *cobra.Command {
	o := &grantOptions{app: a, Grant: grant}
	use, short := "grant USER ROLE ORG", "Grant ROLE in ORG to USER (PATCH /Groups/{roleId:orgId} add member)"
	if !grant {
		use, short = "revoke USER ROLE ORG", "Revoke ROLE in ORG from USER (PATCH /Groups/{roleId:orgId} remove member)"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args: func(cmd *cobra.Command, args []string) error {
			if o.Like != "" {
				if len(args) != 1 {
					return fmt.Errorf("grant USER --like OTHER takes one user, got %d arguments", len(args))
				}
				return nil
			}
			if o.OnlyMissing {
				return fmt.Errorf("--only-missing goes with --like")
			}
			return cobra.ExactArgs(3)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.User = args[0]
			if len(args) == 3 {
				o.Role, o.Org = args[1], args[2]
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return grantRun(cmd.Context(), o)
		},
	}
	if grant {
		cmd.Use = "grant USER ROLE ORG | grant USER --like OTHER [--only-missing]"
		cmd.Flags().StringVar(&o.Like, "like", "", "grant USER every role x org membership OTHER holds that USER lacks (one PATCH each)")
		cmd.Flags().BoolVar(&o.OnlyMissing, "only-missing", false, "with --like: list only the memberships to grant, not those both hold or only USER holds")
	}
	o.Write.add(cmd)
	return cmd
}

func grantRun(ctx context.Context, o *grantOptions) error {
	if o.Like != "" {
		return grantLikeRun(ctx, o)
	}
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	u, err := findUser(snap, o.User)
	if err != nil {
		return err
	}
	g, err := findGroup(snap, o.Role, o.Org)
	if err != nil {
		return err
	}
	ch := access.NewChange(snap, u, g, o.Grant)
	w := o.io.Out
	var plan access.RevokePlan
	if !o.Grant {
		plan = access.PlanRevoke(snap, u, g)
		if !plan.Direct && len(plan.Leaves) > 0 {
			return leaveRun(ctx, o, plan)
		}
	}
	if snap.IsMember(u, g) == o.Grant {
		fmt.Fprintf(w, "nothing to do: %s %s %s (per the snapshot)\n", textsafe.Line(ch.UserLabel), map[bool]string{true: "already has", false: "does not have"}[o.Grant], textsafe.Line(ch.Group))
		return nil
	}
	fmt.Fprintf(w, "plan: %s\n      %s\n", textsafe.Line(ch.Describe()), ch.Request())
	kept := plan.KeptAfterDirect()
	if len(kept) > 0 {
		fmt.Fprintf(w, "      this removes the direct membership only: the user still holds it through user group %s (run revoke again to remove the user from the group)\n", textsafe.Line(strings.Join(kept, ", ")))
	}
	if o.Write.dryRun {
		return nil
	}
	svc, err := o.service(ctx, true)
	if err != nil {
		return err
	}
	if err := o.confirm(o.Write, "Proceed?"); err != nil {
		return err
	}
	out := svc.ApplyVerified(ctx, ch)
	for _, n := range out.Notes {
		fmt.Fprintf(o.io.ErrOut, "note: %s\n", textsafe.Line(n))
	}
	if out.NoOp && out.Err == nil {
		fmt.Fprintf(w, "nothing to do: the server already has it that way (the cache is updated)\n")
		return nil
	}
	if out.Err != nil {
		if out.Reread != nil {
			fmt.Fprintf(o.io.ErrOut, "the user was re-read from the server; the cache now matches it (member: %v)\n", out.Member)
		}
		return out.Err
	}
	fmt.Fprintf(w, "✓ %s\n", textsafe.Line(ch.Past()))
	return nil
}

// findGroup resolves ROLE and ORG to the group that is their intersection.
// A write names exactly one membership, so a part of a name that several
// roles (orgs) share is refused where a review scope would take them all.
func findGroup(snap *tenant.Snapshot, role, org string) (int, error) {
	roles, err := access.MatchRoles(snap, role)
	if err != nil {
		return 0, err
	}
	r, err := onlyMatch("role", role, roles, func(i int) string { return snap.Roles[i].Name })
	if err != nil {
		return 0, err
	}
	orgs, err := access.MatchOrgs(snap, org)
	if err != nil {
		return 0, err
	}
	o, err := onlyMatch("organization", org, orgs, func(i int) string { return snap.Orgs[i].Name })
	if err != nil {
		return 0, err
	}
	g, ok := snap.Cell(r, o)
	if !ok {
		return 0, fmt.Errorf("the tenant has no group for role %q in organization %q", snap.Roles[r].Name, snap.Orgs[o].Name)
	}
	return g, nil
}

// onlyMatch is the one hit of a role or org match, or an error that lists
// the names q is ambiguous between.
func onlyMatch(kind, q string, hits []int, name func(int) string) (int, error) {
	if len(hits) == 1 {
		return hits[0], nil
	}
	names := make([]string, 0, len(hits))
	for _, i := range hits {
		names = append(names, fmt.Sprintf("%q", name(i)))
	}
	return 0, fmt.Errorf("%s %q is ambiguous: %s; give its id or its full name", kind, q, strings.Join(names, ", "))
}

// grantLikeRun grants USER what OTHER holds and USER lacks: the diff, one
// confirmation, one PATCH each with its ✓/✗. A failed grant is not retried
// here: run the command again and it plans what is still missing.
func grantLikeRun(ctx context.Context, o *grantOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	u, err := findUser(snap, o.User)
	if err != nil {
		return err
	}
	other, err := findUser(snap, o.Like)
	if err != nil {
		return fmt.Errorf("--like: %w", err)
	}
	if u == other {
		return fmt.Errorf("--like names %s itself", textsafe.Line(snap.Users[u].Label()))
	}
	p := access.PlanLike(snap, u, other)
	w := o.io.Out
	fmt.Fprintf(w, "%s compared with %s:\n", textsafe.Line(p.UserLabel), textsafe.Line(p.OtherLabel))
	for _, c := range p.Grants {
		fmt.Fprintf(w, "  + %s\n", textsafe.Line(c.Group))
	}
	if !o.OnlyMissing {
		for _, g := range p.Shared {
			fmt.Fprintf(w, "    %s (both)\n", textsafe.Line(g))
		}
		for _, g := range p.Extra {
			fmt.Fprintf(w, "    %s (only %s; kept)\n", textsafe.Line(g), textsafe.Line(p.UserLabel))
		}
	}
	if len(p.Grants) == 0 {
		fmt.Fprintf(w, "nothing to do: %s already holds everything %s holds (per the snapshot)\n", textsafe.Line(p.UserLabel), textsafe.Line(p.OtherLabel))
		return nil
	}
	fmt.Fprintf(w, "plan: %s, one PATCH /Groups/{roleId:orgId} (add 1 member) each\n", numfmt.Count(len(p.Grants), "grant", "grants"))
	if o.Write.dryRun {
		return nil
	}
	svc, err := o.service(ctx, true)
	if err != nil {
		return err
	}
	if err := o.confirm(o.Write, "Proceed?"); err != nil {
		return err
	}
	res := svc.GrantAll(ctx, p.UserID, p.UserLabel, p.Grants, func(r access.StepResult) { printStep(w, "", r) })
	if res.Note != "" {
		fmt.Fprintf(w, "note: %s\n", textsafe.Line(res.Note))
	}
	if n := res.Failed(); n > 0 {
		fmt.Fprintf(w, "%d of %d grants failed; run the command again to grant what is still missing\n", n, len(res.Steps))
	}
	return res.Err()
}

// leaveRun revokes access held only through user groups: the user leaves
// each group, which takes away everything the group grants the user, and
// nothing of its other members. Each group is a step with ✓/✗.
func leaveRun(ctx context.Context, o *grantOptions, plan access.RevokePlan) error {
	w := o.io.Out
	fmt.Fprintf(w, "plan: held only through %d user group(s); a direct revoke cannot take it away, so:\n", len(plan.Leaves))
	for _, l := range plan.Leaves {
		fmt.Fprintf(w, "  - %s\n    %s\n", textsafe.Line(l.Describe()), l.Request())
	}
	if o.Write.dryRun {
		return nil
	}
	svc, err := o.service(ctx, true)
	if err != nil {
		return err
	}
	if err := o.confirm(o.Write, "Proceed?"); err != nil {
		return err
	}
	failed := 0
	for _, l := range plan.Leaves {
		if err := svc.LeaveUserGroup(ctx, l); err != nil {
			failed++
			fmt.Fprintf(w, "✗ leave %s: %s\n", textsafe.Line(l.Group), textsafe.Line(err.Error()))
			continue
		}
		fmt.Fprintf(w, "✓ %s left user group %s\n", textsafe.Line(l.UserLabel), textsafe.Line(l.Group))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d user groups not left; the cache shows what the server confirmed", failed, len(plan.Leaves))
	}
	return nil
}
