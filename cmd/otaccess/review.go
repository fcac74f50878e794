package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// localService is an offline service over the cache: reviews are started,
// decided and exported without a connection (or a token command run).
func (a *app) localService() (*access.Service, error) {
	if a.svc != nil {
		return a.svc, nil
	}
	return a.openCache()
}

// loadReview loads review name from the cache; no connection is needed.
// A missing review says how to list them (see explain).
func (a *app) loadReview(cmd *cobra.Command, name string) (*access.Service, *tenant.Review, error) {
	svc, err := a.localService()
	if err != nil {
		return nil, nil, err
	}
	r, err := svc.Review(cmd.Context(), name)
	return svc, r, a.explain(err)
}

func (a *app) reviewCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Access reviews: freeze a scope, decide keep/revoke/skip, export evidence, apply revocations",
		Long: `An access review freezes which memberships are under review against the
current snapshot, records a keep / revoke / skip decision (and a note) for
each, exports evidence (CSV + JSON with a summary and a SHA-256 of the rows)
and revokes every "revoke" decision on the tenant.

Decide in the terminal UI (press R), or with "review decide" from a script.
Reviews are stored in the cache and survive restarts and later syncs.`,
	}
	cmd.AddCommand(a.reviewStartCmd(), a.reviewListCmd(), a.reviewShowCmd(), a.reviewDecideCmd(),
		a.reviewExportCmd(), a.reviewApplyCmd())
	return cmd
}

func (a *app) reviewStartCmd() *cobra.Command {
	var name string
	var sc access.ReviewScope
	cmd := &cobra.Command{
		Use:   "start --name NAME [--org ORG] [--role ROLE] [--filter TEXT]",
		Short: "Start a review: freeze the memberships in scope against the current snapshot",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if name != "" && name != args[0] {
					return errors.New("give the review's name once: --name NAME or NAME")
				}
				name = args[0]
			}
			if name == "" {
				return errors.New("a review needs a name: --name Q4-2026")
			}
			svc, err := a.localService()
			if err != nil {
				return err
			}
			r, err := svc.StartReview(cmd.Context(), name, sc)
			if err != nil {
				return a.explain(err)
			}
			users := map[string]bool{}
			var inactive, noRole, admin, fresh int
			for _, it := range r.Items {
				users[it.UserID] = true
				switch {
				case it.NoRole():
					noRole++
					continue
				case it.Hints.Has(tenant.HintInactive):
					inactive++
				}
				if it.Hints.Has(tenant.HintAdmin) {
					admin++
				}
				if it.Hints.Has(tenant.HintNew) {
					fresh++
				}
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "started review %s: %s of %s (%s)\n", textsafe.Line(r.Name),
				numfmt.Count(r.Counts.Items-noRole, "membership", "memberships"), numfmt.Count(len(users), "user", "users"), textsafe.Line(r.Scope))
			fmt.Fprintf(w, "frozen against the snapshot of %s from %s\n", r.SnapshotAt.Local().Format("2006-01-02 15:04"), textsafe.Line(r.Tenant))
			fmt.Fprintf(w, "hints: %s held by inactive users, %s, %s of admin roles, %d granted since the previous sync\n",
				numfmt.Count(inactive, "membership", "memberships"), numfmt.Count(noRole, "user with no role", "users with no role"), numfmt.Count(admin, "membership", "memberships"), fresh)
			fmt.Fprintf(w, "next: decide in the terminal UI (otaccess, then R), or `otaccess review decide %s USER ROLE ORG keep|revoke|skip`\n", textsafe.Line(r.Name))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "the review's name, e.g. Q4-2026 (unique in this cache)")
	f.StringVar(&sc.Org, "org", "", "only memberships in this organization (id, exact name, or every name containing it)")
	f.StringVar(&sc.Role, "role", "", "only memberships of this role (id, exact name, or every name containing it)")
	f.StringVarP(&sc.Filter, "filter", "f", "", `only these users, e.g. "status:inactive", "type:external", "legal"`)
	return cmd
}

func (a *app) reviewListCmd() *cobra.Command {
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the reviews in this cache with their progress",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.localService()
			if err != nil {
				return err
			}
			list, err := svc.Reviews(cmd.Context())
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if out.json {
				type reviewJSON struct {
					Name       string `json:"name"`
					CreatedAt  string `json:"created_at"`
					CreatedBy  string `json:"created_by"`
					Scope      string `json:"scope"`
					Tenant     string `json:"tenant_url"`
					SnapshotAt string `json:"snapshot_time"`
					Items      int    `json:"items"`
					Decided    int    `json:"decided"`
					Keep       int    `json:"keep"`
					Revoke     int    `json:"revoke"`
					Skip       int    `json:"skip"`
					Applied    int    `json:"applied"`
					Failed     int    `json:"failed"`
				}
				rows := []reviewJSON{}
				for _, r := range list {
					c := r.Counts
					rows = append(rows, reviewJSON{r.Name, r.CreatedAt.Format(time.RFC3339), r.CreatedBy, r.Scope, r.Tenant,
						r.SnapshotAt.Format(time.RFC3339), c.Items, c.Decided(), c.Keep, c.Revoke, c.Skip, c.Applied, c.Failed})
				}
				return writeJSON(w, rows)
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no reviews yet: `otaccess review start --name NAME` starts one")
				return nil
			}
			t := newTable(w, "NAME", "STARTED", "BY", "DECIDED", "KEEP", "REVOKE", "SKIP", "APPLIED", "FAILED", "SCOPE")
			for _, r := range list {
				c := r.Counts
				t.row(r.Name, r.CreatedAt.Local().Format("2006-01-02 15:04"), r.CreatedBy, fmt.Sprintf("%d/%d", c.Decided(), c.Items),
					strconv.Itoa(c.Keep), strconv.Itoa(c.Revoke), strconv.Itoa(c.Skip), strconv.Itoa(c.Applied), strconv.Itoa(c.Failed), r.Scope)
			}
			return t.flush()
		},
	}
	out.add(cmd, false)
	return cmd
}

func (a *app) reviewShowCmd() *cobra.Command {
	var only string
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a review's items and decisions (--decision to list only some)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var want *tenant.Verdict
			if only != "" {
				v, err := tenant.ParseVerdict(only)
				if err != nil {
					return fmt.Errorf("--decision: %w", err)
				}
				want = &v
			}
			_, r, err := a.loadReview(cmd, args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			t := newTable(w, "USER", "ROLE — ORG", "HINTS", "DECISION", "BY", "APPLIED", "NOTE")
			for _, it := range r.Items {
				if want != nil && it.Decision != *want {
					continue
				}
				applied := string(it.ApplyStatus)
				if it.ApplyStatus == tenant.ApplyFailed {
					applied += ": " + it.ApplyError
				}
				t.row(it.UserLabel, it.Membership(), it.Hints.String(), it.Decision.String(), it.Reviewer, applied, it.Note)
			}
			if err := t.flush(); err != nil {
				return err
			}
			c := r.Counts
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d of %d decided (keep %d, revoke %d, skip %d); %d revocations applied, %d failed\n",
				textsafe.Line(r.Name), c.Decided(), c.Items, c.Keep, c.Revoke, c.Skip, c.Applied, c.Failed)
			return nil
		},
	}
	cmd.Flags().StringVar(&only, "decision", "", "only items with this decision: keep, revoke, skip or undecided")
	return cmd
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

func (a *app) reviewDecideCmd() *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:   "decide NAME USER ROLE ORG keep|revoke|skip|undecided",
		Short: "Record one decision (for scripts; the terminal UI is the usual way)",
		Long: `Record one decision in review NAME. USER is an id, email or userName; ROLE
and ORG name the membership (a unique part of each will do, or their ids, as
grant takes them). Use "-" "-" for
a user who holds no role, and GROUP "-" for a group that is not role x org.`,
		Args: cobra.ExactArgs(5),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := tenant.ParseVerdict(args[4])
			if err != nil {
				return err
			}
			svc, r, err := a.loadReview(cmd, args[0])
			if err != nil {
				return err
			}
			i, err := findReviewItem(r, args[1], args[2], args[3])
			if err != nil {
				return err
			}
			it := &r.Items[i]
			d := tenant.Decision{Key: it.Key(), Verdict: v, Reviewer: svc.Actor, At: time.Now()}
			if cmd.Flags().Changed("note") {
				d.Note = &note
			}
			if err := svc.Decide(cmd.Context(), r.ID, d); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s — %s\n", v, textsafe.Line(it.UserLabel), textsafe.Line(it.Membership()))
			return nil
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "a note kept with the decision (replaces an earlier one)")
	return cmd
}

func (a *app) reviewExportCmd() *cobra.Command {
	var csvPath, jsonPath string
	cmd := &cobra.Command{
		Use:   "export NAME --csv FILE --json FILE",
		Short: "Export a review as evidence: one row per membership, a summary, the snapshot time, tenant URL and a SHA-256 of the rows",
		Long: `Export review NAME. The CSV has one row per item (user, email, role, org,
decision, note, reviewer, decided-at, apply result, snapshot time, tenant URL),
every cell guarded against spreadsheet formula injection. The JSON has the same
rows, a summary (counts per decision, reviewers) and rows_sha256: the SHA-256
of the CSV export, which "sha256sum FILE.csv" reproduces. Rows are always in
the review's fixed order, so the same review exports the same bytes.
FILE "-" writes to standard output.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if csvPath == "" && jsonPath == "" {
				return errors.New("say where to write: --csv FILE and/or --json FILE")
			}
			if csvPath == "-" && jsonPath == "-" {
				return errors.New("only one of --csv and --json can be - (standard output)")
			}
			svc, r, err := a.loadReview(cmd, args[0])
			if err != nil {
				return err
			}
			ev, data, err := access.BuildEvidence(r, time.Now(), svc.Actor)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if csvPath != "" {
				if err := writeFileAtomic(w, csvPath, data); err != nil {
					return err
				}
			}
			if jsonPath != "" {
				var buf strings.Builder
				if err := writeJSON(&buf, ev); err != nil {
					return err
				}
				if err := writeFileAtomic(w, jsonPath, []byte(buf.String())); err != nil {
					return err
				}
			}
			s := ev.Summary
			info := cmd.ErrOrStderr()
			fmt.Fprintf(info, "exported %s: %d rows (keep %d, revoke %d, skip %d, undecided %d; %d revocations applied, %d failed)\n",
				textsafe.Line(r.Name), s.Total, s.Keep, s.Revoke, s.Skip, s.Undecided, s.Applied, s.ApplyFailed)
			fmt.Fprintf(info, "rows sha256 %s\n", ev.RowsSHA256)
			return nil
		},
	}
	cmd.Flags().StringVar(&csvPath, "csv", "", "write the CSV evidence to FILE")
	cmd.Flags().StringVar(&jsonPath, "json", "", "write the JSON evidence (rows, summary, hash) to FILE")
	return cmd
}

// applySample is how many revocations the confirmation lists.
const applySample = 5

func (a *app) reviewApplyCmd() *cobra.Command {
	var wf writeFlags
	var concurrency int
	cmd := &cobra.Command{
		Use:   "apply NAME",
		Short: `Revoke every "revoke" decision of a review on the tenant; a re-run retries only what failed`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, r, err := a.loadReview(cmd, args[0])
			if err != nil {
				return err
			}
			todo := access.PendingRevocations(r)
			w := cmd.OutOrStdout()
			if len(todo) == 0 {
				fmt.Fprintf(w, "nothing to apply: %s has no pending revoke decision (%d applied)\n", textsafe.Line(r.Name), r.Counts.Applied)
				return nil
			}
			retries := 0
			for _, it := range todo {
				if it.ApplyStatus == tenant.ApplyFailed {
					retries++
				}
			}
			head := fmt.Sprintf("plan: revoke %s on %s", numfmt.Count(len(todo), "membership", "memberships"), r.Tenant)
			if retries > 0 {
				head += fmt.Sprintf(" (%d retried after failing)", retries)
			}
			fmt.Fprintln(w, textsafe.Line(head))
			show := todo
			if !wf.dryRun && len(show) > applySample {
				show = show[:applySample]
			}
			for _, it := range show {
				ch := access.ReviewChange(&it)
				fmt.Fprintf(w, "  %s    %s\n", textsafe.Line(ch.Describe()), ch.Request())
			}
			if len(show) < len(todo) {
				fmt.Fprintf(w, "  … and %d more (--dry-run lists them all)\n", len(todo)-len(show))
			}
			if wf.dryRun {
				return nil
			}
			svc, err := a.service(ctx, true)
			if err != nil {
				return err
			}
			if err := a.confirm(cmd, wf, fmt.Sprintf("Revoke %s?", numfmt.Count(len(todo), "membership", "memberships"))); err != nil {
				return err
			}
			var mu sync.Mutex
			res, err := svc.ApplyReview(ctx, r, access.ReviewApplyOptions{Concurrency: concurrency, Progress: func(p access.ReviewApplyProgress) {
				mu.Lock()
				defer mu.Unlock()
				ch := access.ReviewChange(&p.Item)
				if p.Err != nil {
					fmt.Fprintf(w, "✗ [%d/%d] %s: %s\n", p.Done, p.Total, textsafe.Line(ch.Describe()), textsafe.Line(p.Err.Error()))
					return
				}
				fmt.Fprintf(w, "✓ [%d/%d] %s\n", p.Done, p.Total, textsafe.Line(ch.Past()))
			}})
			fmt.Fprintf(w, "%d revoked, %d failed, %d not attempted\n", res.Applied, res.Failed, res.Total-res.Applied-res.Failed)
			if err != nil {
				return err
			}
			if res.Failed > 0 {
				return fmt.Errorf("%d of %d revocations failed (listed above, and recorded in the review); run `otaccess review apply %s` again to retry only those",
					res.Failed, res.Total, r.Name)
			}
			return nil
		},
	}
	wf.add(cmd)
	cmd.Flags().IntVar(&concurrency, "parallel", 4, "revocations in flight at once (the client paces below the tenant's rate limit either way)")
	return cmd
}

// ---- diff ----

func (a *app) diffCmd() *cobra.Command {
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show what changed between the previous sync and the current snapshot",
		Long: `Compare the previous snapshot with the current one: users added, removed,
deactivated and reactivated, memberships granted and revoked. The cache
keeps the current and the previous sync; writes made from otaccess since
the last sync count as changes too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.openCache()
			if err != nil {
				return err
			}
			d, _, err := svc.DiffSincePrevious(cmd.Context())
			if err != nil {
				return a.explain(err)
			}
			w := cmd.OutOrStdout()
			if out.json {
				return writeJSON(w, toDiffJSON(&d))
			}
			fmt.Fprintf(w, "changes from the sync of %s to the sync of %s (%s)\n",
				d.From.FinishedAt.Local().Format("2006-01-02 15:04"), d.To.FinishedAt.Local().Format("2006-01-02 15:04"), textsafe.Line(d.To.Source))
			if d.Empty() {
				fmt.Fprintln(w, "no changes")
				return nil
			}
			users := func(title, mark string, list []tenant.UserRef) {
				if len(list) == 0 {
					return
				}
				fmt.Fprintf(w, "\n%s (%d)\n", title, len(list))
				t := newTable(w, "", "NAME", "EMAIL / USERNAME", "ID")
				for _, u := range list {
					t.row(mark, u.Name, u.Label, u.ID)
				}
				t.flush()
			}
			members := func(title, mark string, list []tenant.MembershipRef) {
				if len(list) == 0 {
					return
				}
				fmt.Fprintf(w, "\n%s (%d)\n", title, len(list))
				t := newTable(w, "", "USER", "ROLE — ORG", "GROUP ID")
				for _, m := range list {
					t.row(mark, m.User.Label, m.Membership(), m.GroupID)
				}
				t.flush()
			}
			users("users added", "+", d.UsersAdded)
			users("users removed", "-", d.UsersRemoved)
			users("users deactivated", "○", d.Deactivated)
			users("users reactivated", "●", d.Reactivated)
			members("memberships granted", "+", d.Granted)
			members("memberships revoked", "-", d.Revoked)
			return nil
		},
	}
	out.add(cmd, false)
	return cmd
}

type diffUserJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Label string `json:"label"`
}

type diffMembershipJSON struct {
	UserID  string `json:"user_id"`
	User    string `json:"user"`
	GroupID string `json:"group_id"`
	Role    string `json:"role"`
	Org     string `json:"org"`
	Group   string `json:"group"`
}

type diffJSON struct {
	From        string               `json:"from_snapshot_time"`
	To          string               `json:"to_snapshot_time"`
	Tenant      string               `json:"tenant_url"`
	Added       []diffUserJSON       `json:"users_added"`
	Removed     []diffUserJSON       `json:"users_removed"`
	Deactivated []diffUserJSON       `json:"users_deactivated"`
	Reactivated []diffUserJSON       `json:"users_reactivated"`
	Granted     []diffMembershipJSON `json:"memberships_granted"`
	Revoked     []diffMembershipJSON `json:"memberships_revoked"`
}

func toDiffJSON(d *tenant.SnapshotDiff) diffJSON {
	us := func(list []tenant.UserRef) []diffUserJSON {
		out := make([]diffUserJSON, 0, len(list))
		for _, u := range list {
			out = append(out, diffUserJSON{u.ID, u.Name, u.Label})
		}
		return out
	}
	ms := func(list []tenant.MembershipRef) []diffMembershipJSON {
		out := make([]diffMembershipJSON, 0, len(list))
		for _, m := range list {
			out = append(out, diffMembershipJSON{m.User.ID, m.User.Label, m.GroupID, m.Role, m.Org, m.Group})
		}
		return out
	}
	return diffJSON{
		From: d.From.FinishedAt.Format(time.RFC3339), To: d.To.FinishedAt.Format(time.RFC3339), Tenant: d.To.Source,
		Added: us(d.UsersAdded), Removed: us(d.UsersRemoved), Deactivated: us(d.Deactivated), Reactivated: us(d.Reactivated),
		Granted: ms(d.Granted), Revoked: ms(d.Revoked),
	}
}
