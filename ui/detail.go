package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// detailScreen shows one user: every attribute, and the role x organization
// matrix where space grants or revokes the membership under the cursor.
// It tracks the user by id: indexes shift when the snapshot changes.
type detailScreen struct {
	userID    string
	user      int
	hideEmpty bool
	m         tenant.Matrix
	g         grid
	// Totals: organizations per role, roles per organization, in all.
	rowSum, colSum []int
	sum            int
}

func newDetailScreen(a *Model, id string) *detailScreen {
	s := &detailScreen{userID: id}
	s.refresh(a)
	s.startOnMembership()
	return s
}

// startOnMembership puts the cursor on the user's first membership and its
// organization's column first in view, so that a user whose roles are in
// the 30th of 50 organizations does not open on columns of empty cells.
func (s *detailScreen) startOnMembership() {
	for j := range s.m.Orgs {
		for i := range s.m.Roles {
			if s.m.Counts[i][j] > 0 {
				s.g.row, s.g.col = i, j
				s.g.colOff = j
				return
			}
		}
	}
}

func (s *detailScreen) title(a *Model) string { return safe(a.snap.Users[s.user].Name()) }

func (s *detailScreen) typing() bool { return false }

func (s *detailScreen) refresh(a *Model) bool {
	u, ok := a.snap.UserIndex(s.userID)
	if !ok {
		return false
	}
	// Keep the cursor on the same role and org across a recompute.
	roles, role := func() int { return len(s.m.Roles) }, func(i int) int { return s.m.Roles[i] }
	orgs, org := func() int { return len(s.m.Orgs) }, func(j int) int { return s.m.Orgs[j] }
	keepGridCursor(&s.g, roles, role, orgs, org, func() {
		s.user = u
		s.m = effectiveUserMatrix(a.snap, u, !s.hideEmpty)
		s.sumMatrix()
	})
	return true
}

func (s *detailScreen) spec(a *Model) gridSpec {
	snap := a.snap
	return gridSpec{
		rows:     len(s.m.Roles),
		cols:     len(s.m.Orgs),
		rowLabel: func(i int) string { return safe(snap.Roles[s.m.Roles[i]].Name) },
		colLabel: func(j int) string { return safe(snap.Orgs[s.m.Orgs[j]].Name) },
		cell: func(i, j int) (string, *lipgloss.Style) {
			g := int(s.m.Group[i][j])
			switch {
			case g < 0:
				return " ", nil
			case a.isPending(s.user, g):
				return a.spin.View(), &a.st.Pending
			case s.m.Counts[i][j] > 0:
				direct, via := a.snap.Holds(s.user, g)
				return heldMark(direct, len(via)), &a.st.Member
			}
			return markEmpty, &a.st.Empty
		},
		cellWidth: 1,
		rowTotal:  func(i int) string { return countOrDot(s.rowSum[i]) },
		colTotal:  func(j int) string { return countOrDot(s.colSum[j]) },
		total:     countOrDot(s.sum),
	}
}

// effectiveUserMatrix is the user's role x org grid of effective access:
// Counts is 1 where the user holds the cell directly or through a user
// group. Without all, only the roles and orgs the user holds either way.
func effectiveUserMatrix(snap *tenant.Snapshot, u int, all bool) tenant.Matrix {
	m := snap.UserMatrix(u, true)
	for i := range m.Roles {
		for j := range m.Orgs {
			g := int(m.Group[i][j])
			if g >= 0 && snap.HoldsEffectively(u, g) {
				m.Counts[i][j] = 1
			} else {
				m.Counts[i][j] = 0
			}
		}
	}
	if all {
		return m
	}
	var rows, cols []int
	for i := range m.Roles {
		for j := range m.Orgs {
			if m.Counts[i][j] > 0 {
				rows = append(rows, i)
				break
			}
		}
	}
	for j := range m.Orgs {
		for i := range m.Roles {
			if m.Counts[i][j] > 0 {
				cols = append(cols, j)
				break
			}
		}
	}
	out := tenant.Matrix{Roles: make([]int, len(rows)), Orgs: make([]int, len(cols)),
		Counts: make([][]int, len(rows)), Group: make([][]int32, len(rows))}
	for j, c := range cols {
		out.Orgs[j] = m.Orgs[c]
	}
	for i, r := range rows {
		out.Roles[i] = m.Roles[r]
		out.Counts[i] = make([]int, len(cols))
		out.Group[i] = make([]int32, len(cols))
		for j, c := range cols {
			out.Counts[i][j], out.Group[i][j] = m.Counts[r][c], m.Group[r][c]
		}
	}
	return out
}

// countOrDot is a total of the user's matrix: a count, or the empty mark.
func countOrDot(n int) string {
	if n == 0 {
		return markEmpty
	}
	return numfmt.Commas(n)
}

// sumMatrix counts the user's roles per organization and organizations
// per role, for the totals.
func (s *detailScreen) sumMatrix() {
	s.rowSum = make([]int, len(s.m.Roles))
	s.colSum = make([]int, len(s.m.Orgs))
	s.sum = 0
	for i := range s.m.Roles {
		for j := range s.m.Orgs {
			if s.m.Counts[i][j] > 0 {
				s.rowSum[i]++
				s.colSum[j]++
				s.sum++
			}
		}
	}
}

// header renders the user's name line and attribute lines for width w.
func (s *detailScreen) header(a *Model, w int) []string {
	st := &a.st
	u := &a.snap.Users[s.user]
	status := st.Active.Render("active")
	if !u.Active {
		status = st.Inactive.Render("inactive")
	}
	first := []string{st.Bold.Render(safe(u.Name()))}
	if u.Email != "" {
		first = append(first, safe(u.Email))
	}
	first = append(first, status)
	if u.UserType != "" {
		first = append(first, safe(u.UserType))
	}
	first = append(first, st.Muted.Render("id ")+safe(shortID(u.ID)))
	if u.LastModified != "" {
		first = append(first, st.Muted.Render("modified ")+safe(dateOnly(u.LastModified)))
	}
	// Drop trailing parts (modified, id, type) rather than cut the line.
	line0 := " " + first[0]
	for _, p := range first[1:] {
		if ansi.StringWidth(line0)+2+ansi.StringWidth(p) > w {
			break
		}
		line0 += "  " + p
	}
	out := []string{line0}
	if l := s.loginLine(a, w); l != "" {
		out = append(out, l)
	}

	type kv struct{ k, v string }
	attrs := []kv{
		{"userName", u.UserName}, {"externalId", u.ExternalID},
		{"given", u.GivenName}, {"family", u.FamilyName}, {"display", u.DisplayName},
		{"title", u.Title}, {"department", u.Department}, {"division", u.Division},
		{"organization", u.Organization}, {"cost center", u.CostCenter}, {"employee", u.EmployeeID},
		{"manager", firstNonEmpty(u.ManagerName, u.ManagerID)}, {"created", dateOnly(u.Created)},
		{"id", u.ID}, // in full here: the title line shortens it
	}
	sep := st.Muted.Render(" · ")
	line := " "
	lineW := 1
	for _, p := range attrs {
		v := safe(p.v)
		if strings.TrimSpace(v) == "" {
			continue
		}
		maxV := max(8, w/2)
		if ansi.StringWidth(v) > maxV {
			v = fit(v, maxV)
		}
		item := st.Label.Render(p.k) + " " + v
		iw := ansi.StringWidth(p.k) + 1 + ansi.StringWidth(v)
		if lineW > 1 && lineW+3+iw > w {
			out = append(out, line)
			line, lineW = " ", 1
		}
		if lineW > 1 {
			line += sep
			lineW += 3
		}
		line += item
		lineW += iw
	}
	if lineW > 1 {
		out = append(out, line)
	}
	return out
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// dateOnly shortens an RFC 3339 timestamp to its date and minute.
func dateOnly(ts string) string {
	if len(ts) >= 16 && ts[10] == 'T' {
		return ts[:10] + " " + ts[11:16]
	}
	return ts
}

// layout splits h lines of width w into the header and the grid's height.
func (s *detailScreen) layout(a *Model, w, h int) (head []string, gridH int) {
	head = s.header(a, w)
	// Keep at least a few grid rows: attributes give way first.
	maxHead := max(1, h-6)
	if len(head) > maxHead {
		head = head[:maxHead]
	}
	gridH = h - len(head) - 3 // blank + matrix title + legend
	if len(a.snap.PlainGroups(s.user)) > 0 {
		gridH--
	}
	return head, max(1, gridH)
}

func (s *detailScreen) view(a *Model, w, h int) []string {
	st := &a.st
	head, gridH := s.layout(a, w, h)
	out := append([]string{}, head...)
	out = append(out, "")
	n := len(a.snap.EffectiveGroups(s.user))
	title := fmt.Sprintf(" Roles × organizations — %s", numfmt.Count(n, "membership", "memberships"))
	note := ""
	if s.hideEmpty {
		note = "(only held roles/orgs; " + keyName(a.keys.HideEmpty) + " shows all)"
	} else if len(a.snap.Roles) > 0 {
		note = "(" + keyName(a.keys.HideEmpty) + " hides empty rows/columns)"
	}
	spec := s.spec(a)
	out = append(out, gridTitle(st, w, []string{title, " Roles × organizations"}, note, s.g.position(w, gridH, spec)))
	switch {
	case len(a.snap.Roles) == 0:
		out = append(out, "  "+st.Muted.Render("this tenant has no role x organization groups"))
	case spec.rows == 0 || spec.cols == 0:
		out = append(out, "  "+st.Muted.Render("no memberships — press "+keyName(a.keys.HideEmpty)+" to show every role and organization"))
	default:
		out = append(out, s.g.view(st, w, gridH, spec)...)
	}
	plain := a.snap.PlainGroups(s.user)
	bottom := h - 1
	if len(plain) > 0 {
		bottom--
	}
	for len(out) < bottom {
		out = append(out, "")
	}
	if len(a.snap.Roles) > 0 {
		out = append(out, " "+st.Muted.Render(clip(safe(a.heldLegend()), w-1)))
	}
	if len(plain) > 0 {
		names := make([]string, len(plain))
		for i, g := range plain {
			names[i] = safe(a.snap.Groups[g].DisplayName)
		}
		out = append(out, " "+st.Label.Render("other groups ")+strings.Join(names, ", "))
	}
	return out
}

// cursorGroup is the group under the cursor (-1: none) and its role/org.
func (s *detailScreen) cursorGroup() (g, role, org int) {
	if len(s.m.Roles) == 0 || len(s.m.Orgs) == 0 {
		return -1, -1, -1
	}
	i, j := clamp(s.g.row, 0, len(s.m.Roles)-1), clamp(s.g.col, 0, len(s.m.Orgs)-1)
	return int(s.m.Group[i][j]), s.m.Roles[i], s.m.Orgs[j]
}

func (s *detailScreen) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := a.keys
	if matches(km, k.Like) { // before the grid: L pages right elsewhere
		return a.openLikePicker(s.userID), true
	}
	spec := s.spec(a)
	_, gridH := s.layout(a, a.width, a.bodyHeight())
	gk := k
	gk.Grid.PageRight = k.Grid.DetailPageRight
	if spec.rows > 0 && spec.cols > 0 && s.g.handleKey(gk, km, spec, gridLayout(a.width, gridH, spec)) {
		return nil, true
	}
	switch {
	case matches(km, k.Edit):
		return a.openEditForm(s.userID), true
	case matches(km, k.Activate):
		return a.openActivate(s.userID), true
	case matches(km, k.Restore):
		return a.planRestore(s.userID), true
	case matches(km, k.Toggle):
		g, role, org := s.cursorGroup()
		if role < 0 {
			return nil, true
		}
		if g < 0 {
			return a.setFlash(flashInfo, fmt.Sprintf("the tenant has no group for %s in %s", a.snap.Roles[role].Name, a.snap.Orgs[org].Name)), true
		}
		return a.confirmChange(s.user, g, !a.snap.HoldsEffectively(s.user, g)), true
	case matches(km, k.HideEmpty):
		s.hideEmpty = !s.hideEmpty
		s.refresh(a)
		return nil, true
	case matches(km, k.Deprovision):
		return a.openDeprovision(s.user), true
	case matches(km, k.CopyEmail):
		return a.copyText("email", a.snap.Users[s.user].Email), true
	case matches(km, k.CopyID):
		return a.copyID(s.userID), true
	case matches(km, k.Logins):
		return a.openLogins(s.user), true
	case matches(km, k.History):
		g, role, org := s.cursorGroup()
		if role < 0 {
			return nil, true
		}
		if g < 0 {
			return a.setFlash(flashInfo, fmt.Sprintf("the tenant has no group for %s in %s", a.snap.Roles[role].Name, a.snap.Orgs[org].Name)), true
		}
		return a.openHistory(s.user, g), true
	}
	return nil, false
}

func (s *detailScreen) hints(a *Model) []Binding {
	k := a.keys
	if u, ok := a.snap.UserIndex(s.userID); ok && !a.snap.Users[u].Active {
		// An inactive user: bringing them back comes first.
		return []Binding{k.Activate, k.Restore, k.Toggle, k.Back, k.Edit, k.Like, k.Move, k.HideEmpty, k.Grid.DetailPageRight, k.Grid.LastCol, k.CopyEmail, k.CopyID, k.History, k.Logins, k.Deprovision}
	}
	return []Binding{k.Toggle, k.Deprovision, k.Back, k.Move, k.Edit, k.Like, k.HideEmpty, k.Grid.DetailPageRight, k.Grid.LastCol, k.CopyEmail, k.CopyID, k.History, k.Logins, k.Restore}
}

// info names the cell under the cursor in full: labels are truncated.
func (s *detailScreen) info(a *Model) string {
	g, role, org := s.cursorGroup()
	if role < 0 {
		return ""
	}
	name := safe(a.snap.Roles[role].Name) + " — " + safe(a.snap.Orgs[org].Name)
	switch {
	case g < 0:
		return name + ": no such group"
	case a.isPending(s.user, g):
		return name + ": changing…"
	case a.snap.HoldsEffectively(s.user, g):
		direct, via := a.snap.Holds(s.user, g)
		return name + ": " + safe(heldText(a, direct, via))
	}
	return name + ": not held"
}
