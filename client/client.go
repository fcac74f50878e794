package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
)

// Dialect selects how filter attribute names are spelled.
type Dialect int

const (
	// DialectAuto is OneTrust when the host ends in onetrust.com, else standard.
	DialectAuto Dialect = iota
	// DialectOneTrust keeps OneTrust's shortcuts (givenName, email, ...).
	DialectOneTrust
	// DialectStandard uses RFC 7643 paths (name.givenName, emails.value).
	DialectStandard
)

// Defaults. The request budgets are OneTrust's documented limits: 1,000
// requests per minute per endpoint and 200,000 per hour per account.
const (
	DefaultMaxRetries        = 4
	DefaultRequestsPerMinute = 1000
	DefaultRequestsPerHour   = 200_000
	DefaultMaxRetryAfter     = 90 * time.Second
	DefaultSlowAnswer        = 5 * time.Second
	DefaultTimeout           = 30 * time.Second
	DefaultBaseBackoff       = 500 * time.Millisecond
	DefaultMaxBackoff        = 30 * time.Second
	DefaultMaxResponseBytes  = 64 << 20
	DefaultUserAgent         = "otaccess"
	// defaultScimPath is OneTrust's legacy SCIM 2.0 base path.
	defaultScimPath = "/api/scim/v2"
)

// Options configures a Client. Zero values mean the documented default.
type Options struct {
	BaseURL string // e.g. https://acme.onetrust.com/api/scim/v2 ; http:// only to loopback
	Token   string // API key, sent only in the Authorization header
	// ClientID and ClientSecret are OAuth 2.0 client credentials, used
	// instead of Token: the client fetches an access token from the
	// tenant's /api/access/v1/oauth/token and keeps it in memory only.
	ClientID     string
	ClientSecret string
	HTTPClient   *http.Client // nil: a default one with sane timeouts, TLS verification on
	UserAgent    string
	MaxRetries   int           // 429/5xx retries (default 4; negative disables retries)
	Dialect      Dialect       // filter attribute spelling
	Timeout      time.Duration // per attempt, including reading the body (default 30s)

	// BaseBackoff is the first retry delay, doubled per attempt with jitter
	// (default 500ms). Tests set it to a millisecond.
	BaseBackoff time.Duration
	// MaxBackoff caps a wait before a retry after a network error or a 5xx,
	// including one asked for by Retry-After (default 30s).
	MaxBackoff time.Duration

	// RequestsPerMinute is the budget per endpoint (Users, Groups, ...) in
	// any minute, all of it available at once (default 1,000, OneTrust's
	// limit); RequestsPerHour is the account's in any hour (default
	// 200,000). Both are lowered to what the server says in its
	// ot-requests-allowed / ot-request-made / ot-period headers.
	RequestsPerMinute int
	RequestsPerHour   int
	// MaxRetryAfter is the longest a request waits for a rate limit, the
	// client's own or a 429's Retry-After (default 90s: a minute's window);
	// a longer wait ends with a *RateLimitError saying when to try again.
	MaxRetryAfter time.Duration
	// SlowAnswer is how long an answer is awaited before a walk's progress
	// says it is waiting for one (default 5s).
	SlowAnswer time.Duration
	// Clock paces requests and times their waits (nil: the wall clock).
	// Tests pass one they move themselves.
	Clock Clock
	// MaxResponseBytes caps how much of a response body is read, so a hostile
	// or broken server cannot exhaust memory (default 64 MiB).
	MaxResponseBytes int64
}

// Client talks to one SCIM 2.0 service. It is safe for concurrent use.
type Client struct {
	base       string
	origin     string // scheme://host[:port] of base: where the access APIs are
	host       string
	token      string
	oauth      *tokenSource // nil with an API key
	hc         *http.Client
	userAgent  string
	maxRetries int
	timeout    time.Duration
	baseWait   time.Duration
	maxWait    time.Duration
	maxBody    int64
	oneTrust   bool

	pacer       *pacer
	bodies      *bodyBudget
	clock       Clock
	maxRateWait time.Duration
	slowAnswer  time.Duration
	// otHeaders: the server has sent OneTrust's rate headers.
	otHeaders atomic.Bool
	// sent counts the HTTP requests sent (every attempt, retries too): a
	// sync records how many it took, for the review evidence.
	sent atomic.Int64
}

// RequestsSent is how many HTTP requests the client has sent, retries
// included.
func (c *Client) RequestsSent() int64 { return c.sent.Load() }

// New validates opts and returns a Client.
func New(opts Options) (*Client, error) {
	base, u, err := normalizeBaseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	// Token files usually end in a newline; anything else odd would corrupt
	// the header. The token itself never goes into the message.
	token := strings.TrimSpace(opts.Token)
	if strings.ContainsFunc(token, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return nil, errors.New("the API token contains spaces or control characters; check OTACCESS_TOKEN or the profile's token")
	}
	id, secret := strings.TrimSpace(opts.ClientID), strings.TrimSpace(opts.ClientSecret)
	switch {
	case id != "" && token != "":
		return nil, errors.New("both an API token and OAuth client credentials are given; use one")
	case id == "" && secret != "":
		return nil, errors.New("a client secret without a client id; set OTACCESS_CLIENT_ID or the profile's client_id")
	case id != "" && secret == "":
		return nil, fmt.Errorf("client id %s has no client secret; set OTACCESS_CLIENT_SECRET or the profile's client_secret_command or client_secret_file", quoteID(id))
	case strings.ContainsFunc(id, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }):
		return nil, errors.New("the client id contains spaces or control characters; check OTACCESS_CLIENT_ID or the profile's client_id")
	}
	c := &Client{
		base:       base,
		origin:     u.Scheme + "://" + u.Host,
		host:       strings.ToLower(u.Hostname()),
		token:      token,
		hc:         opts.HTTPClient,
		userAgent:  opts.UserAgent,
		maxRetries: opts.MaxRetries,
		timeout:    opts.Timeout,
		baseWait:   opts.BaseBackoff,
		maxWait:    opts.MaxBackoff,
		maxBody:    opts.MaxResponseBytes,
		clock:      opts.Clock,
	}
	if c.clock == nil {
		c.clock = wallClock{}
	}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.baseWait <= 0 {
		c.baseWait = DefaultBaseBackoff
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxBackoff
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	if id != "" {
		c.oauth = &tokenSource{clientID: id, secret: secret}
	}
	c.bodies = newBodyBudget(c.maxBody)
	c.pacer = newPacer(orDefault(opts.RequestsPerMinute, DefaultRequestsPerMinute), orDefault(opts.RequestsPerHour, DefaultRequestsPerHour))
	c.maxRateWait = time.Duration(orDefault(int64(opts.MaxRetryAfter), int64(DefaultMaxRetryAfter)))
	c.slowAnswer = time.Duration(orDefault(int64(opts.SlowAnswer), int64(DefaultSlowAnswer)))

	switch opts.Dialect {
	case DialectOneTrust:
		c.oneTrust = true
	case DialectStandard:
		c.oneTrust = false
	default:
		c.oneTrust = isOneTrustHost(c.host)
	}
	return c, nil
}

func orDefault[T int | int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// String names the client without its token, so printing one (%v, %+v, a
// panic value, a debug line) cannot leak it.
func (c *Client) String() string { return "client.Client{" + c.base + ", token [redacted]}" }

// GoString is String, for %#v.
func (c *Client) GoString() string { return c.String() }

// String prints the options with the token redacted; see Client.String.
func (o Options) String() string {
	tok := "[none]"
	if o.Token != "" {
		tok = "[redacted]"
	}
	if o.ClientSecret != "" {
		tok += " ClientID:" + quoteID(o.ClientID) + " ClientSecret:[redacted]"
	}
	return fmt.Sprintf("client.Options{BaseURL:%s Token:%s UserAgent:%s MaxRetries:%d RequestsPerMinute:%d RequestsPerHour:%d Timeout:%s}",
		o.BaseURL, tok, o.UserAgent, o.MaxRetries, o.RequestsPerMinute, o.RequestsPerHour, o.Timeout)
}

// GoString is String, for %#v.
func (o Options) GoString() string { return o.String() }

// BaseURL is the normalized SCIM base URL (no trailing slash).
func (c *Client) BaseURL() string { return c.base }

// IsOneTrust reports whether OneTrust's filter shortcuts are in use.
func (c *Client) IsOneTrust() bool { return c.oneTrust }

func normalizeBaseURL(raw string) (string, *url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil, errors.New("no base URL: give the tenant's SCIM URL, e.g. https://acme.onetrust.com/api/scim/v2")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, fmt.Errorf("base URL %q does not parse: %v", raw, errors.Unwrap(err))
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", nil, fmt.Errorf("base URL %q has no host; expected e.g. https://acme.onetrust.com/api/scim/v2", raw)
	}
	if u.User != nil {
		// Credentials in a URL end up in logs and error messages.
		return "", nil, errors.New("base URL must not contain credentials; pass the API key as the token")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", nil, fmt.Errorf("base URL %q must not have a query or fragment", u.Scheme+"://"+u.Host+u.Path)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", nil, fmt.Errorf("refusing http://%s: the API key would travel in clear text; use https:// (http:// is allowed only to localhost and loopback IPs such as 127.0.0.1 and [::1])", u.Host)
		}
	default:
		return "", nil, fmt.Errorf("base URL %q must start with https://", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), u, nil
}

// isLoopback allows http:// to a literal loopback IP and to "localhost"
// itself only: a name under .localhost (or "localhost." with its dot) is
// looked up through DNS like any other and may point anywhere.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsOneTrustURL reports whether a tenant URL's host is OneTrust's
// (onetrust.com or a name under it), by the host alone.
func IsOneTrustURL(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	return err == nil && isOneTrustHost(u.Hostname())
}

func isOneTrustHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == "onetrust.com" || strings.HasSuffix(host, ".onetrust.com")
}

// DomainURL turns what an operator types into a SCIM base URL:
// "acme" -> https://acme.onetrust.com/api/scim/v2; a host such as
// "acme.my.onetrust.com" or "app-au.onetrust.com" is kept as is; a full URL
// is reduced to its host (and port). http is kept only for loopback hosts,
// where New would accept it. Empty input gives "".
func DomainURL(domain string) string {
	d := strings.TrimSpace(domain)
	if d == "" {
		return ""
	}
	scheme := "https"
	if i := strings.Index(d, "://"); i >= 0 {
		if u, err := url.Parse(d); err == nil && u.Host != "" {
			if strings.EqualFold(u.Scheme, "http") && isLoopback(u.Hostname()) {
				scheme = "http"
			}
			d = u.Host
		} else {
			d = d[i+3:]
		}
	}
	if i := strings.IndexAny(d, "/?#"); i >= 0 {
		d = d[:i]
	}
	if i := strings.LastIndex(d, "@"); i >= 0 {
		d = d[i+1:]
	}
	d = strings.TrimSuffix(strings.ToLower(d), ".")
	if d == "" {
		return ""
	}
	// A bare tenant name ("acme") has neither a dot nor a port.
	if !strings.ContainsAny(d, ".:") && d != "localhost" {
		d += ".onetrust.com"
	}
	return scheme + "://" + d + defaultScimPath
}

func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ResponseHeaderTimeout = 60 * time.Second
	tr.MaxIdleConnsPerHost = 16
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{}
	}
	tr.TLSClientConfig.MinVersion = tls.VersionTLS12
	return &http.Client{
		Transport: tr,
		// A SCIM API has no reason to redirect; following one to another host
		// or down to http could hand the request (and a POST body) elsewhere.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			first := via[0].URL
			if req.URL.Host != first.Host || (first.Scheme == "https" && req.URL.Scheme != "https") {
				return errors.New("refusing a redirect to another host or scheme; check the base URL")
			}
			// A 301/302 turns a write into a GET of something else; the
			// answer would then be misread as the write's result.
			if via[0].Method != http.MethodGet {
				return errors.New("refusing to follow a redirect of a " + via[0].Method + "; check the base URL")
			}
			return nil
		},
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
