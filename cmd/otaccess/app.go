package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/config"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
	"github.com/otaccess/otaccess/ui"
)

// app is what every command shares (gh's Factory): its streams,
// environment and clock, the global flags, the settings resolved from
// them, and lazily the access service — the cache, and the connection
// when one is configured. A command reaches the tenant only through it.
type app struct {
	io     *ioStreams
	getenv func(string) string
	now    func() time.Time
	asOf   string // --as-of: read an older snapshot (see addAsOf)
	// configPath and cachePath say where the config file and a profile's
	// cache live unless a flag or the environment says otherwise; tests
	// point them into a temporary directory.
	configPath func() (string, error)
	cachePath  func(name string) (string, error)
	// openCacheWith is how the cache is opened (tests shorten its busy
	// timeout when they hold its lock on purpose).
	openCacheWith []access.OpenOption
	// tuneClient, when set, changes the client's options (tests shorten
	// its retry backoff, which would otherwise wait real seconds).
	tuneClient func(*client.Options)
	// httpClient carries the requests to the tenant (nil: the client's
	// default); tests route a OneTrust URL to the fake tenant with it.
	httpClient *http.Client
	// uiRunner runs the terminal UI (nil: ui.Run); tests look at what it
	// is given instead.
	uiRunner func(context.Context, ui.Options) error

	flags   config.Flags
	cfgPath string
	cfg     *config.File // read by loadConfig
	// The UI's key map and styles with the file's [keys] and [theme],
	// checked by loadConfig.
	keys   *ui.KeyMap
	styles *ui.Styles

	settings config.Settings
	cache    *access.Service // the cache, offline; svc adds the connection
	svc      *access.Service
}

// newApp is the app of a process with these streams and environment.
func newApp(ios *ioStreams, getenv func(string) string) *app {
	return &app{io: ios, getenv: getenv, now: time.Now, configPath: config.DefaultPath, cachePath: access.DefaultCachePath}
}

// resolve reads the config file and merges flags and environment.
func (a *app) resolve() error {
	f, err := a.loadConfig()
	if err != nil {
		return err
	}
	a.settings, err = config.Resolve(a.flags, a.getenv, f)
	return err
}

// resolveWith is the settings fl and getenv give with the config file
// (compare resolves each of its sides so).
func (a *app) resolveWith(fl config.Flags, getenv func(string) string) (config.Settings, error) {
	f, err := a.loadConfig()
	if err != nil {
		return config.Settings{}, err
	}
	return config.Resolve(fl, getenv, f)
}

// loadConfig reads the config file (once): --config, else OTACCESS_CONFIG,
// else the default path.
func (a *app) loadConfig() (*config.File, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path := a.cfgPath
	if path == "" {
		path = a.getenv(config.EnvConfig)
	}
	if path == "" {
		var err error
		if path, err = a.configPath(); err != nil {
			return nil, err
		}
	}
	f, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	// [keys] and [theme] are checked whichever command reads the file,
	// like the rest of it: a mistake there is not ignored until the TUI
	// opens (gh and kubectl refuse a config file they cannot read).
	if a.keys, a.styles, err = look(f); err != nil {
		return nil, err
	}
	a.cfg = f
	return f, nil
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
		if path, err = a.cachePath(a.settings.CacheName); err != nil {
			return nil, err
		}
	}
	opts := append([]access.OpenOption{access.WithRetention(a.settings.History.KeepDays, a.settings.History.KeepMin)}, a.openCacheWith...)
	svc, err := access.Open(nil, path, a.settings.Profile, opts...)
	if err != nil {
		return nil, err
	}
	svc.Now = a.now
	a.cache = svc
	return svc, nil
}

// localService is the service as it is: online if a command already
// connected it, else the cache alone. Reviews are started, decided and
// exported without a connection (or a token command run).
func (a *app) localService() (*access.Service, error) {
	if a.svc != nil {
		return a.svc, nil
	}
	return a.openCache()
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
			opts := client.Options{BaseURL: s.URL, UserAgent: "otaccess", HTTPClient: a.httpClient}
			var err error
			if s.HasClientCredentials() {
				// The secret is read now and kept in the client's memory
				// only: the client fetches its access tokens itself.
				opts.ClientID = s.ClientID()
				opts.ClientSecret, err = s.ClientSecret(ctx)
			} else {
				opts.Token, err = s.Token(ctx)
			}
			if err != nil {
				return nil, err
			}
			if a.tuneClient != nil {
				a.tuneClient(&opts)
			}
			if c, err = client.New(opts); err != nil {
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
		return fmt.Sprintf("no API token for %s: set OTACCESS_TOKEN (or OTACCESS_CLIENT_ID and OTACCESS_CLIENT_SECRET), pass --token-file, or give the profile a token_command (or client_id and client_secret_command)", s.URL)
	}
	return ""
}

// snapshot loads the cached snapshot with a message that says how to get
// one: the current one, or the one --as-of names (see addAsOf).
func (a *app) snapshot(ctx context.Context) (*tenant.Snapshot, error) {
	svc, err := a.openCache()
	if err != nil {
		return nil, err
	}
	if a.asOf != "" {
		info, err := svc.ResolveSnapshot(ctx, a.asOf, time.Local)
		if err != nil {
			return nil, fmt.Errorf("--as-of %s: %w", a.asOf, a.explain(err))
		}
		return svc.LoadSnapshot(ctx, info.ID)
	}
	snap, err := svc.Load(ctx)
	if err == nil {
		if note := a.foreignSnapshot(snap.Info); note != "" {
			fmt.Fprintln(a.io.ErrOut, "note: "+note)
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

// close closes the cache, dropping a file the command created but never
// used (see access.Service.CloseDiscardingUnused).
func (a *app) close() {
	if a.cache != nil {
		a.cache.CloseDiscardingUnused()
		a.cache, a.svc = nil, nil
	}
}
