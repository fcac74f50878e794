package tenant

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestEscapeFieldRoundTrip(t *testing.T) {
	for _, s := range []string{"", "jane@acme.com", "a#b", `back\slash`, "two\nlines\r\n", "tab\there", "esc\x1b[31m", "bidi\u202eevil", "zw\u200bsp", "c1\u009b", "Zoë — Légal", "emoji 👍", "tag\U000e0041"} {
		e := EscapeField(s)
		if strings.ContainsAny(e, "#\n\r\t\x1b\u202e\u200b\u009b") && !strings.Contains(e, `\#`) {
			t.Errorf("%q escaped to %q", s, e)
		}
		if strings.ContainsAny(strings.ReplaceAll(e, `\#`, ""), "#\n\r\x1b\u202e\u200b\u009b") {
			t.Errorf("%q escaped to %q: still has a raw rune", s, e)
		}
		if got := UnescapeField(e); got != s {
			t.Errorf("%q -> %q -> %q", s, e, got)
		}
	}
}

func TestDecisionFileRoundTrip(t *testing.T) {
	r := &Review{Name: "Q4 #1", CreatedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), SnapshotID: 3, SnapshotAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	items := []ReviewItem{
		{Seq: 0, UserID: "u1", GroupID: "r1:o1", UserLabel: "jane@acme.com", Role: "Auditor", Org: "Legal", Hints: HintAdmin},
		{Seq: 1, UserID: "u2", GroupID: "r1:o1", UserLabel: "x#\nkeep 0.00000000", Role: "Auditor", Org: "Legal", Decision: Revoke, Note: "left\nin # May"},
		{Seq: 2, UserID: "u3", UserLabel: "bot", Hints: HintNoRole},
	}
	var buf bytes.Buffer
	if err := WriteDecisionFile(&buf, HeaderFor(r), items, nil); err != nil {
		t.Fatal(err)
	}
	f := ParseDecisionFile(buf.Bytes())
	if len(f.Lines) != 3 || len(f.Bad) != 0 || f.Header.Matches(r) != "" || f.Header.Items != 3 {
		t.Fatalf("%+v\n%s", f, buf.String())
	}
	for i := range f.Lines {
		dl := &f.Lines[i]
		dl.SplitRest(&items[i])
		if !dl.KeyMatches(&items[i]) || !dl.TextOK || dl.Rest != "" || !dl.WordOK || dl.Verdict != items[i].Decision {
			t.Errorf("line %d: %+v", i, dl)
		}
		if (items[i].Note != "") != (dl.Note != nil) || (dl.Note != nil && *dl.Note != items[i].Note) {
			t.Errorf("line %d note %v", i, dl.Note)
		}
	}
	other := *r
	other.CreatedAt = other.CreatedAt.Add(time.Hour)
	if why := f.Header.Matches(&other); !strings.Contains(why, "another review") {
		t.Errorf("another review: %q", why)
	}
	other = *r
	other.SnapshotID = 4
	if why := f.Header.Matches(&other); !strings.Contains(why, "snapshot") {
		t.Errorf("another snapshot: %q", why)
	}
}
