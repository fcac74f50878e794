package ui

import (
	"github.com/otaccess/otaccess/numfmt"

	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Groups screen columns.
const (
	gcolName = iota
	gcolRole
	gcolOrg
	gcolMembers
	gcolCategory
	gcolCount
)

// groupsScreen lists every group with its role, org and member count.
// Groups number in the thousands at most, so it filters and sorts directly.
type groupsScreen struct {
	filter  filterInput
	keys    []string // lowercase search key per group
	rows    []int32
	sortCol int
	desc    bool
	tbl     vtable
}

func newGroupsScreen() *groupsScreen {
	s := &groupsScreen{}
	s.tbl.cols = []column{
		gcolName:     {title: "GROUP", min: 16, max: 60, weight: 6},
		gcolRole:     {title: "ROLE", min: 10, max: 36, weight: 3, drop: 2},
		gcolOrg:      {title: "ORGANIZATION", min: 10, max: 36, weight: 3, drop: 2},
		gcolMembers:  {title: "MEMBERS", width: 8, right: true},
		gcolCategory: {title: "CATEGORY", min: 8, max: 30, weight: 1, drop: 3},
	}
	return s
}

func (s *groupsScreen) title(*Model) string { return "Groups" }

func (s *groupsScreen) typing() bool { return s.filter.focused() }

func (s *groupsScreen) refresh(a *Model) bool {
	if s.filter.placeholder == "" {
		s.filter = newFilterInputWith(a, "to filter groups by name, role, organization or category")
	}
	s.keepCursor(a, func() {
		snap := a.snap
		s.keys = s.keys[:0]
		for i := range snap.Groups {
			g := &snap.Groups[i]
			k := g.DisplayName + "\n" + g.Category
			if !g.Plain() {
				k += "\n" + snap.Roles[g.Role].Name + "\n" + snap.Orgs[g.Org].Name
			}
			s.keys = append(s.keys, strings.ToLower(k))
		}
		s.refilter(a)
	})
	return true
}

// keepCursor runs change, keeping the cursor on the same group.
func (s *groupsScreen) keepCursor(a *Model, change func()) {
	n := func() int { return len(s.rows) }
	id := func(i int) string {
		if g := int(s.rows[i]); g < len(a.snap.Groups) {
			return a.snap.Groups[g].ID
		}
		return "" // a row of the snapshot before a change
	}
	s.tbl.cursor = keepCursor(s.tbl.cursor, n, id, change)
	s.tbl.clampTo(len(s.rows), s.visibleRows(a))
}

func (s *groupsScreen) selectedID(a *Model) string {
	if s.tbl.cursor >= 0 && s.tbl.cursor < len(s.rows) && int(s.rows[s.tbl.cursor]) < len(a.snap.Groups) {
		return a.snap.Groups[s.rows[s.tbl.cursor]].ID
	}
	return ""
}

func (s *groupsScreen) visibleRows(a *Model) int { return max(1, a.bodyHeight()-2) }

func (s *groupsScreen) refilter(a *Model) {
	q := strings.Fields(strings.ToLower(s.filter.value()))
	s.rows = s.rows[:0]
	for i, k := range s.keys {
		ok := true
		for _, t := range q {
			if !strings.Contains(k, t) {
				ok = false
				break
			}
		}
		if ok {
			s.rows = append(s.rows, int32(i))
		}
	}
	s.sortRows(a)
}

func (s *groupsScreen) sortRows(a *Model) {
	snap := a.snap
	name := func(g int32, col int) string {
		grp := &snap.Groups[g]
		switch col {
		case gcolRole:
			if grp.Plain() {
				return ""
			}
			return strings.ToLower(snap.Roles[grp.Role].Name)
		case gcolOrg:
			if grp.Plain() {
				return ""
			}
			return strings.ToLower(snap.Orgs[grp.Org].Name)
		case gcolCategory:
			return strings.ToLower(grp.Category)
		}
		return ""
	}
	var members []int // effective member counts, when sorting by them
	if s.sortCol == gcolMembers {
		members = make([]int, len(snap.Groups))
		for g := range snap.Groups {
			members[g] = len(snap.EffectiveMembers(g))
		}
	}
	slices.SortStableFunc(s.rows, func(x, y int32) int {
		c := 0
		switch s.sortCol {
		case gcolName:
			c = int(x) - int(y) // the snapshot is sorted by display name
		case gcolMembers:
			c = members[x] - members[y]
		default:
			c = strings.Compare(name(x, s.sortCol), name(y, s.sortCol))
		}
		if c == 0 {
			c = int(x) - int(y)
		}
		if s.desc {
			return -c
		}
		return c
	})
}

func (s *groupsScreen) view(a *Model, w, h int) []string {
	st := &a.st
	count := numfmt.Count(len(a.snap.Groups), "group", "groups")
	if len(s.rows) != len(a.snap.Groups) {
		count = numfmt.Commas(len(s.rows)) + " of " + count
	}
	count += " "
	out := []string{s.filter.view(a, w-ansi.StringWidth(count)-1) + " " + st.Muted.Render(count)}
	if len(s.rows) == 0 {
		return append(out, "", "  "+st.Muted.Render("no groups match"))
	}
	return append(out, s.tbl.view(st, w, h-1, len(s.rows), s.sortCol, s.desc, func(i int, cells []cell) {
		g := &a.snap.Groups[s.rows[i]]
		cells[gcolName].text = safe(g.DisplayName)
		if !g.Plain() {
			cells[gcolRole].text = safe(a.snap.Roles[g.Role].Name)
			cells[gcolOrg].text = safe(a.snap.Orgs[g.Org].Name)
		}
		cells[gcolMembers].text = numfmt.Commas(len(a.snap.EffectiveMembers(int(s.rows[i]))))
		cells[gcolCategory].text = safe(g.Category)
	})...)
}

func (s *groupsScreen) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	n, h := len(s.rows), s.visibleRows(a)
	km, cmd, handled, stop := listKeys(a, msg, &s.filter, &s.tbl, n, h, func() { s.refilter(a) })
	if stop {
		return cmd, handled
	}
	k := a.keys
	switch {
	case matches(km, k.Sort):
		s.sortCol, s.desc = (s.sortCol+1)%gcolCount, s.sortCol+1 == gcolMembers
		s.resort(a)
		return nil, true
	case matches(km, k.Reverse):
		s.desc = !s.desc
		s.resort(a)
		return nil, true
	case matches(km, k.Open):
		if id := s.selectedID(a); id != "" {
			a.push(newMembersScreen(a, id))
		}
		return nil, true
	case matches(km, k.CopyName):
		if id := s.selectedID(a); id != "" {
			return a.copyText("name", a.snap.Groups[s.rows[s.tbl.cursor]].DisplayName), true
		}
	case matches(km, k.CopyID):
		if id := s.selectedID(a); id != "" {
			return a.copyID(id), true
		}
	}
	return nil, false
}

func (s *groupsScreen) resort(a *Model) { s.keepCursor(a, func() { s.sortRows(a) }) }

func (s *groupsScreen) hints(a *Model) []Binding {
	k := a.keys
	if s.filter.focused() {
		return []Binding{
			k.Input.Keep, k.Input.Clear,
		}
	}
	return []Binding{k.Open, k.Filter, k.Sort, k.Reverse, k.CopyName, k.CopyID, k.UsersTab, k.MatrixTab, k.Sync, k.Quit}
}

func (s *groupsScreen) info(a *Model) string {
	if s.tbl.cursor >= 0 && s.tbl.cursor < len(s.rows) {
		gi := int(s.rows[s.tbl.cursor])
		g := &a.snap.Groups[gi]
		out := safe(g.DisplayName) + ": " + numfmt.Count(len(a.snap.EffectiveMembers(gi)), "member", "members")
		if v := len(a.snap.EffectiveMembers(gi)) - len(g.Members); v > 0 {
			out += " (" + numfmt.Commas(v) + " only through a user group)"
		}
		return out
	}
	return ""
}
