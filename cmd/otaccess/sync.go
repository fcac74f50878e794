package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
)

func (a *app) syncCmd() *cobra.Command {
	var quiet, replace bool
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Read every user and group from the tenant into the local cache (one transaction)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, err := a.service(ctx, true)
			if err != nil {
				return err
			}
			errw := cmd.ErrOrStderr()
			start := time.Now()
			last := time.Time{}
			opt := access.SyncOptions{Concurrency: a.settings.Concurrency, Replace: replace}
			if !quiet {
				opt.Progress = func(p access.SyncProgress) {
					// A line every ~250 ms is enough for a human and for a log.
					if time.Since(last) < 250*time.Millisecond && !p.Saving {
						return
					}
					last = time.Now()
					if p.Saving {
						fmt.Fprintf(errw, "saving snapshot…\n")
						return
					}
					fmt.Fprintf(errw, "syncing %s: %s\n", svc.Tenant(), p.Status(time.Now()))
				}
			}
			info, err := svc.Sync(ctx, opt)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "synced %s: %d users, %d groups, %d memberships in %s\n",
				info.Source, info.Users, info.Groups, info.Memberships, time.Since(start).Round(time.Millisecond))
			if info.Dropped > 0 {
				fmt.Fprintf(errw, "warning: dropped %d users the tenant listed without an id or under another user's id; reviews will not start on this snapshot until the tenant's ids are fixed and it is synced again\n", info.Dropped)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress lines")
	cmd.Flags().BoolVar(&replace, "replace", false, "replace the cached snapshot even if it shares no user and no group with this tenant (another tenant's)")
	return cmd
}
