package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

type reviewDecideOptions struct {
	*app
	Name            string
	User, Role, Org string
	Verdict         tenant.Verdict
	Note            *string // nil: keep the item's note
	FromFile        string  // a decision file or CSV export; "-" standard input
}

func newCmdReviewDecide(a *app, runF func(context.Context, *reviewDecideOptions) error) *cobra.Command {
	o := &reviewDecideOptions{app: a}
	var note string
	cmd := &cobra.Command{
		Use:   "decide NAME (USER ROLE ORG keep|revoke|skip|undecided | --from-file FILE)",
		Short: "Record one decision, or a file of them (for scripts; the terminal UI and review edit are the usual ways)",
		Long: `Record one decision in review NAME. USER is an id, email or userName; ROLE
and ORG name the membership (a unique part of each will do, or their ids, as
grant takes them). Use "-" for both ROLE and ORG for a user who holds no
role, and GROUP "-" for a group that is not role x org.

With --from-file FILE, record every line of a decision file (the format
"review edit" writes) or every row of a CSV with the export's columns
(review, user_id, group_id, decision, and note if present) whose decision or
note differs from the item's. Lines that cannot be recorded are reported,
change nothing, and make the exit status 1. FILE "-" reads standard input.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("from-file") {
				return cobra.ExactArgs(1)(cmd, args)
			}
			return cobra.ExactArgs(5)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.FromFile != "" {
				o.Name = args[0]
				if runF != nil {
					return runF(cmd.Context(), o)
				}
				return reviewDecideFileRun(cmd.Context(), o)
			}
			v, err := tenant.ParseVerdict(args[4])
			if err != nil {
				return err
			}
			o.Name, o.User, o.Role, o.Org, o.Verdict = args[0], args[1], args[2], args[3], v
			if cmd.Flags().Changed("note") {
				o.Note = &note
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return reviewDecideRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "a note kept with the decision (replaces an earlier one)")
	cmd.Flags().StringVar(&o.FromFile, "from-file", "", "record the decisions of a decision file or CSV export (- for standard input)")
	return cmd
}

func reviewDecideRun(ctx context.Context, o *reviewDecideOptions) error {
	svc, r, err := o.loadReview(ctx, o.Name)
	if err != nil {
		return err
	}
	i, err := findReviewItem(r, o.User, o.Role, o.Org)
	if err != nil {
		return err
	}
	it := &r.Items[i]
	d := tenant.Decision{Key: it.Key(), Verdict: o.Verdict, Reviewer: svc.Actor, At: o.now(), Note: o.Note}
	if err := svc.Decide(ctx, r.ID, d); err != nil {
		return err
	}
	fmt.Fprintf(o.io.Out, "%s: %s — %s\n", o.Verdict, textsafe.Line(it.UserLabel), textsafe.Line(it.Membership()))
	return nil
}

// findReviewItem resolves USER ROLE ORG to one item of the review. USER is an id
// or an email/userName; ROLE and ORG are names (any case; a unique part
// will do) or ids, as `grant` takes them (ROLE may also be the group id),
// or "-" for a user who holds no role. A plain group is ROLE=its name,
// ORG "-".
func findReviewItem(r *tenant.Review, user, role, org string) (int, error) {
	var mine []int
	for i := range r.Items {
		it := &r.Items[i]
		if it.UserID == user || strings.EqualFold(it.UserEmail, user) || strings.EqualFold(it.UserLabel, user) {
			mine = append(mine, i)
		}
	}
	if len(mine) == 0 {
		return 0, fmt.Errorf("%q is not in review %s (give an id, email or userName; `otaccess review show %s` lists the items)", user, r.Name, r.Name)
	}
	norm := func(s string) string {
		if strings.TrimSpace(s) == "-" {
			return ""
		}
		return strings.ToLower(strings.TrimSpace(s))
	}
	role, org = norm(role), norm(org)
	field := func(it *tenant.ReviewItem) (string, string) {
		if it.Role == "" && it.Org == "" {
			return strings.ToLower(it.Group), "" // a plain group, or no role at all
		}
		return strings.ToLower(it.Role), strings.ToLower(it.Org)
	}
	// Per field: an exact name or id scores 2, a part of the name 1; the
	// best total wins, so "Legal" picks Legal over "EMEA - Legal".
	score := func(field, q string, ids ...string) int {
		switch {
		case field == q || (q != "" && slices.Contains(ids, q)):
			return 2
		case q != "" && strings.Contains(field, q):
			return 1
		}
		return 0
	}
	var hits []int
	best := 0
	for _, i := range mine {
		it := &r.Items[i]
		rn, on := field(it)
		gid := strings.ToLower(it.GroupID)
		roleID, orgID, _ := tenant.SplitGroupID(gid)
		roleScore, orgScore := score(rn, role, gid, roleID), score(on, org, orgID)
		if roleScore == 0 || orgScore == 0 {
			continue
		}
		switch total := roleScore + orgScore; {
		case total > best:
			best, hits = total, []int{i}
		case total == best:
			hits = append(hits, i)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		held := make([]string, 0, len(mine))
		for _, i := range mine {
			held = append(held, r.Items[i].Membership())
		}
		return 0, fmt.Errorf("%s holds no %q in %q in this review; it has: %s", r.Items[mine[0]].UserLabel, role, org, strings.Join(held, "; "))
	}
	names := make([]string, 0, len(hits))
	for _, i := range hits {
		names = append(names, r.Items[i].Membership())
	}
	return 0, fmt.Errorf("%q in %q is ambiguous for %s: %s", role, org, r.Items[hits[0]].UserLabel, strings.Join(names, "; "))
}
