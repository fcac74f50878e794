package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestTUIOptions: the UI opens online with a token, else offline on the
// cached snapshot with the reason, and names another tenant's snapshot.
func TestTUIOptions(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 25, Roles: 3, Orgs: 2})
	e.mustRun("sync", "-q")
	other := scimtest.NewTestServer(t, scimtest.Config{Users: 5, Token: testToken})
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		env      []string
		mode     string
		wantWhy  []string
		wantHost string
	}{
		{"online", e.tenantEnv(), "online", nil, strings.TrimPrefix(strings.Split(e.srv.URL, "/api")[0], "http://")},
		{"no token", []string{"OTACCESS_URL=" + e.srv.URL}, "offline", []string{"no API token", "OTACCESS_TOKEN"}, ""},
		{"no tenant", nil, "offline", []string{"no tenant configured"}, "default"},
		{"another tenant, offline", []string{"OTACCESS_URL=" + other.URL}, "offline", []string{"no API token", "this cache holds a snapshot of " + e.srv.URL}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := invocation{home: e.home, env: tc.env}.app(io.Discard, io.Discard)
			a.flags.Cache = e.cache
			defer a.close()
			opts, err := tuiOptions(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if opts.Mode != tc.mode || opts.Snapshot == nil || len(opts.Snapshot.Users) != 25 || opts.Service == nil {
				t.Fatalf("mode %q, snapshot %v; want %q on the 25-user snapshot", opts.Mode, opts.Snapshot != nil, tc.mode)
			}
			for _, w := range tc.wantWhy {
				if !strings.Contains(opts.OfflineReason, w) {
					t.Errorf("offline reason %q lacks %q", opts.OfflineReason, w)
				}
			}
			if tc.wantWhy == nil && opts.OfflineReason != "" {
				t.Errorf("online with an offline reason %q", opts.OfflineReason)
			}
			if tc.wantHost != "" && opts.Tenant != tc.wantHost {
				t.Errorf("title tenant %q, want %q", opts.Tenant, tc.wantHost)
			}
		})
	}
}

// TestStartDemo: the demo's tenant is served on loopback and syncs into a
// throwaway cache, which close removes.
func TestStartDemo(t *testing.T) {
	ctx := context.Background()
	d, err := startDemo(ctx, scimtest.Config{Users: 40, Roles: 3, Orgs: 2, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if !d.svc.Online() || !strings.HasPrefix(d.svc.Tenant(), "http://127.0.0.1:") {
		t.Fatalf("demo service online=%v tenant %q", d.svc.Online(), d.svc.Tenant())
	}
	info, err := d.svc.Sync(ctx, access.SyncOptions{})
	if err != nil || info.Users != 40 || info.Groups != 6 {
		t.Fatalf("demo sync: %+v, %v", info, err)
	}
	path := d.svc.CachePath()
	d.close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the demo's cache %s outlived it: %v", path, err)
	}
}
