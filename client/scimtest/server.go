package scimtest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes the tenant and how the server behaves. The zero value is a
// usable empty tenant with 20 roles x 2 orgs (the documents' example).
type Config struct {
	Users int // generated users (0 = none)
	Roles int // generated roles (0 = 20)
	Orgs  int // generated organizations (0 = 2)
	// OrgLevels is how many levels the organization tree has at most (0 =
	// 3; the reference scale is 50 orgs in 5): see orgtree.go.
	OrgLevels int
	// OrgTreeOwnIDs gives the tree's organizationIds ids of their own, not
	// the org halves of the SCIM group ids, so only names join them.
	OrgTreeOwnIDs bool
	Seed          int64

	// Token is the API key expected as "Authorization: Bearer <Token>".
	// Empty accepts any non-empty bearer token (the header is still required),
	// unless ClientID is set: then only the tokens the server issued.
	Token string

	// ClientID and ClientSecret are the OAuth client credentials that
	// POST /api/access/v1/oauth/token accepts (none when ClientID is
	// empty); each access token it issues lasts TokenLifetime (0 = 1h) on
	// AuthClock, after which it is answered 401.
	ClientID      string
	ClientSecret  string
	TokenLifetime time.Duration
	// AuthClock is the time tokens expire on (nil: RateClock, else time.Now).
	AuthClock func() time.Time
	// ClientOrg names the organization (name or id) the OAuth credential
	// lives in; "" is the root. Its tokens see only that subtree of the
	// organization tree.
	ClientOrg string
	// Scopes are the API scopes every credential (API key and issued token)
	// has: SCIM, USER, ORGANIZATION. Nil means all of them. A request to an
	// API family whose scope is missing is answered 403.
	Scopes []string

	Latency      time.Duration // slept before every request is served
	UserPageCap  int           // max items per /Users page (0 = 1000)
	GroupPageCap int           // max items per /Groups page (0 = 25, as OneTrust)
	BasePath     string        // default /api/scim/v2

	// DefaultUserCount is the /Users page size when count is absent (0 = 100).
	DefaultUserCount int

	// RateLimitPerMinute limits requests per endpoint (first path segment:
	// Users, Groups, ...; an access API's path with its ids as {id}) per
	// RateWindow; RateLimitPerHour is the
	// account-wide limit per 60 RateWindows. By default (0) they are
	// OneTrust's documented 1,000 and 200,000; a negative value turns a
	// limit off. Over a limit: 429 with Retry-After and the ot-* headers,
	// as OneTrust documents them. Requests refused count too.
	RateLimitPerMinute int
	RateLimitPerHour   int
	RateWindow         time.Duration // length of a "minute" (0 = 1m)
	// RateClock is the time the rate windows are measured on (nil: time.Now).
	// Tests pass a clock they advance themselves, so no assertion about
	// throttling depends on how fast the machine runs.
	RateClock func() time.Time
	// DelayClock, when set, is the clock a delay fault moves on by its
	// Delay instead of waiting for it: a client on the same clock sees
	// its per-request timeout pass at once (nil: delays take wall time).
	DelayClock *ManualClock

	// GroupPatchReturnsBody makes PATCH /Groups/{id} answer 200 with the group
	// (as the seeds show) instead of 204 No Content (as the reference says).
	GroupPatchReturnsBody bool

	// DefaultGroup is the group id (roleId:orgId) POST /Users grants a new
	// user: OneTrust's default role and organization, set on its User
	// Provisioning screen. Empty (or an unknown id) means the first role x
	// the first organization.
	DefaultGroup string

	// DeleteDeactivates makes DELETE /Users/{id} only set active=false (and
	// still answer 204), as some integrations observe.
	DeleteDeactivates bool

	// UserGroups is how many v2 user groups are generated (0: one per 500
	// users, at least 3, when there are users; negative: none).
	UserGroups int
	// LoginAnchor is the tenant's "now" for last logins and login history
	// (zero: Now's time, else the wall clock when the server is made).
	LoginAnchor time.Time
	// NoAccessAPIs serves SCIM only, as a SCIM server that is not OneTrust:
	// every /api/access path answers 404.
	NoAccessAPIs bool

	// Now returns the time used for meta.lastModified on writes. Nil uses a
	// deterministic clock that starts at the generation time and advances by
	// a fixed step on every write, so runs are reproducible.
	Now func() time.Time
}

// Role and Org are the halves of a OneTrust group.
type Role struct{ ID, Name string }

// Org is an organization; see Role.
type Org struct{ ID, Name string }

// RequestRecord is one served request, for assertions such as "the client
// always sent count" or "nobody called PUT /Groups".
type RequestRecord struct {
	Method string
	Path   string // relative to the base path, e.g. /Users/abc
	Query  string
	Status int // 0 when the connection was cut without a response
}

// Server is the fake tenant. It implements http.Handler.
type Server struct {
	cfg  Config
	base string // base path without trailing slash

	requests atomic.Int64
	public   atomic.Pointer[string] // scheme://host used in locations, when known

	mu       sync.RWMutex
	users    []*userRec // visible users in stable (creation) order
	userIdx  map[string]int
	invited  map[string]*userRec
	byName   map[string]*userRec // lower(userName) over visible and invited users
	groups   []*groupRec
	groupIdx map[string]*groupRec
	roles    []Role
	orgs     []Org
	treeOnly []treeOrg // orgs in the organization tree only (AddTreeOrg)
	seq      uint64
	gen      uint64 // bumped by every write (lockWrite)
	rng      *rand.Rand
	clock    time.Time

	anchor       time.Time // "now" for last logins (see loginAnchor)
	userGroups   []*userGroupRec
	userGroupIdx map[string]*userGroupRec
	v2order      v2OrderCache

	faultMu sync.Mutex
	faults  []*faultState

	rateMu    sync.Mutex
	windows   map[string]*rateWindow
	throttled atomic.Int64

	auth  authState
	audit auditLog // the users' audit trails (audit.go)

	logMu sync.Mutex
	log   []RequestRecord
	logN  int
}

const (
	defaultBasePath = "/api/scim/v2"
	maxLogRecords   = 4096
	maxBodyBytes    = 4 << 20
)

// NewServer generates the tenant deterministically from cfg.Seed.
func NewServer(cfg Config) *Server {
	if cfg.Roles <= 0 {
		cfg.Roles = 20
	}
	if cfg.Orgs <= 0 {
		cfg.Orgs = 2
	}
	if cfg.OrgLevels <= 0 {
		cfg.OrgLevels = 3
	}
	if cfg.UserPageCap <= 0 {
		cfg.UserPageCap = 1000
	}
	if cfg.GroupPageCap <= 0 {
		cfg.GroupPageCap = 25
	}
	if cfg.DefaultUserCount <= 0 {
		cfg.DefaultUserCount = 100
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = time.Minute
	}
	cfg.RateLimitPerMinute = limitOrDefault(cfg.RateLimitPerMinute, OneTrustPerMinute)
	cfg.RateLimitPerHour = limitOrDefault(cfg.RateLimitPerHour, OneTrustPerHour)
	base := strings.TrimRight(cfg.BasePath, "/")
	if base == "" {
		base = defaultBasePath
	}
	if !strings.HasPrefix(base, "/") {
		base = "/" + base
	}
	cfg.BasePath = base
	s := &Server{
		cfg:      cfg,
		base:     base,
		userIdx:  make(map[string]int, cfg.Users),
		invited:  map[string]*userRec{},
		byName:   make(map[string]*userRec, cfg.Users),
		groupIdx: map[string]*groupRec{},
		windows:  map[string]*rateWindow{},

		userGroupIdx: map[string]*userGroupRec{},
	}
	generate(s, cfg)
	s.initAuth()
	return s
}

// Config returns the effective configuration (defaults filled in).
func (s *Server) Config() Config { return s.cfg }

// BasePath returns the SCIM base path, e.g. /api/scim/v2.
func (s *Server) BasePath() string { return s.base }

// SetPublicURL sets scheme://host used in meta.location and $ref values.
// Without it the request's Host is used. NewTestServer sets it.
func (s *Server) SetPublicURL(u string) {
	u = strings.TrimRight(u, "/")
	s.public.Store(&u)
}

// Requests returns how many requests the server has received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// RequestLog returns the most recent requests (up to 4096), oldest first.
func (s *Server) RequestLog() []RequestRecord {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if s.logN <= maxLogRecords {
		return append([]RequestRecord(nil), s.log...)
	}
	// The log is a ring once full; logN%max is the oldest slot.
	i := s.logN % maxLogRecords
	out := make([]RequestRecord, 0, maxLogRecords)
	out = append(out, s.log[i:]...)
	return append(out, s.log[:i]...)
}

func (s *Server) record(rr RequestRecord) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if len(s.log) < maxLogRecords {
		s.log = append(s.log, rr)
	} else {
		s.log[s.logN%maxLogRecords] = rr
	}
	s.logN++
}

// call carries what one request's handlers need besides the request.
type call struct {
	r     *http.Request
	rel   string // path after the base path; from the root outside it
	root  string // scheme://host for locations
	fault *Fault // the fault firing on this request, if any
	grant *grant // the credential the request came with
}

// ServeHTTP serves the SCIM API under the base path, OneTrust's access
// APIs beside it (/api/access/..., /api/audit/...) and the OAuth token
// endpoint. Every API request is authenticated, then checked for the scope
// its path prefix needs (see scopeRoutes), then routed.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	rr := RequestRecord{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
	defer func() { s.record(rr) }()

	if !sleepCtx(r.Context(), s.cfg.Latency) {
		return // the client gave up; nobody is listening
	}
	clean := path.Clean("/" + r.URL.Path)
	if clean == tokenPath && !s.cfg.NoAccessAPIs {
		if st := s.rateLimit(w, clean); st != 0 {
			rr.Status = st
			return
		}
		rr.Status = s.serveToken(w, r)
		return
	}
	rel, scim := s.relPath(r.URL.Path)
	switch {
	case scim:
		rr.Path = rel
	case isAPIPath(clean):
		// OneTrust's other APIs live beside SCIM on the host; outside the
		// SCIM base a path is its own rel, from the root.
		rel = clean
	default:
		rr.Status = http.StatusNotFound
		writeError(w, http.StatusNotFound, "", fmt.Sprintf("no SCIM endpoint at %s (base path is %s)", r.URL.Path, s.base))
		return
	}
	if st := s.rateLimit(w, rel); st != 0 {
		rr.Status = st
		return
	}
	grant, why := s.authenticate(r)
	if grant == nil {
		rr.Status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
		writeError(w, http.StatusUnauthorized, "", why)
		return
	}
	need := ScopeSCIM
	if !scim {
		need = scopeForPath(clean)
	}
	if need != "" && !grant.has(need) {
		rr.Status = http.StatusForbidden
		writeError(w, http.StatusForbidden, "", fmt.Sprintf("the credential lacks the %s scope needed for %s", need, clean))
		return
	}
	c := &call{r: r, rel: rel, root: s.root(r), fault: s.matchFault(r.Method, rel), grant: grant}
	if c.fault != nil && c.fault.Kind.preempts() {
		rr.Status = s.preemptFault(w, c)
		return
	}
	buf := newBufferedResponse()
	defer buf.release()
	s.route(buf, c)
	rr.Status = s.deliver(w, buf, c)
}

// relPath strips the base path; ok is false outside it.
func (s *Server) relPath(p string) (string, bool) {
	p = path.Clean("/" + p) // no escaping the base path with ../
	if p == s.base {
		return "/", true
	}
	if !strings.HasPrefix(p, s.base+"/") {
		return "", false
	}
	return p[len(s.base):], true
}

func (s *Server) root(r *http.Request) string {
	if p := s.public.Load(); p != nil && *p != "" {
		return *p
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// accessorRoot is the root used by the state accessors (no request at hand).
func (s *Server) accessorRoot() string {
	if p := s.public.Load(); p != nil {
		return *p
	}
	return ""
}

func (s *Server) route(w http.ResponseWriter, c *call) {
	if s.answerHidden(w, c) {
		return
	}
	if isAPIPath(c.rel) {
		s.routeAPI(w, c)
		return
	}
	seg, rest, _ := strings.Cut(strings.TrimPrefix(c.rel, "/"), "/")
	m := c.r.Method
	switch seg {
	case "Users":
		switch {
		case rest == "" && m == http.MethodGet:
			s.listUsers(w, c)
		case rest == "" && m == http.MethodPost:
			s.createUser(w, c)
		case rest == "":
			methodNotAllowed(w, "GET, POST")
		case strings.Contains(rest, "/"):
			notFound(w, c)
		case m == http.MethodGet:
			s.getUser(w, c, rest)
		case m == http.MethodPut:
			s.replaceUser(w, c, rest)
		case m == http.MethodPatch:
			s.patchUser(w, c, rest)
		case m == http.MethodDelete:
			s.deleteUser(w, c, rest)
		default:
			methodNotAllowed(w, "GET, PUT, PATCH, DELETE")
		}
	case "Groups":
		switch {
		case rest == "" && m == http.MethodGet:
			s.listGroups(w, c)
		case rest == "":
			methodNotAllowed(w, "GET")
		case strings.Contains(rest, "/"):
			notFound(w, c)
		case m == http.MethodGet:
			s.getGroup(w, c, rest)
		case m == http.MethodPatch:
			s.patchGroup(w, c, rest)
		case m == http.MethodPut:
			// OneTrust's PUT replaces the whole member list: a client that
			// uses it can silently revoke everyone, so the fake refuses it.
			writeError(w, http.StatusNotImplemented, "",
				"PUT /Groups/{id} would replace every member of the group; this server does not support it: use PATCH with op add/remove on path members")
		default:
			methodNotAllowed(w, "GET, PATCH")
		}
	case "ServiceProviderConfig", "Schemas", "ResourceTypes":
		if m != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		s.serveDiscovery(w, c, seg, rest)
	default:
		notFound(w, c)
	}
}

// ---- responses ----

const contentType = "application/scim+json"
