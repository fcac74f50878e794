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
		get(func() { s.getUserV2(w, p[2]) })
	case len(p) == 4 && p[0] == "v2" && p[1] == "users" && p[3] == "access-levels":
		get(func() { s.userAccessLevels(w, p[2]) })
	case len(p) == 2 && p[0] == "v2" && p[1] == "user-groups":
		get(func() { s.listUserGroups(w, c) })
	case len(p) == 3 && p[0] == "v2" && p[1] == "user-groups":
		get(func() { s.getUserGroup(w, p[2]) })
	case len(p) == 4 && p[0] == "v2" && p[1] == "user-groups" && p[3] == "access-levels":
		get(func() { s.userGroupLevels(w, p[2]) })
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
	def := s.orgs[0]
	if len(rec.groups) > 0 {
		def = *rec.groups[0].org
	}
	w.DefaultOrganizationID, w.DefaultOrganizationName = &def.ID, &def.Name
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
		key = func(u *userRec) string {
			if len(u.groups) > 0 {
				return strings.ToLower(u.groups[0].org.Name)
			}
			return strings.ToLower(s.orgs[0].Name)
		}
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
	order := slices.Clone(s.users)
	slices.SortStableFunc(order, func(a, b *userRec) int {
		r := cmp.Or(strings.Compare(key(a), key(b)), strings.Compare(a.u.ID, b.u.ID))
		if dir == "desc" {
			return -r
		}
		return r
	})
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
	writeAccessJSON(w, http.StatusOK, pageOf(len(order), page, size, true, func(i int) userV2Wire { return s.renderUserV2(order[i]) }))
}

func (s *Server) getUserV2(w http.ResponseWriter, id string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec := s.userByID(id)
	if rec == nil {
		accessError(w, http.StatusNotFound, "user %s not found", id)
		return
	}
	writeAccessJSON(w, http.StatusOK, s.renderUserV2(rec))
}

func (s *Server) userAccessLevels(w http.ResponseWriter, id string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec := s.userByID(id)
	if rec == nil {
		accessError(w, http.StatusNotFound, "user %s not found", id)
		return
	}
	writeAccessJSON(w, http.StatusOK, s.renderUserV2(rec).AccessLevels)
}

// ---- user groups v2 ----

func renderUserGroup(g *userGroupRec) userGroupWire {
	return userGroupWire{ID: g.id, Name: g.name, Description: g.description, CreatedBy: g.createdBy,
		CreatedDate: g.created.Format(zuluMillis), LastModifiedBy: g.modBy, LastModifiedDate: g.modified.Format(zuluMillis)}
}

// nameFilter reads v2's filters: name==X, name=~=%x% (contains),
// name=sw=X% and name=ew=%X, case-insensitively (inferred).
func nameFilter(raw string) (func(string) bool, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	ops := []struct {
		op string
		fn func(name, v string) bool
	}{
		{"name=~=", func(n, v string) bool { return strings.Contains(n, strings.Trim(v, "%")) }},
		{"name=sw=", func(n, v string) bool { return strings.HasPrefix(n, strings.TrimSuffix(v, "%")) }},
		{"name=ew=", func(n, v string) bool { return strings.HasSuffix(n, strings.TrimPrefix(v, "%")) }},
		{"name==", func(n, v string) bool { return n == v }},
	}
	for _, o := range ops {
		if v, ok := strings.CutPrefix(raw, o.op); ok {
			v = strings.ToLower(v)
			return func(name string) bool { return o.fn(strings.ToLower(name), v) }, nil
		}
	}
	return nil, fmt.Errorf("filters %q: expected name==X, name=~=%%x%%, name=sw=X%% or name=ew=%%X", raw)
}

func (s *Server) listUserGroups(w http.ResponseWriter, c *call) {
	q := c.r.URL.Query()
	page, size, err := springPage(q)
	if err != nil {
		accessError(w, http.StatusBadRequest, "%v", err)
		return
	}
	match, err := nameFilter(q.Get("filters"))
	if err != nil {
		accessError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := make([]*userGroupRec, 0, len(s.userGroups))
	for _, g := range s.userGroups {
		if match == nil || match(g.name) {
			list = append(list, g)
		}
	}
	desc := strings.HasSuffix(strings.ToLower(q.Get("sort")), ",desc")
	slices.SortStableFunc(list, func(a, b *userGroupRec) int {
		r := cmp.Or(strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)), strings.Compare(a.id, b.id))
		if desc {
			return -r
		}
		return r
	})
	writeAccessJSON(w, http.StatusOK, pageOf(len(list), page, size, true, func(i int) userGroupWire { return renderUserGroup(list[i]) }))
}

func (s *Server) getUserGroup(w http.ResponseWriter, id string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.userGroupIdx[id]
	if g == nil {
		accessError(w, http.StatusNotFound, "user group %s not found", id)
		return
	}
	writeAccessJSON(w, http.StatusOK, renderUserGroup(g))
}

func (s *Server) userGroupLevels(w http.ResponseWriter, id string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.userGroupIdx[id]
	if g == nil {
		accessError(w, http.StatusNotFound, "user group %s not found", id)
		return
	}
	out := make([]accessLevelWire, len(g.levels))
	for i, l := range g.levels {
		out[i] = levelWire(l)
	}
	writeAccessJSON(w, http.StatusOK, out)
}

func renderMember(m ugMember) memberWire {
	u := &m.u.u
	return memberWire{MemberID: u.ID, FullName: strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName), Email: u.PrimaryEmail(),
		Enabled: u.Active, Internal: u.UserType != "External", CreatedBy: m.by, CreatedDate: m.added.UTC().Format(zuluMillis)}
}

func (s *Server) listUserGroupMembers(w http.ResponseWriter, c *call, id string) {
	q := c.r.URL.Query()
	page, size, err := springPage(q)
	if err != nil {
		accessError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.userGroupIdx[id]
	if g == nil {
		accessError(w, http.StatusNotFound, "user group %s not found", id)
		return
	}
	members := g.members
	sorted := false
	if sk := strings.ToLower(q.Get("sort")); sk != "" {
		prop, dir, _ := strings.Cut(sk, ",")
		if prop != "name" || (dir != "" && dir != "asc" && dir != "desc") {
			accessError(w, http.StatusBadRequest, "sort %q: expected name,asc or name,desc", sk)
			return
		}
		members, sorted = slices.Clone(members), true
		slices.SortStableFunc(members, func(a, b ugMember) int {
			r := cmp.Or(strings.Compare(strings.ToLower(a.u.u.Name.GivenName+" "+a.u.u.Name.FamilyName), strings.ToLower(b.u.u.Name.GivenName+" "+b.u.u.Name.FamilyName)),
				strings.Compare(a.u.u.ID, b.u.u.ID))
			if dir == "desc" {
				return -r
			}
			return r
		})
	}
	writeAccessJSON(w, http.StatusOK, pageOf(len(members), page, size, sorted, func(i int) memberWire { return renderMember(members[i]) }))
}

// oneMember adds or removes one member: 201 / 204, 404 when the group or
// the user does not exist, or (removing) the user is not a member.
func (s *Server) oneMember(w http.ResponseWriter, add bool, groupID, memberID string) {
	s.lockWrite()
	defer s.mu.Unlock()
	g := s.userGroupIdx[groupID]
	if g == nil {
		accessError(w, http.StatusNotFound, "user group %s not found", groupID)
		return
	}
	u := s.userByID(memberID)
	if u == nil {
		accessError(w, http.StatusNotFound, "user %s not found", memberID)
		return
	}
	now := s.now()
	if add {
		if g.addMember(u, now, "Api Key User") {
			g.modified, g.modBy = now, "Api Key User"
		}
		w.WriteHeader(http.StatusCreated)
		return
	}
	if !g.removeMember(u) {
		accessError(w, http.StatusNotFound, "user %s is not a member of user group %s", memberID, groupID)
		return
	}
	g.modified, g.modBy = now, "Api Key User"
	w.WriteHeader(http.StatusNoContent)
}

// bulkMembers is POST / DELETE {members: [ids]}: 400 when empty, 404 when
// the group or any user does not exist (nothing is changed then).
func (s *Server) bulkMembers(w http.ResponseWriter, c *call, groupID string) {
	var in struct {
		Members []string `json:"members"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, c.r.Body, maxBodyBytes)).Decode(&in); err != nil {
		accessError(w, http.StatusBadRequest, "the body must be {\"members\": [ids]}: %v", err)
		return
	}
	if len(in.Members) == 0 {
		accessError(w, http.StatusBadRequest, "members must hold at least one id")
		return
	}
	s.lockWrite()
	defer s.mu.Unlock()
	g := s.userGroupIdx[groupID]
	if g == nil {
		accessError(w, http.StatusNotFound, "user group %s not found", groupID)
		return
	}
	recs := make([]*userRec, len(in.Members))
	for i, id := range in.Members {
		if recs[i] = s.userByID(id); recs[i] == nil {
			accessError(w, http.StatusNotFound, "user %s not found", id)
			return
		}
	}
	now := s.now()
	for _, u := range recs {
		if c.r.Method == http.MethodPost {
			g.addMember(u, now, "Api Key User")
		} else {
			g.removeMember(u)
		}
	}
	g.modified, g.modBy = now, "Api Key User"
	if c.r.Method == http.MethodPost {
		w.WriteHeader(http.StatusCreated)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
