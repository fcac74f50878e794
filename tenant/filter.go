package tenant

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Index answers filter queries over a snapshot's users per keystroke.
//
// All users' lowercase search keys (name, email, userName) live in one byte
// buffer, so a free-text term is a single bytes.Index scan over the buffer
// instead of 100k calls; keys are separated by '\n', which a term never
// contains, so no match spans two users or two fields. Role, org and group
// terms are resolved to a set of groups once per query and tested against
// each user's group list.
//
// An Index is not safe for concurrent use (it reuses scratch space).
type Index struct {
	s     *Snapshot
	gen   uint64
	buf   []byte
	start []uint32 // user i's slot is buf[start[i]:start[i+1]]; start[n] == len(buf)
	end   []uint32 // user i's key is buf[start[i]:end[i]]; the rest of the slot is '\n'
	utype []uint16 // per user: index into types
	types []string // distinct lowercase userType values

	roleNames, orgNames, groupNames []string // lowercase

	terms []term    // scratch
	via   *viaIndex // the snapshot's user groups, fetched once per query

	// Now is the time stale: counts from (nil: time.Now).
	Now func() time.Time
}

// NewIndex is the index for s, built by Prepare or on the first query
// that needs it. The UI prepares it once the first frame is out, so
// neither the first frame nor the first keystroke waits for it (20-40 ms
// at 100k users). It follows s: after writes, call Update for a user whose
// fields changed; index shifts (Snapshot.Generation) are noticed by
// Filter, which then rebuilds.
func NewIndex(s *Snapshot) *Index {
	ix := &Index{s: s}
	ix.Invalidate()
	return ix
}

func (ix *Index) rebuild() {
	s := ix.s
	n := len(s.Users)
	ix.gen = s.gen
	size := 0
	for i := range s.Users {
		u := &s.Users[i]
		size += len(u.DisplayName) + len(u.GivenName) + len(u.FamilyName) + len(u.Email) + len(u.UserName) + 4
	}
	ix.start = make([]uint32, n+1)
	ix.end = make([]uint32, n)
	ix.utype = make([]uint16, n)
	ix.types = ix.types[:0]
	// The keys of each half of the users are lowercased on a core of
	// their own (offsets relative to the half), then joined.
	half := n / 2
	if n < 4096 {
		half = n // not worth a goroutine
	}
	bounds := [][2]int{{0, half}, {half, n}}
	bufs := make([][]byte, len(bounds))
	parallel(len(bounds), func(h int) {
		lo, hi := bounds[h][0], bounds[h][1]
		b := make([]byte, 0, (size+size/8)*(hi-lo)/max(n, 1)) // slack for non-ASCII lowercasing
		for i := lo; i < hi; i++ {
			ix.start[i] = uint32(len(b))
			b = appendKey(b, &s.Users[i])
			ix.end[i] = uint32(len(b))
			b = append(b, '\n')
		}
		bufs[h] = b
	})
	ix.buf = slices.Grow(ix.buf[:0], len(bufs[0])+len(bufs[1]))
	ix.buf = append(append(ix.buf, bufs[0]...), bufs[1]...)
	for i, shift := half, uint32(len(bufs[0])); i < n; i++ {
		ix.start[i] += shift
		ix.end[i] += shift
	}
	typeIdx := map[string]uint16{}
	for i := range s.Users {
		ix.utype[i] = ix.typeOf(typeIdx, s.Users[i].UserType)
	}
	ix.start[n] = uint32(len(ix.buf))
	ix.roleNames = ix.roleNames[:0]
	for _, r := range s.Roles {
		ix.roleNames = append(ix.roleNames, string(appendLower(nil, r.Name)))
	}
	ix.orgNames = ix.orgNames[:0]
	for _, o := range s.Orgs {
		ix.orgNames = append(ix.orgNames, string(appendLower(nil, o.Name)))
	}
	ix.groupNames = ix.groupNames[:0]
	for _, g := range s.Groups {
		ix.groupNames = append(ix.groupNames, string(appendLower(nil, g.DisplayName)))
	}
}

// typeOf interns a user type; seen caches raw values so that the common
// case (a handful of types over 100k users) does not allocate.
func (ix *Index) typeOf(seen map[string]uint16, t string) uint16 {
	if i, ok := seen[t]; ok {
		return i
	}
	lt := string(appendLower(nil, t))
	i := uint16(0) // absurdly many types: lump the rest together
	if k := slices.Index(ix.types, lt); k >= 0 {
		i = uint16(k)
	} else if len(ix.types) < 1<<16-1 {
		i = uint16(len(ix.types))
		ix.types = append(ix.types, lt)
	}
	seen[t] = i
	return i
}

// Update recomputes user i's key after its fields changed (indexes
// unchanged). A key that no longer fits its slot costs a rebuild.
func (ix *Index) Update(user int) {
	if ix.stale() {
		return // the next Filter rebuilds
	}
	if user < 0 || user >= len(ix.end) {
		return
	}
	u := &ix.s.Users[user]
	var scratch [256]byte
	key := appendKey(scratch[:0], u)
	slot := ix.buf[ix.start[user]:ix.start[user+1]]
	if len(key)+1 > len(slot) { // keep at least one '\n' before the next key
		ix.rebuild()
		return
	}
	copy(slot, key)
	for k := len(key); k < len(slot); k++ {
		slot[k] = '\n'
	}
	ix.end[user] = ix.start[user] + uint32(len(key))
	ix.utype[user] = ix.typeOf(map[string]uint16{}, u.UserType)
}

// Invalidate forces a full rebuild on the next Filter (after bulk changes).
func (ix *Index) Invalidate() { ix.gen = ^ix.s.gen }

// Prepare builds the index now if it is not built for the snapshot as it
// is, so that the first keystroke does not pay for it (the UI calls it
// once the first frame is out, see ui's MemoryReleased).
func (ix *Index) Prepare() {
	if ix.stale() {
		ix.rebuild()
	}
}

// Ready reports whether the index is built for the snapshot as it is.
func (ix *Index) Ready() bool { return !ix.stale() }

func (ix *Index) stale() bool { return ix.gen != ix.s.gen || len(ix.end) != len(ix.s.Users) }

func appendKey(b []byte, u *User) []byte {
	if u.DisplayName != "" {
		b = appendLower(b, u.DisplayName)
	} else {
		b = appendLower(b, u.GivenName)
		b = append(b, ' ')
		b = appendLower(b, u.FamilyName)
	}
	b = append(b, '\n')
	b = appendLower(b, u.Email)
	b = append(b, '\n')
	return appendLower(b, u.UserName)
}

// appendLower appends s lowercased, with control characters (including '\n'
// and escape sequences' ESC) turned into spaces: keys and terms go through
// the same function, so they fold alike.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c < 0x20 || c == 0x7f:
				c = ' '
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if unicode.IsControl(r) {
			b = append(b, ' ')
			continue
		}
		b = utf8.AppendRune(b, unicode.ToLower(r))
	}
	return b
}

type termKind uint8

const (
	termText termKind = iota
	termStatus
	termType
	termGroups // role:, org:, group:
	termLogin  // stale:Nd, login:never
)

type term struct {
	kind   termKind
	neg    bool
	text   []byte    // lowercase, for termText
	active bool      // for termStatus
	mask   []bool    // types for termType, groups for termGroups
	since  time.Time // termLogin: no successful login since (zero: never logged in)
}

// ErrQuery is wrapped by query errors: syntax, an unknown key, a role:,
// org:, group: or type: value that matches nothing.
var ErrQuery = errors.New("invalid filter")

// FilterKeys are the keys a filter term may have ("role:auditor").
var FilterKeys = []string{"role", "org", "group", "status", "type", "stale", "login", "under"}

// unknownKey is the error for "roel:admin": a typo would otherwise filter
// on the text "roel:admin" and find nobody, with no word why.
func unknownKey(key string) error {
	keys := make([]string, len(FilterKeys))
	for i, k := range FilterKeys {
		keys[i] = k + ":"
	}
	hint := ""
	if c := Closest(key, FilterKeys, 1); len(c) > 0 {
		hint = " (did you mean " + c[0] + ":?)"
	}
	return fmt.Errorf("%w: unknown key %s:%s; the keys are %s (quote text that has a colon)", ErrQuery, key, hint, strings.Join(keys, " "))
}

// noMatch is the error for a role:, org:, group: or type: value that
// matches no name of its kind, with the closest names.
func noMatch(what, value string, names []string) error {
	msg := fmt.Sprintf("no %s matches %q", what, value)
	if c := Closest(value, names, 3); len(c) > 0 {
		msg += "; closest: " + strings.Join(c, ", ")
	}
	return fmt.Errorf("%w: %s", ErrQuery, msg)
}

// Filter returns the indexes of users matching query, ascending (snapshot
// order), appended to dst[:0].
//
// Query: space-separated terms, all of which must match.
//
//	text          substring of name, email or userName (case-insensitive)
//	"two words"   a quoted phrase
//	role:admin    holds a role whose name contains "admin"
//	org:"EMEA - Sales"
//	under:Legal   holds a role in the organization Legal or any under it
//	              (OneTrust's org tree; a name, else part of one)
//	group:name    member of a group whose display name contains it
//	status:active | status:inactive   (prefixes such as status:in work)
//	type:internal | type:external     (substring of userType)
//	stale:90d     no successful login in the last 90 days, or never (any Nd)
//	login:never   never logged in
//	-term         negation of any of the above
//
// Positive role:, org:, under: and group: terms combine on one group: "role:auditor
// org:emea" finds auditors in EMEA, not auditors anywhere who also hold
// something in EMEA. A term with an empty value (still being typed) is
// ignored.
func (ix *Index) Filter(query string, dst []int32) ([]int32, error) {
	dst, _, err := ix.filter(query, dst)
	return dst, err
}

// FilterMemberships is Filter that also says which memberships the query
// names: groups[g] reports whether group g satisfies every positive role:,
// org: and group: term, so "status:inactive org:legal" selects inactive
// users with something in Legal, and of their memberships only those in
// Legal. groups is nil when the query has no such term (every membership
// counts). A review's scope uses it, so that it covers what the filter
// says rather than everything its users hold.
func (ix *Index) FilterMemberships(query string, dst []int32) (users []int32, groups []bool, err error) {
	return ix.filter(query, dst)
}

func (ix *Index) filter(query string, dst []int32) ([]int32, []bool, error) {
	dst = dst[:0]
	if strings.TrimSpace(query) == "" { // everyone, without building the index
		for i := range ix.s.Users {
			dst = append(dst, int32(i))
		}
		return dst, nil, nil
	}
	ix.Prepare()
	if err := ix.parse(query); err != nil {
		return dst, nil, err
	}
	s := ix.s
	ix.via = s.viaIdx()

	// Fold positive group terms into one mask; a mask with no group means
	// nobody can match.
	var groupMask []bool
	terms := ix.terms[:0]
	for _, t := range ix.terms {
		if t.kind == termGroups && !t.neg {
			if groupMask == nil {
				groupMask = t.mask
			} else {
				for g := range groupMask {
					groupMask[g] = groupMask[g] && t.mask[g]
				}
			}
			continue
		}
		terms = append(terms, t)
	}
	if groupMask != nil && !anyTrue(groupMask) {
		return dst, groupMask, nil
	}
	if groupMask != nil {
		terms = append(terms, term{kind: termGroups, mask: groupMask})
	}

	// The first positive text term drives a scan of the whole buffer.
	lead := -1
	for k, t := range terms {
		if t.kind == termText && !t.neg {
			lead = k
			break
		}
	}
	if lead < 0 {
		for u := range s.Users {
			if ix.match(u, terms, -1) {
				dst = append(dst, int32(u))
			}
		}
		return dst, groupMask, nil
	}
	needle := terms[lead].text
	n := len(ix.end)
	u := 0
	for pos := 0; pos < len(ix.buf); {
		j := bytes.Index(ix.buf[pos:], needle)
		if j < 0 {
			break
		}
		p := uint32(pos + j)
		// Users are found in ascending order: search only forward.
		lo, hi := u, n
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if ix.start[m+1] <= p {
				lo = m + 1
			} else {
				hi = m
			}
		}
		u = lo
		if u >= n {
			break
		}
		if ix.match(u, terms, lead) {
			dst = append(dst, int32(u))
		}
		pos = int(ix.start[u+1])
		u++
	}
	return dst, groupMask, nil
}

func anyTrue(xs []bool) bool {
	for _, x := range xs {
		if x {
			return true
		}
	}
	return false
}

// match tests user u against terms, skipping the one already known true.
func (ix *Index) match(u int, terms []term, skip int) bool {
	user := &ix.s.Users[u]
	for k := range terms {
		if k == skip {
			continue
		}
		t := &terms[k]
		var ok bool
		switch t.kind {
		case termText:
			ok = bytes.Contains(ix.buf[ix.start[u]:ix.end[u]], t.text)
		case termStatus:
			ok = user.Active == t.active
		case termType:
			ok = t.mask[ix.utype[u]]
		case termGroups:
			// Effective access: direct or through a user group.
			ok = ix.s.holdsAny(ix.via, u, t.mask)
		case termLogin:
			ok = user.InUsersV2 && (user.LastLogin.IsZero() || (!t.since.IsZero() && user.LastLogin.Before(t.since)))
		}
		if ok == t.neg {
			return false
		}
	}
	return true
}

// parse fills ix.terms from query.
func (ix *Index) parse(query string) error {
	ix.terms = ix.terms[:0]
	for i := 0; i < len(query); {
		c := query[i]
		if isSep(c) {
			i++
			continue
		}
		tokStart := i
		neg := false
		if c == '-' {
			neg = true
			i++
		}
		// A key is letters up to ':'.
		key := ""
		k := i
		for k < len(query) && ('a' <= query[k]|0x20 && query[k]|0x20 <= 'z') {
			k++
		}
		if k < len(query) && query[k] == ':' && k > i {
			kk := strings.ToLower(query[i:k])
			if !slices.Contains(FilterKeys, kk) {
				return unknownKey(query[i:k])
			}
			key = kk
			i = k + 1
		}
		var value string
		if i < len(query) && query[i] == '"' {
			close := strings.IndexByte(query[i+1:], '"')
			if close < 0 {
				return fmt.Errorf(`%w: unterminated quote in %s (add the closing ")`, ErrQuery, query[tokStart:])
			}
			value = query[i+1 : i+1+close]
			i += close + 2
		} else {
			e := i
			for e < len(query) && !isSep(query[e]) {
				e++
			}
			value = query[i:e]
			i = e
		}
		if strings.TrimSpace(value) == "" {
			continue // still being typed ("role:", "-", `""`)
		}
		t, err := ix.makeTerm(key, value)
		if err != nil {
			return err
		}
		t.neg = neg
		ix.terms = append(ix.terms, t)
	}
	return nil
}

// isSep reports a term separator: space and the ASCII control characters
// (which keys hold as spaces anyway).
func isSep(c byte) bool { return c <= ' ' || c == 0x7f }
