package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/textsafe"
)

// deprovisionOptions are deactivate's and delete's.
type deprovisionOptions struct {
	*app
	User   string
	Strip  bool // also remove every membership (deactivate --strip-roles)
	Delete bool // DELETE the user instead of deactivating it
	// FromFile lists the users to deactivate, one per line (deactivate
	// --from-file; "-" is stdin), instead of USER.
	FromFile string
	Write    writeFlags
}

func newCmdDeactivate(a *app, runF func(context.Context, *deprovisionOptions) error) *cobra.Command {
	o := &deprovisionOptions{app: a}
	cmd := &cobra.Command{
		Use:   "deactivate USER | --from-file FILE",
		Short: "Deactivate USER (active: false); --strip-roles also removes every membership",
		Long: `Deactivate USER (active: false); --strip-roles also removes every membership.

--from-file FILE deactivates every user the file lists, one per line (or the
first column of a CSV, or the column headed email, userName, externalId or
employeeNumber): each line an id, email, userName, externalId or employee
number. Every line must identify exactly one user, or nothing is sent. The
plan for all of them is shown behind one confirmation; a re-run retries only
what is left (users already inactive with no memberships are skipped).`,
		Args: cobra.RangeArgs(0, 1),
		RunE: o.runE(runF),
	}
	cmd.Flags().BoolVar(&o.Strip, "strip-roles", false, "also remove every role x org membership")
	cmd.Flags().StringVar(&o.FromFile, "from-file", "", "deactivate the users listed in `FILE` (\"-\" reads stdin)")
	o.Write.add(cmd)
	return cmd
}

func newCmdDelete(a *app, runF func(context.Context, *deprovisionOptions) error) *cobra.Command {
	o := &deprovisionOptions{app: a, Delete: true}
	cmd := &cobra.Command{
		Use:   "delete USER",
		Short: "Delete USER (DELETE /Users/{id}); reports what the server actually did",
		Args:  cobra.ExactArgs(1),
		RunE:  o.runE(runF),
	}
	o.Write.add(cmd)
	return cmd
}

func (o *deprovisionOptions) runE(runF func(context.Context, *deprovisionOptions) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case o.FromFile != "" && len(args) > 0:
			return fmt.Errorf("give USER or --from-file, not both")
		case o.FromFile == "" && len(args) != 1:
			return fmt.Errorf("%s needs USER (or --from-file FILE)", cmd.Name())
		case len(args) == 1:
			o.User = args[0]
		}
		if runF != nil {
			return runF(cmd.Context(), o)
		}
		if o.FromFile != "" {
			return deactivateFileRun(cmd.Context(), o)
		}
		return deprovisionRun(cmd.Context(), o)
	}
}

func deprovisionRun(ctx context.Context, o *deprovisionOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	u, err := findUser(snap, o.User)
	if err != nil {
		return err
	}
	w := o.io.Out
	// On OneTrust a delete is refused before anything is sent, and what
	// OneTrust documents instead is offered: deactivate and strip.
	instead := false
	if o.Delete {
		if why := access.DeleteUnavailable(o.settings.URL); why != nil {
			fmt.Fprintf(o.io.ErrOut, "%s\n", why)
			o.Delete, o.Strip, instead = false, true, true
		}
	}
	plan := access.PlanDeprovision(snap, u, o.Strip, o.Delete)
	if instead {
		fmt.Fprintf(w, "instead of a delete: ")
	}
	refuse := exitError{code: 1, err: fmt.Errorf("%w; nothing was sent: run `otaccess deactivate %s --strip-roles` to do that instead", access.ErrDeleteUnavailable, textsafe.Line(o.User))}
	if plan.Empty() {
		fmt.Fprintf(w, "nothing to do: %s is already inactive\n", textsafe.Line(plan.UserLabel))
		if instead {
			return refuse // asked to delete, and did not
		}
		return nil
	}
	fmt.Fprintf(w, "plan for %s:\n", textsafe.Line(plan.UserLabel))
	for i, s := range plan.Steps() {
		fmt.Fprintf(w, "  %d. %s\n", i+1, textsafe.Line(s))
	}
	if o.Write.dryRun {
		return nil
	}
	if instead && (o.Write.yes || !o.io.InTerminal) {
		// A script that asked for a delete does not get something else
		// done on its --yes: it is told what to run instead.
		return refuse
	}
	svc, err := o.service(ctx, true)
	if err != nil {
		return err
	}
	confirm := func() error { return o.confirm(o.Write, "Proceed?") }
	if instead {
		confirm = func() error { return o.confirm(o.Write, "Deactivate and remove its memberships instead?") }
	}
	if o.Delete { // cannot be undone: the email typed out, as in the terminal UI
		confirm = func() error {
			return o.confirmTyped(o.Write, "This cannot be undone. To delete, type the user's email ("+textsafe.Line(plan.UserLabel)+")", plan.ConfirmsDelete)
		}
	}
	if err := confirm(); err != nil {
		return err
	}
	res := svc.Deprovision(ctx, plan, func(r access.StepResult) { printStep(w, "", r) })
	if res.Note != "" {
		fmt.Fprintf(w, "note: %s\n", textsafe.Line(res.Note))
	}
	if res.Deleted {
		fmt.Fprintf(w, "%s no longer exists on the server\n", textsafe.Line(plan.UserLabel))
	}
	return res.Err()
}
