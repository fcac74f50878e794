package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/textsafe"
	"github.com/spf13/cobra"
)

type orgsOptions struct {
	*app
	Output outputFlags
}

func newCmdOrgs(a *app, runF func(context.Context, *orgsOptions) error) *cobra.Command {
	o := &orgsOptions{app: a}
	cmd := &cobra.Command{
		Use:   "orgs",
		Short: "Print OneTrust's organization tree with direct and rolled-up member counts",
		Long: `Print the organization tree read by the last sync: each organization's name,
externalId, its members (users holding a role in it, directly or through a user
group) and its roll-up (users holding a role in it or any organization under it,
each counted once). Tree nodes are joined to the organizations of the SCIM group
ids by id, else by name; what could not be joined is reported at the end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return orgsRun(cmd.Context(), o)
		},
	}
	o.Output.add(cmd, false)
	addAsOf(cmd, a)
	return cmd
}

// orgJSON is one organization in `orgs --json`, nested as the tree is.
type orgJSON struct {
	Name            string    `json:"name"`
	OrganizationID  string    `json:"organizationId,omitempty"`
	ExternalID      string    `json:"externalId,omitempty"`
	DefaultApprover string    `json:"defaultApprover,omitempty"`
	OrgID           string    `json:"orgId"`    // the SCIM group ids' org half it joined, "" for none
	JoinedBy        string    `json:"joinedBy"` // "id", "name" or "" (not joined)
	Members         int       `json:"members"`
	RollUpMembers   int       `json:"rollUpMembers"`
	Children        []orgJSON `json:"children"`
}

type orgsJSON struct {
	Available bool     `json:"available"`
	Note      string   `json:"note,omitempty"` // why not, when not available
	Tree      *orgJSON `json:"tree"`
	Join      joinJSON `json:"join"`
}

type joinJSON struct {
	ByID     int      `json:"byId"`
	ByName   int      `json:"byName"`
	TreeOnly []string `json:"treeOnly"`
	SCIMOnly []string `json:"scimOnly"`
}

func orgsRun(ctx context.Context, o *orgsOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	w := o.io.Out
	tr := snap.OrgTree
	if tr == nil {
		if o.Output.json {
			return export.WriteJSON(w, orgsJSON{Note: snap.OrgTreeNote(), Join: joinJSON{TreeOnly: []string{}, SCIMOnly: []string{}}})
		}
		fmt.Fprintln(w, snap.OrgTreeNote())
		return nil
	}
	counts := tr.Counts(snap)
	orgID := func(n int32) (id, by string) {
		if o := tr.Org[n]; o >= 0 {
			id, by = snap.Orgs[o].ID, "id"
			if tr.ByName[n] {
				by = "name"
			}
		}
		return id, by
	}
	if o.Output.json {
		var build func(n int32) *orgJSON
		build = func(n int32) *orgJSON {
			nd := tr.Nodes[n]
			id, by := orgID(n)
			j := &orgJSON{Name: nd.Name, OrganizationID: nd.OrganizationID, ExternalID: nd.ExternalID, DefaultApprover: nd.DefaultApprover,
				OrgID: id, JoinedBy: by, Members: counts[n].Direct, RollUpMembers: counts[n].RollUp, Children: []orgJSON{}}
			for _, c := range tr.Children[n] {
				j.Children = append(j.Children, *build(c))
			}
			return j
		}
		jr := tr.Join
		return export.WriteJSON(w, orgsJSON{Available: true, Tree: build(0),
			Join: joinJSON{ByID: jr.ByID, ByName: jr.ByName, TreeOnly: nonNil(jr.TreeOnly), SCIMOnly: nonNil(jr.SCIMOnly)}})
	}
	t := newTable(w, "ORGANIZATION", "EXTERNAL ID", "MEMBERS", "ROLL-UP", "APPROVER")
	var walk func(n int32, prefix string, last bool)
	walk = func(n int32, prefix string, last bool) {
		nd := tr.Nodes[n]
		branch, next := "", ""
		if n != 0 {
			branch, next = "├─ ", "│  "
			if last {
				branch, next = "└─ ", "   "
			}
		}
		name := textsafe.Line(nd.Name)
		if tr.Org[n] < 0 {
			name += " (not in any SCIM group)"
		}
		t.row(prefix+branch+name, nd.ExternalID, numfmt.Commas(counts[n].Direct), numfmt.Commas(counts[n].RollUp), nd.DefaultApprover)
		kids := tr.Children[n]
		for i, c := range kids {
			walk(c, prefix+next, i == len(kids)-1)
		}
	}
	walk(0, "", true)
	if err := t.flush(); err != nil {
		return err
	}
	jr := tr.Join
	fmt.Fprintf(w, "\n%s; joined to SCIM orgs by id: %s, by name: %s\n", numfmt.Count(len(tr.Nodes), "organization", "organizations"),
		numfmt.Commas(jr.ByID), numfmt.Commas(jr.ByName))
	if len(jr.TreeOnly) > 0 {
		fmt.Fprintf(w, "in the tree but in no SCIM group id (%s): %s\n", numfmt.Commas(len(jr.TreeOnly)), joinNames(jr.TreeOnly))
	}
	if len(jr.SCIMOnly) > 0 {
		fmt.Fprintf(w, "in SCIM group ids but not in the tree (%s): %s\n", numfmt.Commas(len(jr.SCIMOnly)), joinNames(jr.SCIMOnly))
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func joinNames(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = textsafe.Line(n)
	}
	return strings.Join(out, ", ")
}
