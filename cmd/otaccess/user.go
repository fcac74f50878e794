package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/tenant"
)

type userOptions struct {
	*app
	Who    string // an id, email or userName
	Output outputFlags
}

func newCmdUser(a *app, runF func(context.Context, *userOptions) error) *cobra.Command {
	o := &userOptions{app: a}
	cmd := &cobra.Command{
		Use:   "user ID|EMAIL|USERNAME",
		Short: "Show one cached user and its memberships",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Who = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return userRun(cmd.Context(), o)
		},
	}
	o.Output.add(cmd, false)
	return cmd
}

func userRun(ctx context.Context, o *userOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	i, err := findUser(snap, o.Who)
	if err != nil {
		return err
	}
	w := o.io.Out
	if o.Output.json {
		return writeJSON(w, toUserJSON(snap, i))
	}
	u := &snap.Users[i]
	t := newTable(w, "FIELD", "VALUE")
	for _, kv := range [][2]string{
		{"name", u.Name()}, {"email", u.Email}, {"userName", u.UserName}, {"id", u.ID},
		{"status", status(u.Active)}, {"type", u.UserType}, {"title", u.Title},
		{"department", u.Department}, {"manager", u.ManagerName}, {"externalId", u.ExternalID},
		{"created", u.Created}, {"modified", u.LastModified},
	} {
		if kv[1] != "" {
			t.row(kv[0], kv[1])
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	m := newTable(w, "ROLE", "ORG", "GROUP ID")
	for _, g := range u.Groups {
		mj := toMembershipJSON(snap, int(g))
		role, org := mj.Role, mj.Org
		if role == "" {
			role = mj.Group
		}
		m.row(role, org, mj.GroupID)
	}
	return m.flush()
}

// findUser resolves an id, email or userName to exactly one cached user.
func findUser(snap *tenant.Snapshot, q string) (int, error) {
	hits := snap.Lookup(q)
	switch len(hits) {
	case 0:
		return 0, fmt.Errorf("no user matches %q (give an id, email or userName; `otaccess users --filter` searches)", q)
	case 1:
		return hits[0], nil
	}
	names := make([]string, 0, len(hits))
	for _, h := range hits {
		names = append(names, snap.Users[h].ID+" ("+snap.Users[h].Label()+")")
	}
	return 0, fmt.Errorf("%q matches %d users: %s; use the id", q, len(hits), strings.Join(names, ", "))
}
