package client

import (
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// The scanner under the hand-written access page reader (fastpage.go):
// JSON syntax checked as jsontext checks it with pageOptions, values read
// as jsonv2 reads them into otaccess's types, and false for anything it
// leaves to jsonv2.

// maxFastDepth is how deep a skipped value may nest before the reader
// leaves it to jsonv2 (which has its own limit).
const maxFastDepth = 64

// fastYieldEvery is how many items the reader decodes between yields: a
// page of 2,000 users is still a few milliseconds of CPU (see yieldEvery).
const fastYieldEvery = 100

// scanner reads one JSON text. Its methods report false when the reader
// gives up.
type scanner struct {
	b []byte
	i int
	// intern maps a kept string's raw bytes to its value, for strings that
	// repeat across a page (role and organization ids and names).
	intern map[string]string
	fold   [24]byte // the last name read, folded (see name)
	// arena holds the access levels of the page's users, each user's a
	// slice of it.
	arena []AccessLevel
}

// openObject reads the '{' the next value must start with.
func (s *scanner) openObject() bool {
	if s.peek() != '{' {
		return false
	}
	s.i++
	return true
}

// giveUp makes the member and element loops stop with the scanner past
// the end, which their callers check.
func (s *scanner) giveUp() bool {
	s.i = len(s.b) + 1
	return false
}

// firstMember is called after '{': whether a member follows (else the
// '}' is consumed).
func (s *scanner) firstMember() bool {
	if s.peek() == '}' {
		s.i++
		return false
	}
	return true
}

// nextMember is called after a member's value: ',' and another member,
// or the closing '}'.
func (s *scanner) nextMember() bool {
	switch s.peek() {
	case ',':
		s.i++
		return true
	case '}':
		s.i++
		return false
	}
	return s.giveUp()
}

func (s *scanner) firstElem() bool {
	if s.peek() == ']' {
		s.i++
		return false
	}
	return true
}

func (s *scanner) nextElem() bool {
	switch s.peek() {
	case ',':
		s.i++
		return true
	case ']':
		s.i++
		return false
	}
	return s.giveUp()
}

// peek skips white space and returns the next byte, 0 at the end.
func (s *scanner) peek() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// name reads a member name and its ':', returning it folded as
// MatchCaseInsensitiveNames compares names: upper case, without '_' and
// '-', in s.fold (valid until the next name). Names that are not plain
// ASCII are left to jsonv2 (Unicode folds 'ſ' to 'S'); a folded name
// longer than s.fold is none of the fields.
func (s *scanner) name() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	b, n, long := s.b, 0, false
	for j := s.i + 1; j < len(b); j++ {
		switch c := nameFold[b[j]]; c {
		case 0: // a control character, an escape, a byte of UTF-8
			return nil, false
		case '"':
			s.i = j + 1
			if s.peek() != ':' {
				return nil, false
			}
			s.i++
			if long {
				return s.fold[:0], true // too long for any field: matches none
			}
			return s.fold[:n], true
		case '_', '-':
		default:
			if n == len(s.fold) {
				long = true
				continue
			}
			s.fold[n] = c
			n++
		}
	}
	return nil, false
}

// nameFold is how name folds each byte of a name: 0 for those it leaves
// to jsonv2.
var nameFold = func() (t [256]byte) {
	for c := ' '; c < 0x7f; c++ {
		t[c] = byte(c)
		if 'a' <= c && c <= 'z' {
			t[c] = byte(c - 'a' + 'A')
		}
	}
	t['\\'] = 0
	return t
}()

// plainByte is whether a byte of a string stands for itself: printable
// ASCII but '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := ' '; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// rawString reads a string literal (the next byte is '"'), returning what
// is between the quotes and whether it is plain: ASCII without escapes,
// its value its bytes. It checks the literal as jsontext does with
// AllowInvalidUTF8: no control characters, escapes well formed.
func (s *scanner) rawString() (raw []byte, plain, ok bool) {
	b := s.b
	plain = true
	for j := s.i + 1; j < len(b); {
		for j < len(b) && plainByte[b[j]] {
			j++
		}
		if j == len(b) {
			break
		}
		switch c := b[j]; {
		case c == '"':
			raw = b[s.i+1 : j]
			s.i = j + 1
			return raw, plain, true
		case c < ' ':
			return nil, false, false
		case c == '\\':
			plain = false
			if j+1 >= len(b) {
				return nil, false, false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) || !isHex4(b[j+2:j+6]) {
					return nil, false, false
				}
				j += 6
			default:
				return nil, false, false
			}
		default: // 0x7f and bytes of UTF-8 (or not: AllowInvalidUTF8)
			plain = false
			j++
		}
	}
	return nil, false, false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// str reads a string or null (the empty string) into *out. A string with
// escapes or non-ASCII bytes is unquoted as jsontext does; one that is not
// valid UTF-8 (which jsonv2 would read with U+FFFD) is left to jsonv2.
func (s *scanner) str(out *string, intern bool) bool {
	switch s.peek() {
	case 'n':
		*out = ""
		return s.literal("null")
	case '"':
	default:
		return false
	}
	start := s.i
	raw, plain, ok := s.rawString()
	if !ok {
		return false
	}
	if intern {
		if v, ok := s.intern[string(raw)]; ok {
			*out = v
			return true
		}
	}
	var v string
	if plain {
		v = string(raw)
	} else {
		u, err := jsontext.AppendUnquote(nil, s.b[start:s.i])
		if err != nil {
			return false
		}
		v = string(u)
	}
	if intern {
		if s.intern == nil {
			s.intern = map[string]string{}
		}
		s.intern[string(raw)] = v
	}
	*out = v
	return true
}

// accessTime reads a date-time as jsonv2 does: AccessTime's UnmarshalJSON
// on the value's bytes. Only plain strings, numbers and null are read.
func (s *scanner) accessTime(t *AccessTime) bool {
	var start int
	switch s.peek() {
	case 'n':
		*t = AccessTime{}
		return s.literal("null")
	case '"':
		start = s.i
		if _, plain, ok := s.rawString(); !ok || !plain {
			return false
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		start = s.i
		if !s.number() {
			return false
		}
	default:
		return false
	}
	return t.UnmarshalJSON(s.b[start:s.i]) == nil
}

// boolean reads true, false or null (false).
func (s *scanner) boolean(out *bool) bool {
	switch s.peek() {
	case 't':
		*out = true
		return s.literal("true")
	case 'f':
		*out = false
		return s.literal("false")
	case 'n':
		*out = false
		return s.literal("null")
	}
	return false
}

// integer reads null (0) or an integer without fraction or exponent that
// fits in 64 bits.
func (s *scanner) integer(out *int) bool {
	switch s.peek() {
	case 'n':
		*out = 0
		return s.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
	default:
		return false
	}
	start := s.i
	if !s.number() {
		return false
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil || strconv.IntSize < 64 {
		return false
	}
	*out = int(n)
	return true
}

// number reads a JSON number, checking its grammar.
func (s *scanner) number() bool {
	b, j := s.b, s.i
	digits := func() bool {
		k := j
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
		return j > k
	}
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case !digits():
		return false
	}
	if j < len(b) && b[j] == '.' {
		j++
		if !digits() {
			return false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if !digits() {
			return false
		}
	}
	s.i = j
	return true
}

// literal reads lit (true, false or null) at the scanner.
func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// skip reads any value, checking it, keeping nothing.
func (s *scanner) skip() bool {
	var stack [maxFastDepth]byte // the open containers: '{' or '['
	depth := 0
	for {
		switch c := s.peek(); c {
		case '{', '[':
			if depth == len(stack) {
				return false
			}
			s.i++
			stack[depth] = c
			depth++
			if close := c + 2; s.peek() == close { // '}' is '{'+2, ']' is '['+2
				s.i++
				depth--
				break
			}
			if c == '{' && !s.skipName() {
				return false
			}
			continue
		case '"':
			if _, _, ok := s.rawString(); !ok {
				return false
			}
		case 't':
			if !s.literal("true") {
				return false
			}
		case 'f':
			if !s.literal("false") {
				return false
			}
		case 'n':
			if !s.literal("null") {
				return false
			}
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			if !s.number() {
				return false
			}
		default:
			return false
		}
		// After a value: the next of its container, or the container's end
		// (and then after that container's value).
		for {
			if depth == 0 {
				return true
			}
			open := stack[depth-1]
			c := s.peek()
			if c == ',' {
				s.i++
				if open == '{' && !s.skipName() {
					return false
				}
				break
			}
			if c != open+2 {
				return false
			}
			s.i++
			depth--
		}
	}
}

// skipName reads a member name and its ':'.
func (s *scanner) skipName() bool {
	if s.peek() != '"' {
		return false
	}
	if _, _, ok := s.rawString(); !ok || s.peek() != ':' {
		return false
	}
	s.i++
	return true
}
