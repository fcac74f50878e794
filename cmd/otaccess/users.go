package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

type usersOptions struct {
	*app
	Filter string
	Output outputFlags
}

func newCmdUsers(a *app, runF func(context.Context, *usersOptions) error) *cobra.Command {
	o := &usersOptions{app: a}
	cmd := &cobra.Command{
		Use:   "users",
		Short: "List cached users (filter: free text, role:X, org:X, status:active|inactive, type:X, stale:90d, login:never)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return usersRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.Filter, "filter", "f", "", `filter, e.g. "legal", "role:auditor", 'org:"EMEA - Sales"', "status:inactive"`)
	o.Output.add(cmd, true)
	addAsOf(cmd, a)
	return cmd
}

func usersRun(ctx context.Context, o *usersOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	ix := tenant.NewIndex(snap)
	ix.Now = func() time.Time { return o.now() } // stale:Nd counts from the command's clock
	idx, err := ix.Filter(o.Filter, nil)
	if err != nil {
		return fmt.Errorf("--filter: %w", err)
	}
	w := o.io.Out
	switch {
	case o.Output.json:
		return export.UsersJSON(w, snap, idx)
	case o.Output.csv:
		return export.UsersCSV(w, snap, idx, o.now())
	}
	t := newTable(w, "NAME", "EMAIL", "STATUS", "ROLES", "ORGS", "TYPE", "LAST LOGIN")
	for _, i := range idx {
		u := &snap.Users[i]
		r, org := snap.RoleOrgCounts(int(i))
		at, days := export.LoginColumns(snap, u, o.now())
		last := "?"
		switch {
		case days == "never":
			last = "never"
		case at != "":
			last = at[:10] + " (" + days + "d)"
		}
		t.row(u.Name(), u.Label(), export.Status(u.Active), strconv.Itoa(r), strconv.Itoa(org), u.UserType, last)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if !snap.Access.Logins.Read {
		fmt.Fprintf(o.io.ErrOut, "last login: not available — %s\n", snap.Access.Logins.Reason())
	}
	fmt.Fprintf(o.io.ErrOut, "%s of %s users · snapshot %s (%s)\n", numfmt.Commas(len(idx)), numfmt.Commas(len(snap.Users)),
		snap.Info.AgeText(o.now()), snap.Info.FinishedAt.Local().Format("2006-01-02 15:04"))
	return nil
}
