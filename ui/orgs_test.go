package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/numfmt"
)

// O opens the org tree: tree glyphs, each organization's members and
// roll-up; enter lists an organization's members (anyone holding a role
// there, directly or via a user group) on the members screen; esc goes
// back to the tree.
func TestOrgViewDrillsDownToMembers(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	snap := tn.snap
	tr := snap.OrgTree
	if tr == nil || len(tr.Nodes) < 4 {
		t.Fatalf("the fake's tree: %v", snap.OrgTreeNote())
	}
	d := tn.model(t, 80, 24)
	d.key("O")
	os, ok := d.m.top().(*orgsScreen)
	if !ok {
		t.Fatalf("O opened no org view:\n%s", d.screen())
	}
	d.contains("ORGANIZATION", "MEMBERS", "WITH SUBORGS", "├─ ", "└─ ", tr.Nodes[0].Name)
	counts := tr.Counts(snap)
	// A node with children, whose org people hold roles in.
	row := slices.IndexFunc(os.rows, func(n int32) bool {
		return len(tr.Children[n]) > 0 && tr.Parent[n] >= 0 && tr.Org[n] >= 0 && counts[n].Direct > 0
	})
	if row < 0 {
		t.Fatal("no middle organization with members")
	}
	n := os.rows[row]
	os.tbl.cursor = row
	d.send(resize(80, 24))
	if got, want := os.info(d.m), tr.Path(n)+": "+numfmt.Count(counts[n].Direct, "member", "members")+", "+numfmt.Commas(counts[n].RollUp)+" with suborgs"; got != want {
		t.Fatalf("info %q, want %q", got, want)
	}
	if counts[n].RollUp < counts[n].Direct {
		t.Fatalf("roll-up %d below own %d", counts[n].RollUp, counts[n].Direct)
	}
	var want []int32
	for u := range snap.Users {
		for _, g := range snap.EffectiveGroups(u) {
			if snap.Groups[g].Org == tr.Org[n] {
				want = append(want, int32(u))
				break
			}
		}
	}
	d.key("enter")
	ms, ok := d.m.top().(*membersScreen)
	if !ok || ms.org == nil {
		t.Fatalf("enter opened no org members:\n%s", d.screen())
	}
	if !slices.Equal(ms.rows, want) || len(want) != counts[n].Direct {
		t.Fatalf("members %d, want %d (count %d)", len(ms.rows), len(want), counts[n].Direct)
	}
	d.contains(tr.Path(n), numfmt.Count(len(want), "member", "members"), "ROLES HERE")
	// x does not guess which of a member's roles to revoke.
	d.key("x")
	if len(d.m.dialogs) > 0 {
		t.Fatal("x on an org's member opened a revoke")
	}
	d.contains("opens the user")
	d.key("esc")
	if _, ok := d.m.top().(*orgsScreen); !ok {
		t.Fatalf("esc did not go back to the tree:\n%s", d.screen())
	}
	// a: the organization with everything under it, each user once.
	d.key("a")
	ms, ok = d.m.top().(*membersScreen)
	if !ok || ms.org == nil || !ms.org.withSub {
		t.Fatalf("a opened no members with suborgs:\n%s", d.screen())
	}
	if len(ms.rows) != counts[n].RollUp {
		t.Fatalf("with suborgs: %d members, want the roll-up %d", len(ms.rows), counts[n].RollUp)
	}
	d.contains(tr.Path(n)+" + suborgs", numfmt.Count(counts[n].RollUp, "member", "members"))
	d.key("esc", "?")
	d.contains("org tree")
}

// Without the ORGANIZATION scope the org view says why there is no tree.
func TestOrgViewUnavailable(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Scopes: []string{"SCIM", "USER"}})
	d := tn.model(t, 80, 24)
	d.key("O")
	d.contains("org tree: not available — the key lacks the ORGANIZATION")
	d.key("enter")
	if !strings.Contains(d.screen(), "org tree: not available") {
		t.Fatal("enter on no tree left the note")
	}
}

// O on the org tree stays on it: it pushed another tree over the tree
// ("Users › Org tree › Org tree"), and the tree's hint line offered it.
func TestOrgTreeKeyOnTheTree(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 120, 35)
	d.key("O")
	depth := len(d.m.stack)
	d.key("O")
	if len(d.m.stack) != depth {
		t.Fatalf("O on the org tree: %d screens deep, was %d", len(d.m.stack), depth)
	}
	d.lacks("O org tree", "Org tree › Org tree")
	d.key("esc")
	if len(d.m.stack) != depth-1 {
		t.Fatalf("esc from the org tree: %d screens deep", len(d.m.stack))
	}
}
