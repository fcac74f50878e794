package ui

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// The tenant matrix at 80x24 over 40 roles x 50 orgs: L/H page sideways
// by a screenful, 0/$ jump to the first/last column, the title says which
// columns are in view, and the totals row and column are those of the
// snapshot (s sorts by the totals column, which says so).
func TestMatrixPagesSideways(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 400, Roles: 40, Orgs: 50})
	d := tn.model(t, 80, 24)
	d.key("2")
	ms := d.m.roots[tabMatrix].(*matrixScreen)
	d.contains("rows 1-", "of 40", "cols 1-", "of 50", "Total")
	first := d.m.roots[tabMatrix].(*matrixScreen).g
	if first.col != 0 {
		t.Fatalf("matrix opens on column %d", first.col)
	}
	perPage := 0
	spec := ms.spec(d.m)
	dims := gridLayout(80, d.m.bodyHeight()-1, spec)
	perPage = dims.lastCol(0)
	if perPage < 4 || perPage >= 50 {
		t.Fatalf("%d columns fit at 80x24", perPage)
	}
	d.key("L")
	if ms.g.col != perPage || ms.g.colOff != perPage {
		t.Fatalf("L: cursor column %d offset %d, want %d (one page on)", ms.g.col, ms.g.colOff, perPage)
	}
	d.contains("cols " + itoa(perPage+1) + "-")
	d.key("H")
	if ms.g.col != 0 || ms.g.colOff != 0 {
		t.Fatalf("H: cursor column %d offset %d, want 0", ms.g.col, ms.g.colOff)
	}
	d.key("shift+right") // shift+right pages too
	if ms.g.col != perPage {
		t.Fatalf("shift+right: column %d, want %d", ms.g.col, perPage)
	}
	d.key("shift+left")
	if ms.g.col != 0 {
		t.Fatalf("shift+left: column %d, want 0", ms.g.col)
	}
	d.key("$")
	if ms.g.col != 49 {
		t.Fatalf("$: column %d, want 49", ms.g.col)
	}
	d.contains("of 50")
	pos := ms.g.position(80, d.m.bodyHeight()-1, ms.spec(d.m))
	if !strings.HasSuffix(pos, "-50 of 50") {
		t.Fatalf("$: position %q, want the last columns", pos)
	}
	// Reaching the 46th org takes a few presses, not 45.
	d.key("0")
	presses := 0
	for ms.g.col+1 < 46 && presses < 50 {
		d.key("L")
		presses++
	}
	if presses > 50/perPage+1 {
		t.Fatalf("%d presses of L to reach column 46", presses)
	}
	// L on the last page goes to the last column; H on the first to the first.
	d.key("$", "L")
	if ms.g.col != 49 {
		t.Fatalf("L on the last page: column %d", ms.g.col)
	}
	d.key("0", "l", "H")
	if ms.g.col != 0 {
		t.Fatalf("H on the first page: column %d", ms.g.col)
	}

	// Totals: the grand total is every role x org membership of the
	// snapshot, effective access (direct or through a user group).
	snap := d.m.snap
	all, direct := 0, 0
	for g := range snap.Groups {
		if !snap.Groups[g].Plain() {
			all += len(snap.EffectiveMembers(g))
			direct += len(snap.Groups[g].Members)
		}
	}
	if all == direct {
		t.Fatal("the fake grants nothing only through a user group here")
	}
	if ms.sum != all {
		t.Fatalf("grand total %d, want %d", ms.sum, all)
	}
	d.contains("Total", numfmt.Commas(all))

	// s sorts rows by their total, shown as the sorted column.
	d.key("s")
	d.contains("sort: total", "Total▼")
	for k := 1; k < len(ms.rows); k++ {
		if ms.rowSum[ms.rows[k-1]] < ms.rowSum[ms.rows[k]] {
			t.Fatalf("rows not by total at %d", k)
		}
	}
	d.key("home")
	top := ms.rows[0]
	line := lineWith(d.screen(), markCursor)
	if !strings.HasSuffix(strings.TrimRight(line, " "), numfmt.Commas(ms.rowSum[top])) {
		t.Fatalf("the first row does not end in its total %d: %q", ms.rowSum[top], line)
	}
}

// At 200 columns org names are no longer cut at 14 cells.
func TestMatrixColumnsUseTheWidth(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 100, Roles: 5, Orgs: 6}, func(s *scimtest.TestServer) {
		_ = s.RenameOrg(s.Orgs()[0].ID, "Aaa Regional Compliance Office")
	})
	d := tn.model(t, 200, 50)
	d.key("2")
	d.contains("Aaa Regional Compliance Office")
	d.lacks("cols ")
	d.send(resize(80, 24))
	// Cut at 80 columns, and named in full on the hint line.
	d.contains("Aaa Reg")
	if h := lineWith(d.screen(), "Aaa Reg"); strings.Contains(h, "Office") || !strings.Contains(h, ellipsis) {
		t.Fatalf("the long name is not cut at 80 columns: %q", h)
	}
	if info := d.m.top().info(d.m); !strings.Contains(info, "Aaa Regional Compliance Office: ") {
		t.Fatalf("info %q", info)
	}
}

// The user detail opens with the user's first membership under the cursor
// and its column first in view, not on columns of empty cells; its totals
// count the user's roles per org.
func TestDetailOpensOnAMembership(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 400, Roles: 40, Orgs: 50})
	snap := tn.snap
	// A user whose first held org is far to the right.
	ui := pick(t, snap, func(u *tenant.User) bool {
		if u.Email == "" || len(u.Groups) == 0 {
			return false
		}
		if i, _ := snap.UserIndex(u.ID); len(snap.UserGroupsOf(i)) > 0 {
			return false // direct access only: the cell reads ●
		}
		for _, g := range u.Groups {
			if grp := snap.Groups[g]; grp.Plain() || grp.Org < 10 {
				return false
			}
		}
		return true
	})
	d := tn.model(t, 80, 24)
	d.openUser(snap.Users[ui].Email)
	ds := d.m.top().(*detailScreen)
	i, j := clamp(ds.g.row, 0, len(ds.m.Roles)-1), clamp(ds.g.col, 0, len(ds.m.Orgs)-1)
	if ds.m.Counts[i][j] == 0 {
		t.Fatalf("the cursor opens on (%d,%d), not a membership", i, j)
	}
	if j < 10 || ds.g.colOff != j {
		t.Fatalf("cursor column %d, first column in view %d", j, ds.g.colOff)
	}
	d.contains("[●]", "cols "+itoa(j+1)+"-", "Total")
	if info := ds.info(d.m); !strings.HasSuffix(info, ": direct") {
		t.Fatalf("info %q", info)
	}
	if ds.sum != len(snap.Users[ui].Groups) {
		t.Fatalf("total %d, want %d memberships", ds.sum, len(snap.Users[ui].Groups))
	}
	d.key("0")
	if ds.g.col != 0 {
		t.Fatalf("0: column %d", ds.g.col)
	}
}

// A user detail whose first membership is in a later org, at a width that
// holds every org, shows them all from the first (it showed cols 2-8 of 8
// at 200 columns, the first org out of view with room to spare).
func TestDetailShowsEveryColumnThatFits(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 300, Roles: 12, Orgs: 8})
	snap := tn.snap
	ui := pick(t, snap, func(u *tenant.User) bool {
		if u.Email == "" || len(u.Groups) == 0 {
			return false
		}
		for _, g := range u.Groups {
			if grp := snap.Groups[g]; grp.Plain() || grp.Org == 0 {
				return false
			}
		}
		return true
	})
	d := tn.model(t, 200, 50)
	d.openUser(snap.Users[ui].Email)
	ds := d.m.top().(*detailScreen)
	if ds.g.col == 0 {
		t.Fatal("the user's first membership is in the first org")
	}
	d.lacks("cols ", markLess)
	d.contains(safe(snap.Orgs[ds.m.Orgs[0]].Name), "[●]")
}

// Column headers are two cells apart or more, on a page of many columns
// and on one with room to spare ("Acme Labs APAC - Operations Australia"
// read as one line of words), and counts are right-aligned under them, so
// that 62 and 175 end in the same column.
func TestMatrixColumnsReadApart(t *testing.T) {
	for _, c := range []struct {
		orgs, w, h int
	}{{50, 200, 50}, {50, 80, 24}, {8, 200, 50}, {8, 120, 35}} {
		tn := newTenant(t, scimtest.Config{Users: 400, Roles: 12, Orgs: c.orgs})
		d := tn.model(t, c.w, c.h)
		d.key("2")
		names := map[string]bool{totalsLabel: true, markLess: true, markMore: true}
		for _, o := range tn.snap.Orgs {
			names[safe(o.Name)] = true
		}
		lines := strings.Split(d.screen(), "\n")
		hi := 0
		for i, l := range lines {
			if strings.Contains(l, totalsLabel) && !strings.HasPrefix(l, " "+totalsLabel) {
				hi = i
				break
			}
		}
		header := strings.TrimSpace(lines[hi])
		for _, h := range regexp.MustCompile(`\s{2,}`).Split(header, -1) {
			h = strings.TrimPrefix(h, markLess)
			if !names[h] && !strings.HasSuffix(h, ellipsis) {
				t.Errorf("%d orgs at %dx%d: header %q is not one name: %q", c.orgs, c.w, c.h, h, header)
			}
		}
		// The right edge of each number, row by row, below the header
		// (the cursor's row aside: its brackets stick out).
		var edges [][]int
		num := regexp.MustCompile(`[0-9,·]+`)
		for _, l := range lines[hi+1:] {
			if strings.HasPrefix(l, markCursor) {
				continue
			}
			if !strings.HasPrefix(l, " ") || strings.TrimSpace(l) == "" {
				break
			}
			rs := []rune(l)
			var e []int
			for _, m := range num.FindAllStringIndex(string(rs[22:]), -1) {
				e = append(e, 22+len([]rune(string(rs[22:])[:m[1]])))
			}
			edges = append(edges, e)
		}
		if len(edges) < 3 {
			t.Fatalf("%d rows of numbers:\n%s", len(edges), d.screen())
		}
		for k := 1; k < len(edges); k++ {
			if !slices.Equal(edges[k], edges[0]) {
				t.Fatalf("%d orgs at %dx%d: numbers end at %v in one row, %v in another:\n%s",
					c.orgs, c.w, c.h, edges[0], edges[k], d.screen())
			}
		}
	}
}

func itoa(n int) string { return numfmt.Commas(n) }

func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
