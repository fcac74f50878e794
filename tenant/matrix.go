package tenant

// Matrix is a role x org grid. Roles and Orgs are the indexes of the rows
// and columns; Counts[i][j] is the number of members (or 0/1 in a user's
// matrix) and Group[i][j] the group index, -1 when no such group exists.
// In the tenant matrix Counts is effective access (direct or through a
// user group) and ViaOnly[i][j] how many of those hold it only through
// user groups; a user's matrix leaves ViaOnly nil.
type Matrix struct {
	Roles, Orgs []int
	Counts      [][]int
	Group       [][]int32
	ViaOnly     [][]int
}

func newMatrix(roles, orgs []int) Matrix {
	m := Matrix{Roles: roles, Orgs: orgs, Counts: make([][]int, len(roles)), Group: make([][]int32, len(roles))}
	counts := make([]int, len(roles)*len(orgs))
	groups := make([]int32, len(roles)*len(orgs))
	for i := range groups {
		groups[i] = -1
	}
	for r := range roles {
		m.Counts[r] = counts[r*len(orgs) : (r+1)*len(orgs) : (r+1)*len(orgs)]
		m.Group[r] = groups[r*len(orgs) : (r+1)*len(orgs) : (r+1)*len(orgs)]
	}
	return m
}

func seq(n int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	return xs
}

// TenantMatrix counts effective members (direct or through a user group)
// for every role x org of the tenant, and those holding it only through a
// user group.
func (s *Snapshot) TenantMatrix() Matrix {
	m := newMatrix(seq(len(s.Roles)), seq(len(s.Orgs)))
	via := make([]int, len(s.Roles)*len(s.Orgs))
	m.ViaOnly = make([][]int, len(s.Roles))
	for r := range m.ViaOnly {
		m.ViaOnly[r] = via[r*len(s.Orgs) : (r+1)*len(s.Orgs) : (r+1)*len(s.Orgs)]
	}
	for g := range s.Groups {
		grp := &s.Groups[g]
		if grp.Plain() {
			continue
		}
		n := len(s.EffectiveMembers(g))
		m.Counts[grp.Role][grp.Org] = n
		m.ViaOnly[grp.Role][grp.Org] = n - len(grp.Members)
		m.Group[grp.Role][grp.Org] = int32(g)
	}
	return m
}

// UserMatrix is one user's role x org grid: Counts is 1 where the user is a
// member. With all, rows and columns are every role and org (to grant
// something new); otherwise only those the user holds.
func (s *Snapshot) UserMatrix(user int, all bool) Matrix {
	var roles, orgs []int
	if all {
		roles, orgs = seq(len(s.Roles)), seq(len(s.Orgs))
	} else {
		hasRole := make([]bool, len(s.Roles))
		hasOrg := make([]bool, len(s.Orgs))
		for _, g := range s.Users[user].Groups {
			if grp := &s.Groups[g]; !grp.Plain() {
				hasRole[grp.Role], hasOrg[grp.Org] = true, true
			}
		}
		for r, ok := range hasRole {
			if ok {
				roles = append(roles, r)
			}
		}
		for o, ok := range hasOrg {
			if ok {
				orgs = append(orgs, o)
			}
		}
	}
	m := newMatrix(roles, orgs)
	for i, r := range roles {
		for j, o := range orgs {
			if g, ok := s.Cell(r, o); ok {
				m.Group[i][j] = int32(g)
				if s.IsMember(user, g) {
					m.Counts[i][j] = 1
				}
			}
		}
	}
	return m
}

// PlainGroups returns the groups that are not role x org (their members are
// shown as a list, not in a matrix).
func (s *Snapshot) PlainGroups(user int) []int32 {
	var out []int32
	for _, g := range s.Users[user].Groups {
		if s.Groups[g].Plain() {
			out = append(out, g)
		}
	}
	return out
}
