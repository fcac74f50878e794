package cache

import (
	"strings"

	"github.com/otaccess/otaccess/tenant"
)

// compactor gives a loaded page's users strings of their own, so the page
// string (with its length headers and group ids, two thirds of it) is not
// kept alive by substrings for as long as the snapshot lives: at 300,000
// users the pages held 206 MB of the heap, the fields alone 69 MB. The
// fields of each page are copied into one string; values that repeat
// across users (user type, title, department, manager...) are copied
// once and shared, up to maxInterned distinct ones.
type compactor struct {
	seen map[string]string
}

// maxInterned bounds the shared values: past it a tenant whose "repeating"
// fields are mostly distinct copies them per page instead of growing the map.
const maxInterned = 1 << 16

func newCompactor() *compactor { return &compactor{seen: make(map[string]string)} }

// shared are the fields whose values repeat across many users.
func shared(u *tenant.User) [7]*string {
	return [...]*string{&u.UserType, &u.Title, &u.Department, &u.Division, &u.Organization, &u.CostCenter, &u.ManagerName}
}

// own are the fields mostly distinct per user, copied into the page's string.
func own(u *tenant.User) [11]*string {
	return [...]*string{&u.ID, &u.ExternalID, &u.UserName, &u.GivenName, &u.FamilyName, &u.DisplayName, &u.Email,
		&u.EmployeeID, &u.ManagerID, &u.Created, &u.LastModified}
}

// page rewrites the string fields of users (fresh from unpackUser) so
// that none refers to the page they were cut from.
func (c *compactor) page(users []tenant.User) {
	n := 0
	for i := range users {
		u := &users[i]
		for _, f := range shared(u) {
			*f = c.intern(*f)
		}
		for _, f := range own(u) {
			if f == &u.Email && u.Email == u.UserName {
				continue // the same value: shared below
			}
			n += len(*f)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for i := range users {
		u := &users[i]
		for _, f := range own(u) {
			if f != &u.Email || u.Email != u.UserName {
				b.WriteString(*f)
			}
		}
	}
	all, at := b.String(), 0
	for i := range users {
		u := &users[i]
		sameEmail := u.Email == u.UserName
		for _, f := range own(u) {
			if f == &u.Email && sameEmail {
				*f = u.UserName
				continue
			}
			l := len(*f)
			*f = all[at : at+l]
			at += l
		}
	}
}

// intern is s as a string of its own, shared with every equal value seen.
func (c *compactor) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := c.seen[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if len(c.seen) < maxInterned {
		c.seen[v] = v
	}
	return v
}
