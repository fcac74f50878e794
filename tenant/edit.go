package tenant

import "slices"

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
func (s *Snapshot) ReplaceUser(u ReadUser) int {
	var extra []ReadGroup
	for _, ref := range u.Groups {
		if _, ok := s.groupByID[ref.ID]; !ok && ref.ID != "" && !slices.ContainsFunc(extra, func(g ReadGroup) bool { return g.ID == ref.ID }) {
			extra = append(extra, ReadGroup{ID: ref.ID, DisplayName: ref.Name})
		}
	}
	if len(extra) > 0 {
		s.addGroups(extra)
	}
	want := make([]int32, 0, len(u.Groups))
	for _, ref := range u.Groups {
		if g, ok := s.groupByID[ref.ID]; ok {
			want = append(want, g)
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)

	x := u.User
	x.Groups = nil
	i, ok := s.byID()[u.ID]
	if !ok {
		i = int32(len(s.Users))
		s.Users = append(s.Users, x)
		s.userByID[u.ID] = i
		s.Info.Users++
	} else {
		if !x.InUsersV2 {
			// A re-read through SCIM says nothing of logins: keep them.
			old := &s.Users[i]
			x.InUsersV2, x.LastLogin, x.Expires, x.DisabledAt, x.DisabledBy = old.InUsersV2, old.LastLogin, old.Expires, old.DisabledAt, old.DisabledBy
		}
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
func (s *Snapshot) addGroups(extra []ReadGroup) {
	oldGroups := s.Groups
	s.setGroups(append(s.readGroups(), extra...))
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

// readGroups is the model's groups as read groups (without members), to
// decompose them again with additions.
func (s *Snapshot) readGroups() []ReadGroup {
	out := make([]ReadGroup, len(s.Groups))
	for i, g := range s.Groups {
		out[i] = ReadGroup{ID: g.ID, DisplayName: g.DisplayName, Category: g.Category, Description: g.Description, LastModified: g.LastModified}
	}
	return out
}

// The user attributes a write sets by name (an edit, as the write journal
// records it: see cache.Write): SCIM's names, the manager split in two.
const (
	AttrGivenName    = "givenName"
	AttrFamilyName   = "familyName"
	AttrDisplayName  = "displayName"
	AttrTitle        = "title"
	AttrDepartment   = "department"
	AttrManagerID    = "managerId"
	AttrManagerName  = "managerName"
	AttrExternalID   = "externalId"
	AttrUserType     = "userType"
	AttrLastModified = "lastModified"
)

// attr is the field of u named name, nil for no such attribute.
func (u *User) attr(name string) *string {
	switch name {
	case AttrGivenName:
		return &u.GivenName
	case AttrFamilyName:
		return &u.FamilyName
	case AttrDisplayName:
		return &u.DisplayName
	case AttrTitle:
		return &u.Title
	case AttrDepartment:
		return &u.Department
	case AttrManagerID:
		return &u.ManagerID
	case AttrManagerName:
		return &u.ManagerName
	case AttrExternalID:
		return &u.ExternalID
	case AttrUserType:
		return &u.UserType
	case AttrLastModified:
		return &u.LastModified
	}
	return nil
}

// Attr is the attribute named name ("" for no such attribute).
func (u *User) Attr(name string) string {
	if p := u.attr(name); p != nil {
		return *p
	}
	return ""
}

// SetAttr sets the attribute named name; false for no such attribute.
func (u *User) SetAttr(name, value string) bool {
	p := u.attr(name)
	if p != nil {
		*p = value
	}
	return p != nil
}
