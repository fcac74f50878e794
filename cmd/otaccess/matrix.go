package main

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"
)

type matrixOptions struct {
	*app
	CSV  bool
	User string // "": member counts; else this user's memberships
}

func newCmdMatrix(a *app, runF func(context.Context, *matrixOptions) error) *cobra.Command {
	o := &matrixOptions{app: a}
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Print the role x organization matrix: member counts, or one user's memberships (--user)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return matrixRun(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.CSV, "csv", false, "print CSV")
	cmd.Flags().StringVar(&o.User, "user", "", "show this user's memberships (id, email or userName)")
	return cmd
}

func matrixRun(ctx context.Context, o *matrixOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	m := snap.TenantMatrix()
	cell := func(r, org int) string { return strconv.Itoa(m.Counts[r][org]) }
	if o.User != "" {
		u, err := findUser(snap, o.User)
		if err != nil {
			return err
		}
		cell = func(r, org int) string {
			g := m.Group[r][org]
			switch {
			case g < 0:
				return ""
			case snap.IsMember(u, int(g)):
				return "●"
			}
			return "·"
		}
	}
	header := []string{"ROLE \\ ORG"}
	for _, org := range m.Orgs {
		header = append(header, snap.Orgs[org].Name)
	}
	rows := make([][]string, len(m.Roles))
	for r, role := range m.Roles {
		rows[r] = append(rows[r], snap.Roles[role].Name)
		for org := range m.Orgs {
			rows[r] = append(rows[r], cell(r, org))
		}
	}
	w := o.io.Out
	if o.CSV {
		header[0] = "role"
		c := newCSV(w, header...)
		for _, row := range rows {
			c.row(row...)
		}
		return c.flush()
	}
	t := newTable(w, header...)
	for _, row := range rows {
		t.row(row...)
	}
	return t.flush()
}
