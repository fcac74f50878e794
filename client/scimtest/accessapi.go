package scimtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OneTrust's access-management APIs on the tenant's host, beside SCIM:
// Users V2, user groups v2 and login history (ONETRUST-API.md 2, 4, 5, 7).
// Their lists are Spring pages (page from 0, size up to 2000, stop on last).

const (
	accessPrefix   = "/api/access/"
	maxAccessPage  = 2000
	defAccessPage  = 20
	accessJSONType = "application/json"
)

// endpointKey is what a request's per-minute budget is counted by: the
// first SCIM segment (Users, Groups), or an access path with its ids
// replaced by {id} (access/v2/user-groups/{id}/members), so each access
// API is its own endpoint, as OneTrust counts per endpoint (inferred: the
// reference does not say what an endpoint is).
func endpointKey(rel string) string {
	if !strings.HasPrefix(rel, "/api/") { // the audit API too
		seg, _, _ := strings.Cut(strings.TrimPrefix(rel, "/"), "/")
		return seg
	}
	parts := strings.Split(strings.TrimPrefix(rel, "/api/"), "/")
	for i := 1; i < len(parts); i++ {
		switch parts[i-1] {
		case "users", "user-groups", "members":
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

// ---- wire shapes ----

type sortWire struct {
	Empty    bool `json:"empty"`
	Sorted   bool `json:"sorted"`
	Unsorted bool `json:"unsorted"`
}

type pageableWire struct {
	Offset     int      `json:"offset"`
	PageNumber int      `json:"pageNumber"`
	PageSize   int      `json:"pageSize"`
	Paged      bool     `json:"paged"`
	Unpaged    bool     `json:"unpaged"`
	Sort       sortWire `json:"sort"`
}

// pageWire is Spring's Page, as every access list answers.
type pageWire[T any] struct {
	Content          []T          `json:"content"`
	Empty            bool         `json:"empty"`
	First            bool         `json:"first"`
	Last             bool         `json:"last"`
	Number           int          `json:"number"`
	NumberOfElements int          `json:"numberOfElements"`
	Size             int          `json:"size"`
	TotalElements    int64        `json:"totalElements"`
	TotalPages       int          `json:"totalPages"`
	Sort             sortWire     `json:"sort"`
	Pageable         pageableWire `json:"pageable"`
}

type accessLevelWire struct {
	RoleID           string `json:"roleId"`
	RoleName         string `json:"roleName"`
	OrganizationID   string `json:"organizationId"`
	OrganizationName string `json:"organizationName"`
}

type userV2Wire struct {
	UserID                  string            `json:"userId"`
	FirstName               string            `json:"firstName"`
	LastName                string            `json:"lastName"`
	FullName                string            `json:"fullName"`
	Email                   string            `json:"email"`
	EmailConfirmed          bool              `json:"emailConfirmed"`
	Active                  bool              `json:"active"`
	Internal                bool              `json:"internal"`
	ExternalID              *string           `json:"externalId"`
	ExpirationDateTime      *string           `json:"expirationDateTime"`
	DisabledDateTime        *string           `json:"disabledDateTime"`
	DisabledBy              *string           `json:"disabledBy"`
	CreatedDate             *string           `json:"createdDate"`
	LastModifiedDate        *string           `json:"lastModifiedDate"`
	LastLoginDate           *string           `json:"lastLoginDate"`
	DefaultOrganizationID   *string           `json:"defaultOrganizationId"`
	DefaultOrganizationName *string           `json:"defaultOrganizationName"`
	AccessLevels            []accessLevelWire `json:"accessLevels"`
}

type userGroupWire struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Description      string `json:"description"`
	CreatedBy        string `json:"createdBy"`
	CreatedDate      string `json:"createdDate"`
	LastModifiedBy   string `json:"lastModifiedBy"`
	LastModifiedDate string `json:"lastModifiedDate"`
}

type memberWire struct {
	MemberID    string `json:"memberId"`
	FullName    string `json:"fullName"`
	Email       string `json:"email"`
	Enabled     bool   `json:"enabled"`
	Internal    bool   `json:"internal"`
	CreatedBy   string `json:"createdBy"`
	CreatedDate string `json:"createdDate"`
}

// The access APIs' dates come in several spellings, as OneTrust's do:
// lastLoginDate with milliseconds and Z, createdDate as a Java
// LocalDateTime (no zone), expirationDateTime without fractions. A client
// has to read them all.
const (
	zuluMillis    = "2006-01-02T15:04:05.000Z"
	localDateTime = "2006-01-02T15:04:05.000"
	zuluSeconds   = "2006-01-02T15:04:05Z"
)

func timePtr(t time.Time, layout string) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(layout)
	return &s
}

// accessError is a Spring Boot error body: the reference gives none.
func accessError(w http.ResponseWriter, status int, format string, args ...any) {
	writeAccessJSON(w, status, map[string]any{
		"status":  status,
		"error":   http.StatusText(status),
		"message": fmt.Sprintf(format, args...),
	})
}

func writeAccessJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", accessJSONType)
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// springPage reads page and size as Spring does: a page below 0 is 0, a
// size below 1 is the default, a size above the maximum is the maximum.
func springPage(q url.Values) (page, size int, err error) {
	page, size = 0, defAccessPage
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil {
			return 0, 0, fmt.Errorf("page must be an integer, got %q", v)
		}
		page = max(page, 0)
	}
	if v := q.Get("size"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil {
			return 0, 0, fmt.Errorf("size must be an integer, got %q", v)
		}
		if n >= 1 {
			size = min(n, maxAccessPage)
		}
	}
	return page, size, nil
}

// pageOf cuts one page out of n items and fills the envelope; render
// turns item i into its wire form.
func pageOf[T any](n, page, size int, sorted bool, render func(i int) T) pageWire[T] {
	p := pageWire[T]{Number: page, Size: size, TotalElements: int64(n), TotalPages: (n + size - 1) / size, Content: []T{}}
	off := page * size
	if page < (n+size-1)/size {
		end := min(off+size, n)
		p.Content = make([]T, 0, end-off)
		for i := off; i < end; i++ {
			p.Content = append(p.Content, render(i))
		}
	}
	p.NumberOfElements = len(p.Content)
	p.Empty = len(p.Content) == 0
	p.First = page == 0
	p.Last = page >= p.TotalPages-1
	p.Sort = sortWire{Empty: !sorted, Sorted: sorted, Unsorted: !sorted}
	p.Pageable = pageableWire{Offset: off, PageNumber: page, PageSize: size, Paged: true, Sort: p.Sort}
	return p
}

func (s *Server) routeAccess(w http.ResponseWriter, c *call) {
	if s.cfg.NoAccessAPIs {
		notFound(w, c)
		return
	}
	p := strings.Split(strings.TrimPrefix(c.rel, accessPrefix), "/")
	m := c.r.Method
	get := func(serve func()) {
		if m != http.MethodGet {
			w.Header().Set("Allow", "GET")
			accessError(w, http.StatusMethodNotAllowed, "method %s not allowed here", m)
			return
		}
		serve()
	}
	switch {
	case len(p) == 2 && p[0] == "v2" && p[1] == "users":
		get(func() { s.listUsersV2(w, c) })
	case len(p) == 3 && p[0] == "v2" && p[1] == "users":
		get(func() { s.getUserV2(w, c, p[2]) })
	case len(p) == 4 && p[0] == "v2" && p[1] == "users" && p[3] == "access-levels":
		get(func() { s.userAccessLevels(w, c, p[2]) })
	case len(p) == 2 && p[0] == "v2" && p[1] == "user-groups":
		get(func() { s.listUserGroups(w, c) })
	case len(p) == 3 && p[0] == "v2" && p[1] == "user-groups":
		get(func() { s.getUserGroup(w, p[2]) })
	case len(p) == 4 && p[0] == "v2" && p[1] == "user-groups" && p[3] == "access-levels":
		get(func() { s.userGroupLevels(w, c, p[2]) })
	case len(p) == 4 && p[0] == "v2" && p[1] == "user-groups" && p[3] == "members":
		switch m {
		case http.MethodGet:
			s.listUserGroupMembers(w, c, p[2])
		case http.MethodPost, http.MethodDelete:
			s.bulkMembers(w, c, p[2])
		default:
			w.Header().Set("Allow", "GET, POST, DELETE")
			accessError(w, http.StatusMethodNotAllowed, "method %s not allowed here", m)
		}
	case len(p) == 5 && p[0] == "v2" && p[1] == "user-groups" && p[3] == "members":
		if m != http.MethodPost && m != http.MethodDelete {
			w.Header().Set("Allow", "POST, DELETE")
			accessError(w, http.StatusMethodNotAllowed, "method %s not allowed here", m)
			return
		}
		s.oneMember(w, m == http.MethodPost, p[2], p[4])
	case len(p) == 2 && p[0] == "v1" && p[1] == "login-history":
		get(func() { s.loginHistory(w, c) })
	default:
		accessError(w, http.StatusNotFound, "no endpoint at %s %s", m, c.r.URL.Path)
	}
}

// ---- Users V2 ----

// v2OrderCache keeps the Users V2 list sorted for one sort while the
// tenant does not change, so a page costs its own size, not a sort of the
// whole tenant.
type v2OrderCache struct {
	mu    sync.Mutex
	gen   uint64
	key   string
	users []*userRec
}

func (s *Server) renderUserV2(rec *userRec) userV2Wire {
	u := &rec.u
	w := userV2Wire{
		UserID:             u.ID,
		FirstName:          u.Name.GivenName,
		LastName:           u.Name.FamilyName,
		FullName:           strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName),
		Email:              u.PrimaryEmail(),
		EmailConfirmed:     u.Active || !rec.acc.lastLogin.IsZero(),
		Active:             u.Active,
		Internal:           u.UserType != "External",
		ExternalID:         strPtr(u.ExternalID),
		ExpirationDateTime: timePtr(rec.acc.expires, zuluSeconds),
		DisabledDateTime:   timePtr(rec.acc.disabledAt, zuluMillis),
		DisabledBy:         strPtr(rec.acc.disabledBy),
		CreatedDate:        timePtr(parseWireTime(u.Meta.Created), localDateTime),
		LastModifiedDate:   timePtr(parseWireTime(u.Meta.LastModified), localDateTime),
		LastLoginDate:      timePtr(rec.acc.lastLogin, zuluMillis),
		AccessLevels:       []accessLevelWire{},
	}
	if w.FullName == "" {
		w.FullName = u.DisplayName
	}
	// The direct access: SCIM's role x org groups are the access levels.
	for _, g := range rec.groups {
		w.AccessLevels = append(w.AccessLevels, levelWire(g))
	}
	def := *s.homeOrg(rec)
	w.DefaultOrganizationID, w.DefaultOrganizationName = &def.ID, &def.Name
	return w
}

// renderUserV2In is renderUserV2 with the access levels cut to the view.
func (s *Server) renderUserV2In(v *orgView, rec *userRec) userV2Wire {
	w := s.renderUserV2(rec)
	if v != nil {
		w.AccessLevels = levelsIn(v, rec.groups)
	}
	return w
}

func levelWire(g *groupRec) accessLevelWire {
	return accessLevelWire{RoleID: g.role.ID, RoleName: g.role.Name, OrganizationID: g.org.ID, OrganizationName: g.org.Name}
}

// sortedUsersV2 is the user list in the order sort asks for. Caller holds
// s.mu for reading.
func (s *Server) sortedUsersV2(sortKey string) ([]*userRec, error) {
	prop, dir, _ := strings.Cut(strings.ToLower(strings.TrimSpace(sortKey)), ",")
	if prop == "" {
		prop = "name"
	}
	dir = strings.TrimSpace(dir)
	if dir == "" {
		dir = "asc"
	}
	var key func(*userRec) string
	switch prop {
	case "name":
		key = func(u *userRec) string { return strings.ToLower(u.u.Name.GivenName + " " + u.u.Name.FamilyName) }
	case "email":
		key = func(u *userRec) string { return strings.ToLower(u.u.PrimaryEmail()) }
	case "organizationname":
		key = func(u *userRec) string { return strings.ToLower(s.homeOrg(u).Name) }
	default:
		return nil, fmt.Errorf("sort %q: expected name, email or organizationname", prop)
	}
	if dir != "asc" && dir != "desc" {
		return nil, fmt.Errorf("sort direction %q: expected asc or desc", dir)
	}
	c := &s.v2order
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users != nil && c.gen == s.gen && c.key == prop+","+dir {
		return c.users, nil
	}
	// Each user's key once, not once per comparison: lowering two names
	// per comparison made the sort of 100,000 users cost a second and a
	// half of CPU.
	type keyed struct {
		key string
		rec *userRec
	}
	ks := make([]keyed, len(s.users))
	for i, u := range s.users {
		ks[i] = keyed{key(u), u}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		r := cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.rec.u.ID, b.rec.u.ID))
		if dir == "desc" {
			return -r
		}
		return r
	})
	order := make([]*userRec, len(ks))
	for i := range ks {
		order[i] = ks[i].rec
	}
	c.gen, c.key, c.users = s.gen, prop+","+dir, order
	return order, nil
}

func (s *Server) listUsersV2(w http.ResponseWriter, c *call) {
	q := c.r.URL.Query()
	page, size, err := springPage(q)
	if err != nil {
		accessError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	order, err := s.sortedUsersV2(q.Get("sort"))
	if err != nil {
		accessError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if v := c.view(); v != nil {
		order = s.visibleUsers(v, order)
		writeAccessJSON(w, http.StatusOK, pageOf(len(order), page, size, true, func(i int) userV2Wire { return s.renderUserV2In(v, order[i]) }))
		return
	}
	writeRawPage(w, len(order), page, size, true, func(i int) ([]byte, error) { return s.v2JSON(order[i]) })
}

func (s *Server) getUserV2(w http.ResponseWriter, c *call, id string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec := s.userByID(id)
	if rec == nil {
		accessError(w, http.StatusNotFound, "user %s not found", id)
		return
	}
	writeAccessJSON(w, http.StatusOK, s.renderUserV2In(c.view(), rec))
}

func (s *Server) userAccessLevels(w http.ResponseWriter, c *call, id string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec := s.userByID(id)
	if rec == nil {
		accessError(w, http.StatusNotFound, "user %s not found", id)
		return
	}
	writeAccessJSON(w, http.StatusOK, levelsIn(c.view(), rec.groups))
}
