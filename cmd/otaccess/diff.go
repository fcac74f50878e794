package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

type diffOptions struct {
	*app
	From, To string
	Output   outputFlags
}

func newCmdDiff(a *app, runF func(context.Context, *diffOptions) error) *cobra.Command {
	o := &diffOptions{app: a}
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show what changed between two snapshots (default: the previous sync and the current one)",
		Long: `Compare two snapshots: users added, removed, deactivated and reactivated,
memberships granted and revoked. By default the previous sync with the
current snapshot; --from (and --to, default the current one) name others
the cache kept, by id (otaccess snapshots lists them) or by date (the last
synced by then). Writes made from otaccess since the last sync count as
changes too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return diffRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.From, "from", "", "the older snapshot: an id or a date, e.g. 2026-11-30")
	cmd.Flags().StringVar(&o.To, "to", "", "the newer snapshot: an id or a date (default the current one)")
	o.Output.add(cmd, false)
	return cmd
}

// diffBetween is the diff --from and --to name: the previous and the
// current snapshot when neither is given.
func diffBetween(ctx context.Context, o *diffOptions) (tenant.SnapshotDiff, error) {
	svc, err := o.openCache()
	if err != nil {
		return tenant.SnapshotDiff{}, err
	}
	if o.From == "" && o.To == "" {
		d, _, err := svc.DiffSincePrevious(ctx)
		return d, o.explain(err)
	}
	if o.From == "" {
		return tenant.SnapshotDiff{}, errors.New("--to needs --from: say which snapshot to compare it with (otaccess snapshots lists them)")
	}
	from, err := svc.ResolveSnapshot(ctx, o.From, time.Local)
	if err != nil {
		return tenant.SnapshotDiff{}, fmt.Errorf("--from %s: %w", o.From, o.explain(err))
	}
	to, err := svc.LatestInfo(ctx)
	if o.To != "" {
		to, err = svc.ResolveSnapshot(ctx, o.To, time.Local)
		if err != nil {
			return tenant.SnapshotDiff{}, fmt.Errorf("--to %s: %w", o.To, o.explain(err))
		}
	}
	if err != nil {
		return tenant.SnapshotDiff{}, o.explain(err)
	}
	d, err := svc.DiffSnapshots(ctx, from.ID, to.ID)
	return d, o.explain(err)
}

func diffRun(ctx context.Context, o *diffOptions) error {
	d, err := diffBetween(ctx, o)
	if err != nil {
		return err
	}
	w := o.io.Out
	if o.Output.json {
		return export.WriteJSON(w, toDiffJSON(&d))
	}
	fmt.Fprintf(w, "changes from the sync of %s to the sync of %s (%s)\n",
		d.From.FinishedAt.Local().Format("2006-01-02 15:04"), d.To.FinishedAt.Local().Format("2006-01-02 15:04"), textsafe.Line(d.To.Source))
	if v := tenant.ViewChange(d.From, d.To); v != "" {
		fmt.Fprintln(w, v)
	}
	if d.Empty() {
		fmt.Fprintln(w, "no changes")
		return nil
	}
	users := func(title, mark string, list []tenant.UserRef) {
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s (%s)\n", title, numfmt.Commas(len(list)))
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
		fmt.Fprintf(w, "\n%s (%s)\n", title, numfmt.Commas(len(list)))
		t := newTable(w, "", "USER", "ROLE — ORG", "GROUP ID")
		for _, m := range list {
			t.row(mark, m.User.Label, m.Membership()+m.ViaNote(), m.GroupID)
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
}

// A diff lists users and access by the refs a comparison uses too.
type (
	diffUserJSON       = export.UserRef
	diffMembershipJSON = export.AccessRef
)

type diffJSON struct {
	From        string               `json:"fromSnapshotTime"`
	To          string               `json:"toSnapshotTime"`
	Tenant      string               `json:"tenantUrl"`
	Added       []diffUserJSON       `json:"usersAdded"`
	Removed     []diffUserJSON       `json:"usersRemoved"`
	Deactivated []diffUserJSON       `json:"usersDeactivated"`
	Reactivated []diffUserJSON       `json:"usersReactivated"`
	Granted     []diffMembershipJSON `json:"membershipsGranted"`
	Revoked     []diffMembershipJSON `json:"membershipsRevoked"`
	// ViewWarning: the snapshots see different parts of the tenant (see
	// tenant.ViewChange).
	ViewWarning string `json:"viewWarning,omitempty"`
}

func toDiffJSON(d *tenant.SnapshotDiff) diffJSON {
	us, ms := export.UserRefs, export.AccessRefs
	return diffJSON{
		From: d.From.FinishedAt.Format(time.RFC3339), To: d.To.FinishedAt.Format(time.RFC3339), Tenant: d.To.Source,
		Added: us(d.UsersAdded), Removed: us(d.UsersRemoved), Deactivated: us(d.Deactivated), Reactivated: us(d.Reactivated),
		Granted: ms(d.Granted), Revoked: ms(d.Revoked), ViewWarning: tenant.ViewChange(d.From, d.To),
	}
}
