package scimtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

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
		if (match == nil || match(g.name)) && c.view().userGroup(g) {
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
	g := s.userGroupOr404(w, id)
	if g == nil {
		return
	}
	writeAccessJSON(w, http.StatusOK, renderUserGroup(g))
}

func (s *Server) userGroupLevels(w http.ResponseWriter, c *call, id string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.userGroupOr404(w, id)
	if g == nil {
		return
	}
	writeAccessJSON(w, http.StatusOK, levelsIn(c.view(), g.levels))
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
	g := s.userGroupOr404(w, id)
	if g == nil {
		return
	}
	members := g.members
	if q.Get("sort") == "" { // in the order added, as a sync reads them
		items, err := s.memberItems(g)
		if err != nil {
			http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
			return
		}
		writeRawPage(w, len(items), page, size, false, func(i int) ([]byte, error) { return items[i], nil })
		return
	}
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
	g := s.userGroupOr404(w, groupID)
	if g == nil {
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
	g := s.userGroupOr404(w, groupID)
	if g == nil {
		return
	}
	recs := make([]*userRec, len(in.Members))
	for i, id := range in.Members {
		if recs[i] = s.userByID(id); recs[i] == nil || !s.sees(c.view(), recs[i]) {
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

// userGroupOr404 is the user group id, or nil after answering 404 for it.
// The caller holds s.mu.
func (s *Server) userGroupOr404(w http.ResponseWriter, id string) *userGroupRec {
	g := s.userGroupIdx[id]
	if g == nil {
		accessError(w, http.StatusNotFound, "user group %s not found", id)
	}
	return g
}
