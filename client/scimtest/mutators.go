package scimtest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/otaccess/otaccess/client"
)

// ---- mutators (simulate the tenant changing under a test) ----

// AddUser stores u as given (active as given, ID kept when set) and grants
// the groups listed in u.Groups that exist. It returns the user's id.
func (s *Server) AddUser(u client.User) string { return s.addUser(u, false) }

// AddInvitedUser stores a user in the invited state: never returned by the
// API, but its userName is taken (POST answers 409).
func (s *Server) AddInvitedUser(u client.User) string { return s.addUser(u, true) }

func (s *Server) addUser(u client.User, invited bool) string {
	s.lockWrite()
	defer s.mu.Unlock()
	if u.ID == "" {
		u.ID = s.newID()
	}
	if old := s.userByID(u.ID); old != nil {
		s.removeUser(old)
	} else if old := s.invited[u.ID]; old != nil {
		s.removeUser(old)
	}
	if u.UserName == "" {
		u.UserName = u.PrimaryEmail()
	}
	now := formatTime(s.now())
	if u.Meta.Created == "" {
		u.Meta.Created = now
	}
	if u.Meta.LastModified == "" {
		u.Meta.LastModified = now
	}
	u.Meta = client.Meta{Created: u.Meta.Created, LastModified: u.Meta.LastModified}
	u.Schemas = nil
	if u.Enterprise != nil {
		e := *u.Enterprise
		if e.Manager != nil {
			m := *e.Manager
			m.Ref = ""
			e.Manager = &m
		}
		u.Enterprise = &e
	}
	u.Emails = slices.Clone(u.Emails)
	u.PhoneNumbers = slices.Clone(u.PhoneNumbers)
	refs := u.Groups
	u.Groups = nil
	rec := &userRec{u: u, invited: invited}
	s.insertUser(rec)
	for _, ref := range refs {
		if g := s.groupIdx[ref.Value]; g != nil {
			link(rec, g)
		}
	}
	return u.ID
}

// RemoveUser deletes a user (visible or invited) and its memberships.
func (s *Server) RemoveUser(id string) bool {
	s.lockWrite()
	defer s.mu.Unlock()
	rec := s.userByID(id)
	if rec == nil {
		rec = s.invited[id]
	}
	if rec == nil {
		return false
	}
	s.removeUser(rec)
	return true
}

// SetMember grants or revokes a membership on both sides and bumps
// meta.lastModified of the user and the group when it changed.
func (s *Server) SetMember(userID, groupID string, member bool) error {
	s.lockWrite()
	defer s.mu.Unlock()
	u, g := s.userByID(userID), s.groupIdx[groupID]
	if u == nil {
		return fmt.Errorf("scimtest: no user %q", userID)
	}
	if g == nil {
		return fmt.Errorf("scimtest: no group %q", groupID)
	}
	changed := false
	if member {
		changed = link(u, g)
	} else {
		changed = unlink(u, g)
	}
	if changed {
		now := formatTime(s.now())
		u.u.Meta.LastModified = now
		g.modified = now
	}
	return nil
}

// SetActive activates or deactivates a user.
func (s *Server) SetActive(id string, active bool) error {
	return s.UpdateUser(id, func(u *client.User) { u.Active = active })
}

// UpdateUser edits a visible user's attributes in place (id, groups and meta
// are not editable this way) and bumps meta.lastModified.
func (s *Server) UpdateUser(id string, edit func(u *client.User)) error {
	s.lockWrite()
	defer s.mu.Unlock()
	rec := s.userByID(id)
	if rec == nil {
		return fmt.Errorf("scimtest: no user %q", id)
	}
	u := cloneUser(rec.u)
	edit(&u)
	u.ID, u.Groups, u.Meta = rec.u.ID, nil, rec.u.Meta
	if !strings.EqualFold(u.UserName, rec.u.UserName) {
		delete(s.byName, strings.ToLower(rec.u.UserName))
		s.byName[strings.ToLower(u.UserName)] = rec
	}
	now := s.now()
	s.noteActive(rec, rec.u.Active, u.Active, now)
	u.Meta.LastModified = formatTime(now)
	rec.u = u
	return nil
}

// SetGroupName overrides one group's displayName (category and ids stay), to
// simulate the inconsistent names the documents show.
func (s *Server) SetGroupName(groupID, displayName string) error {
	s.lockWrite()
	defer s.mu.Unlock()
	g := s.groupIdx[groupID]
	if g == nil {
		return fmt.Errorf("scimtest: no group %q", groupID)
	}
	g.displayName = displayName
	g.modified = formatTime(s.now())
	return nil
}

// RenameRole renames a role: every group of the role gets a new displayName.
func (s *Server) RenameRole(roleID, name string) error {
	return s.rename(roleID, name, true)
}

// RenameOrg renames an organization: displayName, category (where it matched)
// and description of its groups change.
func (s *Server) RenameOrg(orgID, name string) error {
	return s.rename(orgID, name, false)
}

func (s *Server) rename(id, name string, role bool) error {
	s.lockWrite()
	defer s.mu.Unlock()
	found := false
	for i := range s.roles {
		if role && s.roles[i].ID == id {
			s.roles[i].Name, found = name, true
		}
	}
	for i := range s.orgs {
		if !role && s.orgs[i].ID == id {
			s.orgs[i].Name, found = name, true
		}
	}
	if !found {
		return fmt.Errorf("scimtest: no role or org %q", id)
	}
	now := formatTime(s.now())
	for _, g := range s.groups {
		if (role && g.role.ID != id) || (!role && g.org.ID != id) {
			continue
		}
		oldOrg := strings.TrimPrefix(g.description, g.role.Name+" has access to this ")
		if !role && g.category == oldOrg {
			g.category = name
		}
		g.displayName = g.role.Name + " - " + g.org.Name
		g.description = g.role.Name + " has access to this " + g.org.Name
		g.modified = now
	}
	return nil
}

func cloneUser(u client.User) client.User {
	u.Emails = slices.Clone(u.Emails)
	u.PhoneNumbers = slices.Clone(u.PhoneNumbers)
	u.Schemas = slices.Clone(u.Schemas)
	u.Groups = slices.Clone(u.Groups)
	if u.Enterprise != nil {
		e := *u.Enterprise
		if e.Manager != nil {
			m := *e.Manager
			e.Manager = &m
		}
		u.Enterprise = &e
	}
	return u
}
