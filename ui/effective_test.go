package ui

import (
	"fmt"
	"slices"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// The matrix's drill-down lists effective members: those holding the cell
// only through a user group are listed, marked "via <group>", and x on
// them asks to leave the group rather than send a direct revoke that could
// not take it away.
func TestMembersListsAccessThroughUserGroups(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	snap := tn.snap
	g, u := -1, -1
	for gi := range snap.Groups {
		for _, m := range snap.EffectiveMembers(gi) {
			if direct, via := snap.Holds(int(m), gi); !direct && len(via) > 0 && !snap.Groups[gi].Plain() {
				g, u = gi, int(m)
				break
			}
		}
		if g >= 0 {
			break
		}
	}
	if g < 0 {
		t.Fatal("the fake grants nothing only through a user group")
	}
	d := tn.model(t, 160, 40)
	d.m.push(newMembersScreen(d.m, snap.Groups[g].ID))
	ms := d.m.top().(*membersScreen)
	eff := snap.EffectiveMembers(g)
	if !slices.Equal(ms.rows, eff) {
		t.Fatalf("rows %v, want the effective members %v", ms.rows, eff)
	}
	_, via := snap.Holds(u, g)
	d.contains(fmt.Sprintf("%d members (%d only via a user group)", len(eff), len(eff)-len(snap.Groups[g].Members)),
		"HELD", "via "+snap.UserGroups[via[0]].Name)
	ms.tbl.cursor = slices.Index(ms.rows, int32(u))
	d.key("x") // not a direct revoke, which could not take it away: leave the group
	d.contains("Revoke by leaving user groups", snap.UserGroups[via[0]].Name)
	if len(d.m.dialogs) != 1 {
		t.Fatalf("%d dialogs open, want the leave confirmation", len(d.m.dialogs))
	}
}
