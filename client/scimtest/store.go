package scimtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
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

	// wire caches the user's encoded JSON (see userJSON).
	wire atomic.Pointer[wireJSON]
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

// ---- rendering (caller holds s.mu for reading) ----

func (s *Server) userLocation(root string, rec *userRec) string {
	if rec.shortLocation {
		return root + strings.TrimSuffix(s.base, "/v2") + "/" + rec.u.ID
	}
	return root + s.base + "/Users/" + rec.u.ID
}

func (s *Server) groupLocation(root string, g *groupRec) string {
	if g.shortLocation {
		return root + strings.TrimSuffix(s.base, "/v2") + "/" + g.id
	}
	return root + s.base + "/Groups/" + g.id
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type metaWire struct {
	Created      *string `json:"created"`
	LastModified *string `json:"lastModified"`
	Location     string  `json:"location"`
	ResourceType string  `json:"resourceType"`
}

type nameWire struct {
	FamilyName *string `json:"familyName"`
	GivenName  *string `json:"givenName"`
	MiddleName string  `json:"middleName,omitempty"`
	Formatted  string  `json:"formatted,omitempty"`
}

type managerWire struct {
	Value       *string `json:"value"`
	DisplayName *string `json:"displayName"`
	Ref         string  `json:"$ref,omitempty"`
}

// enterpriseWire mirrors OneTrust's extension, which sends every field, null
// when unset.
type enterpriseWire struct {
	BusinessUnit   *string     `json:"businessUnit"`
	Division       *string     `json:"division"`
	EmployeeID     *string     `json:"employeeId"`
	OfficeLocation *string     `json:"officeLocation"`
	Department     *string     `json:"department"`
	Manager        managerWire `json:"manager"`
	JobTitle       *string     `json:"jobTitle"`
	EmployeeNumber string      `json:"employeeNumber,omitempty"`
	CostCenter     string      `json:"costCenter,omitempty"`
	Organization   string      `json:"organization,omitempty"`
}

// userWire is a user as OneTrust sends it: explicit nulls, core schema only
// in schemas even though the enterprise extension is present.
type userWire struct {
	ID                string              `json:"id"`
	ExternalID        *string             `json:"externalId"`
	Meta              metaWire            `json:"meta"`
	Schemas           []string            `json:"schemas"`
	UserName          string              `json:"userName"`
	Name              nameWire            `json:"name"`
	DisplayName       string              `json:"displayName,omitempty"`
	NickName          string              `json:"nickName,omitempty"`
	Title             string              `json:"title,omitempty"`
	UserType          *string             `json:"userType"`
	PreferredLanguage string              `json:"preferredLanguage,omitempty"`
	Locale            string              `json:"locale,omitempty"`
	Timezone          string              `json:"timezone,omitempty"`
	Active            bool                `json:"active"`
	Groups            []client.GroupRef   `json:"groups"`
	Emails            []client.MultiValue `json:"emails"`
	PhoneNumbers      []client.MultiValue `json:"phoneNumbers,omitempty"`
	Enterprise        enterpriseWire      `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

func (s *Server) groupRefs(rec *userRec) []client.GroupRef {
	refs := make([]client.GroupRef, len(rec.groups))
	for i, g := range rec.groups {
		refs[i] = client.GroupRef{Value: g.id, Display: g.displayName}
	}
	return refs
}

func emailsOrEmpty(v []client.MultiValue) []client.MultiValue {
	if v == nil {
		return []client.MultiValue{}
	}
	return v
}

func (s *Server) renderUser(root string, rec *userRec) userWire {
	u := &rec.u
	loc := s.userLocation(root, rec)
	w := userWire{
		ID:         u.ID,
		ExternalID: strPtr(u.ExternalID),
		Meta: metaWire{
			Created:      strPtr(u.Meta.Created),
			LastModified: strPtr(u.Meta.LastModified),
			Location:     loc,
			ResourceType: "User",
		},
		Schemas:           []string{client.SchemaUser},
		UserName:          u.UserName,
		Name:              nameWire{FamilyName: strPtr(u.Name.FamilyName), GivenName: strPtr(u.Name.GivenName), MiddleName: u.Name.MiddleName, Formatted: u.Name.Formatted},
		DisplayName:       u.DisplayName,
		NickName:          u.NickName,
		Title:             u.Title,
		UserType:          strPtr(u.UserType),
		PreferredLanguage: u.PreferredLanguage,
		Locale:            u.Locale,
		Timezone:          u.Timezone,
		Active:            u.Active,
		Groups:            s.groupRefs(rec),
		Emails:            emailsOrEmpty(u.Emails),
		PhoneNumbers:      u.PhoneNumbers,
	}
	// OneTrust points manager.$ref at the user itself when no manager is set.
	w.Enterprise.Manager.Ref = loc
	if e := u.Enterprise; e != nil {
		w.Enterprise.BusinessUnit = strPtr(e.BusinessUnit)
		w.Enterprise.Division = strPtr(e.Division)
		w.Enterprise.EmployeeID = strPtr(e.EmployeeID)
		w.Enterprise.OfficeLocation = strPtr(e.OfficeLocation)
		w.Enterprise.Department = strPtr(e.Department)
		w.Enterprise.JobTitle = strPtr(e.JobTitle)
		w.Enterprise.EmployeeNumber = e.EmployeeNumber
		w.Enterprise.CostCenter = e.CostCenter
		w.Enterprise.Organization = e.Organization
		if m := e.Manager; m != nil && m.Value != "" {
			w.Enterprise.Manager = managerWire{
				Value:       strPtr(m.Value),
				DisplayName: strPtr(m.DisplayName),
				Ref:         root + s.base + "/Users/" + m.Value,
			}
		}
	}
	return w
}

// clientUser converts the wire form to what a client decodes from it, so the
// accessors return exactly what a GET would.
func clientUser(w userWire) client.User {
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	u := client.User{
		Schemas:           slices.Clone(w.Schemas),
		ID:                w.ID,
		ExternalID:        deref(w.ExternalID),
		UserName:          w.UserName,
		Name:              client.Name{FamilyName: deref(w.Name.FamilyName), GivenName: deref(w.Name.GivenName), MiddleName: w.Name.MiddleName, Formatted: w.Name.Formatted},
		DisplayName:       w.DisplayName,
		NickName:          w.NickName,
		Title:             w.Title,
		UserType:          deref(w.UserType),
		PreferredLanguage: w.PreferredLanguage,
		Locale:            w.Locale,
		Timezone:          w.Timezone,
		Active:            w.Active,
		Emails:            slices.Clone(w.Emails),
		PhoneNumbers:      slices.Clone(w.PhoneNumbers),
		Groups:            w.Groups,
		Meta: client.Meta{
			Created:      deref(w.Meta.Created),
			LastModified: deref(w.Meta.LastModified),
			Location:     w.Meta.Location,
			ResourceType: w.Meta.ResourceType,
		},
		Enterprise: &client.EnterpriseUser{
			EmployeeNumber: w.Enterprise.EmployeeNumber,
			EmployeeID:     deref(w.Enterprise.EmployeeID),
			CostCenter:     w.Enterprise.CostCenter,
			Organization:   w.Enterprise.Organization,
			Division:       deref(w.Enterprise.Division),
			Department:     deref(w.Enterprise.Department),
			BusinessUnit:   deref(w.Enterprise.BusinessUnit),
			OfficeLocation: deref(w.Enterprise.OfficeLocation),
			JobTitle:       deref(w.Enterprise.JobTitle),
			Manager: &client.Manager{
				Value:       deref(w.Enterprise.Manager.Value),
				DisplayName: deref(w.Enterprise.Manager.DisplayName),
				Ref:         w.Enterprise.Manager.Ref,
			},
		},
	}
	return u
}

type groupWire struct {
	ID          string               `json:"id"`
	ExternalID  *string              `json:"externalId"`
	Meta        metaWire             `json:"meta"`
	Schemas     []string             `json:"schemas"`
	DisplayName string               `json:"displayName"`
	Members     []client.Member      `json:"members"`
	OneTrust    client.OneTrustGroup `json:"urn:ietf:params:scim:schemas:onetrust:Group"`
}

// renderGroup renders a group; list responses pass withMembers=false and show
// "members": [] as OneTrust does.
func (s *Server) renderGroup(root string, g *groupRec, withMembers bool) groupWire {
	w := groupWire{
		ID: g.id,
		Meta: metaWire{
			Created:      strPtr(g.created),
			LastModified: strPtr(g.modified),
			Location:     s.groupLocation(root, g),
			ResourceType: "Group",
		},
		Schemas:     []string{client.SchemaGroup, client.SchemaOneTrustGroup},
		DisplayName: g.displayName,
		Members:     []client.Member{},
		OneTrust:    client.OneTrustGroup{Category: g.category, Description: g.description},
	}
	if withMembers {
		w.Members = s.members(root, g)
	}
	return w
}

func (s *Server) members(root string, g *groupRec) []client.Member {
	recs := make([]*userRec, 0, len(g.members))
	for u := range g.members {
		recs = append(recs, u)
	}
	slices.SortFunc(recs, func(a, b *userRec) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]client.Member, len(recs))
	for i, u := range recs {
		out[i] = client.Member{Value: u.u.ID, Type: "User", Ref: root + s.base + "/Users/" + u.u.ID}
	}
	return out
}

func clientGroup(w groupWire) client.Group {
	ot := w.OneTrust
	g := client.Group{
		Schemas:     slices.Clone(w.Schemas),
		ID:          w.ID,
		DisplayName: w.DisplayName,
		Members:     w.Members,
		OneTrust:    &ot,
		Meta: client.Meta{
			Location:     w.Meta.Location,
			ResourceType: w.Meta.ResourceType,
		},
	}
	if w.Meta.Created != nil {
		g.Meta.Created = *w.Meta.Created
	}
	if w.Meta.LastModified != nil {
		g.Meta.LastModified = *w.Meta.LastModified
	}
	return g
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

// DefaultGroupID is the group new users get: the first role x the first org.
func (s *Server) DefaultGroupID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.groups) == 0 {
		return ""
	}
	return s.groups[0].id
}

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
	u.Meta.LastModified = formatTime(s.now())
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
