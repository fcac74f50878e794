package textsafe

import (
	"strings"
	"testing"
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
		"=1+1": "'=1+1", "+x": "'+x", "-2": "'-2", "@SUM": "'@SUM", "\tx": "'\tx", "plain": "plain", "": "",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"a", "\x1b[2J", "\x1b]52;c;ZXZpbA==\x07", "\u202e", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x1b || isBidiControl(r) {
				t.Fatalf("Line(%q) kept control %U", s, r)
			}
		}
		if strings.ContainsRune(out, '\x1b') {
			t.Fatalf("escape survived")
		}
	})
}
