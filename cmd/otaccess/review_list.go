package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/otaccess/otaccess/export"
	"github.com/spf13/cobra"
)

type reviewListOptions struct {
	*app
	Output outputFlags
}

func newCmdReviewList(a *app, runF func(context.Context, *reviewListOptions) error) *cobra.Command {
	o := &reviewListOptions{app: a}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the reviews in this cache with their progress",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return reviewListRun(cmd.Context(), o)
		},
	}
	o.Output.add(cmd, false)
	return cmd
}

// reviewJSON is a review in `review list --json`.
type reviewJSON struct {
	Name       string `json:"name"`
	CreatedAt  string `json:"createdAt"`
	CreatedBy  string `json:"createdBy"`
	Scope      string `json:"scope"`
	Tenant     string `json:"tenantUrl"`
	SnapshotAt string `json:"snapshotTime"`
	Items      int    `json:"items"`
	Decided    int    `json:"decided"`
	Keep       int    `json:"keep"`
	Revoke     int    `json:"revoke"`
	Skip       int    `json:"skip"`
	Applied    int    `json:"applied"`
	Failed     int    `json:"failed"`
}

func reviewListRun(ctx context.Context, o *reviewListOptions) error {
	svc, err := o.localService()
	if err != nil {
		return err
	}
	list, err := svc.Reviews(ctx)
	if err != nil {
		return err
	}
	w := o.io.Out
	if o.Output.json {
		rows := []reviewJSON{}
		for _, r := range list {
			c := r.Counts
			rows = append(rows, reviewJSON{r.Name, r.CreatedAt.Format(time.RFC3339), r.CreatedBy, r.Scope, r.Tenant,
				r.SnapshotAt.Format(time.RFC3339), c.Items, c.Decided(), c.Keep, c.Revoke, c.Skip, c.Applied, c.Failed})
		}
		return export.WriteJSON(w, rows)
	}
	if len(list) == 0 {
		fmt.Fprintln(o.io.ErrOut, "no reviews yet: `otaccess review start --name NAME` starts one")
		return nil
	}
	t := newTable(w, "NAME", "STARTED", "BY", "DECIDED", "KEEP", "REVOKE", "SKIP", "APPLIED", "FAILED", "SCOPE")
	for _, r := range list {
		c := r.Counts
		t.row(r.Name, r.CreatedAt.Local().Format("2006-01-02 15:04"), r.CreatedBy, fmt.Sprintf("%d/%d", c.Decided(), c.Items),
			strconv.Itoa(c.Keep), strconv.Itoa(c.Revoke), strconv.Itoa(c.Skip), strconv.Itoa(c.Applied), strconv.Itoa(c.Failed), r.Scope)
	}
	return t.flush()
}
