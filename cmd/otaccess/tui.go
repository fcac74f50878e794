package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/config"
	"github.com/otaccess/otaccess/ui"
)

// tuiRun opens the terminal UI on the configured tenant (the root command
// with no subcommand).
func tuiRun(ctx context.Context, a *app) error {
	opts, err := tuiOptions(ctx, a)
	if err != nil {
		return err
	}
	return a.runUI(ctx, opts)
}

// runUI runs the terminal UI on opts until the user quits.
func (a *app) runUI(ctx context.Context, opts ui.Options) error {
	if a.uiRunner != nil {
		return a.uiRunner(ctx, opts)
	}
	return ui.Run(ctx, opts)
}

// tuiOptions is what the UI opens on: online when a token is available,
// else the cached snapshot read-only, with the reason (and whose snapshot
// it is, if not the configured tenant's) for the offline notice.
func tuiOptions(ctx context.Context, a *app) (ui.Options, error) {
	if a.asOf != "" {
		return asOfOptions(ctx, a)
	}
	svc, err := a.service(ctx, false)
	if err != nil {
		return ui.Options{}, err
	}
	snap, err := svc.Load(ctx)
	if err != nil && !errors.Is(err, access.ErrNoSnapshot) {
		return ui.Options{}, err
	}
	keys, styles, err := a.look()
	if err != nil {
		return ui.Options{}, err
	}
	opts := ui.Options{
		Snapshot: snap, Service: svc, Tenant: tenantLabel(a.settings.URL, a.settings.Profile),
		Mode: "online", Now: a.now, SyncOptions: access.SyncOptions{Concurrency: a.settings.Concurrency, MemoryBudget: true},
		Keys: keys, Styles: styles,
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
	return opts, nil
}

// asOfOptions opens the UI on the older snapshot --as-of names, read-only
// (no connection is made: writes act on the tenant as it is now).
func asOfOptions(ctx context.Context, a *app) (ui.Options, error) {
	snap, err := a.snapshot(ctx)
	if err != nil {
		return ui.Options{}, err
	}
	svc, err := a.openCache()
	if err != nil {
		return ui.Options{}, err
	}
	keys, styles, err := a.look()
	if err != nil {
		return ui.Options{}, err
	}
	return ui.Options{
		Keys: keys, Styles: styles,
		Snapshot: snap, Service: svc.Offline(), Tenant: tenantLabel(a.settings.URL, a.settings.Profile), Mode: "offline", AsOf: true, Now: a.now,
		OfflineReason: fmt.Sprintf("--as-of: snapshot %d, synced %s, is shown read-only", snap.Info.ID, snap.Info.FinishedAt.Local().Format("2006-01-02 15:04")),
	}, nil
}

// look is the UI's key map and styles with the config file's [keys] and
// [theme], which loadConfig has checked.
func (a *app) look() (*ui.KeyMap, *ui.Styles, error) {
	if _, err := a.loadConfig(); err != nil {
		return nil, nil, err
	}
	return a.keys, a.styles, nil
}

// look checks f's [keys] and [theme] and applies them to the UI's
// defaults; a mistake there is an error naming the file and the line.
func look(f *config.File) (*ui.KeyMap, *ui.Styles, error) {
	keys, err := ui.DefaultKeyMap().Rebind(keySettings(f))
	if err != nil {
		return nil, nil, fmt.Errorf("config %s: %w", f.Path(), err)
	}
	var colors []ui.ColorSetting
	for _, s := range f.ThemeSettings() {
		colors = append(colors, ui.ColorSetting{Name: s.Name, Value: s.Values[0], Line: s.Line})
	}
	styles, err := ui.ThemedStyles(colors)
	if err != nil {
		return nil, nil, fmt.Errorf("config %s: %w", f.Path(), err)
	}
	return &keys, &styles, nil
}

func keySettings(f *config.File) []ui.KeySetting {
	var out []ui.KeySetting
	for _, s := range f.KeySettings() {
		out = append(out, ui.KeySetting{Action: s.Name, Keys: s.Values, Line: s.Line})
	}
	return out
}

// tenantLabel is the host shown in the title bar.
func tenantLabel(rawURL, profile string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		return u.Host
	}
	return profile
}
