package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// The overlay centers the box over the base, keeps the base on both sides
// of it, and a style left open in the base does not reach the box.
func TestOverlay(t *testing.T) {
	red := "\x1b[31m"
	base := []string{
		strings.Repeat("a", 20),
		red + strings.Repeat("b", 20),     // never reset
		strings.Repeat("c", 10) + "界界界界界", // wide cells under the box's edge
		"",
	}
	box := []string{"[box1]", "[box2]"}
	got := overlay(base, box, 20)
	if len(got) != len(base) {
		t.Fatalf("%d lines, want %d", len(got), len(base))
	}
	plain := make([]string, len(got))
	for i, l := range got {
		plain[i] = strings.TrimRight(ansi.Strip(l), " ")
		if w := ansi.StringWidth(l); w > 20 {
			t.Fatalf("line %d is %d wide", i, w)
		}
	}
	if plain[0] != strings.Repeat("a", 20) || plain[1] != "bbbbbbb[box1]bbbbbbb" {
		t.Fatalf("overlay:\n%s", strings.Join(plain, "\n"))
	}
	if !strings.HasPrefix(plain[2], "ccccccc[box2]") {
		t.Fatalf("line under the box's second row: %q", plain[2])
	}
	// The box's cells are drawn without the base's red.
	i := strings.Index(got[1], "[box1]")
	if i < 0 {
		t.Fatalf("box text not found verbatim in %q", got[1])
	}
	before := got[1][:i]
	if last := strings.LastIndex(before, "\x1b["); last >= 0 && strings.HasPrefix(before[last:], red) {
		t.Fatalf("the base's red reaches the box: %q", got[1])
	}
}

// The delete's plan at 80x24 wraps under its number with the request
// whole (it was cut: "(DELETE /Users/4623d468-3"), an id not split at its
// dashes, and the button says delete.
func TestDeleteDialogPlanWraps(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	u := tn.snap.Users[pick(t, tn.snap, func(u *tenant.User) bool { return u.Email != "" && len(u.Groups) > 0 })]
	d := tn.model(t, 80, 24)
	d.openUser(u.Email)
	d.key("D", "3")
	d.contains("delete the user", "/Users/"+u.ID+")", "Yes, delete")
	d.lacks("Yes, deprovision")
	for _, l := range wrapText("a (DELETE /Users/4623d468-3c59-4b23-ac22-c6d410a68d36)", 30) {
		if strings.HasSuffix(l, "-") {
			t.Fatalf("wrapText split an id at a dash: %q", l)
		}
	}
	if got := wrapText(strings.Repeat("x", 25), 10); len(got) != 3 || got[2] != "xxxxx" {
		t.Fatalf("a word longer than a line: %q", got)
	}
}
