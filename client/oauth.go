package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/sync/semaphore"
)

// TokenPath is OneTrust's OAuth 2.0 token endpoint, on the tenant's host.
const TokenPath = "/api/access/v1/oauth/token"

// OneTrust's API scopes (ONETRUST-API.md section 1).
const (
	ScopeSCIM         = "SCIM"
	ScopeUser         = "USER"
	ScopeOrganization = "ORGANIZATION"
)

// scopePrefixes maps the host paths of OneTrust's API families to the scope
// each needs; scopeOf reads it for error advice, and the fake tenant
// enforces the same table (ScopeForPath).
var scopePrefixes = []struct{ prefix, scope string }{
	{"/api/scim/", ScopeSCIM},
	{"/api/access/v1/external/organizations", ScopeOrganization},
	{"/api/access/v2/users", ScopeUser},
	{"/api/access/v1/user-groups", ScopeUser},
	{"/api/access/v2/user-groups", ScopeUser},
	{"/api/access/v1/login-history", ScopeUser},
	{"/api/audit/v1", ScopeUser},
}

// ScopeForPath is the OneTrust scope a request to path (from the host's
// root) needs, "" for none known (the token endpoint, discovery elsewhere).
func ScopeForPath(path string) string {
	for _, p := range scopePrefixes {
		if path == p.prefix || strings.HasPrefix(path, strings.TrimSuffix(p.prefix, "/")+"/") {
			return p.scope
		}
	}
	return ""
}

func scopeOf(cl *call) string {
	if !cl.origin {
		return ScopeSCIM // everything under the SCIM base
	}
	return ScopeForPath(cl.path)
}

// TokenInfo is what the token endpoint said about the credential. It holds
// no secret: the access token itself stays inside the client.
type TokenInfo struct {
	ClientID string
	// Scopes are ot_scopes (or ot-scopes), e.g. [ORGANIZATION SCIM USER].
	Scopes []string
	// OrgGroupGUID / OrgGroupID name the organization the credential
	// lives in: one made in a child organization sees only its subtree.
	OrgGroupGUID string
	OrgGroupID   string
	TenantGUID   string
	TenantID     string
	ExpiresIn    time.Duration
	ObtainedAt   time.Time // on the client's clock
}

// HasScope reports whether the token carries scope.
func (t TokenInfo) HasScope(scope string) bool {
	for _, s := range t.Scopes {
		if strings.EqualFold(s, scope) {
			return true
		}
	}
	return false
}

// UsesClientCredentials reports whether the client authenticates with OAuth
// client credentials rather than an API key.
func (c *Client) UsesClientCredentials() bool { return c.oauth != nil }

// Authenticate fetches an access token unless a valid one is held, and
// says what it carries. With an API key there is nothing to fetch: ok is
// false and the info empty.
func (c *Client) Authenticate(ctx context.Context) (info TokenInfo, ok bool, err error) {
	if c.oauth == nil {
		return TokenInfo{}, false, nil
	}
	t, err := c.oauth.get(ctx, c)
	if err != nil {
		return TokenInfo{}, true, err
	}
	return t.info, true, nil
}

// credName names a client-credentials credential for error advice; "" for
// an API key (whose advice is the default).
func (c *Client) credName() string {
	if c.oauth == nil {
		return ""
	}
	return "the OAuth client " + quoteID(c.oauth.clientID)
}

// bearer is what a request sends as its bearer token: the API key, an
// access token (fetched when none is valid), or nothing for the token
// endpoint itself.
func (c *Client) bearer(ctx context.Context, cl *call) (string, error) {
	if cl.noAuth {
		return "", nil
	}
	if c.oauth == nil {
		return c.token, nil
	}
	t, err := c.oauth.get(ctx, c)
	if err != nil {
		return "", err
	}
	return t.value, nil
}

// tokenSource holds one client's access token. Requests that find none
// valid share one fetch; the token is fetched again a little before its
// expires_in ends, on the client's clock, or after a 401 (invalidate).
type tokenSource struct {
	clientID, secret string

	mu      sync.Mutex
	current *issuedToken
	pending *tokenFetch
	waiters int // requests waiting for pending (for tests)
	// issued are the access tokens this client has held: an error body
	// that echoes one is scrubbed like the secret.
	issued []string
}

type issuedToken struct {
	value   string
	renewAt time.Time
	info    TokenInfo
}

type tokenFetch struct {
	done chan struct{}
	tok  *issuedToken
	err  error
}

// renewMargin is how long before expires_in ends a token is replaced: a
// tenth of its life, at most a minute, so a request in flight does not
// carry a token that expires on the way.
func renewMargin(life time.Duration) time.Duration { return min(life/10, time.Minute) }

func (ts *tokenSource) get(ctx context.Context, c *Client) (*issuedToken, error) {
	ts.mu.Lock()
	if t := ts.current; t != nil && c.clock.Now().Before(t.renewAt) {
		ts.mu.Unlock()
		return t, nil
	}
	f := ts.pending
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		ts.pending = f
		// The fetch outlives the request that started it: the others
		// waiting for it keep their own contexts. It holds no walk slot.
		fctx := context.WithValue(context.WithoutCancel(ctx), slotsKey{}, (*semaphore.Weighted)(nil))
		go ts.fetch(fctx, c, f)
	}
	ts.waiters++
	ts.mu.Unlock()
	defer func() {
		ts.mu.Lock()
		ts.waiters--
		ts.mu.Unlock()
	}()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, c.cancelled(ctx, http.MethodPost, c.origin+TokenPath, ctx.Err(), 0, "while waiting for an access token")
	}
}

func (ts *tokenSource) fetch(ctx context.Context, c *Client, f *tokenFetch) {
	tok, err := c.requestToken(ctx, ts.clientID, ts.secret)
	ts.mu.Lock()
	if err == nil {
		ts.current = tok
		ts.issued = append(ts.issued, tok.value)
		if len(ts.issued) > 8 {
			ts.issued = ts.issued[len(ts.issued)-8:]
		}
	}
	ts.pending = nil
	f.tok, f.err = tok, err
	ts.mu.Unlock()
	close(f.done)
}

// waiting is how many requests wait for a token fetch.
func (ts *tokenSource) waiting() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.waiters
}

// invalidate drops the token a request was refused with, unless another
// request has already replaced it.
func (ts *tokenSource) invalidate(used string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.current != nil && ts.current.value == used {
		ts.current = nil
	}
}

// secrets are the client secret and the access tokens held, for scrub.
func (ts *tokenSource) secrets() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string{ts.secret}, ts.issued...)
}

// TokenError is a failed token fetch, said in the credential's terms.
type TokenError struct {
	ClientID string
	Msg      string
	Err      error // the request's *Error, when the endpoint answered with one
}

func (e *TokenError) Error() string { return e.Msg }
func (e *TokenError) Unwrap() error { return e.Err }

// requestToken POSTs the client credentials as multipart/form-data (the only
// body OneTrust's spec lists) and reads the answer.
func (c *Client) requestToken(ctx context.Context, id, secret string) (*issuedToken, error) {
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	for _, kv := range [][2]string{{"grant_type", "client_credentials"}, {"client_id", id}, {"client_secret", secret}} {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	var body []byte
	cl := &call{method: http.MethodPost, path: TokenPath, origin: true, noAuth: true,
		form: form.Bytes(), formContentType: mw.FormDataContentType(), keepBody: &body,
		// Fetching a token changes nothing: safe to send again.
		retry5xx: true, retryNet: true}
	target := c.origin + TokenPath
	sent := c.clock.Now()
	fail := func(err error, format string, args ...any) *TokenError {
		return &TokenError{ClientID: id, Err: err, Msg: fmt.Sprintf("POST %s: ", c.redact(target)) + fmt.Sprintf(format, args...)}
	}
	if _, err := c.do(ctx, cl, nil); err != nil {
		var he *Error
		if errors.As(err, &he) {
			switch he.Status {
			case http.StatusUnauthorized:
				return nil, fail(err, "OneTrust refused the client credentials (client id %s): check OTACCESS_CLIENT_ID and OTACCESS_CLIENT_SECRET, or the profile's client_id and client_secret_command/client_secret_file", quoteID(id))
			case http.StatusBadRequest:
				return nil, fail(err, "the token endpoint rejected the request (400)%s", said(he))
			case http.StatusNotFound:
				return nil, fail(err, "the host has no OneTrust token endpoint (404); OAuth client credentials work only against a OneTrust tenant, use an API key (OTACCESS_TOKEN) otherwise")
			}
		}
		return nil, fail(err, "fetching an access token for client id %s failed: %v", quoteID(id), err)
	}
	return c.parseToken(body, sent, id, fail)
}

func said(e *Error) string {
	switch {
	case e.Detail != "":
		return ": " + e.Detail
	case e.Body != "":
		return ": " + e.Body
	}
	return ""
}

// tokenWire is the token endpoint's answer. Numbers and ids are read
// loosely (OneTrust's spec types tenantId as an int, orgGroupId is not
// typed): a string or a number both do.
type tokenWire struct {
	AccessToken  *string         `json:"access_token"`
	TokenType    string          `json:"token_type"`
	ExpiresIn    json.RawMessage `json:"expires_in"`
	OtScopes     *string         `json:"ot_scopes"`
	OtScopesDash *string         `json:"ot-scopes"` // as the spec's example spells it
	OrgGroupGUID json.RawMessage `json:"orgGroupGuid"`
	OrgGroupID   json.RawMessage `json:"orgGroupId"`
	TenantGUID   json.RawMessage `json:"tenantGuid"`
	TenantID     json.RawMessage `json:"tenantId"`
}

func (c *Client) parseToken(body []byte, sent time.Time, id string, fail func(error, string, ...any) *TokenError) (*issuedToken, error) {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return nil, fail(nil, "the token endpoint answered with an empty body, not a token")
	case trimmed[0] == '<':
		return nil, fail(nil, "the token endpoint answered with an HTML page, not a JSON token (is the URL the tenant's OneTrust host?): %s", c.excerpt(body))
	}
	var w tokenWire
	if err := json.Unmarshal(trimmed, &w); err != nil {
		return nil, fail(nil, "the token endpoint's answer is not a JSON token: %s", c.excerpt(body))
	}
	if w.AccessToken == nil || strings.TrimSpace(*w.AccessToken) == "" {
		return nil, fail(nil, "the token endpoint's answer has no access_token")
	}
	value := strings.TrimSpace(*w.AccessToken)
	if strings.ContainsFunc(value, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return nil, fail(nil, "the token endpoint's access_token contains spaces or control characters")
	}
	if tt := strings.TrimSpace(w.TokenType); tt != "" && !strings.EqualFold(tt, "bearer") {
		return nil, fail(nil, "the token endpoint issued a %q token; otaccess sends bearer tokens only", c.scrub(tt, 32, false))
	}
	life, err := expiresIn(w.ExpiresIn)
	if err != nil {
		return nil, fail(nil, "the token endpoint's expires_in %s", err)
	}
	info := TokenInfo{ClientID: id, ExpiresIn: life, ObtainedAt: sent,
		OrgGroupGUID: c.looseString(w.OrgGroupGUID), OrgGroupID: c.looseString(w.OrgGroupID),
		TenantGUID: c.looseString(w.TenantGUID), TenantID: c.looseString(w.TenantID)}
	scopes := w.OtScopes
	if scopes == nil {
		scopes = w.OtScopesDash
	}
	if scopes != nil {
		for _, s := range strings.Split(*scopes, ",") {
			if s = c.scrub(strings.TrimSpace(s), 64, false); s != "" {
				info.Scopes = append(info.Scopes, strings.ToUpper(s))
			}
		}
	}
	// Timed from when the request was sent: the token may have been issued
	// at any moment after that.
	return &issuedToken{value: value, renewAt: sent.Add(life - renewMargin(life)), info: info}, nil
}

// maxTokenLife is int32 seconds, the type OneTrust's spec gives expires_in.
const maxTokenLife = (1<<31 - 1) * time.Second

// expiresIn reads expires_in: whole seconds, as a JSON number or a numeric
// string, above zero. An absent one is an error: there is no telling when
// the token would stop working.
func expiresIn(raw json.RawMessage) (time.Duration, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, errors.New("is missing: no telling when the token expires")
	}
	if unq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(unq)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("is %s, not a whole number of seconds", cut(clean(string(raw), false, 40), 32))
	}
	if n <= 0 {
		return 0, fmt.Errorf("is %d: the token would already be expired", n)
	}
	if n > int64(maxTokenLife/time.Second) {
		return 0, fmt.Errorf("is %d seconds, more than the 68 years an int32 holds", n)
	}
	return time.Duration(n) * time.Second, nil
}

// looseString reads an id sent as a string or a number, cleaned for
// display; anything else is "".
func (c *Client) looseString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return c.scrub(strings.TrimSpace(s), 80, false)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// quoteID shows a client id in messages, cleaned and cut: it is not a
// secret, but it comes from the environment or a file.
func quoteID(id string) string { return cut(clean(id, false, 80), 64) }
