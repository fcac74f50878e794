package tenant

import (
	"slices"
	"strings"
	"sync"
)

// Snapshot is the in-memory model of one tenant snapshot.
//
// Users are sorted by Name (case-insensitive), then email, then id; Groups by
// display name (case-insensitive), then id. User.Groups and Group.Members are
// ascending index lists kept consistent with each other. Indexes are int32
// and the per-user lists share one backing array: 100k users must not mean
// 100k maps.
//
// A Snapshot is not safe for concurrent mutation; readers may share it while
// nobody writes.
type Snapshot struct {
	Info   SyncInfo
	Users  []User
	Groups []Group
	Roles  []Role
	Orgs   []Org
	// UserGroups are OneTrust's user groups, by name (see SetAccess);
	// Access says whether the access APIs' data is here, and why not.
	UserGroups []UserGroup
	Access     AccessInfo
	via        viaCache
	// OrgTree is OneTrust's organization tree, joined to Orgs (nil when
	// the snapshot has none; OrgTreeWhy says why): see orgtree.go.
	OrgTree    *OrgTree
	OrgTreeWhy string

	userByID  map[string]int32 // built on first use: see byID
	byIDOnce  sync.Once
	groupByID map[string]int32
	cells     map[uint64]int32 // role<<32|org -> group
	gen       uint64           // bumped whenever user or group indexes shift
}

// NewSnapshot builds the model from what a sync read. Membership truth is
// User.groups; Group.members, when a server fills it, is unioned in. A group
// referenced by a user but missing from groups gets an entry made from the
// reference, so no membership is lost. Duplicate ids keep the first copy.
func NewSnapshot(info SyncInfo, users []ReadUser, groups []ReadGroup) *Snapshot {
	s := &Snapshot{Info: info}

	list := SnapshotGroups(users, groups)
	s.setGroups(list)

	// Convert, dropping duplicate ids; orig maps back to the input for refs.
	firstOf := make(map[string]int32, len(users))
	conv := make([]User, 0, len(users))
	orig := make([]int32, 0, len(users))
	for i := range users {
		if _, dup := firstOf[users[i].ID]; dup {
			continue
		}
		firstOf[users[i].ID] = int32(len(conv))
		conv = append(conv, users[i].User)
		orig = append(orig, int32(i))
	}
	// Pairs are collected in input order (sequential reads of the wire
	// users) and renumbered once users are sorted.
	var pairs []uint64
	for k, from := range orig {
		for _, ref := range users[from].Groups {
			if g, ok := s.groupByID[ref.ID]; ok {
				pairs = append(pairs, pair(int32(k), g))
			}
		}
	}
	for i := range list {
		g := s.groupByID[list[i].ID]
		for _, m := range list[i].Members {
			if u, ok := firstOf[m]; ok {
				pairs = append(pairs, pair(u, g))
			}
		}
	}
	s.finishUsers(conv, pairs, nil)
	return s
}

// finishUsers sorts conv, by perm when it is given (conv's indexes in sort
// order), renumbers the (user, group) pairs accordingly and builds both
// membership sides. The id lookup is built on first use (byID).
func (s *Snapshot) finishUsers(conv []User, pairs []uint64, perm []int32) {
	if perm == nil {
		perm = sortUsers(conv)
	}
	pos := make([]int32, len(perm))
	for p, k := range perm {
		pos[k] = int32(p)
	}
	for i, p := range pairs {
		pairs[i] = pair(pos[p>>32], int32(uint32(p)))
	}
	permute(conv, perm)
	s.Users = conv
	s.setMemberships(pairs)
	s.Info.Users, s.Info.Groups, s.Info.Memberships = len(s.Users), len(s.Groups), s.Memberships()
}

func pair(user, group int32) uint64 { return uint64(user)<<32 | uint64(uint32(group)) }

// setGroups decomposes and sorts groups and builds the group indexes.
// Members are left empty.
func (s *Snapshot) setGroups(list []ReadGroup) {
	dec := Decompose(list)
	s.Roles, s.Orgs = dec.Roles, dec.Orgs
	order := make([]int32, len(list))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := compareFold(list[a].DisplayName, list[b].DisplayName); c != 0 {
			return c
		}
		return strings.Compare(list[a].ID, list[b].ID)
	})
	s.Groups = make([]Group, len(list))
	s.groupByID = make(map[string]int32, len(list))
	s.cells = make(map[uint64]int32, len(list))
	for pos, i := range order {
		g := &list[i]
		x := Group{
			ID:           g.ID,
			DisplayName:  g.DisplayName,
			Role:         dec.GroupRole[i],
			Org:          dec.GroupOrg[i],
			Category:     g.Category,
			Description:  g.Description,
			LastModified: g.LastModified,
		}
		s.Groups[pos] = x
		s.groupByID[g.ID] = int32(pos)
		if !x.Plain() {
			s.cells[pair(x.Role, x.Org)] = int32(pos)
		}
	}
}

// setMemberships fills User.Groups and Group.Members from (user, group)
// pairs, in two shared backing arrays: a counting sort by user, then each
// user's short list sorted. Each per-entity slice has its capacity capped,
// so a later append reallocates instead of overwriting the neighbour.
func (s *Snapshot) setMemberships(pairs []uint64) {
	n := len(s.Users)
	off := make([]int32, n+1)
	for _, p := range pairs {
		off[p>>32+1]++
	}
	for u := 1; u <= n; u++ {
		off[u] += off[u-1]
	}
	ug := make([]int32, len(pairs))
	fill := slices.Clone(off[:n])
	for _, p := range pairs {
		u := p >> 32
		ug[fill[u]] = int32(uint32(p))
		fill[u]++
	}
	perGroup := make([]int32, len(s.Groups)+1)
	for u := range s.Users {
		gs := ug[off[u]:off[u+1]]
		slices.Sort(gs)
		gs = slices.Compact(gs) // duplicates: a ref listed twice, or also in members
		s.Users[u].Groups = nil
		if len(gs) > 0 {
			s.Users[u].Groups = gs[:len(gs):len(gs)]
		}
		for _, g := range gs {
			perGroup[g+1]++
		}
	}
	for g := 1; g < len(perGroup); g++ {
		perGroup[g] += perGroup[g-1]
	}
	members := make([]int32, perGroup[len(s.Groups)])
	next := slices.Clone(perGroup[:len(s.Groups)])
	for u := range s.Users { // ascending users, so each group's list is too
		for _, g := range s.Users[u].Groups {
			members[next[g]] = int32(u)
			next[g]++
		}
	}
	for g := range s.Groups {
		a, b := perGroup[g], perGroup[g+1]
		s.Groups[g].Members = nil
		if a < b {
			s.Groups[g].Members = members[a:b:b]
		}
	}
}

// Generation changes whenever user or group indexes shift (a user added,
// moved by a rename, removed; a group added). Holders of indexes, such as
// an Index or a UI selection, compare it to know they must re-resolve.
func (s *Snapshot) Generation() uint64 { return s.gen }

// byID maps user ids to indexes. It is built on first use, once, whoever
// asks first: opening a cache shows its first frame without it (100k
// inserts), and readers sharing a snapshot may race to it.
func (s *Snapshot) byID() map[string]int32 {
	s.byIDOnce.Do(func() {
		s.userByID = make(map[string]int32, len(s.Users))
		for i := range s.Users {
			s.userByID[s.Users[i].ID] = int32(i)
		}
	})
	return s.userByID
}

// UserIndex returns the index of the user with this id.
func (s *Snapshot) UserIndex(id string) (int, bool) {
	i, ok := s.byID()[id]
	return int(i), ok
}

// GroupIndex returns the index of the group with this id.
func (s *Snapshot) GroupIndex(id string) (int, bool) {
	i, ok := s.groupByID[id]
	return int(i), ok
}

// RoleIndex / OrgIndex find a role or org by id (a linear scan: there are
// tens, not thousands).
func (s *Snapshot) RoleIndex(id string) (int, bool) {
	for i := range s.Roles {
		if s.Roles[i].ID == id {
			return i, true
		}
	}
	return -1, false
}

func (s *Snapshot) OrgIndex(id string) (int, bool) {
	for i := range s.Orgs {
		if s.Orgs[i].ID == id {
			return i, true
		}
	}
	return -1, false
}

// Cell returns the group granting role in org, if the tenant has one.
func (s *Snapshot) Cell(role, org int) (group int, ok bool) {
	g, ok := s.cells[pair(int32(role), int32(org))]
	if !ok {
		return -1, false
	}
	return int(g), true
}

// IsMember reports whether user is in group.
func (s *Snapshot) IsMember(user, group int) bool {
	if user < 0 || user >= len(s.Users) {
		return false
	}
	_, found := slices.BinarySearch(s.Users[user].Groups, int32(group))
	return found
}

// RoleOrgCounts counts the distinct roles and orgs user u holds, directly
// or through a user group (plain groups count for neither): the Users list
// must agree with the detail's matrix, which shows effective access. A user
// holds a handful of groups, so the quadratic scan beats a set: the users
// list runs it for every user.
func (s *Snapshot) RoleOrgCounts(u int) (roles, orgs int) {
	gs := s.EffectiveGroups(u)
	for k, g := range gs {
		grp := &s.Groups[g]
		if grp.Plain() {
			continue
		}
		newRole, newOrg := true, true
		for _, h := range gs[:k] {
			prev := &s.Groups[h]
			if prev.Plain() {
				continue
			}
			if prev.Role == grp.Role {
				newRole = false
			}
			if prev.Org == grp.Org {
				newOrg = false
			}
		}
		if newRole {
			roles++
		}
		if newOrg {
			orgs++
		}
	}
	return roles, orgs
}

// Memberships counts (user, group) pairs.
func (s *Snapshot) Memberships() int {
	n := 0
	for i := range s.Users {
		n += len(s.Users[i].Groups)
	}
	return n
}

// Lookup finds users whose id, email or userName equals q, ignoring case.
// It returns every match, ascending, so a caller can report ambiguity. A
// linear scan: it runs per command, not per keystroke, and saves two maps.
func (s *Snapshot) Lookup(q string) []int {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	var out []int
	for i := range s.Users {
		u := &s.Users[i]
		if strings.EqualFold(u.ID, q) || strings.EqualFold(u.Email, q) || strings.EqualFold(u.UserName, q) {
			out = append(out, i)
		}
	}
	return out
}
