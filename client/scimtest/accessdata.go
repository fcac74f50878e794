package scimtest

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"
)

// The OneTrust access-management side of the tenant (ONETRUST-API.md
// sections 4, 5 and 7): last logins, expiration and disabled dates, user
// groups whose access levels their members inherit, and login history. It
// lives on the same records as the SCIM view, so a write through either API
// shows in the other: a SCIM group (role x org) is an access level, a SCIM
// deactivation sets disabledDateTime, a deleted user leaves its user groups.

// accessRec is what Users V2 knows about a user beyond SCIM.
type accessRec struct {
	lastLogin   time.Time // the latest successful login; zero: never
	failedAfter int       // failed attempts after lastLogin (the latest attempts failed)
	loginSeed   uint64    // makes the user's login history
	expires     time.Time // expirationDateTime; zero: none
	disabledAt  time.Time // disabledDateTime; zero: not disabled
	disabledBy  string
	ugroups     []*userGroupRec // the user groups the user is a member of
}

// userGroupRec is a v2 user group: members inherit every access level.
type userGroupRec struct {
	id          string
	name        string
	description string
	createdBy   string
	created     time.Time
	modBy       string
	modified    time.Time
	levels      []*groupRec // role x org pairs, as SCIM groups
	members     []ugMember  // in the order added
	memberOf    map[*userRec]struct{}
	wire        atomic.Pointer[membersJSON] // the members encoded (see memberItems)
}

type ugMember struct {
	u     *userRec
	added time.Time
	by    string
}

var userGroupNames = []string{
	"All Employees", "Privacy Team", "Legal Reviewers", "Security Operations",
	"EMEA Sales Ops", "Vendor Risk Committee", "DSAR Handlers", "Audit Liaisons",
	"Finance Approvers", "HR Business Partners", "Incident Response", "Data Stewards",
	"Contractors - Read Only", "Policy Authors", "Consent Admins", "IT Help Desk",
	"APAC Operations", "Engineering Leads", "Marketing Cookie Team", "Board Observers",
}

var adminNames = []string{"Alice Admin", "Bram de Vries", "Chidi Okafor", "Dana Levi", "Erik Johansson"}

var userAgents = []string{
	"Chrome 131.0 | Windows 11", "Firefox 126.0 | macOS 14", "Safari 17.4 | macOS 14",
	"Edge 131.0 | Windows 10", "Chrome 130.0 | Android 14", "Safari 17.0 | iOS 17",
}

// loginAnchor is the tenant's "now" for last logins: the configured one,
// else the write clock's, else the wall clock when the server was made, so
// a demo's logins are recent today.
func loginAnchor(cfg Config) time.Time {
	switch {
	case !cfg.LoginAnchor.IsZero():
		return cfg.LoginAnchor.UTC()
	case cfg.Now != nil:
		return cfg.Now().UTC()
	}
	return time.Now().UTC().Truncate(time.Minute)
}

// userGroupCount is how many user groups a tenant of n users gets by
// default: 200 at the reference scale of 100,000 users.
func userGroupCount(cfg Config) int {
	switch {
	case cfg.UserGroups < 0 || cfg.Users <= 0:
		return 0
	case cfg.UserGroups > 0:
		return cfg.UserGroups
	}
	return max(3, cfg.Users/500)
}

// generateAccess adds the access-management data. It draws from its own
// generator, so the SCIM side of a seed stays as it always was.
func generateAccess(s *Server, cfg Config) {
	seed := uint64(cfg.Seed)
	r := rand.New(rand.NewPCG(seed^0x51ed27, seed+0xacce55))
	s.anchor = loginAnchor(cfg)
	for _, u := range s.users {
		generateLogin(r, s.anchor, u)
	}
	generateUserGroups(s, r, userGroupCount(cfg))
}

func generateLogin(r *rand.Rand, anchor time.Time, u *userRec) {
	a := &u.acc
	a.loginSeed = r.Uint64()
	day := 24 * time.Hour
	ago := func(lo, hi int) time.Time {
		return anchor.Add(-time.Duration(lo)*day - time.Duration(r.Int64N(int64(hi-lo)*int64(day))))
	}
	x := r.Float64()
	if !u.u.Active && x < 0.55 {
		x += 0.35 // people who left stopped logging in
	}
	switch {
	case x < 0.10:
		// never logged in
	case x < 0.55:
		a.lastLogin = ago(0, 14)
	case x < 0.72:
		a.lastLogin = ago(14, 90)
	case x < 0.90:
		a.lastLogin = ago(90, 365)
	default:
		a.lastLogin = ago(365, 900)
	}
	created := parseWireTime(u.u.Meta.Created)
	if !a.lastLogin.IsZero() && a.lastLogin.Before(created) {
		a.lastLogin = created.Add(time.Hour + time.Duration(r.IntN(3600))*time.Second)
		if a.lastLogin.After(anchor) {
			a.lastLogin = time.Time{}
		}
	}
	a.lastLogin = a.lastLogin.Truncate(time.Second)
	// Some accounts' latest attempts failed: a forgotten password, or
	// someone trying an account that should be dead.
	if r.IntN(100) < 4 {
		a.failedAfter = 1 + r.IntN(5)
	}
	if u.u.UserType == "External" && r.IntN(10) < 4 {
		a.expires = anchor.Add(time.Duration(r.IntN(425)-60) * day).Truncate(time.Hour)
	}
	if !u.u.Active {
		from := a.lastLogin
		if from.IsZero() {
			from = created
		}
		a.disabledAt = randomTime(r, from, anchor).Truncate(time.Second)
		a.disabledBy = adminNames[r.IntN(len(adminNames))]
	}
}

// generateUserGroups makes n user groups of one to three access levels.
// About a third of each group's members already hold one of its levels
// directly (access held both ways); the rest hold it only through the
// group. The first group is large (5% of the tenant: thousands of members
// at scale, more than one page).
func generateUserGroups(s *Server, r *rand.Rand, n int) {
	if n == 0 || len(s.groups) == 0 || len(s.users) == 0 {
		return
	}
	// holders[g] lists the users holding SCIM group g directly, in user order.
	pos := make(map[*groupRec]int, len(s.groups))
	for i, g := range s.groups {
		pos[g] = i
	}
	holders := make([][]*userRec, len(s.groups))
	for _, u := range s.users {
		for _, g := range u.groups {
			holders[pos[g]] = append(holders[pos[g]], u)
		}
	}
	roleCum := cumulative(len(s.roles), 1.0)
	users := len(s.users)
	upper := max(3.0, float64(users)/40)
	tenantStart := generationTime.AddDate(-3, 0, 0)
	for i := range n {
		created := randomTime(r, tenantStart, generationTime)
		g := &userGroupRec{
			id:        newUUID(r),
			name:      numbered(userGroupNames, i),
			createdBy: adminNames[r.IntN(len(adminNames))],
			created:   created,
			modBy:     adminNames[r.IntN(len(adminNames))],
			modified:  randomTime(r, created, generationTime),
			memberOf:  map[*userRec]struct{}{},
		}
		g.description = "Members of " + g.name + " inherit its access levels"
		for range 1 + r.IntN(3) {
			lvl := s.groups[pick(r, roleCum)*len(s.orgs)+r.IntN(len(s.orgs))]
			if !slices.Contains(g.levels, lvl) {
				g.levels = append(g.levels, lvl)
			}
		}
		size := int(math.Exp(math.Log(2) + r.Float64()*(math.Log(upper)-math.Log(2))))
		if i == 0 {
			size = max(size, users/20)
		}
		size = min(size, users)
		both := holders[pos[g.levels[0]]]
		for tries := 0; len(g.members) < size && tries < 3*size+10; tries++ {
			var u *userRec
			if len(both) > 0 && r.IntN(3) == 0 {
				u = both[r.IntN(len(both))]
			} else {
				u = s.users[r.IntN(users)]
			}
			g.addMember(u, randomTime(r, created, generationTime), adminNames[r.IntN(len(adminNames))])
		}
		s.userGroups = append(s.userGroups, g)
		s.userGroupIdx[g.id] = g
	}
}

// addMember adds u; it reports whether u was not a member yet.
func (g *userGroupRec) addMember(u *userRec, at time.Time, by string) bool {
	if _, ok := g.memberOf[u]; ok {
		return false
	}
	g.memberOf[u] = struct{}{}
	g.members = append(g.members, ugMember{u: u, added: at, by: by})
	// A fresh slice: a rendered copy may still alias the old one.
	u.acc.ugroups = append(slices.Clip(u.acc.ugroups), g)
	return true
}

// removeMember drops u; it reports whether u was a member.
func (g *userGroupRec) removeMember(u *userRec) bool {
	if _, ok := g.memberOf[u]; !ok {
		return false
	}
	delete(g.memberOf, u)
	g.members = slices.DeleteFunc(slices.Clone(g.members), func(m ugMember) bool { return m.u == u })
	u.acc.ugroups = slices.DeleteFunc(slices.Clone(u.acc.ugroups), func(x *userGroupRec) bool { return x == g })
	return true
}

// leaveUserGroups takes a deleted user out of every user group.
func leaveUserGroups(u *userRec) {
	for _, g := range slices.Clone(u.acc.ugroups) {
		g.removeMember(u)
	}
}

// noteActive keeps disabledDateTime in step with SCIM's active: a
// deactivation through SCIM is recorded as made by the API key, as
// OneTrust names an API credential's actions. Caller holds s.mu for writing.
func (s *Server) noteActive(rec *userRec, wasActive, active bool, at time.Time) {
	switch {
	case wasActive && !active:
		rec.acc.disabledAt, rec.acc.disabledBy = at.Truncate(time.Millisecond), "Api Key User"
	case !wasActive && active:
		rec.acc.disabledAt, rec.acc.disabledBy = time.Time{}, ""
	}
}

// parseWireTime reads the fake's own SCIM timestamps.
func parseWireTime(v string) time.Time {
	t, err := time.Parse(timeLayout, v)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
