package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// The mouse: a click on a list's row or a matrix's cell moves the cursor
// there, a click on what is already under the cursor opens it (so a
// double click opens too), and the wheel moves the cursor as the arrows
// do (sideways with shift, or a sideways wheel, on the matrices). Clicks
// on headers, titles, borders and the bars do nothing; while a dialog is
// open the mouse does nothing either (its keys say what it does).

// wheelStep is how many rows one turn of the wheel moves.
const wheelStep = 3

// clickable is a screen that puts its cursor where the mouse clicked.
type clickable interface {
	// click moves the cursor to body cell x, y; hit reports that it was
	// on a row or cell, again that the cursor was already there.
	click(a *Model, x, y int) (hit, again bool)
}

// mouse handles a mouse message.
func (a *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	if len(a.dialogs) > 0 || a.snap == nil && a.compare == nil {
		return nil
	}
	m := msg.Mouse()
	switch msg.(type) {
	case tea.MouseClickMsg:
		if m.Button != tea.MouseLeft {
			return nil
		}
		c, ok := a.top().(clickable)
		y := m.Y - 1 // the title bar
		if !ok || y < 0 || y >= a.bodyHeight() {
			return nil
		}
		hit, again := c.click(a, m.X, y)
		if hit && again && !a.top().typing() {
			return a.handleKey(keyPress(a.keys.Open))
		}
	case tea.MouseWheelMsg:
		var b Binding
		sideways := true
		switch {
		case m.Button == tea.MouseWheelUp && m.Mod&tea.ModShift != 0, m.Button == tea.MouseWheelLeft:
			b = a.keys.Left
		case m.Button == tea.MouseWheelDown && m.Mod&tea.ModShift != 0, m.Button == tea.MouseWheelRight:
			b = a.keys.Right
		case m.Button == tea.MouseWheelUp:
			b, sideways = a.keys.Up, false
		case m.Button == tea.MouseWheelDown:
			b, sideways = a.keys.Down, false
		default:
			return nil
		}
		if _, grid := a.top().(gridScreen); sideways && !grid {
			return nil // sideways means nothing to a list
		}
		var cmds []tea.Cmd
		for range wheelStep {
			cmd, _ := a.top().update(a, keyPress(b))
			cmds = append(cmds, cmd)
		}
		return tea.Batch(cmds...)
	}
	return nil
}

// gridScreen marks the matrix screens, which scroll sideways.
type gridScreen interface{ gridCursor() *grid }

func (s *matrixScreen) gridCursor() *grid { return &s.g }
func (s *detailScreen) gridCursor() *grid { return &s.g }

// keyPress is a press of b's first key, so that a click or the wheel does
// what that key does, however the keys are bound.
func keyPress(b Binding) tea.KeyPressMsg {
	name := b.Keys()[0]
	var mod tea.KeyMod
	for {
		switch {
		case strings.HasPrefix(name, "shift+"):
			mod |= tea.ModShift
			name = name[len("shift+"):]
			continue
		case strings.HasPrefix(name, "ctrl+"):
			mod |= tea.ModCtrl
			name = name[len("ctrl+"):]
			continue
		case strings.HasPrefix(name, "alt+"):
			mod |= tea.ModAlt
			name = name[len("alt+"):]
			continue
		}
		break
	}
	codes := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "space": tea.KeySpace,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"home": tea.KeyHome, "end": tea.KeyEnd, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"backspace": tea.KeyBackspace, "delete": tea.KeyDelete,
	}
	if c, ok := codes[name]; ok {
		k := tea.KeyPressMsg{Code: c, Mod: mod}
		if c == tea.KeySpace {
			k.Text = " "
		}
		return k
	}
	r := []rune(name)
	k := tea.KeyPressMsg{Code: r[0], Mod: mod}
	if mod == 0 {
		k.Text = name
	}
	return k
}

// clickRow is a click on a vtable drawn from body line top, h lines in
// all (its header, then its rows): the cursor goes to the row clicked.
func (t *vtable) clickRow(n, top, h, y int) (hit, again bool) {
	rows := h - 1
	line := y - top - 1 // the table's header
	if n == 0 || line < 0 || line >= rows {
		return false, false
	}
	off := scrollTo(clamp(t.cursor, 0, n-1), t.offset, rows, n)
	r := off + line
	if r >= n {
		return false, false
	}
	again = r == t.cursor
	t.cursor, t.offset = r, off
	return true, again
}

func (s *usersScreen) click(a *Model, _, y int) (bool, bool) {
	top := 1 + s.filter.errLines(a.width)
	return s.tbl.clickRow(len(s.rows), top, a.bodyHeight()-top, y)
}

func (s *membersScreen) click(a *Model, _, y int) (bool, bool) {
	top := 2 + s.filter.errLines(a.width)
	return s.tbl.clickRow(len(s.rows), top, a.bodyHeight()-top, y)
}

func (s *groupsScreen) click(a *Model, _, y int) (bool, bool) {
	return s.tbl.clickRow(len(s.rows), 1, a.bodyHeight()-1, y)
}

func (s *reviewListScreen) click(a *Model, _, y int) (bool, bool) {
	return s.tbl.clickRow(len(s.list), 1, a.bodyHeight()-1, y)
}

// click on a review's items: an item row moves the cursor; a header (a
// user's or a role's) does nothing.
func (s *reviewScreen) click(a *Model, _, y int) (bool, bool) {
	bodyH := a.bodyHeight() - 2
	if s.noting {
		bodyH--
	}
	line := y - 2
	if s.noting || bodyH <= 0 || line < 0 || line >= bodyH {
		return false, false
	}
	vis := s.list.visible(s.rows, bodyH)
	if line >= len(vis) || s.rows.header(vis[line]) {
		return false, false
	}
	again := vis[line] == s.list.cursor
	s.list.cursor = vis[line]
	return true, again
}

// cellAt is the cell under body-relative x, y of a grid drawn at top in
// h lines of width w; ok is false off the cells (labels, headers, totals).
func (g *grid) cellAt(s gridSpec, w, h, top, x, y int) (i, j int, ok bool) {
	if s.rows == 0 || s.cols == 0 {
		return 0, 0, false
	}
	d := gridLayout(w, h, s)
	v := g.window(s, d)
	line := y - top - 1 // the column headers
	if line < 0 || v.rowOff+line >= v.lastRow {
		return 0, 0, false
	}
	i = v.rowOff + line
	// The marker, the row label, a space and the "◂" cell, then each
	// column and a space.
	cx := d.labelW + 2
	for k, cw := range d.widths(s, v.colOff, v.lastCol) {
		if x >= cx && x < cx+cw {
			return i, v.colOff + k, true
		}
		cx += cw + 1
	}
	return 0, 0, false
}

// clickCell moves the grid's cursor to the cell clicked.
func (g *grid) clickCell(s gridSpec, w, h, top, x, y int) (hit, again bool) {
	i, j, ok := g.cellAt(s, w, h, top, x, y)
	if !ok {
		return false, false
	}
	again = i == clamp(g.row, 0, s.rows-1) && j == clamp(g.col, 0, s.cols-1)
	g.row, g.col = i, j
	g.scroll(s, gridLayout(w, h, s))
	return true, again
}

func (s *matrixScreen) click(a *Model, x, y int) (bool, bool) {
	return s.g.clickCell(s.spec(a), a.width, a.bodyHeight()-1, 1, x, y)
}

// click on the user's matrix; a second click on a cell is enter, which
// does nothing there (space grants or revokes, behind its confirmation).
func (s *detailScreen) click(a *Model, x, y int) (bool, bool) {
	head, gridH := s.layout(a, a.width, a.bodyHeight())
	hit, _ := s.g.clickCell(s.spec(a), a.width, gridH, len(head)+2, x, y)
	return hit, false
}
