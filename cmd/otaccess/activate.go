package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/textsafe"
)

// activateOptions are activate's: one user set active again.
type activateOptions struct {
	*app
	User  string
	Write writeFlags
}

func newCmdActivate(a *app, runF func(context.Context, *activateOptions) error) *cobra.Command {
	o := &activateOptions{app: a}
	cmd := &cobra.Command{
		Use:   "activate USER",
		Short: "Activate USER (PATCH /Users/{id} active: true); `restore` also gives back what a deprovisioning removed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.User = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return activateRun(cmd.Context(), o)
		},
	}
	o.Write.add(cmd)
	return cmd
}

func activateRun(ctx context.Context, o *activateOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	u, err := findUser(snap, o.User)
	if err != nil {
		return err
	}
	usr := &snap.Users[u]
	w := o.io.Out
	if usr.Active {
		fmt.Fprintf(w, "nothing to do: %s is already active (per the snapshot)\n", textsafe.Line(usr.Label()))
		return nil
	}
	fmt.Fprintf(w, "plan: activate %s\n      PATCH /Users/%s (replace active: true)\n", textsafe.Line(usr.Label()), usr.ID)
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
	if _, err := svc.Activate(ctx, usr.ID, usr.Label()); err != nil {
		fmt.Fprintf(w, "✗ activate %s: %s\n", textsafe.Line(usr.Label()), textsafe.Line(err.Error()))
		return err
	}
	fmt.Fprintf(w, "✓ activated %s\n", textsafe.Line(usr.Label()))
	return nil
}
