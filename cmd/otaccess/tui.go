package main

import (
	"context"
	"errors"
	"net/url"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/ui"
)

// tuiRun opens the terminal UI on the configured tenant (the root command
// with no subcommand): online when a token is available, else the cached
// snapshot read-only.
func tuiRun(ctx context.Context, a *app) error {
	svc, err := a.service(ctx, false)
	if err != nil {
		return err
	}
	snap, err := svc.Load(ctx)
	if err != nil && !errors.Is(err, access.ErrNoSnapshot) {
		return err
	}
	opts := ui.Options{
		Snapshot: snap, Service: svc, Tenant: tenantLabel(a.settings.URL, a.settings.Profile),
		Mode: "online", Now: a.now, SyncOptions: access.SyncOptions{Concurrency: a.settings.Concurrency},
	}
	if !svc.Online() {
		opts.Mode = "offline"
		opts.OfflineReason = a.whyOffline()
		if snap != nil {
			if note := a.foreignSnapshot(snap.Info); note != "" {
				opts.OfflineReason += "; " + note
			}
		}
	}
	return ui.Run(ctx, opts)
}

// tenantLabel is the host shown in the title bar.
func tenantLabel(rawURL, profile string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		return u.Host
	}
	return profile
}
