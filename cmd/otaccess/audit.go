package main

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/tenant"
)

type auditOptions struct {
	*app
	Limit  int // 0: all
	Output outputFlags
}

func newCmdAudit(a *app, runF func(context.Context, *auditOptions) error) *cobra.Command {
	o := &auditOptions{app: a}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log of writes made from this cache, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return auditRun(cmd.Context(), o)
		},
	}
	cmd.Flags().IntVarP(&o.Limit, "limit", "n", 50, "how many entries (0 = all)")
	o.Output.add(cmd, true)
	return cmd
}

func auditRun(ctx context.Context, o *auditOptions) error {
	svc, err := o.openCache()
	if err != nil {
		return err
	}
	entries, err := svc.Audit(ctx, o.Limit)
	if err != nil {
		return err
	}
	w := o.io.Out
	switch {
	case o.Output.json:
		if entries == nil {
			entries = []tenant.AuditEntry{}
		}
		return export.WriteJSON(w, entries)
	case o.Output.csv:
		c := export.NewCSV(w, "at", "actor", "profile", "tenant", "action", "target", "detail", "result", "status")
		for _, e := range entries {
			c.Row(e.At.Format(time.RFC3339), e.Actor, e.Profile, e.Tenant, e.Action, e.Target, e.Detail, e.Result, strconv.Itoa(e.Status))
		}
		return c.Flush()
	}
	t := newTable(w, "WHEN", "WHO", "ACTION", "TARGET", "RESULT")
	for _, e := range entries {
		t.row(e.At.Local().Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Target, e.Result)
	}
	return t.flush()
}
