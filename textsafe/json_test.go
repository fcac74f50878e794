package textsafe

import (
	"encoding/json"
	"testing"
)

// FuzzJSON: JSON output passed through JSON keeps its value and carries no
// rune a terminal would act on.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{"plain", "\u009b31m", "\u202eevil\u202c", "\x1b]0;x\x07", "\xff", "é\u2066\u2069", "ja\u200bne", "tag\U000E0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := json.Marshal(map[string]string{"k": s})
		if err != nil {
			t.Fatal(err)
		}
		out := JSON(b)
		var want, got map[string]string
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("JSON(%q) = %q does not decode: %v", b, out, err)
		}
		if got["k"] != want["k"] {
			t.Fatalf("value changed: %q -> %q", want["k"], got["k"])
		}
		for _, r := range string(out) {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || Invisible(r) {
				t.Fatalf("JSON(%q) kept %U", b, r)
			}
		}
	})
}
