package ui

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// Components the screens share: a list with section headers, keeping the
// cursor on its item across a change, and the text input.

// sectionRows is what a sectionList moves over: rows, some of which are
// section headers.
type sectionRows interface {
	len() int
	header(i int) bool
}

// sectionList is a cursor and a scroll offset over rows with section
// headers that the cursor skips (the review's users or roles, the diff's
// kinds of change). The rows live with the screen.
type sectionList struct{ cursor, offset int }

// moveTo puts the cursor on the item row nearest to row i in direction dir,
// or failing that in the other direction.
func (l *sectionList) moveTo(rows sectionRows, i, dir int) {
	n := rows.len()
	if n == 0 {
		l.cursor = 0
		return
	}
	i = clamp(i, 0, n-1)
	for _, d := range []int{dir, -dir} {
		for j := i; j >= 0 && j < n; j += d {
			if !rows.header(j) {
				l.cursor = j
				return
			}
		}
	}
}

// handleKey moves the cursor for a movement key (page rows a page); it
// reports whether km was one.
func (l *sectionList) handleKey(k KeyMap, km tea.KeyPressMsg, rows sectionRows, page int) bool {
	target, dir, ok := cursorKey(k, km, l.cursor, rows.len(), page)
	if ok {
		l.moveTo(rows, target, dir)
	}
	return ok
}

// window scrolls to the cursor and returns the rows [from, to) that fit in
// h lines, keeping the cursor's header in view when it is just above.
func (l *sectionList) window(rows sectionRows, h int) (from, to int) {
	n := rows.len()
	l.offset = scrollTo(l.cursor, l.offset, h, n)
	if l.offset == l.cursor && l.cursor > 0 && rows.header(l.cursor-1) {
		l.offset--
	}
	return l.offset, min(n, l.offset+h)
}

// visible is the rows to draw in h lines: the window of window, but when
// the first row of it is not a header, the header of its section is pinned
// on the first line (as a table's header is), so a long section scrolled
// down still says whose or which role's items these are.
func (l *sectionList) visible(rows sectionRows, h int) []int {
	prev := l.offset
	from, to := l.window(rows, h)
	if from < to && h >= 2 && !rows.header(from) && sectionOf(rows, from) >= 0 {
		// One line less for the rows, the cursor still in view. When that
		// window starts on a header there is nothing to pin: keep the
		// full one. It scrolls from the last offset, not window's: at the
		// end of the list window clamps to a full page, one row above the
		// pinned page's start, and every redraw showed one row less.
		off := scrollTo(l.cursor, prev, h-1, rows.len())
		if !rows.header(off) {
			l.offset = off
			return append([]int{sectionOf(rows, off)}, span(off, min(rows.len(), off+h-1))...)
		}
	}
	return span(from, to)
}

// sectionOf is the header row above item row i (-1: none).
func sectionOf(rows sectionRows, i int) int {
	for ; i >= 0; i-- {
		if rows.header(i) {
			return i
		}
	}
	return -1
}

func span(from, to int) []int {
	out := make([]int, 0, max(0, to-from))
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// cursorKey maps the movement keys to a target row and the direction to
// search in when that row cannot hold the cursor (a header).
func cursorKey(k KeyMap, km tea.KeyPressMsg, cursor, n, page int) (target, dir int, ok bool) {
	switch {
	case matches(km, k.Up):
		return cursor - 1, -1, true
	case matches(km, k.Down):
		return cursor + 1, 1, true
	case matches(km, k.PageUp):
		return cursor - page, -1, true
	case matches(km, k.PageDown):
		return cursor + page, 1, true
	case matches(km, k.Home):
		return 0, 1, true
	case matches(km, k.End):
		return n - 1, -1, true
	}
	return cursor, 0, false
}

// keepCursor runs change, which refilters, re-sorts or rebuilds a list, and
// returns where the item that was under cursor is afterwards (cursor,
// clamped, when it is gone). n and at read the list as it is: at(i) names
// the item at position i by something that survives the change (an id).
func keepCursor[K comparable](cursor int, n func() int, at func(i int) K, change func()) int {
	had := cursor >= 0 && cursor < n()
	var want K
	if had {
		want = at(cursor)
	}
	change()
	if had {
		for i, c := 0, n(); i < c; i++ {
			if at(i) == want {
				return i
			}
		}
	}
	return clamp(cursor, 0, n()-1)
}

// keepGridCursor is keepCursor for both axes of a grid: the cursor stays on
// the same row and column items (a role, an organization).
func keepGridCursor[R, C comparable](g *grid, rows func() int, row func(int) R, cols func() int, col func(int) C, change func()) {
	g.row = keepCursor(g.row, rows, row, func() {
		g.col = keepCursor(g.col, cols, col, change)
	})
}

// newTextInput is every text input of the UI: the theme's styles, a limit
// on its length, and a steady cursor (blink ticks are not routed to
// screens and dialogs, and a blinking cursor would redraw for nothing).
func newTextInput(st *Styles, prompt, placeholder string, limit int) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	in.CharLimit = limit
	sty := in.Styles()
	sty.Focused.Prompt = st.Bold
	sty.Blurred.Prompt = st.Muted
	sty.Focused.Text = st.ButtonOff
	sty.Blurred.Text = st.ButtonOff
	sty.Focused.Placeholder = st.Muted
	sty.Blurred.Placeholder = st.Muted
	sty.Cursor.Blink = false
	in.SetStyles(sty)
	return in
}
