package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/config"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// app is the state shared by subcommands: resolved settings, and lazily the
// cache (an offline access service) and the service with its client.
type app struct {
	in       io.Reader
	out, err io.Writer
	flags    config.Flags
	cfgPath  string
	getenv   func(string) string

	settings config.Settings
	cache    *access.Service // the cache, offline; svc adds the connection
	svc      *access.Service
}

func newRootCmd(in io.Reader, out, errw io.Writer) *cobra.Command {
	a := &app{in: in, out: out, err: errw, getenv: os.Getenv}
	root := &cobra.Command{
		Use:   "otaccess",
		Short: "A terminal access browser for OneTrust tenants (SCIM 2.0)",
		Long: `otaccess loads a tenant's users and groups (role x organization) into a local
cache and lets you find users, read role x org matrices, grant and revoke
memberships, deprovision users and run access reviews — from a terminal.

Run with no subcommand to open the terminal UI on the configured tenant.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runTUI(cmd.Context())
		},
	}
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errw)
	pf := root.PersistentFlags()
	pf.StringVarP(&a.flags.Profile, "profile", "p", "", "profile from the config file (env OTACCESS_PROFILE)")
	pf.StringVar(&a.flags.URL, "url", "", "SCIM base URL, e.g. https://acme.onetrust.com/api/scim/v2 (env OTACCESS_URL)")
	pf.StringVar(&a.flags.Domain, "domain", "", "OneTrust domain: acme, acme.my.onetrust.com, app-au.onetrust.com (env OTACCESS_DOMAIN)")
	pf.StringVar(&a.flags.TokenFile, "token-file", "", "read the API token from this file (or env OTACCESS_TOKEN)")
	pf.StringVar(&a.flags.Cache, "cache", "", "cache file (env OTACCESS_CACHE; default: user cache dir/otaccess/PROFILE.db, or one named after the --url)")
	pf.StringVar(&a.cfgPath, "config", "", "config file (env OTACCESS_CONFIG; default: user config dir/otaccess/config.toml)")
	pf.BoolVar(&a.flags.Offline, "offline", false, "use the cached snapshot only, read-only")
	pf.IntVar(&a.flags.Concurrency, "concurrency", 0, "parallel page requests during sync (default 8)")

	root.AddCommand(
		a.syncCmd(),
		a.usersCmd(), a.userCmd(), a.groupsCmd(), a.matrixCmd(), a.auditCmd(),
		a.grantCmd(true), a.grantCmd(false), a.deactivateCmd(), a.deleteCmd(),
		a.fakeServerCmd(), a.demoCmd(), a.benchCmd(),
		a.reviewCmd(), a.diffCmd(),
	)
	closeAfter(root, a.close)
	return root
}

// closeAfter makes every command of the tree run done when it returns,
// error or not: cobra's post-run hooks run only after a success, and a
// failed command must close its cache too (see access.Service.CloseDiscardingUnused).
func closeAfter(c *cobra.Command, done func()) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			defer done()
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		closeAfter(sub, done)
	}
}

// resolve reads the config file and merges flags and environment.
func (a *app) resolve() error {
	path := a.cfgPath
	if path == "" {
		path = a.getenv(config.EnvConfig)
	}
	if path == "" {
		var err error
		if path, err = config.DefaultPath(); err != nil {
			return err
		}
	}
	f, err := config.Load(path)
	if err != nil {
		return err
	}
	a.settings, err = config.Resolve(a.flags, a.getenv, f)
	return err
}

// openCache opens the cache for the resolved profile, as a service without
// a connection.
func (a *app) openCache() (*access.Service, error) {
	if a.cache != nil {
		return a.cache, nil
	}
	if err := a.resolve(); err != nil {
		return nil, err
	}
	path := a.settings.Cache
	if path == "" {
		var err error
		if path, err = access.DefaultCachePath(a.settings.CacheName); err != nil {
			return nil, err
		}
	}
	svc, err := access.Open(nil, path, a.settings.Profile)
	if err != nil {
		return nil, err
	}
	a.cache = svc
	return svc, nil
}

// service returns the access service; online when a URL and token are
// configured and --offline is not set. needOnline turns "offline" into an
// error that says what to configure.
func (a *app) service(ctx context.Context, needOnline bool) (*access.Service, error) {
	if a.svc == nil {
		svc, err := a.openCache()
		if err != nil {
			return nil, err
		}
		var c *client.Client
		if a.whyOffline() == "" {
			s := a.settings
			tok, err := s.Token(ctx)
			if err != nil {
				return nil, err
			}
			if c, err = client.New(client.Options{BaseURL: s.URL, Token: tok, UserAgent: "otaccess"}); err != nil {
				return nil, err
			}
		}
		svc.Client = c
		a.svc = svc
	}
	// Checked on every call: a service built offline for a read must not
	// pass for an online one later in the same command.
	if needOnline && !a.svc.Online() {
		return nil, errors.New("this command needs a connection: " + a.whyOffline())
	}
	return a.svc, nil
}

// whyOffline says why the resolved settings give no connection and what to
// set to get one; "" when they do. The CLI's errors and the TUI's offline
// notice both show it, so they give the same advice.
func (a *app) whyOffline() string {
	switch s := a.settings; {
	case s.Offline:
		return "--offline is set"
	case s.URL == "":
		return "no tenant configured: pass --url or --domain, set OTACCESS_URL or OTACCESS_DOMAIN, or add a profile to the config file"
	case !s.HasToken():
		return fmt.Sprintf("no API token for %s: set OTACCESS_TOKEN, pass --token-file, or give the profile a token_command", s.URL)
	}
	return ""
}

// snapshot loads the cached snapshot with a message that says how to get one.
func (a *app) snapshot(ctx context.Context) (*tenant.Snapshot, error) {
	svc, err := a.openCache()
	if err != nil {
		return nil, err
	}
	snap, err := svc.Load(ctx)
	if err == nil {
		if note := a.foreignSnapshot(snap.Info); note != "" {
			fmt.Fprintln(a.err, "note: "+note)
		}
	}
	return snap, a.explain(err)
}

// foreignSnapshot says whose snapshot the cache holds when that is not the
// configured tenant ("" when it is, or nothing is configured): read offline,
// another tenant's users would pass for this one's.
func (a *app) foreignSnapshot(info tenant.SyncInfo) string {
	want := strings.TrimRight(a.settings.URL, "/")
	have := strings.TrimRight(info.Source, "/")
	if want == "" || have == "" || strings.EqualFold(want, have) {
		return ""
	}
	return fmt.Sprintf("this cache holds a snapshot of %s (synced %s), not of the configured %s",
		textsafe.Line(have), info.FinishedAt.Local().Format("2006-01-02 15:04"), textsafe.Line(want))
}

// explain adds to the cache's errors what to run about them: they say what
// is so, the CLI says which command fixes it (the TUI says which key). An
// empty cache names the profile, since it is most often a sync run under
// another one. Any other error passes through.
func (a *app) explain(err error) error {
	switch {
	case errors.Is(err, access.ErrNoSnapshot):
		return fmt.Errorf("no snapshot in the cache for profile %q yet: run `otaccess sync` first", a.settings.Profile)
	case errors.Is(err, access.ErrNoPrevious):
		return fmt.Errorf("%w: run `otaccess sync` again to see what changed", err)
	case errors.Is(err, access.ErrNoReview):
		return fmt.Errorf("%w (`otaccess review list` shows them)", err)
	}
	return err
}

func (a *app) close() {
	if a.cache != nil {
		a.cache.CloseDiscardingUnused()
		a.cache, a.svc = nil, nil
	}
}
