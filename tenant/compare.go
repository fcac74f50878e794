package tenant

import (
	"cmp"
	"slices"
	"strings"
)

// Comparison is how two snapshots differ when they may be of two tenants
// (prod and UAT) or of one at two times. Left and Right are the two sides
// as the user named them; every list is sorted (users by name, access by
// user then "Role — Org", names case-insensitively), so the same two
// snapshots always compare the same.
type Comparison struct {
	Left, Right SyncInfo

	UsersOnlyLeft, UsersOnlyRight []UserRef
	// UsersDiffering are users on both sides whose attributes differ.
	UsersDiffering []UserDifference

	RolesOnlyLeft, RolesOnlyRight []string
	OrgsOnlyLeft, OrgsOnlyRight   []string

	// AccessOnlyLeft is effective access (role x org, direct or through
	// user groups: each ref says which, on its side) held on the left and
	// not on the right; users only on the left count with all theirs.
	AccessOnlyLeft, AccessOnlyRight []MembershipRef
}

// UserDifference is one user on both sides, with what differs.
type UserDifference struct {
	Left, Right UserRef
	Fields      []FieldDifference
}

// FieldDifference is one attribute's value on each side.
type FieldDifference struct {
	Field, Left, Right string
}

// Empty reports that the two sides hold the same users, roles, orgs and
// access.
func (c *Comparison) Empty() bool {
	return len(c.UsersOnlyLeft)+len(c.UsersOnlyRight)+len(c.UsersDiffering)+len(c.RolesOnlyLeft)+len(c.RolesOnlyRight)+
		len(c.OrgsOnlyLeft)+len(c.OrgsOnlyRight)+len(c.AccessOnlyLeft)+len(c.AccessOnlyRight) == 0
}

// UserKey is what pairs a user across tenants: the userName, else the
// email, case-insensitively. SCIM ids are per tenant, so they cannot.
func UserKey(u *User) string { return strings.ToLower(strings.TrimSpace(cmp.Or(u.UserName, u.Email))) }

// groupKey pairs a group across tenants by its role and org names (a
// plain group by its name), case-insensitively: ids are per tenant.
func groupKey(s *Snapshot, g int) string {
	grp := &s.Groups[g]
	if grp.Plain() {
		return "group\x00" + strings.ToLower(strings.TrimSpace(grp.DisplayName))
	}
	return "cell\x00" + strings.ToLower(s.Roles[grp.Role].Name) + "\x00" + strings.ToLower(s.Orgs[grp.Org].Name)
}

// comparedFields are the attributes a user is compared on. Ids (the
// user's, the manager's) are per tenant and would always differ.
var comparedFields = []struct {
	name string
	get  func(*User) string
	fold bool // a difference in case alone is none
}{
	{"status", func(u *User) string {
		if u.Active {
			return "active"
		}
		return "inactive"
	}, false},
	{"name", (*User).Name, false},
	{"userName", func(u *User) string { return u.UserName }, true},
	{"email", func(u *User) string { return u.Email }, true},
	{"userType", func(u *User) string { return u.UserType }, false},
	{"title", func(u *User) string { return u.Title }, false},
	{"department", func(u *User) string { return u.Department }, false},
	{"manager", func(u *User) string { return u.ManagerName }, false},
}

// Compare compares left with right, pairing users by UserKey and groups
// by role and org names. Access is effective access, as in Diff: held
// directly on one side and through a user group on the other is the same
// access. Users or groups whose key repeats on a side pair in order, the
// first with the first. Pure: it changes neither snapshot.
func Compare(left, right *Snapshot) Comparison {
	p := pairing{}
	p.usersToFrom, p.usersFromTo = pairByKey(len(right.Users), len(left.Users),
		func(i int) string { return UserKey(&right.Users[i]) }, func(i int) string { return UserKey(&left.Users[i]) })
	p.groupsToFrom, p.groupsFromTo = pairByKey(len(right.Groups), len(left.Groups),
		func(g int) string { return groupKey(right, g) }, func(g int) string { return groupKey(left, g) })
	d := accessDelta(left, right, p)
	c := Comparison{Left: left.Info, Right: right.Info, AccessOnlyLeft: d.revoked, AccessOnlyRight: d.granted}
	for _, i := range d.removed {
		c.UsersOnlyLeft = append(c.UsersOnlyLeft, userRef(&left.Users[i]))
	}
	for _, i := range d.added {
		c.UsersOnlyRight = append(c.UsersOnlyRight, userRef(&right.Users[i]))
	}
	for i := range right.Users {
		li := p.usersToFrom[i]
		if li < 0 {
			continue
		}
		l, r := &left.Users[li], &right.Users[i]
		var fields []FieldDifference
		for _, f := range comparedFields {
			a, b := f.get(l), f.get(r)
			if a == b || f.fold && strings.EqualFold(a, b) {
				continue
			}
			fields = append(fields, FieldDifference{Field: f.name, Left: a, Right: b})
		}
		if fields != nil {
			c.UsersDiffering = append(c.UsersDiffering, UserDifference{Left: userRef(l), Right: userRef(r), Fields: fields})
		}
	}
	c.RolesOnlyLeft, c.RolesOnlyRight = namesOnly(left.Roles, right.Roles, func(r Role) string { return r.Name })
	c.OrgsOnlyLeft, c.OrgsOnlyRight = namesOnly(left.Orgs, right.Orgs, func(o Org) string { return o.Name })
	return c
}

// pairByKey pairs a's n items with b's m by key: aToB[i] is b's index of
// a's item i (-1: none) and bToA the inverse. An empty key pairs nothing;
// a key held by several items pairs them in order.
func pairByKey(n, m int, keyA, keyB func(int) string) (aToB, bToA []int32) {
	aToB, bToA = make([]int32, n), make([]int32, m)
	for i := range aToB {
		aToB[i] = -1
	}
	waiting := make(map[string][]int32, m)
	for j := range bToA {
		bToA[j] = -1
		if k := keyB(j); k != "" {
			waiting[k] = append(waiting[k], int32(j))
		}
	}
	for i := range aToB {
		k := keyA(i)
		if list := waiting[k]; k != "" && len(list) > 0 {
			aToB[i], bToA[list[0]] = list[0], int32(i)
			waiting[k] = list[1:]
		}
	}
	return aToB, bToA
}

// namesOnly lists the names only a has and only b has, compared
// case-insensitively, sorted.
func namesOnly[T any](a, b []T, name func(T) string) (onlyA, onlyB []string) {
	set := func(list []T) map[string]bool {
		m := make(map[string]bool, len(list))
		for _, x := range list {
			m[strings.ToLower(name(x))] = true
		}
		return m
	}
	inA, inB := set(a), set(b)
	for _, x := range a {
		if !inB[strings.ToLower(name(x))] {
			onlyA = append(onlyA, name(x))
		}
	}
	for _, x := range b {
		if !inA[strings.ToLower(name(x))] {
			onlyB = append(onlyB, name(x))
		}
	}
	byName := func(x, y string) int { return cmp.Or(compareFold(x, y), strings.Compare(x, y)) }
	slices.SortFunc(onlyA, byName)
	slices.SortFunc(onlyB, byName)
	return slices.Compact(onlyA), slices.Compact(onlyB)
}

// CompareFilter narrows a comparison. Role and Org are names, matched
// whole and case-insensitively; User is part of a user's name, userName
// or email. Each narrows the access sections to what it matches; User
// narrows the user sections too, Role the roles and Org the orgs, and
// Role or Org keep only the users whose access differs there.
type CompareFilter struct {
	Role, Org, User string
}

// Zero reports no filter.
func (f CompareFilter) Zero() bool { return f == CompareFilter{} }

// Filter is c narrowed to f.
func (c *Comparison) Filter(f CompareFilter) Comparison {
	if f.Zero() {
		return *c
	}
	user := strings.ToLower(strings.TrimSpace(f.User))
	userOK := func(u *UserRef) bool {
		return user == "" || strings.Contains(strings.ToLower(u.Name), user) || strings.Contains(strings.ToLower(u.Label), user) ||
			strings.Contains(strings.ToLower(u.UserName), user)
	}
	nameOK := func(want, name string) bool { return want == "" || strings.EqualFold(strings.TrimSpace(want), name) }
	accessOK := func(m *MembershipRef) bool {
		return nameOK(f.Role, m.Role) && nameOK(f.Org, m.Org) && userOK(&m.User)
	}
	out := Comparison{Left: c.Left, Right: c.Right}
	out.AccessOnlyLeft = keep(c.AccessOnlyLeft, accessOK)
	out.AccessOnlyRight = keep(c.AccessOnlyRight, accessOK)
	// With a role or org, a user section keeps the users whose access
	// there differs: they are the answer to "who has it here, not there".
	inAccess := func(*UserRef) bool { return true }
	if f.Role != "" || f.Org != "" {
		keys := map[string]bool{}
		for _, list := range [][]MembershipRef{out.AccessOnlyLeft, out.AccessOnlyRight} {
			for _, m := range list {
				keys[m.User.key()] = true
			}
		}
		inAccess = func(u *UserRef) bool { return keys[u.key()] }
	}
	userKeep := func(u *UserRef) bool { return userOK(u) && inAccess(u) }
	out.UsersOnlyLeft = keep(c.UsersOnlyLeft, userKeep)
	out.UsersOnlyRight = keep(c.UsersOnlyRight, userKeep)
	out.UsersDiffering = keep(c.UsersDiffering, func(d *UserDifference) bool {
		return (userOK(&d.Left) || userOK(&d.Right)) && (inAccess(&d.Left) || inAccess(&d.Right))
	})
	roleKeep := func(n *string) bool { return nameOK(f.Role, *n) }
	orgKeep := func(n *string) bool { return nameOK(f.Org, *n) }
	out.RolesOnlyLeft, out.RolesOnlyRight = keep(c.RolesOnlyLeft, roleKeep), keep(c.RolesOnlyRight, roleKeep)
	out.OrgsOnlyLeft, out.OrgsOnlyRight = keep(c.OrgsOnlyLeft, orgKeep), keep(c.OrgsOnlyRight, orgKeep)
	return out
}

// HasRole and HasOrg report whether either side has a role or org of
// that name (case-insensitively): a filter naming neither is a typo.
func HasRole(s *Snapshot, name string) bool {
	return slices.ContainsFunc(s.Roles, func(r Role) bool { return strings.EqualFold(r.Name, strings.TrimSpace(name)) })
}

func HasOrg(s *Snapshot, name string) bool {
	return slices.ContainsFunc(s.Orgs, func(o Org) bool { return strings.EqualFold(o.Name, strings.TrimSpace(name)) })
}

func keep[T any](list []T, ok func(*T) bool) []T {
	var out []T
	for i := range list {
		if ok(&list[i]) {
			out = append(out, list[i])
		}
	}
	return out
}
