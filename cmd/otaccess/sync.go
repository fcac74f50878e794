package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

type syncOptions struct {
	*app
	Quiet    bool // no progress lines
	Replace  bool // replace a snapshot of another tenant
	SCIMOnly bool // skip OneTrust's access APIs
}

func newCmdSync(a *app, runF func(context.Context, *syncOptions) error) *cobra.Command {
	o := &syncOptions{app: a}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Read every user and group from the tenant into the local cache (one transaction)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return syncRun(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "no progress lines")
	cmd.Flags().BoolVar(&o.SCIMOnly, "scim-only", false, "read SCIM only, not OneTrust's access APIs (last logins, user groups, the org tree)")
	cmd.Flags().BoolVar(&o.Replace, "replace", false, "replace the cached snapshot even if it shares no user and no group with this tenant (another tenant's)")
	return cmd
}

func syncRun(ctx context.Context, o *syncOptions) error {
	svc, err := o.service(ctx, true)
	if err != nil {
		return err
	}
	errw := o.io.ErrOut
	start := o.now()
	last := time.Time{}
	opt := access.SyncOptions{Concurrency: o.settings.Concurrency, Replace: o.Replace, SCIMOnly: o.SCIMOnly, MemoryBudget: true}
	if !o.Quiet {
		opt.Progress = func(p access.SyncProgress) {
			// A line every ~250 ms is enough for a human and for a log.
			// The first line waits for the user total (or a second) so a log
			// does not open with "users …".
			now := o.now()
			if now.Sub(last) < 250*time.Millisecond && !p.Saving {
				return
			}
			if p.UsersTotal == 0 && !p.Saving && now.Sub(start) < time.Second {
				return
			}
			last = now
			if p.Saving {
				fmt.Fprintf(errw, "saving snapshot…\n")
				return
			}
			fmt.Fprintf(errw, "syncing %s: %s\n", svc.Tenant(), p.Status(now))
		}
	}
	info, err := svc.Sync(ctx, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.io.Out, "synced %s: %s users, %s groups, %s memberships in %s\n",
		info.Source, numfmt.Commas(info.Users), numfmt.Commas(info.Groups), numfmt.Commas(info.Memberships), o.now().Sub(start).Round(time.Millisecond))
	if svc.UsesClientCredentials() {
		// Read before the sync began; cached, so no request here.
		if cred, err := svc.Credential(ctx); err == nil {
			fmt.Fprintf(o.io.Out, "credential: %s\n", cred.Describe())
		}
	}
	for _, a := range []struct {
		what string
		st   tenant.APIState
	}{{"last logins", info.Access.Logins}, {"user groups", info.Access.UserGroups}} {
		if !a.st.Read && !o.SCIMOnly {
			fmt.Fprintf(errw, "note: %s not available — %s\n", a.what, a.st.Reason())
		}
	}
	if info.OrgTreeNodes == 0 && !o.SCIMOnly {
		fmt.Fprintf(errw, "note: org tree not available — %s\n", info.OrgTreeWhy)
	}
	if n := info.Access.BadDates; n > 0 {
		fmt.Fprintf(errw, "warning: %d dates from Users V2 could not be read and are kept as unknown (e.g. %s)\n", n, info.Access.BadDate)
	}
	if info.Dropped > 0 {
		fmt.Fprintf(errw, "warning: dropped %d users the tenant listed without an id or under another user's id; reviews will not start on this snapshot until the tenant's ids are fixed and it is synced again\n", info.Dropped)
	}
	return nil
}
