package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

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
			if g < 0 {
				return ""
			}
			return heldMark(snap.Holds(u, int(g)))
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
	matrixNote(o, snap, m)
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

// heldMark is a user's matrix cell: ● held directly, ○ only through user
// groups, ◉ both ways, · not held.
func heldMark(direct bool, via []int32) string {
	switch {
	case direct && len(via) > 0:
		return "◉"
	case direct:
		return "●"
	case len(via) > 0:
		return "○"
	}
	return "·"
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
