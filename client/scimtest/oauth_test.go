package scimtest

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
)

func oauthConfig(cfg Config) Config {
	cfg.ClientID, cfg.ClientSecret = TestClientID, TestClientSecret
	return cfg
}

// tokenRequest posts a token request as multipart/form-data.
func tokenRequest(t *testing.T, ts *TestServer, fields map[string]string) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, ts.Root()+tokenPath, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return sendReq(t, ts, req)
}

func sendReq(t *testing.T, ts *TestServer, req *http.Request) response {
	t.Helper()
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b.Bytes()}
}

func getRoot(t *testing.T, ts *TestServer, path, bearer string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.Root()+path, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	return sendReq(t, ts, req)
}

// TestTokenEndpoint: the fake's token endpoint answers as OneTrust's spec
// says — multipart only, client_credentials only, 401 for a wrong secret —
// and its tokens work until they expire on the server's clock.
func TestTokenEndpoint(t *testing.T) {
	clk := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	ts := NewTestServer(t, oauthConfig(Config{Users: 5, TokenLifetime: 10 * time.Minute, AuthClock: clk.Now}))
	good := map[string]string{"grant_type": "client_credentials", "client_id": TestClientID, "client_secret": TestClientSecret}

	wrong := map[string]string{"grant_type": "client_credentials", "client_id": TestClientID, "client_secret": "nope"}
	expectStatus(t, tokenRequest(t, ts, wrong), http.StatusUnauthorized)
	badGrant := map[string]string{"grant_type": "password", "client_id": TestClientID, "client_secret": TestClientSecret}
	expectStatus(t, tokenRequest(t, ts, badGrant), http.StatusBadRequest)
	form, _ := http.NewRequest(http.MethodPost, ts.Root()+tokenPath, strings.NewReader("grant_type=client_credentials&client_id="+TestClientID+"&client_secret="+TestClientSecret))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	expectStatus(t, sendReq(t, ts, form), http.StatusBadRequest)

	r := tokenRequest(t, ts, good)
	expectStatus(t, r, http.StatusOK)
	tok := decode[tokenWire](t, r)
	if tok.TokenType != "bearer" || tok.ExpiresIn != 600 || tok.OtScopes != "ORGANIZATION,SCIM,USER" ||
		tok.TenantGUID != ts.TenantGUID() || tok.OrgGroupGUID != ts.RootOrg().ID || !strings.HasPrefix(tok.AccessToken, "ott-") {
		t.Fatalf("token answer %+v", tok)
	}
	if ts.TokensIssued() != 1 {
		t.Fatalf("issued %d", ts.TokensIssued())
	}
	expectStatus(t, getRoot(t, ts, "/api/scim/v2/Users?count=1", tok.AccessToken), http.StatusOK)
	clk.Advance(10*time.Minute - time.Second)
	expectStatus(t, getRoot(t, ts, "/api/scim/v2/Users?count=1", tok.AccessToken), http.StatusOK)
	clk.Advance(time.Second)
	r = getRoot(t, ts, "/api/scim/v2/Users?count=1", tok.AccessToken)
	expectStatus(t, r, http.StatusUnauthorized)
	if !strings.Contains(string(r.body), "expired") {
		t.Errorf("expired token's 401 says %s", r.body)
	}
	// Only issued tokens pass once a client is configured: not any bearer.
	expectStatus(t, getRoot(t, ts, "/api/scim/v2/Users?count=1", "made-up"), http.StatusUnauthorized)
}

// TestScopesGateAPIFamilies: each API family answers 403 without its scope,
// for issued tokens and the API key alike, and passes with it.
func TestScopesGateAPIFamilies(t *testing.T) {
	for _, tc := range []struct {
		scopes      []string
		scim, users bool
		orgs        bool
	}{
		{scopes: nil, scim: true, users: true, orgs: true},
		{scopes: []string{"SCIM"}, scim: true},
		{scopes: []string{"USER", "ORGANIZATION"}, users: true, orgs: true},
		{scopes: []string{}},
	} {
		cfg := oauthConfig(Config{Users: 3, Scopes: tc.scopes, Token: TestToken})
		ts := NewTestServer(t, cfg)
		tok := decode[tokenWire](t, tokenRequest(t, ts, map[string]string{"grant_type": "client_credentials", "client_id": TestClientID, "client_secret": TestClientSecret}))
		for _, bearer := range []string{tok.AccessToken, TestToken} {
			check := func(path string, allowed bool) {
				t.Helper()
				r := getRoot(t, ts, path, bearer)
				if allowed && r.status == http.StatusForbidden || !allowed && r.status != http.StatusForbidden {
					t.Errorf("scopes %v: GET %s = %d (%s)", tc.scopes, path, r.status, trunc(r.body))
				}
			}
			check("/api/scim/v2/Users?count=1", tc.scim)
			check("/api/scim/v2/Groups", tc.scim)
			check("/api/access/v2/users", tc.users)
			check("/api/access/v2/user-groups", tc.users)
			check("/api/access/v1/login-history", tc.users)
			check("/api/audit/v1/users/x/activities", tc.users)
			check(orgsPath, tc.orgs)
		}
		if want := strings.Join(cfg.Scopes, ","); cfg.Scopes != nil && tok.OtScopes != want {
			t.Errorf("ot_scopes %q, want %q", tok.OtScopes, want)
		}
	}
}

// TestChildOrgCredentialSeesItsSubtree: the organization tree read with a
// child org's token is rooted at that org, with its parent named.
func TestChildOrgCredentialSeesItsSubtree(t *testing.T) {
	ts := NewTestServer(t, oauthConfig(Config{Users: 3, Orgs: 5, ClientOrg: "Legal", Token: TestToken}))
	c := ts.NewClient(t, client.Options{Token: "", ClientID: TestClientID, ClientSecret: TestClientSecret})
	info, ok, err := c.Authenticate(context.Background())
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	legal := ts.CredentialOrg()
	if legal.Name != "Legal" || info.OrgGroupGUID != legal.ID || info.TenantGUID != ts.TenantGUID() {
		t.Fatalf("token info %+v, credential org %+v", info, legal)
	}
	top, err := c.Organizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if top.OrganizationID != legal.ID || top.ParentOrganizationID != ts.RootOrg().ID || len(top.Children) != 2 {
		t.Fatalf("child credential's tree %+v", top)
	}
	// The API key sees the whole tree: 5 orgs over 3 levels.
	whole := ts.NewClient(t, client.Options{})
	root, err := whole.Organizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	var walk func(o client.Organization, depth int) int
	walk = func(o client.Organization, depth int) int {
		count++
		deepest := depth
		for _, ch := range o.Children {
			deepest = max(deepest, walk(ch, depth+1))
		}
		return deepest
	}
	if depth := walk(*root, 1); root.ParentOrganizationID != "" || count != 5 || depth != 3 {
		t.Fatalf("whole tree: root %q parent %q, %d orgs, %d levels", root.Name, root.ParentOrganizationID, count, depth)
	}
}

// TestClientRenewsAnExpiringToken: a walk that outlasts its token fetches
// a new one before the old expires (on the shared clock), so no request
// is refused on the way.
func TestClientRenewsAnExpiringToken(t *testing.T) {
	clk := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	// Tokens last 100 s and are renewed 10 s before that; every page
	// reaches the server 9 s after it was sent (the clock moves before the
	// server checks the token), so a token used at its last moment still
	// arrives valid. One request at a time: the next is sent after the
	// answer, when the clock has moved.
	ts := NewTestServer(t, oauthConfig(Config{Users: 60, TokenLifetime: 100 * time.Second, AuthClock: clk.Now}),
		WithHandler(func(s *Server, next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/Users") {
					clk.Advance(9 * time.Second)
				}
				next.ServeHTTP(w, r)
			})
		}))
	c := ts.NewClient(t, client.Options{ClientID: TestClientID, ClientSecret: TestClientSecret, Clock: clk})
	users, err := c.AllUsers(context.Background(), client.PageOptions{PageSize: 5, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 60 {
		t.Fatalf("%d users", len(users))
	}
	// 12 pages sent at 0, 9, … 99 s: the one at 90 s takes a new token.
	if n := ts.TokensIssued(); n != 2 {
		t.Errorf("12 pages 9 s apart on 100 s tokens: %d tokens issued, want 2", n)
	}
	for _, rr := range ts.RequestLog() {
		if rr.Status == http.StatusUnauthorized {
			t.Errorf("a request was refused: %+v", rr)
		}
	}
}

// TestClientRefetchesOnceAfter401: a token revoked on the server is
// replaced once; a server that refuses the fresh one too fails the request
// with a message that says so, after exactly one more token.
func TestClientRefetchesOnceAfter401(t *testing.T) {
	ts := NewTestServer(t, oauthConfig(Config{Users: 5}))
	c := ts.NewClient(t, client.Options{ClientID: TestClientID, ClientSecret: TestClientSecret})
	ctx := context.Background()
	if _, err := c.ListUsers(ctx, client.ListParams{Count: 1}); err != nil {
		t.Fatal(err)
	}
	ts.RevokeTokens()
	if _, err := c.ListUsers(ctx, client.ListParams{Count: 1}); err != nil {
		t.Fatalf("after a revoked token: %v", err)
	}
	if n := ts.TokensIssued(); n != 2 {
		t.Fatalf("%d tokens issued, want 2", n)
	}
	ts.InjectFault(Fault{Kind: FaultStatus, Status: http.StatusUnauthorized, Path: "/Users"})
	_, err := c.ListUsers(ctx, client.ListParams{Count: 1})
	if !client.IsUnauthorized(err) || !strings.Contains(err.Error(), "also a freshly fetched one") || !strings.Contains(err.Error(), TestClientID) {
		t.Fatalf("refused twice: %v", err)
	}
	if n := ts.TokensIssued(); n != 3 {
		t.Fatalf("%d tokens issued, want 3: one refetch per request", n)
	}
	if strings.Contains(err.Error(), TestClientSecret) {
		t.Fatal("the error shows the secret")
	}
}

// TestWrongClientSecret: a refused secret is said in the credential's
// terms, naming the client id and never the secret.
func TestWrongClientSecret(t *testing.T) {
	ts := NewTestServer(t, oauthConfig(Config{Users: 5}))
	c := ts.NewClient(t, client.Options{ClientID: TestClientID, ClientSecret: TestClientSecret + "-wrong"})
	_, err := c.ListUsers(context.Background(), client.ListParams{Count: 1})
	if err == nil {
		t.Fatal("a wrong secret was accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "OneTrust refused the client credentials (client id "+TestClientID+")") || strings.Contains(msg, TestClientSecret) {
		t.Fatalf("wrong secret: %s", msg)
	}
	if !client.IsUnauthorized(err) {
		t.Errorf("not a 401 by IsUnauthorized: %v", err)
	}
	for _, rr := range ts.RequestLog() {
		if strings.Contains(rr.Path, "/Users") {
			t.Errorf("a SCIM request went out without a token: %+v", rr)
		}
	}
}
