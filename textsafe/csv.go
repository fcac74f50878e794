package textsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CSVCell makes s safe as one CSV cell, whether it is read on a terminal
// (`--csv` to stdout) or opened in a spreadsheet:
//
//   - no control character survives: C0 and C1 controls, DEL, the ESC that
//     starts an escape sequence (CSI, OSC 52 clipboard writes), invisible and
//     bidi runes are written as visible escapes (\x1b, \x9b, \n, \u202e,
//     \u200b), an invalid UTF-8 byte as \xff; the rest of the text is kept, so
//     an auditor sees what the server sent;
//   - a cell a spreadsheet would read as a formula — starting with = + - @,
//     their full-width or small forms (＝＋－＠), also after leading spaces —
//     is prefixed with a single quote, as OWASP recommends.
func CSVCell(s string) string {
	if needsEscape(s) {
		s = escapeControls(s)
	}
	if startsFormula(s) {
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

func needsEscape(s string) bool {
	if isPlain(s) {
		return false
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || unicode.IsControl(r) || Invisible(r) {
			return true
		}
		i += size
	}
	return false
}

func escapeControls(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r): // C0, DEL, C1: all below U+00A0
			fmt.Fprintf(&b, `\x%02x`, r)
		case Invisible(r) && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case Invisible(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// startsFormula reports a cell whose first non-blank rune makes a
// spreadsheet evaluate it. The blanks are spaces of any width: controls
// were escaped already.
func startsFormula(s string) bool {
	for _, r := range s {
		switch r {
		case '=', '+', '-', '@', // ASCII
			'＝', '＋', '－', '＠', // full width (U+FF1D, U+FF0B, U+FF0D, U+FF20)
			'﹦', '﹢', '﹣', '﹫': // small forms (U+FE66, U+FE62, U+FE63, U+FE6B)
			return true
		}
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return false
}
