// Package accesstest is the test kit of the packages above access (ui, the
// CLI, benchmarks): a fake OneTrust tenant served over real HTTP, synced
// through the real client into a fresh cache, with the service and the
// snapshot it loaded. One kit, one test token (scimtest.TestToken), so the
// tests of every package build their tenant the same way.
//
// access's own tests cannot import it (it imports access); they build the
// same thing from scimtest.NewTestServer and TestServer.NewClient.
package accesstest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// Token is the test tenants' API token.
const Token = scimtest.TestToken

// Actor is who the kit's service acts as, in the audit log and reviews.
const Actor = "tester"

// Tenant is a served fake tenant, the service over its cache and the
// snapshot of its first sync.
type Tenant struct {
	Srv  *scimtest.TestServer
	Svc  *access.Service
	Snap *tenant.Snapshot
}

// Option changes how New builds the tenant.
type Option func(*options)

type options struct {
	mutate   []func(*scimtest.TestServer)
	server   []scimtest.TestOption
	client   client.Options
	oneTrust bool
}

// Mutate changes the served tenant before the sync (add users, rename
// roles, …).
func Mutate(f func(*scimtest.TestServer)) Option {
	return func(o *options) { o.mutate = append(o.mutate, f) }
}

// WithServer passes options to scimtest.NewTestServer (a handler wrapper).
func WithServer(opts ...scimtest.TestOption) Option {
	return func(o *options) { o.server = append(o.server, opts...) }
}

// WithClient sets the client's options; zero fields get
// scimtest.TestServer.NewClient's.
func WithClient(opt client.Options) Option {
	return func(o *options) { o.client = opt }
}

// AsOneTrust connects to the tenant as https://acme.onetrust.com (routed
// to the fake), so what otaccess does on OneTrust's hosts only applies.
func AsOneTrust() Option { return func(o *options) { o.oneTrust = true } }

// OneTrustURL is the SCIM base URL AsOneTrust connects to.
const OneTrustURL = "https://acme.onetrust.com/api/scim/v2"

// New serves a tenant of cfg (zero sizes: 120 users, 6 roles x 4 orgs),
// syncs it into a cache in tb's temp dir and loads the snapshot. The
// token is always Token.
func New(tb testing.TB, cfg scimtest.Config, opts ...Option) *Tenant {
	tb.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if cfg.Users == 0 {
		cfg.Users = 120
	}
	if cfg.Roles == 0 {
		cfg.Roles = 6
	}
	if cfg.Orgs == 0 {
		cfg.Orgs = 4
	}
	cfg.Token = Token
	srv := scimtest.NewTestServer(tb, cfg, o.server...)
	for _, m := range o.mutate {
		m(srv)
	}
	if o.oneTrust {
		o.client.BaseURL, o.client.HTTPClient = OneTrustURL, srv.ClientAs()
	}
	svc, err := access.Open(srv.NewClient(tb, o.client), filepath.Join(tb.TempDir(), "c.db"), "test")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { svc.Close() })
	svc.Actor = Actor
	ctx := context.Background()
	if _, err := svc.Sync(ctx, access.SyncOptions{}); err != nil {
		tb.Fatal(err)
	}
	snap, err := svc.Load(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return &Tenant{Srv: srv, Svc: svc, Snap: snap}
}
