package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

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
		Short: "List cached users (filter: free text, role:X, org:X, status:active|inactive, type:X)",
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
	return cmd
}

func usersRun(ctx context.Context, o *usersOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	idx, err := tenant.NewIndex(snap).Filter(o.Filter, nil)
	if err != nil {
		return fmt.Errorf("--filter: %w", err)
	}
	w := o.io.Out
	switch {
	case o.Output.json:
		list := make([]userJSON, 0, len(idx))
		for _, i := range idx {
			list = append(list, toUserJSON(snap, int(i)))
		}
		return writeJSON(w, list)
	case o.Output.csv:
		c := newCSV(w, "id", "name", "email", "userName", "status", "roles", "orgs", "type")
		for _, i := range idx {
			u := &snap.Users[i]
			r, org := snap.RoleOrgCounts(int(i))
			c.row(u.ID, u.Name(), u.Email, u.UserName, status(u.Active), strconv.Itoa(r), strconv.Itoa(org), u.UserType)
		}
		return c.flush()
	}
	t := newTable(w, "NAME", "EMAIL", "STATUS", "ROLES", "ORGS", "TYPE")
	for _, i := range idx {
		u := &snap.Users[i]
		r, org := snap.RoleOrgCounts(int(i))
		t.row(u.Name(), u.Label(), status(u.Active), strconv.Itoa(r), strconv.Itoa(org), u.UserType)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(o.io.ErrOut, "%s of %s users · snapshot %s (%s)\n", numfmt.Commas(len(idx)), numfmt.Commas(len(snap.Users)),
		snap.Info.AgeText(o.now()), snap.Info.FinishedAt.Local().Format("2006-01-02 15:04"))
	return nil
}
