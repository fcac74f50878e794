package main

import (
	"context"
	"strconv"

	"github.com/otaccess/otaccess/export"
	"github.com/spf13/cobra"
)

type groupsOptions struct {
	*app
	Output outputFlags
}

func newCmdGroups(a *app, runF func(context.Context, *groupsOptions) error) *cobra.Command {
	o := &groupsOptions{app: a}
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "List cached groups with their role, organization and member count",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return groupsRun(cmd.Context(), o)
		},
	}
	o.Output.add(cmd, true)
	addAsOf(cmd, a)
	return cmd
}

func groupsRun(ctx context.Context, o *groupsOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	w := o.io.Out
	switch {
	case o.Output.json:
		list := make([]export.Group, 0, len(snap.Groups))
		for g := range snap.Groups {
			list = append(list, export.ToGroup(snap, g))
		}
		return export.WriteJSON(w, list)
	case o.Output.csv:
		c := export.NewCSV(w, "groupId", "role", "org", "group", "members", "directMembers")
		for g := range snap.Groups {
			m := export.ToGroup(snap, g)
			c.Row(m.GroupID, m.Role, m.Org, m.Group, strconv.Itoa(m.Members), strconv.Itoa(m.DirectMembers))
		}
		return c.Flush()
	}
	t := newTable(w, "ROLE", "ORG", "MEMBERS", "GROUP")
	for g := range snap.Groups {
		m := export.ToMembership(snap, g)
		t.row(m.Role, m.Org, strconv.Itoa(len(snap.EffectiveMembers(g))), m.Group)
	}
	return t.flush()
}
