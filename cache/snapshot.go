package cache

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/otaccess/otaccess/client"
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
func NewSnapshot(info SyncInfo, users []client.User, groups []client.Group) *Snapshot {
	s := &Snapshot{Info: info}

	list := snapshotGroups(users, groups)
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
		conv = append(conv, userFromClient(&users[i]))
		orig = append(orig, int32(i))
	}
	// Pairs are collected in input order (sequential reads of the wire
	// users) and renumbered once users are sorted.
	var pairs []uint64
	for k, from := range orig {
		for _, ref := range users[from].Groups {
			if g, ok := s.groupByID[ref.Value]; ok {
				pairs = append(pairs, pair(int32(k), g))
			}
		}
	}
	for i := range list {
		g := s.groupByID[list[i].ID]
		for _, m := range list[i].Members {
			if u, ok := firstOf[m.Value]; ok {
				pairs = append(pairs, pair(u, g))
			}
		}
	}
	s.finishUsers(conv, pairs, nil)
	return s
}

// snapshotGroups is the groups of a snapshot read as users and groups: the
// first of each id in groups, then one made from the reference for each
// group only a user names (any user, duplicates included), so that no
// membership is lost.
func snapshotGroups(users []client.User, groups []client.Group) []client.Group {
	list := make([]client.Group, 0, len(groups))
	seen := make(map[string]bool, len(groups))
	for i := range groups {
		if !seen[groups[i].ID] {
			seen[groups[i].ID] = true
			list = append(list, groups[i])
		}
	}
	for i := range users {
		for _, ref := range users[i].Groups {
			if ref.Value != "" && !seen[ref.Value] {
				seen[ref.Value] = true
				list = append(list, client.Group{ID: ref.Value, DisplayName: ref.Display})
			}
		}
	}
	return list
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

// userFromClient copies the fields the UI shows.
func userFromClient(u *client.User) User {
	x := User{
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
	}
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
	return x
}

// Name is what a person is called: the display name, else "Given Family",
// else the userName.
func (u *User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	if n := strings.TrimSpace(u.GivenName + " " + u.FamilyName); n != "" {
		return n
	}
	return u.UserName
}

// Label identifies a user in one line: the email, else userName, else id.
func (u *User) Label() string {
	switch {
	case u.Email != "":
		return u.Email
	case u.UserName != "":
		return u.UserName
	}
	return u.ID
}

func compareUserKeys(nameA, nameB string, a, b *User) int {
	if c := compareFold(nameA, nameB); c != 0 {
		return c
	}
	if c := compareFold(a.Email, b.Email); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func compareUsers(a, b *User) int { return compareUserKeys(a.Name(), b.Name(), a, b) }

// sortUsers returns the permutation (sorted position -> index in us) that
// sorts us in compareUsers order. Lowercased names and emails are computed
// once into one arena and compared bytewise: the byte order of lowercased
// UTF-8 is the order compareFold defines, and memcmp beats folding per
// comparison by a wide margin.
func sortUsers(us []User) []int32 {
	// Keys are folded once per user, not per comparison; each half of the
	// users is keyed and sorted on a core of its own, then the halves are
	// merged.
	type key struct{ name, email []byte }
	keys := make([]key, len(us))
	perm := make([]int32, len(us))
	cmp := func(a, b int32) int {
		if c := bytes.Compare(keys[a].name, keys[b].name); c != 0 {
			return c
		}
		if c := bytes.Compare(keys[a].email, keys[b].email); c != 0 {
			return c
		}
		return strings.Compare(us[a].ID, us[b].ID)
	}
	half := len(us) / 2
	if len(us) < 4096 {
		half = len(us) // not worth a goroutine
	}
	bounds := [][2]int{{0, half}, {half, len(us)}}
	parallel(len(bounds), func(h int) {
		lo, hi := bounds[h][0], bounds[h][1]
		var arena []byte
		for i := lo; i < hi; i++ {
			n := len(arena)
			arena = appendFold(arena, us[i].Name())
			e := len(arena)
			arena = appendFold(arena, us[i].Email)
			keys[i] = key{arena[n:e:e], arena[e:len(arena):len(arena)]} // still valid if arena moves on
			perm[i] = int32(i)
		}
		slices.SortFunc(perm[lo:hi], cmp)
	})
	if half == len(us) {
		return perm
	}
	out := make([]int32, 0, len(us))
	a, b := perm[:half], perm[half:]
	for len(a) > 0 && len(b) > 0 {
		if cmp(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// appendFold appends s with every rune lowercased as compareFold does
// (invalid bytes become U+FFFD, as DecodeRune reports them).
func appendFold(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, unicode.ToLower(r))
		i += n
	}
	return b
}

// permute reorders xs so that xs[pos] = old xs[perm[pos]], in place by
// following cycles: no second copy of 100k users.
func permute[T any](xs []T, perm []int32) {
	done := make([]bool, len(xs))
	for start := range xs {
		if done[start] || int(perm[start]) == start {
			done[start] = true
			continue
		}
		tmp := xs[start]
		pos := start
		for {
			from := int(perm[pos])
			done[pos] = true
			if from == start {
				xs[pos] = tmp
				break
			}
			xs[pos] = xs[from]
			pos = from
		}
	}
}

// setGroups decomposes and sorts groups and builds the group indexes.
// Members are left empty.
func (s *Snapshot) setGroups(list []client.Group) {
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
			LastModified: g.Meta.LastModified,
		}
		if g.OneTrust != nil {
			x.Category, x.Description = g.OneTrust.Category, g.OneTrust.Description
		}
		s.Groups[pos] = x
		s.groupByID[g.ID] = int32(pos)
		if !x.Plain() {
			s.cells[pair(x.Role, x.Org)] = int32(pos)
		}
	}
}

// groupsAsClient turns the model's groups back into wire groups (without
// members), to decompose them again with additions.
func (s *Snapshot) groupsAsClient() []client.Group {
	out := make([]client.Group, len(s.Groups))
	for i, g := range s.Groups {
		out[i] = client.Group{ID: g.ID, DisplayName: g.DisplayName, Meta: client.Meta{LastModified: g.LastModified}}
		if g.Category != "" || g.Description != "" {
			out[i].OneTrust = &client.OneTrustGroup{Category: g.Category, Description: g.Description}
		}
	}
	return out
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

// RoleOrgCounts counts the distinct roles and orgs user u holds (plain
// groups count for neither). A user holds a handful of groups, so the
// quadratic scan beats a set: the users list runs it for every user.
func (s *Snapshot) RoleOrgCounts(u int) (roles, orgs int) {
	gs := s.Users[u].Groups
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

// SetMember adds or removes one membership, keeping both sides sorted.
func (s *Snapshot) SetMember(user, group int, member bool) {
	if user < 0 || user >= len(s.Users) || group < 0 || group >= len(s.Groups) {
		return
	}
	u, g := &s.Users[user], &s.Groups[group]
	changed := false
	if member {
		u.Groups, changed = insertSorted(u.Groups, int32(group))
		g.Members, _ = insertSorted(g.Members, int32(user))
	} else {
		u.Groups, changed = removeSorted(u.Groups, int32(group))
		g.Members, _ = removeSorted(g.Members, int32(user))
	}
	if changed {
		if member {
			s.Info.Memberships++
		} else {
			s.Info.Memberships--
		}
	}
}

func insertSorted(xs []int32, x int32) ([]int32, bool) {
	i, found := slices.BinarySearch(xs, x)
	if found {
		return xs, false
	}
	return slices.Insert(xs, i, x), true
}

func removeSorted(xs []int32, x int32) ([]int32, bool) {
	i, found := slices.BinarySearch(xs, x)
	if !found {
		return xs, false
	}
	return slices.Delete(xs, i, i+1), true
}

// ReplaceUser stores a re-read user: its attributes and memberships (from
// u.Groups) replace the old ones; a new user is added. A group the snapshot
// does not know is added from the reference. It returns the user's index,
// which changes when the sort key (name, email) changed or the user is new;
// then Generation changes too.
func (s *Snapshot) ReplaceUser(u client.User) int {
	var extra []client.Group
	for _, ref := range u.Groups {
		if _, ok := s.groupByID[ref.Value]; !ok && ref.Value != "" && !slices.ContainsFunc(extra, func(g client.Group) bool { return g.ID == ref.Value }) {
			extra = append(extra, client.Group{ID: ref.Value, DisplayName: ref.Display})
		}
	}
	if len(extra) > 0 {
		s.addGroups(extra)
	}
	want := make([]int32, 0, len(u.Groups))
	for _, ref := range u.Groups {
		if g, ok := s.groupByID[ref.Value]; ok {
			want = append(want, g)
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)

	x := userFromClient(&u)
	i, ok := s.byID()[u.ID]
	if !ok {
		i = int32(len(s.Users))
		s.Users = append(s.Users, x)
		s.userByID[u.ID] = i
		s.Info.Users++
	} else {
		for _, g := range s.Users[i].Groups {
			if _, keep := slices.BinarySearch(want, g); !keep {
				s.Groups[g].Members, _ = removeSorted(s.Groups[g].Members, i)
				s.Info.Memberships--
			}
		}
		x.Groups = s.Users[i].Groups
		s.Users[i] = x
	}
	for _, g := range want {
		var added bool
		if s.Groups[g].Members, added = insertSorted(s.Groups[g].Members, i); added {
			s.Info.Memberships++
		}
	}
	// A fresh slice: the old one may share its backing array.
	s.Users[i].Groups = slices.Clip(want)
	return s.reposition(int(i))
}

// reposition moves user i to its sorted place and fixes every index that
// shifted. It returns the new index.
func (s *Snapshot) reposition(i int) int {
	u := &s.Users[i]
	name := u.Name()
	to, _ := slices.BinarySearchFunc(s.Users[:i], u, func(v User, _ *User) int { return compareUserKeys(v.Name(), name, &v, u) })
	if to == i {
		rest := s.Users[i+1:]
		n, _ := slices.BinarySearchFunc(rest, u, func(v User, _ *User) int { return compareUserKeys(v.Name(), name, &v, u) })
		to = i + n
	}
	if to == i {
		return i
	}
	moved := s.Users[i]
	if to < i {
		copy(s.Users[to+1:i+1], s.Users[to:i])
	} else {
		copy(s.Users[i:to], s.Users[i+1:to+1])
	}
	s.Users[to] = moved
	lo, hi := min(i, to), max(i, to)
	for k := lo; k <= hi; k++ {
		s.userByID[s.Users[k].ID] = int32(k)
	}
	shift := func(m int32) int32 {
		switch {
		case int(m) == i:
			return int32(to)
		case to < i && int(m) >= to && int(m) < i:
			return m + 1
		case to > i && int(m) > i && int(m) <= to:
			return m - 1
		}
		return m
	}
	for g := range s.Groups {
		ms := s.Groups[g].Members
		for k := range ms {
			ms[k] = shift(ms[k])
		}
	}
	// Only the moved user's groups can be out of order now.
	for _, g := range s.Users[to].Groups {
		slices.Sort(s.Groups[g].Members)
	}
	s.gen++
	return to
}

// RemoveUser drops a user and its memberships; indexes above it shift down.
func (s *Snapshot) RemoveUser(id string) bool {
	i, ok := s.byID()[id]
	if !ok {
		return false
	}
	for _, g := range s.Users[i].Groups {
		s.Groups[g].Members, _ = removeSorted(s.Groups[g].Members, i)
	}
	s.Info.Memberships -= len(s.Users[i].Groups)
	s.Info.Users--
	s.Users = slices.Delete(s.Users, int(i), int(i)+1)
	delete(s.userByID, id)
	for k := int(i); k < len(s.Users); k++ {
		s.userByID[s.Users[k].ID] = int32(k)
	}
	for g := range s.Groups {
		for k, m := range s.Groups[g].Members {
			if m > i {
				s.Groups[g].Members[k] = m - 1
			}
		}
	}
	s.gen++
	return true
}

// addGroups adds groups and decomposes all of them again (a new group may
// name a new role or org, or settle an ambiguous name), remapping indexes.
func (s *Snapshot) addGroups(extra []client.Group) {
	oldGroups := s.Groups
	s.setGroups(append(s.groupsAsClient(), extra...))
	remap := make([]int32, len(oldGroups))
	for i := range oldGroups {
		remap[i] = s.groupByID[oldGroups[i].ID]
		s.Groups[remap[i]].Members = oldGroups[i].Members
	}
	for u := range s.Users {
		gs := s.Users[u].Groups
		for k := range gs {
			gs[k] = remap[gs[k]]
		}
		slices.Sort(gs)
	}
	s.Info.Groups = len(s.Groups)
	s.gen++
}

// Matrix is a role x org grid. Roles and Orgs are the indexes of the rows
// and columns; Counts[i][j] is the number of members (or 0/1 in a user's
// matrix) and Group[i][j] the group index, -1 when no such group exists.
type Matrix struct {
	Roles, Orgs []int
	Counts      [][]int
	Group       [][]int32
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

// TenantMatrix counts members for every role x org of the tenant.
func (s *Snapshot) TenantMatrix() Matrix {
	m := newMatrix(seq(len(s.Roles)), seq(len(s.Orgs)))
	for g := range s.Groups {
		grp := &s.Groups[g]
		if grp.Plain() {
			continue
		}
		m.Counts[grp.Role][grp.Org] = len(grp.Members)
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
