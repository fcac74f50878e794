package tenant

import (
	"cmp"
	"slices"
	"strings"
)

// UserRef names a user in a diff or a comparison.
type UserRef struct {
	ID, Name, Label string
	UserName        string
}

// key is the user's UserKey, from the ref.
func (u *UserRef) key() string {
	return strings.ToLower(strings.TrimSpace(cmp.Or(u.UserName, u.Label)))
}

// MembershipRef names one membership in a diff: effective access, held
// (in the snapshot that has it) directly, through UserGroups, or both.
type MembershipRef struct {
	User       UserRef
	GroupID    string
	Role, Org  string   // "" for a group that is not role x org
	Group      string   // display name
	ViaOnly    bool     // held only through UserGroups
	UserGroups []string // names of the user groups it is held through
}

// Held is "direct", "via" or "both".
func (m *MembershipRef) Held() string {
	switch {
	case len(m.UserGroups) == 0:
		return "direct"
	case m.ViaOnly:
		return "via"
	}
	return "both"
}

// HeldText says how a membership is held, for a table cell: "direct",
// "via Legal Team", "direct + via Legal Team, Auditors".
func HeldText(direct bool, via []string) string {
	switch {
	case len(via) == 0:
		return "direct"
	case direct:
		return "direct + via " + strings.Join(via, ", ")
	}
	return "via " + strings.Join(via, ", ")
}

// ViaNote is what a listing adds after the membership:
// ` (via user group "Legal Team")`, ` (direct and via user group …)` or "".
func (m *MembershipRef) ViaNote() string {
	if len(m.UserGroups) == 0 {
		return ""
	}
	q := make([]string, len(m.UserGroups))
	for i, n := range m.UserGroups {
		q[i] = `"` + n + `"`
	}
	pre := " (via user group "
	if !m.ViaOnly {
		pre = " (direct and via user group "
	}
	return pre + strings.Join(q, ", ") + ")"
}

// Membership is "Role — Org", or the group's name for a plain group.
func (m *MembershipRef) Membership() string {
	if m.Role != "" || m.Org != "" {
		return m.Role + " — " + m.Org
	}
	return m.Group
}

// SnapshotDiff is what changed between two snapshots. Users are listed by
// name, memberships by user then "Role — Org", so the same two snapshots
// always give the same diff.
type SnapshotDiff struct {
	From, To     SyncInfo
	UsersAdded   []UserRef
	UsersRemoved []UserRef
	Deactivated  []UserRef // active before, inactive now
	Reactivated  []UserRef
	Granted      []MembershipRef // in To, not in From (new users' included)
	Revoked      []MembershipRef // in From, not in To (removed users' included)
}

// Empty reports no change at all.
func (d *SnapshotDiff) Empty() bool {
	return len(d.UsersAdded)+len(d.UsersRemoved)+len(d.Deactivated)+len(d.Reactivated)+len(d.Granted)+len(d.Revoked) == 0
}

// GrantedSet is the set of granted memberships, for lookups.
func (d *SnapshotDiff) GrantedSet() map[ItemKey]bool {
	set := make(map[ItemKey]bool, len(d.Granted))
	for _, m := range d.Granted {
		set[ItemKey{m.User.ID, m.GroupID}] = true
	}
	return set
}

func userRef(u *User) UserRef {
	return UserRef{ID: u.ID, Name: u.Name(), Label: u.Label(), UserName: u.UserName}
}

func membershipRef(s *Snapshot, ui int, g int32) MembershipRef {
	u := &s.Users[ui]
	grp := &s.Groups[g]
	m := MembershipRef{User: userRef(u), GroupID: grp.ID, Group: grp.DisplayName}
	if !grp.Plain() {
		m.Role, m.Org = s.Roles[grp.Role].Name, s.Orgs[grp.Org].Name
	}
	direct, via := s.Holds(ui, int(g))
	m.ViaOnly = !direct
	for _, k := range via {
		m.UserGroups = append(m.UserGroups, s.UserGroups[k].Name)
	}
	return m
}

// Diff compares two snapshots by user and group ids (names may change
// between syncs without that being a grant or a revocation). Memberships
// are effective access: a grant or loss through a user group is a change
// (marked as held through it), while access that only moved between
// direct and a user group is not. Pure: it reads both snapshots and
// changes neither.
func Diff(from, to *Snapshot) SnapshotDiff {
	p := pairByID(from, to)
	a := accessDelta(from, to, p)
	d := SnapshotDiff{From: from.Info, To: to.Info, Granted: a.granted, Revoked: a.revoked}
	for _, i := range a.added {
		d.UsersAdded = append(d.UsersAdded, userRef(&to.Users[i]))
	}
	for _, i := range a.removed {
		d.UsersRemoved = append(d.UsersRemoved, userRef(&from.Users[i]))
	}
	for i := range to.Users {
		oi := p.usersToFrom[i]
		if oi < 0 {
			continue
		}
		switch old, u := &from.Users[oi], &to.Users[i]; {
		case old.Active && !u.Active:
			d.Deactivated = append(d.Deactivated, userRef(u))
		case !old.Active && u.Active:
			d.Reactivated = append(d.Reactivated, userRef(u))
		}
	}
	return d
}

// pairing says which of from's users and groups are to's: usersToFrom[i]
// is from's index of to's user i, -1 when from has no such user; likewise
// the other way and for groups. Diff pairs by id (two syncs of one
// tenant), Compare by name (two tenants, whose ids differ).
type pairing struct {
	usersToFrom, usersFromTo   []int32
	groupsToFrom, groupsFromTo []int32
}

func pairByID(from, to *Snapshot) pairing {
	return pairing{
		usersToFrom:  pairIndex(len(to.Users), func(i int) (int32, bool) { o, ok := from.byID()[to.Users[i].ID]; return o, ok }),
		usersFromTo:  pairIndex(len(from.Users), func(i int) (int32, bool) { o, ok := to.byID()[from.Users[i].ID]; return o, ok }),
		groupsToFrom: pairIndex(len(to.Groups), func(g int) (int32, bool) { o, ok := from.groupByID[to.Groups[g].ID]; return o, ok }),
		groupsFromTo: pairIndex(len(from.Groups), func(g int) (int32, bool) { o, ok := to.groupByID[from.Groups[g].ID]; return o, ok }),
	}
}

// pairIndex is find's answer for 0..n-1, -1 where it has none.
func pairIndex(n int, find func(int) (int32, bool)) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = -1
		if o, ok := find(i); ok {
			out[i] = o
		}
	}
	return out
}

// delta is what changed between two paired snapshots: to's users without
// a pair (added), from's (removed), and the effective access only to has
// (granted, added users' included) and only from has (revoked).
type delta struct {
	added, removed   []int32
	granted, revoked []MembershipRef
}

// accessDelta is Diff's and Compare's one walk over both snapshots'
// effective access.
func accessDelta(from, to *Snapshot, p pairing) delta {
	var d delta
	for i := range to.Users {
		oi := p.usersToFrom[i]
		if oi < 0 {
			d.added = append(d.added, int32(i))
			for _, g := range to.EffectiveGroups(i) {
				d.granted = append(d.granted, membershipRef(to, i, g))
			}
			continue
		}
		for _, g := range to.EffectiveGroups(i) {
			if og := p.groupsToFrom[g]; og < 0 || !from.HoldsEffectively(int(oi), int(og)) {
				d.granted = append(d.granted, membershipRef(to, i, g))
			}
		}
		for _, og := range from.EffectiveGroups(int(oi)) {
			if ng := p.groupsFromTo[og]; ng < 0 || !to.HoldsEffectively(i, int(ng)) {
				d.revoked = append(d.revoked, membershipRef(from, int(oi), og))
			}
		}
	}
	for i := range from.Users {
		if p.usersFromTo[i] >= 0 {
			continue
		}
		d.removed = append(d.removed, int32(i))
		for _, g := range from.EffectiveGroups(i) {
			d.revoked = append(d.revoked, membershipRef(from, i, g))
		}
	}
	// Removed users' revocations were appended last: one order for both.
	slices.SortStableFunc(d.granted, compareMemberships)
	slices.SortStableFunc(d.revoked, compareMemberships)
	return d
}

func compareMemberships(a, b MembershipRef) int {
	if c := compareFold(a.User.Name, b.User.Name); c != 0 {
		return c
	}
	if c := compareFold(a.User.Label, b.User.Label); c != 0 {
		return c
	}
	if c := strings.Compare(a.User.ID, b.User.ID); c != 0 {
		return c
	}
	if c := compareFold(a.Membership(), b.Membership()); c != 0 {
		return c
	}
	return strings.Compare(a.GroupID, b.GroupID)
}
