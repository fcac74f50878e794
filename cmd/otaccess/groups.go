package main

import (
	"context"
	"strconv"

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
	return cmd
}

// groupJSON is a group in `groups --json`: its membership fields and its
// member count.
type groupJSON struct {
	GroupID string `json:"groupId"`
	Role    string `json:"role,omitempty"`
	Org     string `json:"org,omitempty"`
	Group   string `json:"group"`
	// Members counts effective access (direct or through a user group);
	// DirectMembers those holding it directly (SCIM's view).
	Members       int `json:"members"`
	DirectMembers int `json:"directMembers"`
}

func groupsRun(ctx context.Context, o *groupsOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	w := o.io.Out
	switch {
	case o.Output.json:
		list := make([]groupJSON, 0, len(snap.Groups))
		for g := range snap.Groups {
			m := toMembershipJSON(snap, g)
			list = append(list, groupJSON{m.GroupID, m.Role, m.Org, m.Group, len(snap.EffectiveMembers(g)), len(snap.Groups[g].Members)})
		}
		return writeJSON(w, list)
	case o.Output.csv:
		c := newCSV(w, "groupId", "role", "org", "group", "members", "directMembers")
		for g := range snap.Groups {
			m := toMembershipJSON(snap, g)
			c.row(m.GroupID, m.Role, m.Org, m.Group, strconv.Itoa(len(snap.EffectiveMembers(g))), strconv.Itoa(len(snap.Groups[g].Members)))
		}
		return c.flush()
	}
	t := newTable(w, "ROLE", "ORG", "MEMBERS", "GROUP")
	for g := range snap.Groups {
		m := toMembershipJSON(snap, g)
		t.row(m.Role, m.Org, strconv.Itoa(len(snap.EffectiveMembers(g))), m.Group)
	}
	return t.flush()
}
