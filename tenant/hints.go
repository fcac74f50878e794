package tenant

import (
	"strconv"
	"strings"
	"time"
)

// Review hints that need the whole snapshot (outlier, sole admin) or the
// user's last login, and the decision they suggest.

const (
	// StaleDays is how long without a successful login makes an item
	// [stale]: the `stale:90d` of the filters.
	StaleDays = 90
	// OutlierShare: an item is an outlier when fewer than this share of
	// the user's peers hold the same role in the same org.
	OutlierShare = 0.30
	// OutlierMinPeers is the fewest peers (users besides the user sharing
	// the department, title or manager) a cohort needs to count: two
	// colleagues say little about what is usual.
	OutlierMinPeers = 3
)

// peerAttrs are the user attributes that make peers, in the order the
// reason names them.
var peerAttrs = []struct {
	name string
	of   func(*User) string
}{
	{"department", func(u *User) string { return u.Department }},
	{"title", func(u *User) string { return u.Title }},
	{"manager", func(u *User) string { return u.ManagerID }},
}

// Peers counts, for every department, title and manager, how many users
// share it and how many of them hold each group (effective access), so
// that Outlier is a few lookups per item. Built once per snapshot.
type Peers struct {
	snap   *Snapshot
	cohort [][]int32         // attribute -> user -> cohort id (-1: none)
	size   [][]int32         // attribute -> cohort -> users in it
	holds  []map[int64]int32 // attribute -> cohort<<32|group -> holders
}

// NewPeers counts the snapshot's cohorts and what they hold.
func NewPeers(s *Snapshot) *Peers {
	p := &Peers{snap: s}
	for _, a := range peerAttrs {
		ids := map[string]int32{}
		cohort := make([]int32, len(s.Users))
		var size []int32
		for u := range s.Users {
			v := strings.ToLower(strings.TrimSpace(a.of(&s.Users[u])))
			if v == "" {
				cohort[u] = -1
				continue
			}
			id, ok := ids[v]
			if !ok {
				id = int32(len(size))
				ids[v] = id
				size = append(size, 0)
			}
			cohort[u] = id
			size[id]++
		}
		p.cohort, p.size = append(p.cohort, cohort), append(p.size, size)
		p.holds = append(p.holds, make(map[int64]int32, len(size)*4))
	}
	for u := range s.Users {
		var groups []int32 // read once, for the cohorts that count
		for a := range peerAttrs {
			c := p.cohort[a][u]
			if c < 0 || p.size[a][c] <= OutlierMinPeers {
				continue // too small to be an outlier in: not counted
			}
			if groups == nil {
				groups = s.EffectiveGroups(u)
			}
			for _, g := range groups {
				p.holds[a][int64(c)<<32|int64(g)]++
			}
		}
	}
	return p
}

// Outlier reports whether user u, who holds group g, is an outlier for it:
// the user has at least one cohort of OutlierMinPeers peers or more, and
// in every such cohort fewer than OutlierShare of the peers (the user not
// counted) hold g. why says it: "1 of 12 in department Legal".
func (p *Peers) Outlier(u, g int) (outlier bool, why string) {
	var parts []string
	for a := range peerAttrs {
		c := p.cohort[a][u]
		if c < 0 {
			continue
		}
		peers := int(p.size[a][c]) - 1
		if peers < OutlierMinPeers {
			continue
		}
		holders := int(p.holds[a][int64(c)<<32|int64(g)])
		if p.snap.HoldsEffectively(u, g) {
			holders-- // the user is not their own peer
		}
		if float64(holders) >= OutlierShare*float64(peers) {
			return false, ""
		}
		parts = append(parts, strconv.Itoa(holders)+" of "+strconv.Itoa(peers)+" with the same "+peerAttrs[a].name)
	}
	if len(parts) == 0 {
		return false, ""
	}
	return true, strings.Join(parts, ", ")
}

// IsSiteAdmin reports the role that administers an organization.
func IsSiteAdmin(roleName string) bool {
	return strings.EqualFold(strings.TrimSpace(roleName), "Site Admin")
}

// SoleAdmin reports whether user u is the only active user holding group
// g (a Site Admin x org group), either way: revoking would leave the org
// without one.
func (s *Snapshot) SoleAdmin(u, g int) bool {
	grp := &s.Groups[g]
	if grp.Plain() || !IsSiteAdmin(s.Roles[grp.Role].Name) {
		return false
	}
	for _, m := range s.EffectiveMembers(g) {
		if int(m) != u && s.Users[m].Active {
			return false
		}
	}
	return true
}

// SetLogin freezes the user's last login into the item, counted in days
// before at (the snapshot's time), and sets the stale and never hints.
func (it *ReviewItem) SetLogin(u *User, at time.Time) {
	it.LastLogin, it.LoginKnown = u.LastLogin, u.InUsersV2
	it.DaysSinceLogin = 0
	days, never, ok := u.DaysSinceLogin(at)
	switch {
	case !ok:
	case never:
		it.Hints |= HintNeverLoggedIn
	default:
		it.DaysSinceLogin = days
		if days >= StaleDays {
			it.Hints |= HintStale
		}
	}
}

// Tags are an item's hints as the TUI, the decision file and the evidence
// show them: "[admin] [stale 143d] [outlier]".
func (it *ReviewItem) Tags() []string {
	var out []string
	for _, n := range hintNames {
		if !it.Hints.Has(n.h) {
			continue
		}
		switch n.h {
		case HintStale:
			out = append(out, "stale "+strconv.Itoa(it.DaysSinceLogin)+"d")
		case HintNeverLoggedIn:
			out = append(out, "never logged in")
		case HintNew:
			out = append(out, "new since last sync")
		case HintNewSinceReview:
			out = append(out, "new since last review")
		case HintSoleAdmin:
			out = append(out, "sole admin")
		case HintNoRole:
			out = append(out, "no role")
		default:
			out = append(out, n.name)
		}
	}
	return out
}

// Suggestion is the decision an item's hints suggest, and why. Word is
// "revoke", or "look" (an outlier: worth a closer look, not a decision);
// "" when the hints suggest nothing.
type Suggestion struct {
	Word   string
	Reason string
	Hint   Hints // the hint it rests on
}

// Suggest is the decision the item's hints suggest: an inactive user's or
// a stale one's access → revoke, an outlier → look. A sole Site Admin is
// never suggested for revoking (the org would have none).
func (it *ReviewItem) Suggest() Suggestion {
	switch {
	case it.NoRole():
		return Suggestion{}
	case it.Hints.Has(HintSoleAdmin):
		if it.Hints.Has(HintInactive) || it.Hints.Has(HintStale) || it.Hints.Has(HintNeverLoggedIn) {
			return Suggestion{Word: "look", Reason: "the org's only Site Admin, but unused: name another before revoking", Hint: HintSoleAdmin}
		}
		return Suggestion{}
	case it.Hints.Has(HintInactive):
		return Suggestion{Word: "revoke", Reason: "the user is inactive", Hint: HintInactive}
	case it.Hints.Has(HintNeverLoggedIn):
		return Suggestion{Word: "revoke", Reason: "the user never logged in", Hint: HintNeverLoggedIn}
	case it.Hints.Has(HintStale):
		return Suggestion{Word: "revoke", Reason: "no login for " + strconv.Itoa(it.DaysSinceLogin) + " days", Hint: HintStale}
	case it.Hints.Has(HintOutlier):
		return Suggestion{Word: "look", Reason: "few of the user's peers hold it", Hint: HintOutlier}
	}
	return Suggestion{}
}

// String is "suggest: revoke (the user is inactive)", or "".
func (s Suggestion) String() string {
	if s.Word == "" {
		return ""
	}
	return "suggest: " + s.Word + " (" + s.Reason + ")"
}

// Comment is an item's comment in a decision file: its tags, how it is
// held when through a user group, and the suggestion.
//
//	[stale 143d] [admin] via user group "Legal Team"; suggest: revoke (no login for 143 days)
func (it *ReviewItem) Comment() string {
	var b strings.Builder
	for i, t := range it.Tags() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("[" + t + "]")
	}
	if len(it.UserGroups) > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if it.HeldDirectly() {
			b.WriteString("direct and ")
		}
		for i, g := range it.UserGroups {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("via user group \"" + g.Name + "\"")
		}
	}
	if s := it.Suggest().String(); s != "" {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	return b.String()
}
