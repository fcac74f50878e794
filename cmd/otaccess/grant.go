package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// grantOptions are grant's and revoke's: one membership, added or removed.
type grantOptions struct {
	*app
	Grant           bool // false: revoke
	User, Role, Org string
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
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.User, o.Role, o.Org = args[0], args[1], args[2]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return grantRun(cmd.Context(), o)
		},
	}
	o.Write.add(cmd)
	return cmd
}

func grantRun(ctx context.Context, o *grantOptions) error {
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
	if snap.IsMember(u, g) == o.Grant {
		fmt.Fprintf(w, "nothing to do: %s %s %s (per the snapshot)\n", textsafe.Line(ch.UserLabel), map[bool]string{true: "already has", false: "does not have"}[o.Grant], textsafe.Line(ch.Group))
		return nil
	}
	fmt.Fprintf(w, "plan: %s\n      %s\n", textsafe.Line(ch.Describe()), ch.Request())
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
