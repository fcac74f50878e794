package client

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

const testSecret = "cs-SECRET-98765"

// oauthClient serves token at the token endpoint (and 200 {} elsewhere,
// unless other is given) and returns a client with client credentials.
func oauthClient(t *testing.T, token http.HandlerFunc, other http.HandlerFunc) *Client {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc(TokenPath, token)
	if other == nil {
		other = func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }
	}
	mux.HandleFunc("/", other)
	c, _ := newTestClient(t, mux, func(o *Options) { o.Token, o.ClientID, o.ClientSecret = "", "client-1", testSecret })
	return c
}

// TestTokenEndpointAnswersBadly: every way the token endpoint can answer
// wrongly ends in one clear error naming the problem, never the secret.
func TestTokenEndpointAnswersBadly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"wrong secret", 401, `{"error":"invalid_client","error_description":"Bad credentials"}`, "OneTrust refused the client credentials (client id client-1)"},
		{"html", 200, "<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>", "answered with an HTML page, not a JSON token"},
		{"html error", 502, "<html><body>Bad gateway</body></html>", "502"},
		{"not json", 200, "access_token=abc&expires_in=3600", "is not a JSON token"},
		{"no access_token", 200, `{"token_type":"bearer","expires_in":3600}`, "has no access_token"},
		{"blank access_token", 200, `{"access_token":"  ","expires_in":3600}`, "has no access_token"},
		{"no expires_in", 200, `{"access_token":"at-1","token_type":"bearer"}`, "expires_in is missing"},
		{"null expires_in", 200, `{"access_token":"at-1","expires_in":null}`, "expires_in is missing"},
		{"zero expires_in", 200, `{"access_token":"at-1","expires_in":0}`, "expires_in is 0"},
		{"negative expires_in", 200, `{"access_token":"at-1","expires_in":-5}`, "expires_in is -5"},
		{"fractional expires_in", 200, `{"access_token":"at-1","expires_in":3599.5}`, "not a whole number of seconds"},
		{"word expires_in", 200, `{"access_token":"at-1","expires_in":"soon"}`, "not a whole number of seconds"},
		{"huge expires_in", 200, `{"access_token":"at-1","expires_in":99999999999}`, "more than the 68 years"},
		{"mac token", 200, `{"access_token":"at-1","token_type":"mac","expires_in":60}`, `issued a "mac" token`},
		{"empty", 200, ``, "empty body"},
		{"no endpoint", 404, `{"status":404}`, "no OneTrust token endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := oauthClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}, nil)
			_, err := c.ListUsers(context.Background(), ListParams{Count: 1})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("the error shows the secret: %v", err)
			}
			var te *TokenError
			if !asTokenError(err, &te) {
				t.Errorf("%T is not a *TokenError", err)
			}
		})
	}
}

func asTokenError(err error, te **TokenError) bool {
	for err != nil {
		if e, ok := err.(*TokenError); ok {
			*te = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// TestTokenRequestAndInfo: the request is multipart/form-data with the three
// fields; ot_scopes or the spec example's ot-scopes is read, and the
// token's organization and tenant come back in TokenInfo.
func TestTokenRequestAndInfo(t *testing.T) {
	for _, key := range []string{"ot_scopes", "ot-scopes"} {
		var got map[string]string
		c := oauthClient(t, func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseMultipartForm(1 << 16); err != nil {
				http.Error(w, "not multipart", 400)
				return
			}
			got = map[string]string{}
			for k, v := range r.MultipartForm.Value {
				got[k] = v[0]
			}
			fmt.Fprintf(w, `{"access_token":"at-1","token_type":"bearer","expires_in":3599,"scope":"read",%q:"ORGANIZATION,SCIM, user","orgGroupGuid":"org-9","orgGroupId":42,"tenantGuid":"tg-1","tenantId":7}`, key)
		}, nil)
		info, ok, err := c.Authenticate(context.Background())
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		if got["grant_type"] != "client_credentials" || got["client_id"] != "client-1" || got["client_secret"] != testSecret {
			t.Errorf("form %v", got)
		}
		if strings.Join(info.Scopes, ",") != "ORGANIZATION,SCIM,USER" || !info.HasScope(ScopeUser) || info.OrgGroupGUID != "org-9" ||
			info.OrgGroupID != "42" || info.TenantGUID != "tg-1" || info.TenantID != "7" || info.ClientID != "client-1" {
			t.Errorf("%s: info %+v", key, info)
		}
	}
}

// TestConcurrentRequestsShareOneTokenFetch: requests that find no token
// all wait for the one fetch; the endpoint is held until every one of them
// is waiting, so a client that fetched per request would be seen.
func TestConcurrentRequestsShareOneTokenFetch(t *testing.T) {
	var fetches atomic.Int32
	release := make(chan struct{})
	c := oauthClient(t, func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		<-release
		w.Write([]byte(`{"access_token":"at-shared","token_type":"bearer","expires_in":3600}`))
	}, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer at-shared" {
			w.WriteHeader(401)
			return
		}
		w.Write([]byte(`{"id":"u"}`))
	})
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetUser(context.Background(), "u")
			errs <- err
		}()
	}
	for c.oauth.waiting() < n {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if f := fetches.Load(); f != 1 {
		t.Fatalf("%d token fetches for %d concurrent requests, want 1", f, n)
	}
}

// TestServerEchoingSecretsIsScrubbed: an error body that quotes the client
// secret or the access token shows neither.
func TestServerEchoingSecretsIsScrubbed(t *testing.T) {
	c := oauthClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"access_token":"at-ECHOED-55555","token_type":"bearer","expires_in":3600}`))
	}, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		fmt.Fprintf(w, "failed for %s with secret %s (%s)", r.Header.Get("Authorization"), testSecret, strings.ToUpper(testSecret))
	})
	_, err := c.GetUser(context.Background(), "u")
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{testSecret, strings.ToUpper(testSecret), "at-ECHOED-55555"} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error shows %q: %v", s, err)
		}
	}
	if !strings.Contains(err.Error(), redactedMark) {
		t.Errorf("nothing redacted: %v", err)
	}
	opts := Options{BaseURL: "https://acme.onetrust.com/api/scim/v2", ClientID: "id", ClientSecret: testSecret}
	for _, v := range []any{opts, &opts, c} {
		if out := fmt.Sprintf("%+v %#v", v, v); strings.Contains(out, testSecret) {
			t.Errorf("%T prints the secret: %s", v, out)
		}
	}
}

func TestCredentialOptionsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Token: "k", ClientID: "id", ClientSecret: "s"}, "both an API token and OAuth client credentials"},
		{Options{ClientSecret: "s"}, "a client secret without a client id"},
		{Options{ClientID: "id"}, "has no client secret"},
		{Options{ClientID: "id with space", ClientSecret: "s"}, "client id contains spaces"},
	} {
		tc.opts.BaseURL = "https://acme.onetrust.com/api/scim/v2"
		if _, err := New(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.opts, err, tc.want)
		}
	}
}

// TestBearerWordsAreRedacted: a bearer credential written out is redacted
// even when this client never held it (an earlier run's access token, a
// JWT in passing).
func TestBearerWordsAreRedacted(t *testing.T) {
	c, err := New(Options{BaseURL: "https://acme.onetrust.com/api/scim/v2", ClientID: "id", ClientSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{
		"Authorization: Bearer at-OLD-RUN-1234 refused",
		"authorization: bearer=at-OLD-RUN-1234",
		"token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl expired",
	} {
		out := c.scrub(in, 200, false)
		if strings.Contains(out, "at-OLD-RUN-1234") || strings.Contains(out, "eyJhbGci") || !strings.Contains(out, redactedMark) {
			t.Errorf("scrub(%q) = %q", in, out)
		}
	}
}
