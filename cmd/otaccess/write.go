package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

type writeFlags struct{ yes, dryRun bool }

func (f *writeFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation (for scripts)")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print the plan and change nothing")
}

// confirm prints the plan and asks on a terminal; without one it needs --yes.
func (a *app) confirm(cmd *cobra.Command, f writeFlags, question string) error {
	if f.yes {
		return nil
	}
	in := cmd.InOrStdin()
	file, isFile := in.(*os.File)
	if !isFile || !term.IsTerminal(file.Fd()) {
		return errors.New("not a terminal: pass --yes to confirm, or --dry-run to see the plan")
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s [y/N] ", question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return exitError{code: 1, err: errors.New("cancelled, nothing changed")}
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

func (a *app) grantCmd(grant bool) *cobra.Command {
	var wf writeFlags
	use, short := "grant USER ROLE ORG", "Grant ROLE in ORG to USER (PATCH /Groups/{roleId:orgId} add member)"
	if !grant {
		use, short = "revoke USER ROLE ORG", "Revoke ROLE in ORG from USER (PATCH /Groups/{roleId:orgId} remove member)"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			snap, err := a.snapshot(ctx)
			if err != nil {
				return err
			}
			u, err := findUser(snap, args[0])
			if err != nil {
				return err
			}
			g, err := findGroup(snap, args[1], args[2])
			if err != nil {
				return err
			}
			ch := access.NewChange(snap, u, g, grant)
			w := cmd.OutOrStdout()
			if snap.IsMember(u, g) == grant {
				fmt.Fprintf(w, "nothing to do: %s %s %s (per the snapshot)\n", textsafe.Line(ch.UserLabel), map[bool]string{true: "already has", false: "does not have"}[grant], textsafe.Line(ch.Group))
				return nil
			}
			fmt.Fprintf(w, "plan: %s\n      %s\n", textsafe.Line(ch.Describe()), ch.Request())
			if wf.dryRun {
				return nil
			}
			svc, err := a.service(ctx, true)
			if err != nil {
				return err
			}
			if err := a.confirm(cmd, wf, "Proceed?"); err != nil {
				return err
			}
			out := svc.ApplyVerified(ctx, ch)
			for _, n := range out.Notes {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %s\n", textsafe.Line(n))
			}
			if out.NoOp && out.Err == nil {
				fmt.Fprintf(w, "nothing to do: the server already has it that way (the cache is updated)\n")
				return nil
			}
			if out.Err != nil {
				if out.Reread != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "the user was re-read from the server; the cache now matches it (member: %v)\n", out.Member)
				}
				return out.Err
			}
			fmt.Fprintf(w, "✓ %s\n", textsafe.Line(ch.Past()))
			return nil
		},
	}
	wf.add(cmd)
	return cmd
}

func (a *app) deactivateCmd() *cobra.Command {
	var wf writeFlags
	var strip bool
	cmd := &cobra.Command{
		Use:   "deactivate USER",
		Short: "Deactivate USER (active: false); --strip-roles also removes every membership",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.deprovision(cmd, args[0], wf, strip, false)
		},
	}
	cmd.Flags().BoolVar(&strip, "strip-roles", false, "also remove every role x org membership")
	wf.add(cmd)
	return cmd
}

func (a *app) deleteCmd() *cobra.Command {
	var wf writeFlags
	cmd := &cobra.Command{
		Use:   "delete USER",
		Short: "Delete USER (DELETE /Users/{id}); reports what the server actually did",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.deprovision(cmd, args[0], wf, false, true)
		},
	}
	wf.add(cmd)
	return cmd
}

func (a *app) deprovision(cmd *cobra.Command, who string, wf writeFlags, strip, del bool) error {
	ctx := cmd.Context()
	snap, err := a.snapshot(ctx)
	if err != nil {
		return err
	}
	u, err := findUser(snap, who)
	if err != nil {
		return err
	}
	plan := access.PlanDeprovision(snap, u, strip, del)
	w := cmd.OutOrStdout()
	if plan.Empty() {
		fmt.Fprintf(w, "nothing to do: %s is already inactive\n", textsafe.Line(plan.UserLabel))
		return nil
	}
	fmt.Fprintf(w, "plan for %s:\n", textsafe.Line(plan.UserLabel))
	for i, s := range plan.Steps() {
		fmt.Fprintf(w, "  %d. %s\n", i+1, textsafe.Line(s))
	}
	if wf.dryRun {
		return nil
	}
	svc, err := a.service(ctx, true)
	if err != nil {
		return err
	}
	if err := a.confirm(cmd, wf, "Proceed?"); err != nil {
		return err
	}
	res := svc.Deprovision(ctx, plan, func(r access.StepResult) {
		mark, tail := "✓", ""
		if r.Err != nil {
			mark, tail = "✗", ": "+r.Err.Error()
		}
		fmt.Fprintf(w, "%s %s%s\n", mark, textsafe.Line(r.Name), textsafe.Line(tail))
	})
	if res.Note != "" {
		fmt.Fprintf(w, "note: %s\n", textsafe.Line(res.Note))
	}
	if res.Deleted {
		fmt.Fprintf(w, "%s no longer exists on the server\n", textsafe.Line(plan.UserLabel))
	}
	return res.Err()
}
