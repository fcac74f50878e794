package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// column describes one column of a virtual table.
type column struct {
	title  string
	width  int  // fixed width; 0 makes the column flexible
	min    int  // a flexible column's minimum width
	max    int  // a flexible column's maximum width (0 = none)
	weight int  // a flexible column's share of the spare width
	right  bool // right-aligned (numbers)
	drop   int  // dropped when the terminal is narrow: highest first; 0 never
}

// cell is one rendered value: plain, safe text and an optional style that is
// applied after truncation (so widths are computed on the text alone).
type cell struct {
	text  string
	style *lipgloss.Style
}

// vtable is a virtual table: it owns only a cursor and a scroll offset over
// n rows that live elsewhere, and renders just the visible window, so its
// cost does not depend on n.
type vtable struct {
	cols   []column
	cursor int
	offset int
	cells  []cell // scratch, one row
}

// layout returns each column's width for a table width (0 = hidden),
// dropping columns by priority until the minimums fit.
func layoutColumns(cols []column, width int) []int {
	widths := make([]int, len(cols))
	shown := make([]bool, len(cols))
	for i := range cols {
		shown[i] = true
	}
	avail := width - 1 // the cursor marker
	for {
		need, weights := 0, 0
		count := 0
		for i, c := range cols {
			if !shown[i] {
				continue
			}
			count++
			if c.width > 0 {
				need += c.width
			} else {
				need += c.min
				weights += c.weight
			}
		}
		need += gaps(cols, func(i int) bool { return shown[i] })
		if need <= avail {
			for i, c := range cols {
				if shown[i] {
					widths[i] = max(c.width, c.min)
				}
			}
			// Hand out the spare width by weight, capped at each column's
			// maximum; what a capped column cannot take goes round again.
			spare := avail - need
			for spare > 0 {
				open, weights := 0, 0
				for i, c := range cols {
					if shown[i] && c.width == 0 && (c.max == 0 || widths[i] < c.max) {
						open++
						weights += c.weight
					}
				}
				if open == 0 || weights == 0 {
					break
				}
				given := 0
				for i, c := range cols {
					if !shown[i] || c.width > 0 || (c.max > 0 && widths[i] >= c.max) {
						continue
					}
					extra := max(1, spare*c.weight/weights)
					if c.max > 0 {
						extra = min(extra, c.max-widths[i])
					}
					extra = min(extra, spare-given)
					widths[i] += extra
					given += extra
					if given >= spare {
						break
					}
				}
				if given == 0 {
					break
				}
				spare -= given
			}
			return widths
		}
		// Drop the column with the highest drop priority.
		worst := -1
		for i, c := range cols {
			if shown[i] && c.drop > 0 && (worst < 0 || c.drop > cols[worst].drop) {
				worst = i
			}
		}
		if worst < 0 {
			// Nothing left to drop: squeeze the flexible columns.
			for i, c := range cols {
				if shown[i] {
					if c.width > 0 {
						widths[i] = c.width
					} else {
						widths[i] = max(1, c.min-(need-avail+count-1)/max(1, count))
					}
				}
			}
			return widths
		}
		shown[worst] = false
	}
}

// gapBefore is the space before column i when prev is the column shown
// before it (-1: none): one, or two after a right-aligned number before a
// left-aligned text, which one space ran together ("ORGS TYPE" over
// "3 Internal").
func gapBefore(cols []column, prev, i int) int {
	switch {
	case prev < 0:
		return 0
	case cols[prev].right && !cols[i].right:
		return 2
	}
	return 1
}

// gaps is the width of the spaces between the columns shown.
func gaps(cols []column, shown func(int) bool) int {
	n, prev := 0, -1
	for i := range cols {
		if shown(i) {
			n += gapBefore(cols, prev, i)
			prev = i
		}
	}
	return n
}

// clampTo keeps the cursor and offset valid for n rows in a window of h.
func (t *vtable) clampTo(n, h int) {
	t.cursor = clamp(t.cursor, 0, n-1)
	t.offset = scrollTo(t.cursor, t.offset, h, n)
}

// handleKey moves the cursor for navigation keys; it reports whether the
// key was one.
func (t *vtable) handleKey(k KeyMap, msg tea.KeyPressMsg, n, h int) bool {
	page := max(1, h-1)
	switch {
	case matches(msg, k.Up):
		t.cursor--
	case matches(msg, k.Down):
		t.cursor++
	case matches(msg, k.Home):
		t.cursor = 0
	case matches(msg, k.End):
		t.cursor = n - 1
	case matches(msg, k.PageUp):
		t.cursor -= page
		t.offset -= page
	case matches(msg, k.PageDown):
		t.cursor += page
		t.offset += page
	default:
		return false
	}
	t.clampTo(n, h)
	return true
}

// view renders a header and the visible rows (h lines in all, at most) of
// an n-row table of width w. row fills the cells of one row. sortCol marks
// the sorted column (-1 none).
func (t *vtable) view(st *Styles, w, h, n, sortCol int, desc bool, row func(i int, cells []cell)) []string {
	if h <= 0 || w <= 0 {
		return nil
	}
	widths := layoutColumns(t.cols, w)
	out := make([]string, 0, h)

	var hb strings.Builder
	hb.WriteByte(' ')
	prev := -1
	for i, c := range t.cols {
		if widths[i] == 0 {
			continue
		}
		hb.WriteString(strings.Repeat(" ", gapBefore(t.cols, prev, i)))
		prev = i
		title := c.title
		if i == sortCol {
			if desc {
				title += markDesc
			} else {
				title += markAsc
			}
		}
		// Style the title only, so an underline does not run into padding.
		txt := ansi.Truncate(title, widths[i], ellipsis)
		pad := strings.Repeat(" ", widths[i]-ansi.StringWidth(txt))
		styled := st.Header.Render(txt)
		if i == sortCol {
			styled = st.HeaderSorted.Render(txt)
		}
		if c.right {
			hb.WriteString(pad + styled)
		} else {
			hb.WriteString(styled + pad)
		}
	}
	out = append(out, hb.String())

	rows := h - 1
	off := scrollTo(clamp(t.cursor, 0, n-1), t.offset, rows, n)
	if cap(t.cells) < len(t.cols) {
		t.cells = make([]cell, len(t.cols))
	}
	cells := t.cells[:len(t.cols)]
	for r := off; r < n && r < off+rows; r++ {
		for i := range cells {
			cells[i] = cell{}
		}
		row(r, cells)
		selected := r == t.cursor
		var b strings.Builder
		prev := -1
		for i, c := range t.cols {
			if widths[i] == 0 {
				continue
			}
			b.WriteString(strings.Repeat(" ", gapBefore(t.cols, prev, i)))
			prev = i
			var txt string
			if c.right {
				txt = fitRight(cells[i].text, widths[i])
			} else {
				txt = fit(cells[i].text, widths[i])
			}
			if !selected && cells[i].style != nil {
				txt = cells[i].style.Render(txt)
			}
			b.WriteString(txt)
		}
		if selected {
			out = append(out, markCursor+st.Cursor.Render(padLine(b.String(), w-1)))
		} else {
			out = append(out, " "+b.String())
		}
	}
	return out
}
