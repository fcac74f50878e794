package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/textsafe"
)

// restoreOptions are restore's: undo one deprovisioning of USER.
type restoreOptions struct {
	*app
	User  string
	From  int64 // an audit row of the deprovisioning; 0: the latest
	Write writeFlags
}

func newCmdRestore(a *app, runF func(context.Context, *restoreOptions) error) *cobra.Command {
	o := &restoreOptions{app: a}
	cmd := &cobra.Command{
		Use:   "restore USER [--from AUDIT_ID]",
		Short: "Undo a deprovisioning: re-grant exactly the memberships and user groups it removed (read from the audit log) and reactivate",
		Long: `Undo a deprovisioning of USER: the audit log says which memberships it
removed, which user groups it made the user leave, and whether it
deactivated the user; restore grants those back (one PATCH each), adds the
user to those user groups again (one POST each, the group's members re-read
after), skipping what the user holds again, and reactivates the user, after
a confirmation that lists them. --from takes the id of any audit row
of the deprovisioning (` + "`otaccess audit`" + `); without it, the latest.
A deleted user cannot be restored.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.User = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return restoreRun(cmd.Context(), o)
		},
	}
	cmd.Flags().Int64Var(&o.From, "from", 0, "an audit row id of the deprovisioning to undo (default: the latest)")
	o.Write.add(cmd)
	return cmd
}

func restoreRun(ctx context.Context, o *restoreOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	u, err := findUser(snap, o.User)
	if err != nil {
		return err
	}
	svc, err := o.localService()
	if err != nil {
		return err
	}
	plan, err := svc.PlanRestore(ctx, snap, u, o.From)
	if err != nil {
		return err
	}
	w := o.io.Out
	fmt.Fprintf(w, "the deprovisioning of %s at %s (audit row %d):\n", textsafe.Line(plan.UserLabel), plan.At.Local().Format("2006-01-02 15:04:05"), plan.FromID)
	for _, h := range plan.Held {
		fmt.Fprintf(w, "  already held again: %s\n", textsafe.Line(h))
	}
	for _, n := range plan.NotRemoved {
		fmt.Fprintf(w, "  not removed then (its revoke failed): %s\n", textsafe.Line(n))
	}
	if plan.Empty() {
		fmt.Fprintf(w, "nothing to do: %s holds everything it removed and is active (per the snapshot)\n", textsafe.Line(plan.UserLabel))
		return nil
	}
	fmt.Fprintln(w, "plan:")
	for i, s := range plan.Steps() {
		fmt.Fprintf(w, "  %d. %s\n", i+1, textsafe.Line(s))
	}
	if o.Write.dryRun {
		return nil
	}
	if svc, err = o.service(ctx, true); err != nil {
		return err
	}
	if err := o.confirm(o.Write, "Proceed?"); err != nil {
		return err
	}
	res := svc.Restore(ctx, plan, func(r access.StepResult) { printStep(w, "", r) })
	if res.Note != "" {
		fmt.Fprintf(w, "note: %s\n", textsafe.Line(res.Note))
	}
	if n := res.Failed(); n > 0 {
		fmt.Fprintf(w, "%d of %d steps failed; run restore again to retry them\n", n, len(res.Steps))
	}
	return res.Err()
}
