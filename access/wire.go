package access

import (
	"sync"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// The SCIM client speaks the wire's types; the model and the cache know
// only tenant's. These convert, in one place, what a read brought back.

// readUser is the model's view of a SCIM user (see readListed).
func readUser(u *client.User) tenant.ReadUser {
	l := u.Listed()
	return readListed(&l, nil)
}

// readListed is the model's view of a listed SCIM user: the fields
// otaccess shows and the groups the user names (refs, when set, interns
// them).
func readListed(u *client.ListedUser, refs *refInterner) tenant.ReadUser {
	x := tenant.ReadUser{User: tenant.User{
		ID:           u.ID,
		ExternalID:   u.ExternalID,
		UserName:     u.UserName,
		GivenName:    u.Name.GivenName,
		FamilyName:   u.Name.FamilyName,
		DisplayName:  u.DisplayName,
		Email:        u.PrimaryEmail(),
		UserType:     u.UserType,
		Title:        u.Title,
		Active:       u.Active,
		Created:      u.Meta.Created,
		LastModified: u.Meta.LastModified,
	}}
	if e := u.Enterprise; e != nil {
		x.Department = e.Department
		x.Division = e.Division
		x.Organization = e.Organization
		x.CostCenter = e.CostCenter
		x.EmployeeID = e.EmployeeID
		if x.EmployeeID == "" {
			x.EmployeeID = e.EmployeeNumber
		}
		if x.Title == "" {
			x.Title = e.JobTitle
		}
		if e.Manager != nil {
			x.ManagerID = e.Manager.Value
			x.ManagerName = e.Manager.DisplayName
		}
	}
	if len(u.Groups) > 0 {
		x.Groups = make([]tenant.GroupRef, len(u.Groups))
		for i, ref := range u.Groups {
			x.Groups[i] = refs.ref(ref)
		}
	}
	return x
}

// refInterner keeps one copy of each group reference a sync reads: the
// references of 100,000 users name the same few thousand groups, and
// the decoder made two strings for every one of ~300,000. Safe for
// concurrent use (pages are converted as they arrive, several at once).
type refInterner struct {
	mu   sync.Mutex
	refs map[client.ListedRef]tenant.GroupRef
}

func newRefInterner() *refInterner {
	return &refInterner{refs: map[client.ListedRef]tenant.GroupRef{}}
}

func (r *refInterner) ref(ref client.ListedRef) tenant.GroupRef {
	if r == nil {
		return tenant.GroupRef{ID: ref.Value, Name: ref.Display}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	g, ok := r.refs[ref]
	if !ok {
		g = tenant.GroupRef{ID: ref.Value, Name: ref.Display}
		r.refs[ref] = g
	}
	return g
}

// ReadUsers converts a list of SCIM users (see readUser).
func ReadUsers(users []client.User) []tenant.ReadUser {
	out := make([]tenant.ReadUser, len(users))
	for i := range users {
		out[i] = readUser(&users[i])
	}
	return out
}

// ReadGroups converts a list of SCIM groups: their fields, the OneTrust
// extension's category and description, and the members they list.
func ReadGroups(groups []client.Group) []tenant.ReadGroup {
	out := make([]tenant.ReadGroup, len(groups))
	for i := range groups {
		g := &groups[i]
		x := tenant.ReadGroup{ID: g.ID, DisplayName: g.DisplayName, LastModified: g.Meta.LastModified}
		if g.OneTrust != nil {
			x.Category, x.Description = g.OneTrust.Category, g.OneTrust.Description
		}
		if len(g.Members) > 0 {
			x.Members = make([]string, len(g.Members))
			for k, m := range g.Members {
				x.Members[k] = m.Value
			}
		}
		out[i] = x
	}
	return out
}
