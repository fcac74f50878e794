package access

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestSyncRenewsATokenThatExpiresMidSync: a sync that outlasts its access
// token (on a clock the test moves: every page reaches the server 9 s
// after it was sent, tokens last 100 s) renews it on the way, is never
// refused, and records the token's tenant GUID.
func TestSyncRenewsATokenThatExpiresMidSync(t *testing.T) {
	clk := scimtest.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cfg := scimtest.Config{Users: 200, Roles: 4, Orgs: 3, Seed: 3, ClientID: scimtest.TestClientID, ClientSecret: scimtest.TestClientSecret,
		TokenLifetime: 100 * time.Second, AuthClock: clk.Now}
	srv := scimtest.NewTestServer(t, cfg, scimtest.WithHandler(func(s *scimtest.Server, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/api/scim/") {
				clk.Advance(9 * time.Second)
			}
			next.ServeHTTP(w, r)
		})
	}))
	c := srv.NewClient(t, client.Options{ClientID: scimtest.TestClientID, ClientSecret: scimtest.TestClientSecret, Clock: clk})
	svc, err := Open(c, filepath.Join(t.TempDir(), "c.db"), "t")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	// One request at a time, so no two are in flight at once (each would
	// move the clock while the other travels); SCIM only, since the access
	// APIs are read on slots of their own.
	info, err := svc.Sync(context.Background(), SyncOptions{Concurrency: 1, UserPageSize: 10, SCIMOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if info.Users != 200 {
		t.Fatalf("%d users", info.Users)
	}
	// 20 user pages and the groups' pages, 9 s each, on 100 s tokens.
	if n := srv.TokensIssued(); n < 2 {
		t.Errorf("%d tokens issued over a sync of %s", n, clk.Now().Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	}
	for _, rr := range srv.RequestLog() {
		if rr.Status == http.StatusUnauthorized {
			t.Errorf("refused on the way: %+v", rr)
		}
	}
	if info.TenantID != srv.TenantGUID() {
		t.Errorf("tenant id %q, want %q", info.TenantID, srv.TenantGUID())
	}
}

// TestSyncWithAWrongSecretSendsNothingElse: a refused secret fails the
// sync before any SCIM request, and the previous snapshot is kept.
func TestSyncWithAWrongSecretSendsNothingElse(t *testing.T) {
	srv := scimtest.NewTestServer(t, scimtest.Config{Users: 5, ClientID: scimtest.TestClientID, ClientSecret: scimtest.TestClientSecret})
	c := srv.NewClient(t, client.Options{ClientID: scimtest.TestClientID, ClientSecret: "wrong"})
	svc, err := Open(c, filepath.Join(t.TempDir(), "c.db"), "t")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	_, err = svc.Sync(context.Background(), SyncOptions{})
	if err == nil || !strings.Contains(err.Error(), "OneTrust refused the client credentials (client id "+scimtest.TestClientID+")") {
		t.Fatalf("sync with a wrong secret: %v", err)
	}
	for _, rr := range srv.RequestLog() {
		if rr.Path != client.TokenPath {
			t.Errorf("sent %+v after a refused secret", rr)
		}
	}
}
