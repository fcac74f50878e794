package tenant

import (
	"slices"
	"strings"
)

// UserRef names a user in a diff.
type UserRef struct {
	ID, Name, Label string
}

// MembershipRef names one membership in a diff.
type MembershipRef struct {
	User      UserRef
	GroupID   string
	Role, Org string // "" for a group that is not role x org
	Group     string // display name
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

func membershipRef(s *Snapshot, u *User, g int32) MembershipRef {
	grp := &s.Groups[g]
	m := MembershipRef{User: userRef(u), GroupID: grp.ID, Group: grp.DisplayName}
	if !grp.Plain() {
		m.Role, m.Org = s.Roles[grp.Role].Name, s.Orgs[grp.Org].Name
	}
	return m
}

// Diff compares two snapshots by user and group ids (names may change
// between syncs without that being a grant or a revocation). Pure: it
// reads both snapshots and changes neither.
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
			for _, g := range u.Groups {
				d.Granted = append(d.Granted, membershipRef(to, u, g))
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
		for _, g := range u.Groups {
			if og := toFrom[g]; og < 0 || !from.IsMember(int(oi), int(og)) {
				d.Granted = append(d.Granted, membershipRef(to, u, g))
			}
		}
		ni := to.byID()[u.ID]
		for _, og := range old.Groups {
			if ng := fromTo[og]; ng < 0 || !to.IsMember(int(ni), int(ng)) {
				d.Revoked = append(d.Revoked, membershipRef(from, old, og))
			}
		}
	}
	for i := range from.Users {
		u := &from.Users[i]
		if _, still := to.byID()[u.ID]; still {
			continue
		}
		d.UsersRemoved = append(d.UsersRemoved, userRef(u))
		for _, g := range u.Groups {
			d.Revoked = append(d.Revoked, membershipRef(from, u, g))
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
