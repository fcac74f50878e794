package textsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Line returns s made safe for one terminal cell run: escape sequences (CSI,
// OSC, DCS …) are removed, every other control character, bidi override,
// invisible rune (see Invisible) and invalid UTF-8 byte becomes U+FFFD, and
// newlines/tabs become spaces so a value can never break a row or move the
// cursor, nor pass for another value ("ja\u200bne@acme.com" shows as
// "ja�ne@acme.com", not as "jane@acme.com").
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
		case unicode.IsControl(r) || Invisible(r):
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

// Invisible reports runes a terminal shows as nothing, or as a line break,
// while they change what a string is: the format characters (Unicode Cf:
// zero-width space, joiners, word joiner, BOM, soft hyphen, tag characters
// and the bidi controls that make text show in another order than it is
// stored, as in Trojan Source), the line and paragraph separators
// U+2028/U+2029, and the blank fillers (combining grapheme joiner, Hangul
// fillers).
func Invisible(r rune) bool {
	if r < 0x80 {
		return false
	}
	switch r {
	case 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0:
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}
