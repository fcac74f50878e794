package main

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/textsafe"
)

// addAsOf gives a read command --as-of: it reads the snapshot the cache
// kept from then instead of the current one (see app.snapshot). Writes
// have no such flag: they act on the tenant as it is now.
func addAsOf(cmd *cobra.Command, a *app) {
	cmd.Flags().StringVar(&a.asOf, "as-of", "", "read an older snapshot: its id (see otaccess snapshots) or a date, e.g. 2026-11-30 (the last synced by then)")
}

type snapshotsOptions struct {
	*app
	Output outputFlags
}

func newCmdSnapshots(a *app, runF func(context.Context, *snapshotsOptions) error) *cobra.Command {
	o := &snapshotsOptions{app: a}
	cmd := &cobra.Command{
		Use:   "snapshots",
		Short: "List the snapshots the cache keeps (ids for diff --from and --as-of)",
		Long: `List the dated snapshots the cache keeps, newest first: every sync of the
last 30 days and at least the last 10 ([history] keep_days and keep_min in
the config file). Snapshots share what did not change between them, so a
month of history costs little more than one sync.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return snapshotsRun(cmd.Context(), o)
		},
	}
	o.Output.add(cmd, false)
	return cmd
}

type snapshotJSON struct {
	ID          int64  `json:"id"`
	SyncedAt    string `json:"syncedAt"`
	Users       int    `json:"users"`
	Groups      int    `json:"groups"`
	Memberships int    `json:"memberships"`
	Current     bool   `json:"current"`
	Tenant      string `json:"tenantUrl"`
}

func snapshotsRun(ctx context.Context, o *snapshotsOptions) error {
	svc, err := o.openCache()
	if err != nil {
		return err
	}
	list, err := svc.Snapshots(ctx)
	if err == nil && len(list) == 0 {
		err = access.ErrNoSnapshot
	}
	if err != nil {
		return o.explain(err)
	}
	cur, err := svc.LatestInfo(ctx)
	if err != nil {
		return o.explain(err)
	}
	if o.Output.json {
		out := make([]snapshotJSON, len(list))
		for i, in := range list {
			out[i] = snapshotJSON{ID: in.ID, SyncedAt: in.FinishedAt.UTC().Format(time.RFC3339), Users: in.Users, Groups: in.Groups,
				Memberships: in.Memberships, Current: in.ID == cur.ID, Tenant: in.Source}
		}
		return export.WriteJSON(o.io.Out, out)
	}
	t := newTable(o.io.Out, "", "ID", "SYNCED", "USERS", "GROUPS", "MEMBERSHIPS", "TENANT")
	for _, in := range list {
		mark := ""
		if in.ID == cur.ID {
			mark = "*"
		}
		t.row(mark, strconv.FormatInt(in.ID, 10), in.FinishedAt.Local().Format("2006-01-02 15:04"), numfmt.Commas(in.Users),
			numfmt.Commas(in.Groups), numfmt.Commas(in.Memberships), textsafe.Line(in.Source))
	}
	return t.flush()
}
