package scimtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/otaccess/otaccess/client"
)

// A credential made in a child organization (Config.ClientOrg; the token's
// orgGroupGuid names it) sees that organization's subtree only. OneTrust's
// spec does not say what exactly such a credential sees; the fake's
// reading (inferred, every rule below):
//   - organizations: the tree rooted at its org, whose parent is still
//     named (orgtree.go);
//   - users whose organization is in the subtree: the default organization
//     Users V2 reports (homeOrg: the org of the user's first role group,
//     the root for a user with none). A user's SCIM groups and Users V2
//     access levels show only those in the subtree;
//   - SCIM groups (role x org) whose org is in the subtree;
//   - user groups with at least one access level in the subtree, showing
//     only those levels;
//   - login history and audit activities of the users it sees (the
//     activities' text is not filtered: an old value may name an org
//     outside the subtree).
// Member lists (GET /Groups/{id} members, a user group's members) are
// listed in full: a group in the subtree may hold users whose organization
// is outside it, and its member list names them though the credential
// cannot read them. A client must expect members it has no user for.
// What is outside the view answers as if it did not exist, for reads and
// writes alike: 404 for an id in the path, and a user id in a body is the
// endpoint's unknown user (400 for a SCIM group PATCH, 404 for user group
// members). OneTrust may answer 403 instead; 404 tells the credential
// nothing about what exists outside its subtree. A user created through
// such a credential gets the default role in the credential's org when
// the tenant's default group is outside the subtree, so its creator sees it.

// orgView is the organizations a credential sees; nil is the whole tenant.
type orgView struct {
	top *Org
	in  map[*Org]bool
}

// newOrgView is the subtree under org i of s.orgs (nil for the root).
func (s *Server) newOrgView(i int) *orgView {
	if i <= 0 {
		return nil
	}
	v := &orgView{top: &s.orgs[i], in: map[*Org]bool{}}
	for k := range s.orgs {
		for p := k; p >= 0; p = s.OrgParent(p) {
			if p == i {
				v.in[&s.orgs[k]] = true
				break
			}
		}
	}
	return v
}

func (v *orgView) org(o *Org) bool { return v == nil || v.in[o] }

func (v *orgView) group(g *groupRec) bool { return v == nil || v.in[g.org] }

// userGroup: at least one of g's access levels is in the view.
func (v *orgView) userGroup(g *userGroupRec) bool {
	return v == nil || slices.ContainsFunc(g.levels, v.group)
}

// homeOrg is the user's organization: the org of its first role group,
// the root for a user with none (Users V2's defaultOrganization).
func (s *Server) homeOrg(u *userRec) *Org {
	if len(u.groups) > 0 {
		return u.groups[0].org
	}
	return &s.orgs[0]
}

// sees reports whether the view holds user u.
func (s *Server) sees(v *orgView, u *userRec) bool { return v == nil || v.in[s.homeOrg(u)] }

// visibleUsers is list cut to the view (list itself for the whole tenant).
func (s *Server) visibleUsers(v *orgView, list []*userRec) []*userRec {
	if v == nil {
		return list
	}
	out := make([]*userRec, 0, len(list)/2)
	for _, u := range list {
		if s.sees(v, u) {
			out = append(out, u)
		}
	}
	return out
}

// answerHidden answers 404 when the request's path names a user, group or
// user group outside its credential's view, and reports whether it did.
func (s *Server) answerHidden(w http.ResponseWriter, c *call) bool {
	v := c.view()
	if v == nil {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	hiddenUser := func(id string) bool {
		u := s.userByID(id)
		return u != nil && !s.sees(v, u)
	}
	if isAPIPath(c.rel) {
		p := strings.Split(strings.TrimPrefix(c.rel, "/api/"), "/")
		hidden := false
		switch {
		case len(p) >= 4 && (p[0] == "access" || p[0] == "audit") && p[2] == "users":
			hidden = hiddenUser(p[3])
		case len(p) >= 4 && p[0] == "access" && p[2] == "user-groups":
			g := s.userGroupIdx[p[3]]
			hidden = (g != nil && !v.userGroup(g)) || (len(p) >= 6 && p[4] == "members" && hiddenUser(p[5]))
		case c.rel == "/api/access/v1/login-history":
			hidden = hiddenUser(strings.TrimSpace(c.r.URL.Query().Get("userId")))
		}
		if hidden {
			apiError(w, c, http.StatusNotFound, "not found")
		}
		return hidden
	}
	seg, id, _ := strings.Cut(strings.TrimPrefix(c.rel, "/"), "/")
	switch {
	case seg == "Users" && hiddenUser(id):
		userNotFound(w, id)
		return true
	case seg == "Groups" && s.groupIdx[id] != nil && !v.group(s.groupIdx[id]):
		groupNotFound(w, id)
		return true
	}
	return false
}

// renderUserIn is renderUser with the groups cut to the view.
func (s *Server) renderUserIn(v *orgView, root string, rec *userRec) userWire {
	w := s.renderUser(root, rec)
	if v != nil {
		w.Groups = slices.DeleteFunc(w.Groups, func(r client.GroupRef) bool { return !v.group(s.groupIdx[r.Value]) })
	}
	return w
}

// userJSONIn is userJSON for the view: the whole tenant's is cached, a
// child org's encoded each time (a test's tenant, not a benchmark's).
func (s *Server) userJSONIn(v *orgView, root string, rec *userRec) ([]byte, error) {
	if v == nil {
		return s.userJSON(root, rec)
	}
	return json.Marshal(s.renderUserIn(v, root, rec))
}

// levelsIn is the access levels of groups in the view.
func levelsIn(v *orgView, groups []*groupRec) []accessLevelWire {
	out := make([]accessLevelWire, 0, len(groups))
	for _, g := range groups {
		if v.group(g) {
			out = append(out, levelWire(g))
		}
	}
	return out
}

// view is what the request's credential sees (nil: the whole tenant).
func (c *call) view() *orgView {
	if c.grant == nil {
		return nil
	}
	return c.grant.view
}

// defaultGroupIn is the group POST /Users grants through a credential
// with view v: the tenant's default, or when that is outside v the same
// role in v's top org. Caller holds s.mu.
func (s *Server) defaultGroupIn(v *orgView) *groupRec {
	g := s.defaultGroup()
	if g == nil || v.group(g) {
		return g
	}
	return s.groupIdx[g.role.ID+":"+v.top.ID]
}

// CredentialSubtree lists the organizations the OAuth credential sees, in
// Orgs() order: all of them for a credential of the root.
func (s *Server) CredentialSubtree() []Org {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Org
	for i := range s.orgs {
		if s.auth.view.org(&s.orgs[i]) {
			out = append(out, s.orgs[i])
		}
	}
	return out
}

// CredentialSees reports whether the OAuth credential sees user id (its
// organization is in the credential's subtree).
func (s *Server) CredentialSees(userID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.userByID(userID)
	return u != nil && s.sees(s.auth.view, u)
}
