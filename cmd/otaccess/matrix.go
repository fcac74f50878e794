package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
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
	addAsOf(cmd, a)
	return cmd
}

func matrixRun(ctx context.Context, o *matrixOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	m := snap.TenantMatrix()
	user := -1
	if o.User != "" {
		if user, err = findUser(snap, o.User); err != nil {
			return err
		}
	}
	header, rows := export.MatrixTable(snap, m, user, nil, nil)
	matrixNote(o, snap, m)
	w := o.io.Out
	if o.CSV {
		return export.MatrixCSV(w, header, rows)
	}
	t := newTable(w, header...)
	for _, row := range rows {
		t.row(row...)
	}
	return t.flush()
}

// matrixNote says on standard error what the figures count, so the table
// and CSV stay plain data.
func matrixNote(o *matrixOptions, snap *tenant.Snapshot, m tenant.Matrix) {
	w := o.io.ErrOut
	if !snap.Access.UserGroups.Read {
		fmt.Fprintf(w, "note: direct access only; user groups: not available — %s\n", snap.Access.UserGroups.Reason())
		return
	}
	if o.User != "" {
		fmt.Fprintln(w, "● direct  ○ only through a user group  ◉ both  · not held")
		return
	}
	via := 0
	for i := range m.ViaOnly {
		for _, n := range m.ViaOnly[i] {
			via += n
		}
	}
	fmt.Fprintf(w, "counts are effective access (direct or through a user group); %s only through a user group\n",
		numfmt.Count(via, "membership is held", "memberships are held"))
}
