package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// grid is a matrix with row labels, column headers and a cursor cell,
// scrolling both ways when the matrix is larger than the screen. It holds
// only positions; the data comes from a gridSpec at render time. The row
// labels, the column headers and the totals stay in place while it scrolls.
type grid struct {
	row, col       int
	rowOff, colOff int
}

// gridSpec is what a grid renders. Labels and cell texts must be safe.
type gridSpec struct {
	rows, cols int
	rowLabel   func(i int) string
	colLabel   func(j int) string
	cell       func(i, j int) (string, *lipgloss.Style)
	cellWidth  int // the widest cell text

	// Totals, when rowTotal is set: a column at the right of every row
	// and a row under the last one, which stay in view while the grid
	// scrolls. totalSorted marks the totals column as the sort order.
	rowTotal, colTotal func(int) string
	total              string
	totalSorted        bool
}

func (s gridSpec) totals() bool { return s.rowTotal != nil && s.colTotal != nil }

// totalsLabel heads the totals column and row.
const totalsLabel = "Total"

// gridDims is a grid's layout at a size. Columns are as wide as their
// labels, up to a cap that grows with the terminal, so short org names do
// not waste the width and long ones are not cut where there is room.
type gridDims struct {
	labelW  int
	colW    []int
	totalW  int // the totals column's width, 0 without totals
	avail   int // width for columns (each followed by a space)
	visRows int
}

func gridLayout(w, h int, s gridSpec) gridDims {
	var d gridDims
	maxLabel := len(totalsLabel)
	for i := 0; i < s.rows; i++ {
		maxLabel = max(maxLabel, ansi.StringWidth(s.rowLabel(i)))
	}
	d.labelW = clamp(maxLabel, 6, min(40, max(12, w/4)))
	d.visRows = max(1, h-1)
	if s.totals() {
		d.totalW = ansi.StringWidth(totalsLabel) + 1 // room for the sort mark
		for i := 0; i < s.rows; i++ {
			d.totalW = max(d.totalW, ansi.StringWidth(s.rowTotal(i)))
		}
		for j := 0; j < s.cols; j++ {
			d.totalW = max(d.totalW, ansi.StringWidth(s.colTotal(j))+2)
		}
		d.totalW = max(d.totalW, ansi.StringWidth(s.total))
		d.visRows = max(1, h-2)
	}
	// marker + label + the "◂" cell, then columns, then the "▸" cell and
	// the totals column.
	d.avail = max(1, w-d.labelW-3)
	if d.totalW > 0 {
		d.avail = max(1, d.avail-d.totalW-1)
	}
	// About five columns at the least; at 200 columns most names whole.
	capW := clamp(d.avail/5-1, 10, 36)
	minW := max(s.cellWidth+2, 5)
	// A cell of padding beside each label: with the space after each
	// column, names are two apart and a page of them does not read as one
	// line of words ("Acme Labs APAC - Operations Australia Azure AD").
	d.colW = make([]int, s.cols)
	for j := range d.colW {
		d.colW[j] = clamp(ansi.StringWidth(s.colLabel(j)), minW, max(minW, capW)) + 1
	}
	return d
}

// lastCol is the end (exclusive) of the columns that fit from off.
func (d gridDims) lastCol(off int) int {
	used := 0
	j := off
	for j < len(d.colW) && (j == off || used+d.colW[j]+1 <= d.avail) {
		used += d.colW[j] + 1
		j++
	}
	return j
}

// colOffset moves off as little as possible so that col is visible.
func (d gridDims) colOffset(col, off int) int {
	if col < off {
		return col
	}
	for off < col && d.lastCol(off) <= col {
		off++
	}
	return off
}

// prevPage is the offset of the page of columns that ends just before off.
func (d gridDims) prevPage(off int) int {
	p := off
	for p > 0 && d.lastCol(p-1) >= off {
		p--
	}
	return p
}

// lastPage is the offset from which the last columns fill the width.
func (d gridDims) lastPage() int { return d.prevPage(len(d.colW)) }

// widths returns the widths of the columns [off, end) with the width they
// leave over given to the columns whose labels were cut, so that a page of
// columns uses the space there is.
func (d gridDims) widths(s gridSpec, off, end int) []int {
	ws := append([]int(nil), d.colW[off:end]...)
	used := 0
	for _, w := range ws {
		used += w + 1
	}
	spare := d.avail - used
	for spare > 0 {
		given := 0
		for k := range ws {
			if spare == 0 {
				break
			}
			if ws[k] < ansi.StringWidth(s.colLabel(off+k))+1 { // +1: its padding
				ws[k]++
				spare--
				given++
			}
		}
		if given == 0 {
			break
		}
	}
	// Then up to two cells more to each: when every name is whole, room
	// between them, not one blank band at the right.
	for range 2 {
		if spare < len(ws) {
			break
		}
		for k := range ws {
			ws[k]++
		}
		spare -= len(ws)
	}
	return ws
}

// scroll keeps the cursor in view for the layout d.
func (g *grid) scroll(s gridSpec, d gridDims) {
	g.row = clamp(g.row, 0, s.rows-1)
	g.col = clamp(g.col, 0, s.cols-1)
	g.rowOff = scrollTo(g.row, g.rowOff, d.visRows, s.rows)
	g.colOff = d.offset(g.col, g.colOff)
}

// offset is the first column in view with the cursor on col, from off:
// never past the last page, so that the columns in view fill the width
// (a user detail opened on its first membership's column showed cols 2-8
// of 8 at 200 columns, with room for all eight).
func (d gridDims) offset(col, off int) int {
	n := len(d.colW)
	return min(d.colOffset(col, clamp(off, 0, n-1)), d.lastPage())
}

// handleKey moves the cursor; it reports whether msg was a movement key.
// Sideways paging moves the cursor and the columns by one screenful, as
// pgup/pgdn do with the rows.
func (g *grid) handleKey(k KeyMap, msg tea.KeyPressMsg, s gridSpec, d gridDims) bool {
	off := clamp(g.colOff, 0, s.cols-1)
	switch {
	case matches(msg, k.Grid.PageLeft):
		p := d.prevPage(off)
		if p == off {
			g.col = 0
		} else {
			g.col -= off - p
		}
		g.colOff = p
	case matches(msg, k.Grid.PageRight):
		next := min(d.lastCol(off), d.lastPage())
		if next <= off {
			g.col = s.cols - 1
		} else {
			g.col += next - off
		}
		g.colOff = next
	case matches(msg, k.Grid.FirstCol):
		g.col, g.colOff = 0, 0
	case matches(msg, k.Grid.LastCol):
		g.col, g.colOff = s.cols-1, d.lastPage()
	case matches(msg, k.Up):
		g.row--
	case matches(msg, k.Down):
		g.row++
	case matches(msg, k.Left):
		g.col--
	case matches(msg, k.Right):
		g.col++
	case matches(msg, k.Home):
		g.row, g.col = 0, 0
	case matches(msg, k.End):
		g.row = s.rows - 1
	case matches(msg, k.PageUp):
		g.row -= d.visRows
	case matches(msg, k.PageDown):
		g.row += d.visRows
	default:
		return false
	}
	g.scroll(s, d)
	return true
}

// window is what a grid shows at a size: the rows [rowOff, lastRow) and
// the columns [colOff, lastCol).
type gridWindow struct {
	rowOff, lastRow, colOff, lastCol int
}

func (g *grid) window(s gridSpec, d gridDims) gridWindow {
	row, col := clamp(g.row, 0, s.rows-1), clamp(g.col, 0, s.cols-1)
	var v gridWindow
	v.rowOff = scrollTo(row, g.rowOff, d.visRows, s.rows)
	v.colOff = d.offset(col, g.colOff)
	v.lastCol = d.lastCol(v.colOff)
	v.lastRow = min(s.rows, v.rowOff+d.visRows)
	return v
}

// position says which rows and columns are in view, when not all are:
// "rows 1-18 of 40 · cols 46-50 of 50".
func (g *grid) position(w, h int, s gridSpec) string {
	if s.rows == 0 || s.cols == 0 {
		return ""
	}
	d := gridLayout(w, h, s)
	v := g.window(s, d)
	var parts []string
	if v.rowOff > 0 || v.lastRow < s.rows {
		parts = append(parts, fmt.Sprintf("rows %d-%d of %d", v.rowOff+1, v.lastRow, s.rows))
	}
	if v.colOff > 0 || v.lastCol < s.cols {
		parts = append(parts, fmt.Sprintf("cols %d-%d of %d", v.colOff+1, v.lastCol, s.cols))
	}
	return strings.Join(parts, " · ")
}

// view renders at most h lines of width w.
func (g *grid) view(st *Styles, w, h int, s gridSpec) []string {
	if s.rows == 0 || s.cols == 0 || h <= 0 {
		return nil
	}
	d := gridLayout(w, h, s)
	row, col := clamp(g.row, 0, s.rows-1), clamp(g.col, 0, s.cols-1)
	v := g.window(s, d)
	ws := d.widths(s, v.colOff, v.lastCol)

	out := make([]string, 0, h)
	var b strings.Builder
	// more ends the columns: "▸" when some are to the right, then the
	// totals column.
	more := func(total string, style *lipgloss.Style, mark bool) {
		if mark && v.lastCol < s.cols {
			b.WriteString(st.Muted.Render(markMore))
		} else {
			b.WriteByte(' ')
		}
		if d.totalW > 0 {
			b.WriteByte(' ')
			t := fitRight(total, d.totalW)
			if style != nil {
				t = style.Render(t)
			}
			b.WriteString(t)
		}
	}
	b.WriteString(strings.Repeat(" ", d.labelW+1))
	if v.colOff > 0 {
		b.WriteString(st.Muted.Render(markLess))
	} else {
		b.WriteByte(' ')
	}
	for j := v.colOff; j < v.lastCol; j++ {
		cw := ws[j-v.colOff]
		label := s.colLabel(j)
		if ansi.StringWidth(label) >= cw {
			label = fit(label, cw-1) // a cut name keeps its padding too
		}
		label = fitCenter(label, cw)
		if j == col {
			label = st.HeaderSorted.Render(label)
		} else {
			label = st.Header.Render(label)
		}
		b.WriteString(label)
		b.WriteByte(' ')
	}
	if s.totalSorted {
		more(totalsLabel+markDesc, &st.HeaderSorted, true)
	} else {
		more(totalsLabel, &st.Header, true)
	}
	out = append(out, b.String())

	for i := v.rowOff; i < v.lastRow; i++ {
		b.Reset()
		label := fit(s.rowLabel(i), d.labelW)
		if i == row {
			b.WriteString(markCursor)
			b.WriteString(st.Bold.Render(label))
		} else {
			b.WriteByte(' ')
			b.WriteString(label)
		}
		b.WriteByte(' ')
		for j := v.colOff; j < v.lastCol; j++ {
			cw := ws[j-v.colOff]
			txt, style := s.cell(i, j)
			left := cellLeft(txt, cw, s.cellWidth)
			if i == row && j == col {
				b.WriteString(placeStyled("["+txt+"]", left-1, cw, &st.CellCursor))
			} else {
				c := place(txt, left, cw)
				if style != nil {
					c = style.Render(c)
				}
				b.WriteString(c)
			}
			b.WriteByte(' ')
		}
		if d.totalW > 0 {
			more(s.rowTotal(i), &st.Bold, false)
		}
		out = append(out, b.String())
	}

	if d.totalW > 0 && len(out) < h {
		b.Reset()
		b.WriteByte(' ')
		b.WriteString(st.Header.Render(fit(totalsLabel, d.labelW)))
		b.WriteByte(' ')
		for j := v.colOff; j < v.lastCol; j++ {
			t, cw := s.colTotal(j), ws[j-v.colOff]
			b.WriteString(st.Bold.Render(place(t, cellLeft(t, cw, s.cellWidth), cw)))
			b.WriteByte(' ')
		}
		more(s.total, &st.Bold, false)
		out = append(out, b.String())
	}
	return out
}

// cellLeft is where a cell's text starts in a column cw wide: the block
// of cells (cellW wide, the widest text) is centered under the header and
// each text right-aligned in it, so that the digits of 62 and 175 line up;
// a wider total ends where the block does.
func cellLeft(txt string, cw, cellW int) int {
	w := ansi.StringWidth(txt)
	block := max(0, (cw-cellW)/2)
	return clamp(block+cellW-w, 0, max(0, cw-w))
}

// place puts text at left (moved in so that it fits) in width cells.
func place(text string, left, width int) string {
	return placeStyled(text, left, width, nil)
}

// placeStyled is place styling only the text, so that a reversed cursor
// hugs its value.
func placeStyled(text string, left, width int, style *lipgloss.Style) string {
	w := ansi.StringWidth(text)
	if w >= width {
		text, w, left = fit(text, width), width, 0
	}
	left = clamp(left, 0, width-w)
	if style != nil {
		text = style.Render(text)
	}
	return strings.Repeat(" ", left) + text + strings.Repeat(" ", width-w-left)
}
