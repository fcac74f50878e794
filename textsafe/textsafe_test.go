package textsafe

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Ana Smith", "Ana Smith"},
		{"Chloé Müller", "Chloé Müller"},
		{"evil\x1b[31mred\x1b[0m", "evilred"},
		{"title\x1b]0;pwned\x07x", "titlex"},
		{"link\x1b]8;;http://x\x1b\\y", "linky"},
		{"a\nb\tc\rd", "a b c d"},
		{"bell\x07", "bell\ufffd"},
		{"c1\u009bx", "c1\ufffdx"},
		{"bidi\u202egnp.exe", "bidi\ufffdgnp.exe"},
		{"bad\xffutf8", "badutf8"}, // ansi.Strip drops invalid bytes
		{"ja\u200bne@acme.com", "ja\ufffdne@acme.com"},
		{"ja\u200dne\u2060\ufeff\u00ad", "ja\ufffdne\ufffd\ufffd\ufffd"},
		{"line\u2028para\u2029", "line\ufffdpara\ufffd"},
		{"tag\U000E0041", "tag\ufffd"},
		{"filler\u3164", "filler\ufffd"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Line(tt.in); got != tt.want {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+x": "'+x", "-2": "'-2", "@SUM": "'@SUM", "plain": "plain", "": "",
		"Chloé Müller":               "Chloé Müller",
		"  =HYPERLINK(\"http://x\")": "'  =HYPERLINK(\"http://x\")",
		" @x":                        "' @x",
		"\u3000+1":                   "'\u3000+1",
		"＝1+1":                       "'＝1+1",
		"＋x":                         "'＋x",
		"－2":                         "'－2",
		"＠SUM":                       "'＠SUM",
		"a=b":                        "a=b",
		"\tx":                        `\tx`,
		"\r=x":                       `\r=x`,
		"red\x1b[31mx\x1b[0m":        `red\x1b[31mx\x1b[0m`,
		"\x1b]52;c;ZXZpbA==\x07":     `\x1b]52;c;ZXZpbA==\x07`,
		"c1\u009b31m":                `c1\x9b31m`,
		"bidi\u202egnp.exe":          `bidi\u202egnp.exe`,
		"nul\x00":                    `nul\x00`,
		"two\nlines":                 `two\nlines`,
		"ja\u200bne@acme.com":        `ja\u200bne@acme.com`,
		"bad\xffutf8":                `bad\xffutf8`,
		"tag\U000E0041":              `tag\U000e0041`,
		"\x1b[2J=1":                  `\x1b[2J=1`,
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCSVCell: no cell carries a rune a terminal acts on or hides, and none
// starts (after blanks) with a formula character unless quoted.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=1", " -2", "\x1b]52;c;eA==\x07", "\u009b", "\u202e", "\x00", "ja\u200bne", "＠x", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := CSVCell(s)
		if !utf8.ValidString(out) {
			t.Fatalf("CSVCell(%q) = %q is not UTF-8", s, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || Invisible(r) {
				t.Fatalf("CSVCell(%q) = %q kept %U", s, out, r)
			}
		}
		if startsFormula(out) {
			t.Fatalf("CSVCell(%q) = %q starts a formula", s, out)
		}
	})
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"a", "\x1b[2J", "\x1b]52;c;ZXZpbA==\x07", "\u202e", "\xff\xfe", "ja\u200bne", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x1b || Invisible(r) {
				t.Fatalf("Line(%q) kept control %U", s, r)
			}
		}
		if strings.ContainsRune(out, '\x1b') {
			t.Fatalf("escape survived")
		}
	})
}
