package scimtest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
)

// TestToken is the API token of every test tenant: one value, distinctive
// enough that the tests looking for it in output, logs and files cannot
// find it by accident.
const TestToken = "tok-TEST-SECRET-4242"

// TestClientID and TestClientSecret are the OAuth client credentials of the
// test tenants that take them (Config.ClientID, Config.ClientSecret); the
// secret is as distinctive as TestToken, for the same reason.
const (
	TestClientID     = "otaccess-test-client"
	TestClientSecret = "cs-TEST-SECRET-7373"
)

// TestServer is a Server behind an httptest.Server, closed by tb.Cleanup.
type TestServer struct {
	*Server
	// URL is the SCIM base URL including the base path, e.g.
	// http://127.0.0.1:41234/api/scim/v2.
	URL        string
	HTTPServer *httptest.Server
}

// TestOption changes how NewTestServer serves the tenant.
type TestOption func(*testOptions)

type testOptions struct {
	wrap func(*Server, http.Handler) http.Handler
}

// WithHandler serves the tenant through wrap: it gets the server (to change
// the tenant between requests) and the handler to pass requests on to.
func WithHandler(wrap func(s *Server, next http.Handler) http.Handler) TestOption {
	return func(o *testOptions) { o.wrap = wrap }
}

// NewTestServer starts a fake tenant on a loopback port for the test's lifetime.
func NewTestServer(tb testing.TB, cfg Config, opts ...TestOption) *TestServer {
	tb.Helper()
	var o testOptions
	for _, opt := range opts {
		opt(&o)
	}
	s := NewServer(cfg)
	var h http.Handler = s
	if o.wrap != nil {
		h = o.wrap(s, s)
	}
	hs := httptest.NewServer(h)
	s.SetPublicURL(hs.URL)
	tb.Cleanup(hs.Close)
	return &TestServer{Server: s, URL: hs.URL + s.base, HTTPServer: hs}
}

// Root is scheme://host of the server, where OneTrust's token endpoint and
// access APIs live (URL is the SCIM base under it).
func (ts *TestServer) Root() string { return ts.HTTPServer.URL }

// ClientAs is an *http.Client that reaches the test server whatever host
// and scheme a request names, so a client can be given a OneTrust URL
// (https://acme.onetrust.com/api/scim/v2) and still talk to the fake:
// what otaccess does on OneTrust's hosts only is testable end to end.
func (ts *TestServer) ClientAs() *http.Client {
	target, _ := url.Parse(ts.HTTPServer.URL)
	base := ts.HTTPServer.Client().Transport
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = target.Scheme, target.Host
		return base.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Client returns an *http.Client for the test server.
func (ts *TestServer) Client() *http.Client { return ts.HTTPServer.Client() }

// Close shuts the HTTP server down early (Cleanup also does it).
func (ts *TestServer) Close() { ts.HTTPServer.Close() }

// NewClient is a SCIM client of the test server that fails fast: opt's
// zero fields get the server's URL and client, TestToken (unless opt has
// a ClientID), millisecond
// backoff and a pacing far above anything a test sends. The per-request
// timeout stays the client's unless opt sets one.
func (ts *TestServer) NewClient(tb testing.TB, opt client.Options) *client.Client {
	tb.Helper()
	if opt.BaseURL == "" {
		opt.BaseURL = ts.URL
	}
	if opt.Token == "" && opt.ClientID == "" {
		opt.Token = TestToken
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = ts.Client()
	}
	if opt.BaseBackoff == 0 {
		opt.BaseBackoff = time.Millisecond
	}
	if opt.MaxBackoff == 0 {
		opt.MaxBackoff = 20 * time.Millisecond
	}
	if opt.RequestsPerMinute == 0 {
		opt.RequestsPerMinute = 1_000_000
	}
	c, err := client.New(opt)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
