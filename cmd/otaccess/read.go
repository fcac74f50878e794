package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

type outputFlags struct{ json, csv bool }

func (o *outputFlags) add(cmd *cobra.Command, withCSV bool) {
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	if withCSV {
		cmd.Flags().BoolVar(&o.csv, "csv", false, "print CSV")
		cmd.MarkFlagsMutuallyExclusive("json", "csv")
	}
}

// userJSON is the stable JSON shape of a user in CLI output.
type userJSON struct {
	ID          string           `json:"id"`
	UserName    string           `json:"userName"`
	Name        string           `json:"name"`
	Email       string           `json:"email"`
	Active      bool             `json:"active"`
	UserType    string           `json:"userType,omitempty"`
	Title       string           `json:"title,omitempty"`
	Department  string           `json:"department,omitempty"`
	ExternalID  string           `json:"externalId,omitempty"`
	Modified    string           `json:"lastModified,omitempty"`
	Memberships []membershipJSON `json:"memberships"`
}

type membershipJSON struct {
	GroupID string `json:"groupId"`
	Role    string `json:"role,omitempty"`
	Org     string `json:"org,omitempty"`
	Group   string `json:"group"`
}

func toUserJSON(snap *tenant.Snapshot, i int) userJSON {
	u := &snap.Users[i]
	out := userJSON{
		ID: u.ID, UserName: u.UserName, Name: u.Name(), Email: u.Email, Active: u.Active,
		UserType: u.UserType, Title: u.Title, Department: u.Department, ExternalID: u.ExternalID,
		Modified: u.LastModified, Memberships: []membershipJSON{},
	}
	for _, g := range u.Groups {
		out.Memberships = append(out.Memberships, toMembershipJSON(snap, int(g)))
	}
	return out
}

func toMembershipJSON(snap *tenant.Snapshot, g int) membershipJSON {
	grp := &snap.Groups[g]
	m := membershipJSON{GroupID: grp.ID, Group: grp.DisplayName}
	if !grp.Plain() {
		m.Role, m.Org = snap.Roles[grp.Role].Name, snap.Orgs[grp.Org].Name
	}
	return m
}

func status(active bool) string {
	if active {
		return "active"
	}
	return "inactive"
}

// writeJSON prints v as indented JSON. Server strings keep their exact
// value; the controls encoding/json leaves raw are escaped too, so JSON on
// a terminal cannot drive it.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(textsafe.JSON(b), '\n'))
	return err
}

func (a *app) usersCmd() *cobra.Command {
	var out outputFlags
	var filter string
	cmd := &cobra.Command{
		Use:   "users",
		Short: "List cached users (filter: free text, role:X, org:X, status:active|inactive, type:X)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			snap, err := a.snapshot(cmd.Context())
			if err != nil {
				return err
			}
			idx, err := tenant.NewIndex(snap).Filter(filter, nil)
			if err != nil {
				return fmt.Errorf("--filter: %w", err)
			}
			w := cmd.OutOrStdout()
			switch {
			case out.json:
				list := make([]userJSON, 0, len(idx))
				for _, i := range idx {
					list = append(list, toUserJSON(snap, int(i)))
				}
				return writeJSON(w, list)
			case out.csv:
				c := newCSV(w, "id", "name", "email", "userName", "status", "roles", "orgs", "type")
				for _, i := range idx {
					u := &snap.Users[i]
					r, o := snap.RoleOrgCounts(int(i))
					c.row(u.ID, u.Name(), u.Email, u.UserName, status(u.Active), strconv.Itoa(r), strconv.Itoa(o), u.UserType)
				}
				return c.flush()
			}
			t := newTable(w, "NAME", "EMAIL", "STATUS", "ROLES", "ORGS", "TYPE")
			for _, i := range idx {
				u := &snap.Users[i]
				r, o := snap.RoleOrgCounts(int(i))
				t.row(u.Name(), u.Label(), status(u.Active), strconv.Itoa(r), strconv.Itoa(o), u.UserType)
			}
			if err := t.flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d of %d users · snapshot %s (%s)\n", len(idx), len(snap.Users),
				snap.Info.AgeText(time.Now()), snap.Info.FinishedAt.Local().Format("2006-01-02 15:04"))
			return nil
		},
	}
	cmd.Flags().StringVarP(&filter, "filter", "f", "", `filter, e.g. "legal", "role:auditor", 'org:"EMEA - Sales"', "status:inactive"`)
	out.add(cmd, true)
	return cmd
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

func (a *app) userCmd() *cobra.Command {
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "user ID|EMAIL|USERNAME",
		Short: "Show one cached user and its memberships",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			snap, err := a.snapshot(cmd.Context())
			if err != nil {
				return err
			}
			i, err := findUser(snap, args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if out.json {
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
			t.flush()
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
		},
	}
	out.add(cmd, false)
	return cmd
}

func (a *app) groupsCmd() *cobra.Command {
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "List cached groups with their role, organization and member count",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			snap, err := a.snapshot(cmd.Context())
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			type groupJSON struct {
				membershipJSON
				Members int `json:"members"`
			}
			if out.json {
				list := make([]groupJSON, 0, len(snap.Groups))
				for g := range snap.Groups {
					list = append(list, groupJSON{toMembershipJSON(snap, g), len(snap.Groups[g].Members)})
				}
				return writeJSON(w, list)
			}
			if out.csv {
				c := newCSV(w, "groupId", "role", "org", "group", "members")
				for g := range snap.Groups {
					m := toMembershipJSON(snap, g)
					c.row(m.GroupID, m.Role, m.Org, m.Group, strconv.Itoa(len(snap.Groups[g].Members)))
				}
				return c.flush()
			}
			t := newTable(w, "ROLE", "ORG", "MEMBERS", "GROUP")
			for g := range snap.Groups {
				m := toMembershipJSON(snap, g)
				t.row(m.Role, m.Org, strconv.Itoa(len(snap.Groups[g].Members)), m.Group)
			}
			return t.flush()
		},
	}
	out.add(cmd, true)
	return cmd
}

func (a *app) matrixCmd() *cobra.Command {
	var asCSV bool
	var who string
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Print the role x organization matrix: member counts, or one user's memberships (--user)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			snap, err := a.snapshot(cmd.Context())
			if err != nil {
				return err
			}
			m := snap.TenantMatrix()
			cell := func(r, o int) string { return strconv.Itoa(m.Counts[r][o]) }
			if who != "" {
				u, err := findUser(snap, who)
				if err != nil {
					return err
				}
				cell = func(r, o int) string {
					g := m.Group[r][o]
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
			for _, o := range m.Orgs {
				header = append(header, snap.Orgs[o].Name)
			}
			rows := make([][]string, len(m.Roles))
			for r, role := range m.Roles {
				rows[r] = append(rows[r], snap.Roles[role].Name)
				for o := range m.Orgs {
					rows[r] = append(rows[r], cell(r, o))
				}
			}
			w := cmd.OutOrStdout()
			if asCSV {
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
		},
	}
	cmd.Flags().BoolVar(&asCSV, "csv", false, "print CSV")
	cmd.Flags().StringVar(&who, "user", "", "show this user's memberships (id, email or userName)")
	return cmd
}

func (a *app) auditCmd() *cobra.Command {
	var out outputFlags
	var limit int
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log of writes made from this cache, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.openCache()
			if err != nil {
				return err
			}
			entries, err := svc.Audit(cmd.Context(), limit)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if out.json {
				if entries == nil {
					entries = []tenant.AuditEntry{}
				}
				return writeJSON(w, entries)
			}
			if out.csv {
				c := newCSV(w, "at", "actor", "profile", "tenant", "action", "target", "detail", "result", "status")
				for _, e := range entries {
					c.row(e.At.Format(time.RFC3339), e.Actor, e.Profile, e.Tenant, e.Action, e.Target, e.Detail, e.Result, strconv.Itoa(e.Status))
				}
				return c.flush()
			}
			t := newTable(w, "WHEN", "WHO", "ACTION", "TARGET", "RESULT")
			for _, e := range entries {
				t.row(e.At.Local().Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Target, e.Result)
			}
			return t.flush()
		},
	}
	cmd.Flags().IntVarP(&limit, "limit", "n", 50, "how many entries (0 = all)")
	out.add(cmd, true)
	return cmd
}
