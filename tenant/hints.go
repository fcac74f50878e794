package tenant

import (
	"slices"
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
// that Outlier is a few lookups per item. Built once per snapshot, in one
// pass per attribute, with integer ids throughout: at 300,000 memberships a
// map keyed by cohort and group cost most of a second in lookups alone.
type Peers struct {
	cohort [][]int32 // attribute -> user -> cohort id (-1: none, or too small to count)
	size   [][]int32 // attribute -> cohort -> users in it
	// An attribute of few cohorts (departments, titles) counts in a table:
	// dense[a][c*len(Groups)+g] users of cohort c hold g. One of many
	// (managers), whose cohorts each hold a few groups, in sorted runs: the
	// groups cohort c's users hold, ascending, are
	// groups[a][at[a][c]:at[a][c+1]], and holders[a] counts each one's
	// holders.
	dense               [][]int32
	at, groups, holders [][]int32
	nGroups             int
	// User u's effective groups, ascending: eff[effAt[u]:effAt[u+1]].
	effAt, eff []int32
}

// denseCells bounds an attribute's table of counts (cohorts x groups; 4
// MiB of int32): 50 departments of 2,000 groups fit, 5,000 managers do not.
// A variable so that a test can count both ways.
var denseCells = 1 << 20

// NewPeers counts the snapshot's cohorts and what they hold.
func NewPeers(s *Snapshot) *Peers {
	p := &Peers{effAt: make([]int32, len(s.Users)+1), nGroups: len(s.Groups)}
	for u := range s.Users {
		p.eff = append(p.eff, s.EffectiveGroups(u)...)
		p.effAt[u+1] = int32(len(p.eff))
	}
	count := make([]int32, len(s.Groups)) // holders of each group in the cohort being counted
	var touched []int32
	for _, a := range peerAttrs {
		cohort, size := cohortsOf(s, a.of)
		for u, c := range cohort {
			if c >= 0 && size[c] <= OutlierMinPeers {
				cohort[u] = -1 // too small to be an outlier in: not counted
			}
		}
		p.cohort, p.size = append(p.cohort, cohort), append(p.size, size)
		if len(size)*len(s.Groups) <= denseCells {
			dense := make([]int32, len(size)*len(s.Groups))
			for u, c := range cohort {
				if c >= 0 {
					for _, g := range p.eff[p.effAt[u]:p.effAt[u+1]] {
						dense[int(c)*len(s.Groups)+int(g)]++
					}
				}
			}
			p.dense = append(p.dense, dense)
			p.at, p.groups, p.holders = append(p.at, nil), append(p.groups, nil), append(p.holders, nil)
			continue
		}
		// The users of each countable cohort, in order: first[c]..first[c+1].
		first := make([]int32, len(size)+1)
		for _, c := range cohort {
			if c >= 0 {
				first[c+1]++
			}
		}
		for c := range size {
			first[c+1] += first[c]
		}
		order, next := make([]int32, first[len(size)]), slices.Clone(first[:len(size)])
		for u, c := range cohort {
			if c >= 0 {
				order[next[c]] = int32(u)
				next[c]++
			}
		}
		at := make([]int32, len(size)+1)
		var groups, holders []int32
		for c := range size {
			touched = touched[:0]
			for _, u := range order[first[c]:first[c+1]] {
				for _, g := range p.eff[p.effAt[u]:p.effAt[u+1]] {
					if count[g] == 0 {
						touched = append(touched, g)
					}
					count[g]++
				}
			}
			slices.Sort(touched)
			for _, g := range touched {
				groups, holders = append(groups, g), append(holders, count[g])
				count[g] = 0
			}
			at[c+1] = int32(len(groups))
		}
		p.dense = append(p.dense, nil)
		p.at, p.groups, p.holders = append(p.at, at), append(p.groups, groups), append(p.holders, holders)
	}
	return p
}

// cohortsOf gives each user the id of their value of an attribute
// (trimmed, any case; -1 for none) and counts each id's users. Values are
// looked up as read first, so only a value not seen yet is normalized.
func cohortsOf(s *Snapshot, of func(*User) string) (cohort, size []int32) {
	cohort = make([]int32, len(s.Users))
	asRead, norm := map[string]int32{}, map[string]int32{}
	for u := range s.Users {
		v := of(&s.Users[u])
		id, ok := asRead[v]
		if !ok {
			k := strings.ToLower(strings.TrimSpace(v))
			if id, ok = norm[k]; !ok {
				id = int32(len(size))
				if k == "" {
					id = -1
				} else {
					size = append(size, 0)
				}
				norm[k] = id
			}
			asRead[v] = id
		}
		cohort[u] = id
		if id >= 0 {
			size[id]++
		}
	}
	return cohort, size
}

// holdersOf is how many users of cohort c (of attribute a) hold group g.
func (p *Peers) holdersOf(a int, c, g int32) int {
	if d := p.dense[a]; d != nil {
		return int(d[int(c)*p.nGroups+int(g)])
	}
	lo, hi := p.at[a][c], p.at[a][c+1]
	if i, ok := slices.BinarySearch(p.groups[a][lo:hi], g); ok {
		return int(p.holders[a][int(lo)+i])
	}
	return 0
}

// IsOutlier is Outlier without the reason (review start needs only the
// hint).
func (p *Peers) IsOutlier(u, g int) bool {
	out, _ := p.outlier(u, g, false)
	return out
}

// Outlier reports whether user u, who holds group g, is an outlier for it:
// the user has at least one cohort of OutlierMinPeers peers or more, and
// in every such cohort fewer than OutlierShare of the peers (the user not
// counted) hold g. why says it: "1 of 12 with the same department".
func (p *Peers) Outlier(u, g int) (outlier bool, why string) { return p.outlier(u, g, true) }

func (p *Peers) outlier(u, g int, say bool) (bool, string) {
	_, self := slices.BinarySearch(p.eff[p.effAt[u]:p.effAt[u+1]], int32(g))
	var parts []string
	counted := 0
	for a := range peerAttrs {
		c := p.cohort[a][u]
		if c < 0 {
			continue
		}
		peers := int(p.size[a][c]) - 1
		holders := p.holdersOf(a, c, int32(g))
		if self {
			holders-- // the user is not their own peer
		}
		if float64(holders) >= OutlierShare*float64(peers) {
			return false, ""
		}
		counted++
		if say {
			parts = append(parts, strconv.Itoa(holders)+" of "+strconv.Itoa(peers)+" with the same "+peerAttrs[a].name)
		}
	}
	return counted > 0, strings.Join(parts, ", ")
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
