package tenant

import (
	"slices"
	"strings"
)

// UserRef names a user in a diff.
type UserRef struct {
	ID, Name, Label string
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

func userRef(u *User) UserRef { return UserRef{ID: u.ID, Name: u.Name(), Label: u.Label()} }

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
	d := SnapshotDiff{From: from.Info, To: to.Info}
	// to's group index -> from's, by id (-1: the group is new).
	toFrom := make([]int32, len(to.Groups))
	for g := range to.Groups {
		toFrom[g] = -1
		if og, ok := from.groupByID[to.Groups[g].ID]; ok {
			toFrom[g] = og
		}
	}
	fromTo := make([]int32, len(from.Groups))
	for g := range from.Groups {
		fromTo[g] = -1
		if ng, ok := to.groupByID[from.Groups[g].ID]; ok {
			fromTo[g] = ng
		}
	}
	for i := range to.Users {
		u := &to.Users[i]
		oi, existed := from.byID()[u.ID]
		if !existed {
			d.UsersAdded = append(d.UsersAdded, userRef(u))
			for _, g := range to.EffectiveGroups(i) {
				d.Granted = append(d.Granted, membershipRef(to, i, g))
			}
			continue
		}
		old := &from.Users[oi]
		switch {
		case old.Active && !u.Active:
			d.Deactivated = append(d.Deactivated, userRef(u))
		case !old.Active && u.Active:
			d.Reactivated = append(d.Reactivated, userRef(u))
		}
		for _, g := range to.EffectiveGroups(i) {
			if og := toFrom[g]; og < 0 || !from.HoldsEffectively(int(oi), int(og)) {
				d.Granted = append(d.Granted, membershipRef(to, i, g))
			}
		}
		for _, og := range from.EffectiveGroups(int(oi)) {
			if ng := fromTo[og]; ng < 0 || !to.HoldsEffectively(i, int(ng)) {
				d.Revoked = append(d.Revoked, membershipRef(from, int(oi), og))
			}
		}
	}
	for i := range from.Users {
		u := &from.Users[i]
		if _, still := to.byID()[u.ID]; still {
			continue
		}
		d.UsersRemoved = append(d.UsersRemoved, userRef(u))
		for _, g := range from.EffectiveGroups(i) {
			d.Revoked = append(d.Revoked, membershipRef(from, i, g))
		}
	}
	// Removed users' revocations were appended last: one order for both.
	slices.SortStableFunc(d.Granted, compareMemberships)
	slices.SortStableFunc(d.Revoked, compareMemberships)
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
