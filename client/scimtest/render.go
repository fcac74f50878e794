package scimtest

import (
	"cmp"
	"slices"
	"strings"

	"github.com/otaccess/otaccess/client"
)

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
			// The manager's name as it is now, not as it was when set.
			name := m.DisplayName
			if mgr := s.userByID(m.Value); mgr != nil {
				name = mgr.u.DisplayName
			}
			w.Enterprise.Manager = managerWire{
				Value:       strPtr(m.Value),
				DisplayName: strPtr(name),
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
