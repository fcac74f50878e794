// Package textsafe neutralizes untrusted strings (names, emails, group names
// from a SCIM server) before they reach a terminal or a spreadsheet.
package textsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Line returns s made safe for one terminal cell run: escape sequences (CSI,
// OSC, DCS …) are removed, every other control character, bidi override and
// invalid UTF-8 byte becomes U+FFFD, and newlines/tabs become spaces so a
// value can never break a row or move the cursor.
func Line(s string) string {
	if isPlain(s) {
		return s // the common case: no allocation
	}
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(unicode.ReplacementChar)
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || isBidiControl(r):
			b.WriteRune(unicode.ReplacementChar)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII, which needs no work.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// isBidiControl matches the explicit direction controls that can make a
// terminal show text in a different order than it is stored (Trojan Source).
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// CSVCell neutralizes spreadsheet formula injection: a cell starting with
// = + - @ tab or CR is prefixed with a single quote, as OWASP recommends.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
