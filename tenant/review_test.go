package tenant

import "testing"

func TestVerdictAndHints(t *testing.T) {
	for in, want := range map[string]Verdict{"keep": Keep, " REVOKE ": Revoke, "skip": Skip, "": Undecided, "undecided": Undecided} {
		if v, err := ParseVerdict(in); err != nil || v != want {
			t.Errorf("ParseVerdict(%q) = %q, %v", in, v, err)
		}
	}
	if _, err := ParseVerdict("yes"); err == nil {
		t.Error("ParseVerdict(yes) accepted")
	}
	h := HintInactive | HintAdmin
	if h.String() != "inactive,admin" || ParseHints(h.String()) != h || ParseHints("") != 0 {
		t.Errorf("hints %q", h.String())
	}
}
