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

// CSVRecord returns a copy of cells with CSVCell applied to each: every CSV
// otaccess writes (CLI output, review evidence) goes through it.
func CSVRecord(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = CSVCell(c)
	}
	return out
}

// JSON escapes, in JSON text, the runes a terminal acts on that
// encoding/json leaves raw: DEL, C1 controls (U+0080–U+009F; U+009B is CSI to
// many terminals) and bidi controls. They can only occur inside strings
// (JSON outside strings is ASCII), so the value decodes unchanged.
func JSON(b []byte) []byte {
	if isPlain(string(b)) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
			out = append(out, `\u`...)
			out = append(out, hex4(r)...)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

func hex4(r rune) []byte {
	const digits = "0123456789abcdef"
	return []byte{digits[r>>12&0xf], digits[r>>8&0xf], digits[r>>4&0xf], digits[r&0xf]}
}
