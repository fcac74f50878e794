package client

import "runtime"

// A hand-written reader for the access pages a sync reads by the hundred
// (Users V2 pages of 2,000 users, user group member pages): decoding them
// with jsonv2's reflection was 0.65 s of CPU per sync of 100,000 users,
// on the cores the SCIM pages are decoded on, and it made a string of
// every role and organization name of every user's access levels (four
// per level), garbage a moment later. This reader takes about half the
// CPU and 43% of the allocations (BenchmarkUsersV2Page).
//
// The reader accepts only what it is sure jsonv2.Unmarshal with
// pageOptions reads the same way: JSON text as servers write it, names
// matched as MatchCaseInsensitiveNames does (ASCII case, '_' and '-'
// ignored), the last of a repeated name winning. Anything else (a name
// or a kept string it would have to think harder about, a number that is
// not a plain integer, a syntax error, a value of the wrong kind) makes it
// give up, and the page is decoded by jsonv2 instead: the result, or the
// error, is always jsonv2's (FuzzAccessPageFast).

// decodeAccessPageFast decodes body into p with item reading each item of
// the content, reporting false (p then as it came) when the reader gives
// up.
func decodeAccessPageFast[T any](p *AccessPage[T], body []byte, item func(*scanner, *T) bool) bool {
	orig := *p
	if !fastPage(&scanner{b: body}, p, item) {
		*p = orig
		return false
	}
	return true
}

func fastPage[T any](s *scanner, p *AccessPage[T], item func(*scanner, *T) bool) bool {
	if !s.openObject() {
		return false
	}
	content := false
	for more := s.firstMember(); more; more = s.nextMember() {
		f, ok := s.name()
		if !ok {
			return false
		}
		switch string(f) {
		case "CONTENT":
			if content {
				return false // repeated: left to jsonv2
			}
			content = true
			if !fastItems(s, &p.Content, item) {
				return false
			}
		case "EMPTY":
			ok = s.boolean(&p.Empty)
		case "FIRST":
			ok = s.boolean(&p.First)
		case "LAST":
			ok = s.boolean(&p.Last)
		case "NUMBER":
			ok = s.integer(&p.Number)
		case "NUMBEROFELEMENTS":
			ok = s.integer(&p.NumberOfElements)
		case "SIZE":
			ok = s.integer(&p.Size)
		case "TOTALELEMENTS":
			var n int
			ok = s.integer(&n)
			p.TotalElements = int64(n)
		case "TOTALPAGES":
			ok = s.integer(&p.TotalPages)
		default:
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
	// Past the end when nextMember gave up; else only white space may follow.
	return s.i <= len(s.b) && s.peek() == 0 && s.i == len(s.b)
}

// fastItems reads an array of items into *out as jsonv2 does: null is
// nil, an empty array is not, each item starts from its zero value.
func fastItems[T any](s *scanner, out *[]T, item func(*scanner, *T) bool) bool {
	switch s.peek() {
	case 'n':
		*out = nil
		return s.literal("null")
	case '[':
	default:
		return false
	}
	s.i++
	*out = (*out)[:0]
	if *out == nil {
		*out = []T{}
	}
	var zero T
	for more, n := s.firstElem(), 1; more; more, n = s.nextElem(), n+1 {
		*out = append(*out, zero)
		x := &(*out)[len(*out)-1]
		if s.peek() == 'n' {
			if !s.literal("null") {
				return false
			}
		} else if !item(s, x) {
			return false
		}
		if n%fastYieldEvery == 0 {
			runtime.Gosched()
		}
	}
	return s.i <= len(s.b)
}

// The item readers below each loop over their object's members
// themselves: a callback per member would be a closure allocated per item.

// userLogin reads a Users V2 user (an object) into u.
func (s *scanner) userLogin(u *UserLogin) bool {
	if !s.openObject() {
		return false
	}
	for more := s.firstMember(); more; more = s.nextMember() {
		f, ok := s.name()
		if !ok {
			return false
		}
		switch string(f) {
		case "USERID":
			ok = s.str(&u.UserID, false)
		case "DISABLEDBY":
			ok = s.str(&u.DisabledBy, false)
		case "EXPIRATIONDATETIME":
			ok = s.accessTime(&u.ExpirationDateTime)
		case "DISABLEDDATETIME":
			ok = s.accessTime(&u.DisabledDateTime)
		case "LASTLOGINDATE":
			ok = s.accessTime(&u.LastLoginDate)
		case "ACCESSLEVELS":
			ok = s.accessLevels(&u.AccessLevels)
		default:
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
	return s.i <= len(s.b)
}

// accessLevels reads a user's access levels as fastItems does, straight
// into one array shared by the page's users: one allocation per page
// rather than two or three per user as a slice grows.
func (s *scanner) accessLevels(out *[]AccessLevel) bool {
	switch s.peek() {
	case 'n':
		*out = nil
		return s.literal("null")
	case '[':
	default:
		return false
	}
	s.i++
	start := len(s.arena)
	for more := s.firstElem(); more; more = s.nextElem() {
		if len(s.arena) == cap(s.arena) {
			// A new array for this user's levels and the next users':
			// the earlier users' stay in the old one.
			fresh := make([]AccessLevel, 0, max(4096, 2*(len(s.arena)-start)))
			s.arena, start = append(fresh, s.arena[start:]...), 0
		}
		s.arena = append(s.arena, AccessLevel{})
		if s.peek() == 'n' {
			if !s.literal("null") {
				return false
			}
		} else if !s.accessLevel(&s.arena[len(s.arena)-1]) {
			return false
		}
	}
	if s.i > len(s.b) { // nextElem gave up
		return false
	}
	n := len(s.arena) - start
	if n == 0 {
		*out = []AccessLevel{} // not nil, as jsonv2 has it
		return true
	}
	*out = s.arena[start : start+n : start+n]
	return true
}

// accessLevel reads an access level (an object) into l, its strings
// interned: 100,000 users' levels name the same few roles and orgs.
func (s *scanner) accessLevel(l *AccessLevel) bool {
	if !s.openObject() {
		return false
	}
	for more := s.firstMember(); more; more = s.nextMember() {
		f, ok := s.name()
		if !ok {
			return false
		}
		switch string(f) {
		case "ROLEID":
			ok = s.str(&l.RoleID, true)
		case "ROLENAME":
			ok = s.str(&l.RoleName, true)
		case "ORGANIZATIONID":
			ok = s.str(&l.OrganizationID, true)
		case "ORGANIZATIONNAME":
			ok = s.str(&l.OrganizationName, true)
		default:
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
	return s.i <= len(s.b)
}

// memberID reads a user group member (an object), keeping its memberId.
func (s *scanner) memberID(m *memberID) bool {
	if !s.openObject() {
		return false
	}
	for more := s.firstMember(); more; more = s.nextMember() {
		f, ok := s.name()
		if !ok {
			return false
		}
		if string(f) == "MEMBERID" {
			ok = s.str(&m.MemberID, false)
		} else {
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
	return s.i <= len(s.b)
}
