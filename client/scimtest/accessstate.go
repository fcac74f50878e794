package scimtest

import (
	"fmt"
	"slices"
	"time"
)

// UserGroup is a v2 user group as the state accessors return it.
type UserGroup struct {
	ID, Name string
	// Levels are the SCIM group ids (roleId:orgId) of its access levels.
	Levels []string
	// Members are user ids, in the order they were added.
	Members []string
}

// Login is what Users V2 knows about a user's sign-ins and lifecycle.
type Login struct {
	Last        time.Time // latest successful login; zero: never
	FailedAfter int       // failed attempts after Last
	Expires     time.Time
	DisabledAt  time.Time
	DisabledBy  string
}

func userGroupOf(g *userGroupRec) UserGroup {
	out := UserGroup{ID: g.id, Name: g.name}
	for _, l := range g.levels {
		out.Levels = append(out.Levels, l.id)
	}
	for _, m := range g.members {
		out.Members = append(out.Members, m.u.u.ID)
	}
	return out
}

// UserGroups returns every user group in generation order.
func (s *Server) UserGroups() []UserGroup {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]UserGroup, len(s.userGroups))
	for i, g := range s.userGroups {
		out[i] = userGroupOf(g)
	}
	return out
}

// UserGroupsOf returns the user groups a user is a member of.
func (s *Server) UserGroupsOf(userID string) []UserGroup {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.userByID(userID)
	if u == nil {
		return nil
	}
	out := make([]UserGroup, len(u.acc.ugroups))
	for i, g := range u.acc.ugroups {
		out[i] = userGroupOf(g)
	}
	return out
}

// AddUserGroup creates a user group granting the SCIM groups levels
// (roleId:orgId ids) to members; it returns its id.
func (s *Server) AddUserGroup(name string, levels, members []string) (string, error) {
	s.lockWrite()
	defer s.mu.Unlock()
	now := s.now()
	g := &userGroupRec{id: s.newID(), name: name, description: name, createdBy: "Alice Admin", created: now, modBy: "Alice Admin", modified: now, memberOf: map[*userRec]struct{}{}}
	for _, id := range levels {
		lvl := s.groupIdx[id]
		if lvl == nil {
			return "", fmt.Errorf("scimtest: no group %q", id)
		}
		g.levels = append(g.levels, lvl)
	}
	for _, id := range members {
		u := s.userByID(id)
		if u == nil {
			return "", fmt.Errorf("scimtest: no user %q", id)
		}
		g.addMember(u, now, "Alice Admin")
	}
	s.userGroups = append(s.userGroups, g)
	s.userGroupIdx[g.id] = g
	return g.id, nil
}

// SetUserGroupMember adds or removes a member of a user group.
func (s *Server) SetUserGroupMember(groupID, userID string, member bool) error {
	s.lockWrite()
	defer s.mu.Unlock()
	g, u := s.userGroupIdx[groupID], s.userByID(userID)
	if g == nil || u == nil {
		return fmt.Errorf("scimtest: no user group %q or user %q", groupID, userID)
	}
	if member {
		g.addMember(u, s.now(), "Alice Admin")
	} else {
		g.removeMember(u)
	}
	return nil
}

// DeleteUserGroup removes a user group, as an admin in the web console
// would: its members keep everything else.
func (s *Server) DeleteUserGroup(groupID string) error {
	s.lockWrite()
	defer s.mu.Unlock()
	g := s.userGroupIdx[groupID]
	if g == nil {
		return fmt.Errorf("scimtest: no user group %q", groupID)
	}
	for _, m := range slices.Clone(g.members) {
		g.removeMember(m.u)
	}
	delete(s.userGroupIdx, groupID)
	s.userGroups = slices.DeleteFunc(s.userGroups, func(x *userGroupRec) bool { return x == g })
	return nil
}

// LoginOf returns a visible user's login data.
func (s *Server) LoginOf(userID string) (Login, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.userByID(userID)
	if u == nil {
		return Login{}, false
	}
	a := &u.acc
	return Login{Last: a.lastLogin, FailedAfter: a.failedAfter, Expires: a.expires, DisabledAt: a.disabledAt, DisabledBy: a.disabledBy}, true
}

// SetLogin replaces a visible user's last login and the failures after it.
func (s *Server) SetLogin(userID string, last time.Time, failedAfter int) error {
	s.lockWrite()
	defer s.mu.Unlock()
	u := s.userByID(userID)
	if u == nil {
		return fmt.Errorf("scimtest: no user %q", userID)
	}
	u.acc.lastLogin, u.acc.failedAfter = last.UTC().Truncate(time.Second), failedAfter
	return nil
}

// LoginAnchor is the tenant's "now" for last logins and login history.
func (s *Server) LoginAnchor() time.Time { return s.anchor }
