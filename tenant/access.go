package tenant

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
)

// What OneTrust's access-management APIs add to the SCIM view: each user's
// last login and lifecycle dates (Users V2), and user groups, whose
// members inherit the group's access levels. Effective access is direct
// (SCIM groups, Users V2 access levels) united with what the user's groups
// grant, and every membership keeps its provenance.

// APIState says whether a snapshot holds one access API's data, and why
// not when it does not.
type APIState struct {
	Read bool
	// Why the data is missing, as a reader is told it: "the key lacks the
	// USER scope (403 from /api/access/v2/users)".
	Why string
}

// Reason is Why, or a general reason when none was recorded.
func (a APIState) Reason() string {
	switch {
	case a.Read:
		return ""
	case a.Why != "":
		return a.Why
	}
	return "this snapshot holds none (made before otaccess read OneTrust's access APIs, or from a server without them): sync again"
}

// Status is "read", or "not available — " and the reason: how evidence
// states what the snapshot under a review holds.
func (a APIState) Status() string {
	if a.Read {
		return "read"
	}
	return "not available — " + a.Reason()
}

// LoginUnknown says why the snapshot does not know u's last login, or ""
// when it does (a zero LastLogin is then "never").
func (s *Snapshot) LoginUnknown(u *User) string {
	switch {
	case !s.Access.Logins.Read:
		return s.Access.Logins.Reason()
	case u.InUsersV2:
		return ""
	case s.Access.BadDates > 0:
		// The sync keeps a user whose lastLoginDate it could not read
		// out of the logins (unknown, not never) and keeps no list of
		// which: both causes are possible.
		return "Users V2 did not list this user, or sent a lastLoginDate otaccess could not read (sync warned of it)"
	}
	return "Users V2 did not list this user"
}

// AccessInfo is what a snapshot holds of the access APIs.
type AccessInfo struct {
	Logins     APIState // Users V2: last logins, expiration and disabled dates
	UserGroups APIState // user groups, their access levels and members
	// BadDates counts dates the server sent that could not be read (kept
	// as unknown); BadDate is one of them, for the message.
	BadDates int
	BadDate  string
}

// Login is what Users V2 says of a user's sign-ins and lifecycle.
type Login struct {
	Last       time.Time // latest successful login; zero: never
	Expires    time.Time // expirationDateTime; zero: none
	DisabledAt time.Time // disabledDateTime; zero: not disabled
	DisabledBy string
}

// UserGroup is a OneTrust user group: its members inherit every level.
type UserGroup struct {
	ID          string
	Name        string
	Description string
	Levels      []string // group ids (roleId:orgId) it grants
	Members     []string // user ids
}

// AccessData is what a sync read from the access APIs.
type AccessData struct {
	Info       AccessInfo
	Logins     map[string]Login // by user id; only when Info.Logins.Read
	UserGroups []UserGroup
}

// LevelGroup is the read group for an access level, for a level no SCIM
// group names: OneTrust's "Role - Org".
func LevelGroup(roleID, roleName, orgID, orgName string) ReadGroup {
	return ReadGroup{ID: roleID + ":" + orgID, DisplayName: roleName + " - " + orgName, Category: orgName}
}

// SetAccess stores what the access APIs said: logins on the users (by id),
// and the user groups, sorted by name. Level groups the snapshot lacks
// must have been given to it as groups (see LevelGroup); levels naming
// none are dropped.
func (s *Snapshot) SetAccess(d AccessData) {
	s.Access, s.Info.Access = d.Info, d.Info
	if d.Info.Logins.Read {
		ids := s.byID()
		for id, l := range d.Logins {
			if i, ok := ids[id]; ok {
				s.Users[i].setLogin(l)
			}
		}
	}
	s.UserGroups = nil
	if d.Info.UserGroups.Read {
		s.UserGroups = slices.Clone(d.UserGroups)
		for i := range s.UserGroups {
			g := &s.UserGroups[i]
			g.Levels = slices.DeleteFunc(slices.Clone(g.Levels), func(id string) bool { _, ok := s.groupByID[id]; return !ok })
			g.Members = slices.Compact(slices.Sorted(slices.Values(g.Members)))
		}
		slices.SortStableFunc(s.UserGroups, func(a, b UserGroup) int {
			return cmp.Or(compareFold(a.Name, b.Name), strings.Compare(a.ID, b.ID))
		})
	}
	s.dropVia()
}

func (u *User) setLogin(l Login) {
	u.InUsersV2 = true
	u.LastLogin, u.Expires, u.DisabledAt, u.DisabledBy = l.Last, l.Expires, l.DisabledAt, l.DisabledBy
}

// LoginOf is the user's Users V2 data, and whether the snapshot has it.
func (u *User) LoginOf() (Login, bool) {
	return Login{Last: u.LastLogin, Expires: u.Expires, DisabledAt: u.DisabledAt, DisabledBy: u.DisabledBy}, u.InUsersV2
}

// viaIndex resolves the user groups' ids to the snapshot's indexes. It is
// built on first use and again whenever user or group indexes shift.
type viaIndex struct {
	gen    uint64
	ugGen  uint64
	byUser map[int32][]int32 // user -> its user groups, ascending
	levels [][]int32         // user group -> the groups it grants, ascending
	byCell map[int32][]int32 // group -> users holding it through a user group, ascending
}

type viaCache struct {
	mu    sync.Mutex
	idx   *viaIndex
	ugGen uint64 // bumped by every change of the user groups
}

func (s *Snapshot) dropVia() {
	s.via.mu.Lock()
	s.via.ugGen++
	s.via.idx = nil
	s.via.mu.Unlock()
}

func (s *Snapshot) viaIdx() *viaIndex {
	s.via.mu.Lock()
	defer s.via.mu.Unlock()
	if x := s.via.idx; x != nil && x.gen == s.gen && x.ugGen == s.via.ugGen {
		return x
	}
	x := &viaIndex{gen: s.gen, ugGen: s.via.ugGen, byUser: map[int32][]int32{}, levels: make([][]int32, len(s.UserGroups)), byCell: map[int32][]int32{}}
	ids := s.byID()
	for k := range s.UserGroups {
		g := &s.UserGroups[k]
		for _, id := range g.Levels {
			if gi, ok := s.groupByID[id]; ok {
				x.levels[k] = append(x.levels[k], gi)
			}
		}
		slices.Sort(x.levels[k])
		x.levels[k] = slices.Compact(x.levels[k])
		for _, m := range g.Members {
			if u, ok := ids[m]; ok {
				x.byUser[u] = append(x.byUser[u], int32(k))
				for _, gi := range x.levels[k] {
					x.byCell[gi] = append(x.byCell[gi], u)
				}
			}
		}
	}
	for g, us := range x.byCell {
		slices.Sort(us)
		x.byCell[g] = slices.Compact(us)
	}
	s.via.idx = x
	return x
}

// UserGroupsOf lists the user groups user u is a member of (indexes into
// UserGroups, ascending).
func (s *Snapshot) UserGroupsOf(u int) []int32 { return s.viaIdx().byUser[int32(u)] }

// UserGroupLevels lists the groups user group k grants (indexes into
// Groups, ascending).
func (s *Snapshot) UserGroupLevels(k int) []int32 {
	x := s.viaIdx()
	if k < 0 || k >= len(x.levels) {
		return nil
	}
	return x.levels[k]
}

// Via lists the user groups through which user u holds group g.
func (s *Snapshot) Via(u, g int) []int32 {
	x := s.viaIdx()
	var out []int32
	for _, k := range x.byUser[int32(u)] {
		if _, ok := slices.BinarySearch(x.levels[k], int32(g)); ok {
			out = append(out, k)
		}
	}
	return out
}

// Holds says how user u holds group g: directly, through user groups, both
// or (false, nil) not at all.
func (s *Snapshot) Holds(u, g int) (direct bool, via []int32) {
	return s.IsMember(u, g), s.Via(u, g)
}

// HoldsEffectively reports whether user u holds group g either way.
func (s *Snapshot) HoldsEffectively(u, g int) bool {
	if s.IsMember(u, g) {
		return true
	}
	_, ok := slices.BinarySearch(s.viaIdx().byCell[int32(g)], int32(u))
	return ok
}

// EffectiveGroups is every group user u holds, directly or through a user
// group, ascending.
func (s *Snapshot) EffectiveGroups(u int) []int32 {
	if u < 0 || u >= len(s.Users) {
		return nil
	}
	x := s.viaIdx()
	direct := s.Users[u].Groups
	ugs := x.byUser[int32(u)]
	if len(ugs) == 0 {
		return direct
	}
	out := slices.Clone(direct)
	for _, k := range ugs {
		out = append(out, x.levels[k]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// holdsAny reports whether user u holds, directly or through a user group,
// a group that mask marks. x is s.viaIdx(), fetched once by a caller that
// tests every user (the filter's role:/org: terms): EffectiveGroups
// would build a sorted list for each user with a user group, per
// keystroke.
func (s *Snapshot) holdsAny(x *viaIndex, u int, mask []bool) bool {
	for _, g := range s.Users[u].Groups {
		if mask[g] {
			return true
		}
	}
	for _, k := range x.byUser[int32(u)] {
		for _, g := range x.levels[k] {
			if mask[g] {
				return true
			}
		}
	}
	return false
}

// EffectiveMembers is every user holding group g either way, ascending.
func (s *Snapshot) EffectiveMembers(g int) []int32 {
	if g < 0 || g >= len(s.Groups) {
		return nil
	}
	via := s.viaIdx().byCell[int32(g)]
	if len(via) == 0 {
		return s.Groups[g].Members
	}
	out := append(slices.Clone(s.Groups[g].Members), via...)
	slices.Sort(out)
	return slices.Compact(out)
}

// EffectiveMemberships counts (user, group) pairs held either way.
func (s *Snapshot) EffectiveMemberships() int {
	n := 0
	for g := range s.Groups {
		n += len(s.EffectiveMembers(g))
	}
	return n
}

// UserGroupIndex finds a user group by id.
func (s *Snapshot) UserGroupIndex(id string) (int, bool) {
	for k := range s.UserGroups {
		if s.UserGroups[k].ID == id {
			return k, true
		}
	}
	return -1, false
}

// SetUserGroupMember adds or removes a member of user group k (a write
// the server confirmed).
func (s *Snapshot) SetUserGroupMember(k int, userID string, member bool) {
	if k < 0 || k >= len(s.UserGroups) {
		return
	}
	g := &s.UserGroups[k]
	i, found := slices.BinarySearch(g.Members, userID)
	switch {
	case member && !found:
		g.Members = slices.Insert(slices.Clone(g.Members), i, userID)
	case !member && found:
		g.Members = slices.Delete(slices.Clone(g.Members), i, i+1)
	default:
		return
	}
	s.dropVia()
}

// DaysSinceLogin is how many whole days before now the user last logged
// in; ok is false when the snapshot does not know (no Users V2 data) and
// never is true when the user never logged in.
func (u *User) DaysSinceLogin(now time.Time) (days int, never, ok bool) {
	if !u.InUsersV2 {
		return 0, false, false
	}
	if u.LastLogin.IsZero() {
		return 0, true, true
	}
	return max(0, int(now.Sub(u.LastLogin)/(24*time.Hour))), false, true
}
