package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// matrixScreen is the tenant's role x organization grid with member counts.
// enter lists the members of the cell's group.
type matrixScreen struct {
	m         tenant.Matrix
	rows      []int // indexes into m's rows, in display order
	cols      []int
	g         grid
	hideEmpty bool
	byCount   bool // rows ordered by their total, most first
	// The totals of the shown matrix: memberships per role (row) and per
	// organization (column), and of all.
	rowSum, colSum []int
	sum            int
}

func newMatrixScreen() *matrixScreen { return &matrixScreen{} }

func (s *matrixScreen) title(*Model) string { return "Matrix" }

func (s *matrixScreen) typing() bool { return false }

func (s *matrixScreen) refresh(a *Model) bool {
	// Keep the cursor on the same role and org.
	roles, role := func() int { return len(s.rows) }, func(i int) int { return s.m.Roles[s.rows[i]] }
	orgs, org := func() int { return len(s.cols) }, func(j int) int { return s.m.Orgs[s.cols[j]] }
	keepGridCursor(&s.g, roles, role, orgs, org, func() { s.layout(a) })
	return true
}

// layout recomputes the matrix and the rows and columns shown, in order.
func (s *matrixScreen) layout(a *Model) {
	snap := a.snap
	s.m = snap.TenantMatrix()
	rowSum := make([]int, len(s.m.Roles))
	colSum := make([]int, len(s.m.Orgs))
	for i := range s.m.Roles {
		for j := range s.m.Orgs {
			rowSum[i] += s.m.Counts[i][j]
			colSum[j] += s.m.Counts[i][j]
		}
	}
	s.rows = s.rows[:0]
	for i := range s.m.Roles {
		if !s.hideEmpty || rowSum[i] > 0 {
			s.rows = append(s.rows, i)
		}
	}
	s.cols = s.cols[:0]
	for j := range s.m.Orgs {
		if !s.hideEmpty || colSum[j] > 0 {
			s.cols = append(s.cols, j)
		}
	}
	s.rowSum, s.colSum, s.sum = rowSum, colSum, 0
	for _, n := range rowSum {
		s.sum += n
	}
	slices.SortStableFunc(s.rows, func(x, y int) int {
		if s.byCount && rowSum[x] != rowSum[y] {
			return rowSum[y] - rowSum[x]
		}
		return strings.Compare(strings.ToLower(snap.Roles[s.m.Roles[x]].Name), strings.ToLower(snap.Roles[s.m.Roles[y]].Name))
	})
	slices.SortStableFunc(s.cols, func(x, y int) int {
		return strings.Compare(strings.ToLower(snap.Orgs[s.m.Orgs[x]].Name), strings.ToLower(snap.Orgs[s.m.Orgs[y]].Name))
	})
}

// cursorRoleOrg is the snapshot role and org under the cursor (-1: none).
func (s *matrixScreen) cursorRoleOrg() (role, org int) {
	if len(s.rows) == 0 || len(s.cols) == 0 {
		return -1, -1
	}
	i, j := s.rows[clamp(s.g.row, 0, len(s.rows)-1)], s.cols[clamp(s.g.col, 0, len(s.cols)-1)]
	return s.m.Roles[i], s.m.Orgs[j]
}

func (s *matrixScreen) cursorGroup() int {
	if len(s.rows) == 0 || len(s.cols) == 0 {
		return -1
	}
	i, j := s.rows[clamp(s.g.row, 0, len(s.rows)-1)], s.cols[clamp(s.g.col, 0, len(s.cols)-1)]
	return int(s.m.Group[i][j])
}

func (s *matrixScreen) spec(a *Model) gridSpec {
	snap := a.snap
	widest := 1
	for _, i := range s.rows {
		for _, j := range s.cols {
			widest = max(widest, len(strconv.Itoa(s.m.Counts[i][j])))
		}
	}
	return gridSpec{
		rows:     len(s.rows),
		cols:     len(s.cols),
		rowLabel: func(i int) string { return safe(snap.Roles[s.m.Roles[s.rows[i]]].Name) },
		colLabel: func(j int) string { return safe(snap.Orgs[s.m.Orgs[s.cols[j]]].Name) },
		cell: func(i, j int) (string, *lipgloss.Style) {
			r, c := s.rows[i], s.cols[j]
			switch {
			case s.m.Group[r][c] < 0:
				return " ", nil
			case s.m.Counts[r][c] == 0:
				return markEmpty, &a.st.Empty
			}
			return numfmt.Commas(s.m.Counts[r][c]), nil
		},
		cellWidth:   widest,
		rowTotal:    func(i int) string { return numfmt.Commas(s.rowSum[s.rows[i]]) },
		colTotal:    func(j int) string { return numfmt.Commas(s.colSum[s.cols[j]]) },
		total:       numfmt.Commas(s.sum),
		totalSorted: s.byCount,
	}
}

func (s *matrixScreen) view(a *Model, w, h int) []string {
	st := &a.st
	groups := 0
	for _, g := range a.snap.Groups {
		if !g.Plain() {
			groups++
		}
	}
	// s.sum counts effective access (direct or through a user group).
	title := fmt.Sprintf(" Roles × Organizations — %s, %s", numfmt.Count(groups, "group", "groups"),
		numfmt.Count(s.sum, "membership", "memberships"))
	if v := s.viaOnly(); v > 0 {
		title += ", " + numfmt.Commas(v) + " via user groups"
	}
	order := "sort: role name"
	if s.byCount {
		order = "sort: total " + markDesc
	}
	if s.hideEmpty {
		order += " · empty hidden"
	}
	spec := s.spec(a)
	if spec.rows == 0 || spec.cols == 0 {
		return []string{st.Bold.Render(title), "", "  " + st.Muted.Render("no role x organization groups in this snapshot")}
	}
	out := []string{gridTitle(st, w, []string{title, " Roles × Organizations"}, order, s.g.position(w, h-1, spec))}
	return append(out, s.g.view(st, w, h-1, spec)...)
}

func (s *matrixScreen) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := a.keys
	spec := s.spec(a)
	gh := a.bodyHeight() - 1
	if spec.rows > 0 && spec.cols > 0 && s.g.handleKey(k, km, spec, gridLayout(a.width, gh, spec)) {
		return nil, true
	}
	switch {
	case matches(km, k.Open):
		if g := s.cursorGroup(); g >= 0 {
			a.push(newMembersScreen(a, a.snap.Groups[g].ID))
		}
		return nil, true
	case matches(km, k.Sort, k.Reverse):
		s.byCount = !s.byCount
		s.refresh(a)
		return nil, true
	case matches(km, k.HideEmpty):
		s.hideEmpty = !s.hideEmpty
		s.refresh(a)
		return nil, true
	}
	return nil, false
}

func (s *matrixScreen) hints(a *Model) []Binding {
	k := a.keys
	return []Binding{k.Open, k.Move, k.Sort, k.Grid.PageRight, k.HideEmpty, k.Grid.LastCol, k.UsersTab, k.GroupsTab, k.Sync, k.Export, k.Quit}
}

func (s *matrixScreen) info(a *Model) string {
	role, org := s.cursorRoleOrg()
	if role < 0 {
		return ""
	}
	name := safe(a.snap.Roles[role].Name) + " — " + safe(a.snap.Orgs[org].Name)
	g := s.cursorGroup()
	if g < 0 {
		return name + ": no such group"
	}
	i, j := s.rows[clamp(s.g.row, 0, len(s.rows)-1)], s.cols[clamp(s.g.col, 0, len(s.cols)-1)]
	out := name + ": " + numfmt.Count(s.m.Counts[i][j], "member", "members")
	if v := s.m.ViaOnly[i][j]; v > 0 {
		out += " (" + numfmt.Commas(v) + " only through a user group)"
	}
	return out
}

// viaOnly counts the memberships held only through user groups.
func (s *matrixScreen) viaOnly() int {
	n := 0
	for i := range s.m.ViaOnly {
		for _, v := range s.m.ViaOnly[i] {
			n += v
		}
	}
	return n
}

// gridTitle is a matrix screen's title line: what it shows on the left,
// where the view is ("rows 1-18 of 40 · cols 6-10 of 50") on the right.
// The position is the last to go when the line is too narrow; the note
// (sort order, hints) the first, then the title gives way to its shorter
// forms (titles, longest first).
func gridTitle(st *Styles, w int, titles []string, note, pos string) string {
	right := st.Muted.Render(pos)
	rw := ansi.StringWidth(pos)
	if pos == "" {
		rw = -1
	}
	title := titles[0]
	for _, t := range titles[1:] {
		if ansi.StringWidth(title)+2+rw <= w {
			break
		}
		title = t
	}
	left := st.Bold.Render(title)
	if note != "" && ansi.StringWidth(title)+3+ansi.StringWidth(note)+2+rw <= w {
		left += "   " + st.Muted.Render(note)
	}
	lw := ansi.StringWidth(left)
	if lw+2+rw > w {
		left = clip(left, max(0, w-rw-2))
		lw = ansi.StringWidth(left)
	}
	if pos == "" {
		return left
	}
	return left + strings.Repeat(" ", max(2, w-lw-rw)) + right
}
