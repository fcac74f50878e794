package scimtest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/otaccess/otaccess/client"
)

// userRec is a stored user. u holds the core and enterprise attributes; its
// Groups, Meta.Location and Enterprise.Manager.Ref are filled in when
// rendered. Mutators replace slices and pointers instead of editing them in
// place, so rendered copies never race with writes.
type userRec struct {
	seq           uint64
	u             client.User
	groups        []*groupRec // membership truth, in the order granted
	shortLocation bool        // meta.location lacks /v2 and /Users, as some OneTrust responses do
	invited       bool
	acc           accessRec // the access-management view (see accessdata.go)

	// wire caches the user's encoded JSON (see userJSON), v2wire its
	// Users V2 encoding (see v2JSON).
	wire, v2wire atomic.Pointer[wireJSON]
}

// wireJSON is a user's encoding for one root while the tenant is at gen.
type wireJSON struct {
	gen  uint64
	root string
	b    []byte
}

type groupRec struct {
	id            string
	role          *Role
	org           *Org
	displayName   string
	category      string
	description   string
	created       string
	modified      string
	shortLocation bool
	members       map[*userRec]struct{}
}

// timeLayout is OneTrust's timestamp format: milliseconds and a +00:00 offset.
const timeLayout = "2006-01-02T15:04:05.000-07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// now returns the time for a write. Caller holds s.mu for writing.
func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	// A fixed odd step keeps timestamps distinct and reproducible.
	s.clock = s.clock.Add(1237 * time.Millisecond)
	return s.clock
}

// lockWrite takes s.mu for writing. Every change to the tenant goes through
// it, so bumping gen here tells cached encodings they may be stale.
func (s *Server) lockWrite() {
	s.mu.Lock()
	s.gen++
}

// userJSON is rec as GET /Users/{id} encodes it, without the trailing
// newline. Encoding 1,000 users per page dominated the fake's CPU, which a
// benchmark's client shares, so each user is encoded once until the tenant
// changes. Caller holds s.mu for reading.
func (s *Server) userJSON(root string, rec *userRec) ([]byte, error) {
	if w := rec.wire.Load(); w != nil && w.gen == s.gen && w.root == root {
		return w.b, nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s.renderUser(root, rec)); err != nil {
		return nil, err
	}
	w := &wireJSON{gen: s.gen, root: root, b: bytes.TrimSuffix(b.Bytes(), []byte("\n"))}
	rec.wire.Store(w)
	return w.b, nil
}

// newID returns a UUID from the seeded generator. Caller holds s.mu for writing.
func (s *Server) newID() string { return newUUID(s.rng) }

func (s *Server) userByID(id string) *userRec {
	i, ok := s.userIdx[id]
	if !ok {
		return nil
	}
	return s.users[i]
}

// insertUser appends a visible user. Caller holds s.mu for writing.
func (s *Server) insertUser(rec *userRec) {
	s.seq++
	rec.seq = s.seq
	s.byName[strings.ToLower(rec.u.UserName)] = rec
	if rec.invited {
		s.invited[rec.u.ID] = rec
		return
	}
	s.userIdx[rec.u.ID] = len(s.users)
	s.users = append(s.users, rec)
}

// removeUser drops a user and its memberships. The slice keeps its order and
// the index map is patched for the users that moved, so paging stays O(page).
func (s *Server) removeUser(rec *userRec) {
	leaveUserGroups(rec)
	for _, g := range rec.groups {
		delete(g.members, rec)
	}
	rec.groups = nil
	if s.byName[strings.ToLower(rec.u.UserName)] == rec {
		delete(s.byName, strings.ToLower(rec.u.UserName))
	}
	if rec.invited {
		delete(s.invited, rec.u.ID)
		return
	}
	i, ok := s.userIdx[rec.u.ID]
	if !ok {
		return
	}
	delete(s.userIdx, rec.u.ID)
	copy(s.users[i:], s.users[i+1:])
	s.users[len(s.users)-1] = nil
	s.users = s.users[:len(s.users)-1]
	for j := i; j < len(s.users); j++ {
		s.userIdx[s.users[j].u.ID] = j
	}
}

// link / unlink keep both sides of a membership in step. They report whether
// anything changed.
func link(u *userRec, g *groupRec) bool {
	if _, ok := g.members[u]; ok {
		return false
	}
	g.members[u] = struct{}{}
	u.groups = append(u.groups, g)
	return true
}

func unlink(u *userRec, g *groupRec) bool {
	if _, ok := g.members[u]; !ok {
		return false
	}
	delete(g.members, u)
	i := slices.Index(u.groups, g)
	// A fresh slice: a rendered copy may still alias the old backing array.
	u.groups = slices.Concat(u.groups[:i], u.groups[i+1:])
	return true
}

// ---- state accessors (copies; safe for concurrent use) ----

// Users returns every visible user (invited ones excluded) in list order, as
// GET /Users/{id} would return them.
func (s *Server) Users() []client.User {
	root := s.accessorRoot()
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]client.User, len(s.users))
	for i, rec := range s.users {
		out[i] = clientUser(s.renderUser(root, rec))
	}
	return out
}

// User returns one visible user.
func (s *Server) User(id string) (client.User, bool) {
	root := s.accessorRoot()
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec := s.userByID(id)
	if rec == nil {
		return client.User{}, false
	}
	return clientUser(s.renderUser(root, rec)), true
}

// UserByName finds a visible user by userName, case-insensitively.
func (s *Server) UserByName(userName string) (client.User, bool) {
	root := s.accessorRoot()
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec := s.byName[strings.ToLower(userName)]
	if rec == nil || rec.invited {
		return client.User{}, false
	}
	return clientUser(s.renderUser(root, rec)), true
}

// Groups returns every group, with members (unlike GET /Groups pages).
func (s *Server) Groups() []client.Group {
	root := s.accessorRoot()
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]client.Group, len(s.groups))
	for i, g := range s.groups {
		out[i] = clientGroup(s.renderGroup(root, g, true))
	}
	return out
}

// Group returns one group with its members, as GET /Groups/{id} would.
func (s *Server) Group(id string) (client.Group, bool) {
	root := s.accessorRoot()
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.groupIdx[id]
	if g == nil {
		return client.Group{}, false
	}
	return clientGroup(s.renderGroup(root, g, true)), true
}

// IsMember reports whether the user holds the group (role x org).
func (s *Server) IsMember(userID, groupID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, g := s.userByID(userID), s.groupIdx[groupID]
	if u == nil || g == nil {
		return false
	}
	_, ok := g.members[u]
	return ok
}

// Memberships counts user-group memberships over visible users.
func (s *Server) Memberships() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, u := range s.users {
		n += len(u.groups)
	}
	return n
}

// Roles and Orgs return the tenant's roles and organizations in id order of
// generation; group ids are Role.ID + ":" + Org.ID.
func (s *Server) Roles() []Role {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.roles)
}

// Orgs returns the organizations; see Roles.
func (s *Server) Orgs() []Org {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.orgs)
}

// GroupID returns the id of the group for a role and an org name.
func (s *Server) GroupID(roleName, orgName string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, g := range s.groups {
		if g.role.Name == roleName && g.org.Name == orgName {
			return g.id, true
		}
	}
	return "", false
}

// DefaultGroupID is the group new users get: Config.DefaultGroup, else the
// first role x the first org ("" when the tenant has no groups).
func (s *Server) DefaultGroupID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if g := s.defaultGroup(); g != nil {
		return g.id
	}
	return ""
}

// defaultGroup is the group POST /Users grants. Caller holds s.mu.
func (s *Server) defaultGroup() *groupRec {
	if g := s.groupIdx[s.cfg.DefaultGroup]; g != nil {
		return g
	}
	if len(s.groups) == 0 {
		return nil
	}
	return s.groups[0]
}
