package scimtest

import (
	"crypto/subtle"
	"encoding/hex"
	"math/rand/v2"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// tokenPath is OneTrust's OAuth token endpoint (ONETRUST-API.md section 1).
const tokenPath = "/api/access/v1/oauth/token"

// OneTrust's API scopes.
const (
	ScopeSCIM         = "SCIM"
	ScopeUser         = "USER"
	ScopeOrganization = "ORGANIZATION"
)

// AllScopes is what a credential has unless Config.Scopes says otherwise.
var AllScopes = []string{ScopeOrganization, ScopeSCIM, ScopeUser}

// scopeRoutes is the scope check, keyed by path prefix from the host's
// root: every endpoint under a prefix needs its scope, whoever adds it.
// The SCIM base (whatever Config.BasePath is) needs SCIM.
var scopeRoutes = []struct{ prefix, scope string }{
	{"/api/access/v1/external/organizations", ScopeOrganization},
	{"/api/access/v2/users", ScopeUser},
	{"/api/access/v1/user-groups", ScopeUser},
	{"/api/access/v2/user-groups", ScopeUser},
	{"/api/access/v1/login-history", ScopeUser},
	{"/api/audit/v1", ScopeUser},
	{"/api/scim/", ScopeSCIM},
}

func scopeForPath(p string) string {
	for _, r := range scopeRoutes {
		if p == r.prefix || strings.HasPrefix(p, strings.TrimSuffix(r.prefix, "/")+"/") {
			return r.scope
		}
	}
	return ""
}

// isAPIPath: p is one of OneTrust's REST APIs beside SCIM.
func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/access/") || strings.HasPrefix(p, "/api/audit/")
}

// grant is what a request's credential may do.
type grant struct {
	scopes []string
	// org is the organization the credential lives in (index into
	// s.orgs); 0 is the root.
	org int
	// issued: an access token from the token endpoint, not the API key.
	issued bool
	// view is what the credential sees: nil for the whole tenant
	// (orgview.go).
	view *orgView
}

func (g *grant) has(scope string) bool {
	for _, s := range g.scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// issuedToken is an access token the endpoint gave out.
type issuedToken struct {
	expires time.Time
	revoked bool
}

type authState struct {
	tenantGUID string
	tenantID   int
	clientOrg  int      // index into s.orgs
	view       *orgView // clientOrg's subtree, nil at the root
	scopes     []string

	mu     sync.Mutex
	tokens map[string]*issuedToken
	issued int
	rng    *rand.Rand
}

func (s *Server) initAuth() {
	a := &s.auth
	r := rand.New(rand.NewPCG(uint64(s.cfg.Seed), 0x0a417e))
	a.rng = r
	a.tenantGUID = newUUID(r)
	a.tenantID = 1000 + r.IntN(9000)
	a.tokens = map[string]*issuedToken{}
	a.scopes = AllScopes
	if s.cfg.Scopes != nil {
		a.scopes = nil
		for _, sc := range s.cfg.Scopes {
			if sc = strings.ToUpper(strings.TrimSpace(sc)); sc != "" {
				a.scopes = append(a.scopes, sc)
			}
		}
	}
	if s.cfg.TokenLifetime <= 0 {
		s.cfg.TokenLifetime = time.Hour
	}
	for i, o := range s.orgs {
		if s.cfg.ClientOrg != "" && (strings.EqualFold(o.Name, s.cfg.ClientOrg) || o.ID == s.cfg.ClientOrg) {
			a.clientOrg = i
		}
	}
	a.view = s.newOrgView(a.clientOrg)
}

// TenantGUID is the tenant's id as the token endpoint reports it.
func (s *Server) TenantGUID() string { return s.auth.tenantGUID }

// RootOrg is the root of the organization tree.
func (s *Server) RootOrg() Org {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.orgs[0]
}

// CredentialOrg is the organization the OAuth credential lives in
// (Config.ClientOrg; the root when that names none).
func (s *Server) CredentialOrg() Org {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.orgs[s.auth.clientOrg]
}

// TokensIssued is how many access tokens the token endpoint has issued.
func (s *Server) TokensIssued() int {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	return s.auth.issued
}

// IssuedTokens are the access tokens issued (revoked ones too), for tests
// that look for them where they must not be (files, output).
func (s *Server) IssuedTokens() []string {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	out := make([]string, 0, len(s.auth.tokens))
	for t := range s.auth.tokens {
		out = append(out, t)
	}
	return out
}

// RevokeTokens makes every issued access token invalid at once (answered
// 401), as a tenant admin revoking a credential's sessions would.
func (s *Server) RevokeTokens() {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	for _, t := range s.auth.tokens {
		t.revoked = true
	}
}

func (s *Server) authNow() time.Time {
	switch {
	case s.cfg.AuthClock != nil:
		return s.cfg.AuthClock()
	case s.cfg.RateClock != nil:
		return s.cfg.RateClock()
	}
	return time.Now()
}

// authenticate reads the bearer token: the API key, or an access token the
// server issued and that has not expired. A nil grant comes with why.
func (s *Server) authenticate(r *http.Request) (*grant, string) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return nil, "missing or invalid bearer token"
	}
	tok := strings.TrimSpace(h[len(prefix):])
	if tok == "" {
		return nil, "missing or invalid bearer token"
	}
	if s.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.Token)) == 1 {
		return &grant{scopes: s.auth.scopes}, ""
	}
	s.auth.mu.Lock()
	it, ok := s.auth.tokens[tok]
	var revoked bool
	var exp time.Time
	if ok {
		revoked, exp = it.revoked, it.expires
	}
	s.auth.mu.Unlock()
	switch {
	case ok && revoked:
		return nil, "the access token has been revoked"
	case ok && s.authNow().Before(exp):
		return &grant{scopes: s.auth.scopes, org: s.auth.clientOrg, issued: true, view: s.auth.view}, ""
	case ok:
		return nil, "the access token has expired; fetch a new one"
	case s.cfg.Token == "" && s.cfg.ClientID == "":
		return &grant{scopes: s.auth.scopes}, "" // any token will do
	}
	return nil, "missing or invalid bearer token"
}

// tokenWire is the token endpoint's answer, shaped as OneTrust's spec.
type tokenWire struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	OtScopes     string `json:"ot_scopes"`
	Email        string `json:"email"`
	UserName     string `json:"user_name"`
	GUID         string `json:"guid"`
	JTI          string `json:"jti"`
	LanguageID   int    `json:"languageId"`
	OrgGroupGUID string `json:"orgGroupGuid"`
	OrgGroupID   int    `json:"orgGroupId"`
	Role         string `json:"role"`
	SessionID    string `json:"sessionId"`
	TenantGUID   string `json:"tenantGuid"`
	TenantID     int    `json:"tenantId"`
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// serveToken is POST /api/access/v1/oauth/token: multipart/form-data (the
// only body the spec lists), grant_type=client_credentials, client_id,
// client_secret. 400 for a bad request, 401 for wrong credentials.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) int {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSONAs(w, http.StatusMethodNotAllowed, "application/json", oauthError{"invalid_request", "use POST"})
		return http.StatusMethodNotAllowed
	}
	bad := func(status int, code, desc string) int {
		writeJSONAs(w, status, "application/json", oauthError{code, desc})
		return status
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return bad(http.StatusBadRequest, "invalid_request", "the body must be multipart/form-data")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseMultipartForm(64 << 10); err != nil {
		return bad(http.StatusBadRequest, "invalid_request", "the multipart body does not parse")
	}
	if gt := r.PostFormValue("grant_type"); gt != "client_credentials" {
		return bad(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
	}
	id, secret := r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	if id == "" || secret == "" {
		return bad(http.StatusBadRequest, "invalid_request", "client_id and client_secret are required")
	}
	if s.cfg.ClientID == "" ||
		subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) != 1 {
		return bad(http.StatusUnauthorized, "invalid_client", "Bad credentials")
	}
	a := &s.auth
	a.mu.Lock()
	var raw [24]byte
	for i := range raw {
		raw[i] = byte(a.rng.Uint32())
	}
	tok := "ott-" + hex.EncodeToString(raw[:])
	a.tokens[tok] = &issuedToken{expires: s.authNow().Add(s.cfg.TokenLifetime)}
	a.issued++
	jti, session := newUUID(a.rng), newUUID(a.rng)
	a.mu.Unlock()
	s.mu.RLock()
	org := s.orgs[a.clientOrg]
	s.mu.RUnlock()
	writeJSONAs(w, http.StatusOK, "application/json", tokenWire{
		AccessToken: tok, TokenType: "bearer", ExpiresIn: int64(s.cfg.TokenLifetime / time.Second),
		Scope: "read", OtScopes: strings.Join(a.scopes, ","),
		Email: a.tenantGUID + "@api.onetrust.com", UserName: a.tenantGUID + "@api.onetrust.com",
		GUID: a.tenantGUID, JTI: jti, LanguageID: 1, OrgGroupGUID: org.ID, OrgGroupID: 100 + a.clientOrg,
		Role: "Api Key User", SessionID: session, TenantGUID: a.tenantGUID, TenantID: a.tenantID,
	})
	return http.StatusOK
}
