package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/ui"
)

type demoOptions struct {
	*app
	Users, Roles, Orgs int
	Latency            time.Duration
}

func newCmdDemo(a *app, runF func(context.Context, *demoOptions) error) *cobra.Command {
	o := &demoOptions{app: a}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Open the terminal UI on an embedded fake tenant (no credentials needed)",
		Long: `Starts a fake OneTrust tenant on loopback, syncs it into a temporary cache
and opens the terminal UI on it. Everything works — grants, revokes,
deprovisioning, re-sync — against the fake tenant; nothing touches your real
cache or config. Try --users 100000 --roles 40 --orgs 50 for the scale tenant.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTenantSize(o.Users, o.Roles, o.Orgs); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return demoRun(cmd.Context(), o)
		},
	}
	cmd.Flags().IntVar(&o.Users, "users", 3000, "users in the demo tenant")
	cmd.Flags().IntVar(&o.Roles, "roles", 12, "roles in the demo tenant")
	cmd.Flags().IntVar(&o.Orgs, "orgs", 8, "organizations in the demo tenant")
	cmd.Flags().DurationVar(&o.Latency, "latency", 0, "injected latency per request, e.g. 50ms, to feel a real tenant")
	return cmd
}

func demoRun(ctx context.Context, o *demoOptions) error {
	// The demo reads the config file's [keys] and [theme] (nothing else):
	// it is the place to try a rebinding.
	keys, styles, err := o.look()
	if err != nil {
		return err
	}
	d, err := startDemo(ctx, scimtest.Config{Users: o.Users, Roles: o.Roles, Orgs: o.Orgs, Seed: 7, Latency: o.Latency})
	if err != nil {
		return err
	}
	defer d.close()
	fmt.Fprintf(o.io.ErrOut, "demo tenant %s: syncing %d users…\n", d.svc.Tenant(), o.Users)
	if _, err := d.svc.Sync(ctx, access.SyncOptions{}); err != nil {
		return err
	}
	snap, err := d.svc.Load(ctx)
	if err != nil {
		return err
	}
	return o.runUI(ctx, ui.Options{
		Snapshot: snap, Service: d.svc, Tenant: "demo.onetrust.test",
		Mode: "demo", Now: o.now, Keys: keys, Styles: styles,
	})
}

// checkTenantSize holds the demo and bench tenants to the same bounds, ten
// times the reference tenant's users, so one message covers both.
func checkTenantSize(users, roles, orgs int) error {
	if users < 1 || users > 1_000_000 || roles < 1 || roles > 500 || orgs < 1 || orgs > 500 {
		return errors.New("--users must be 1..1,000,000 and --roles/--orgs 1..500")
	}
	return nil
}

// demo is a fake tenant served on loopback with a throwaway cache.
type demo struct {
	svc   *access.Service
	close func()
}

func startDemo(ctx context.Context, cfg scimtest.Config) (*demo, error) {
	// The demo connects as OneTrust recommends: OAuth client credentials,
	// the secret made up for this run and held in memory only.
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	cfg.ClientID, cfg.ClientSecret = "otaccess-demo", hex.EncodeToString(raw[:])
	srv := scimtest.NewServer(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	srv.SetPublicURL("http://" + ln.Addr().String())
	sctx, stopServer := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { serveUntilDone(sctx, ln, srv); close(done) }()
	dir, err := os.MkdirTemp("", "otaccess-demo-")
	if err != nil {
		stopServer()
		return nil, err
	}
	cleanup := func() { stopServer(); <-done; os.RemoveAll(dir) }

	// The embedded fake enforces OneTrust's limits and the client paces
	// itself for them, as against a real tenant.
	c, err := client.New(client.Options{BaseURL: "http://" + ln.Addr().String() + srv.BasePath(), ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, UserAgent: "otaccess-demo"})
	if err != nil {
		cleanup()
		return nil, err
	}
	svc, err := access.Open(c, filepath.Join(dir, "demo.db"), "demo")
	if err != nil {
		cleanup()
		return nil, err
	}
	return &demo{
		svc:   svc,
		close: func() { svc.Close(); cleanup() },
	}, nil
}
