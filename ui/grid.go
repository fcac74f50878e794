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
// only positions; the data comes from a gridSpec at render time.
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
}

// gridDims is a grid's layout at a size. Columns are as wide as their
// labels (within bounds), so short org names do not waste the width.
type gridDims struct {
	labelW  int
	colW    []int
	avail   int // width for columns (each followed by a space)
	visRows int
}

func gridLayout(w, h int, s gridSpec) gridDims {
	var d gridDims
	maxLabel := 4
	for i := 0; i < s.rows; i++ {
		maxLabel = max(maxLabel, ansi.StringWidth(s.rowLabel(i)))
	}
	d.labelW = clamp(maxLabel, 6, min(28, max(12, w/4)))
	d.colW = make([]int, s.cols)
	for j := range d.colW {
		d.colW[j] = clamp(ansi.StringWidth(s.colLabel(j)), max(s.cellWidth+2, 5), 14)
	}
	// marker + label + the "◂" cell, then columns, then the "▸" cell.
	d.avail = max(1, w-d.labelW-3)
	d.visRows = max(1, h-1)
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

// scroll keeps the cursor in view for the layout d.
func (g *grid) scroll(s gridSpec, d gridDims) {
	g.row = clamp(g.row, 0, s.rows-1)
	g.col = clamp(g.col, 0, s.cols-1)
	g.rowOff = scrollTo(g.row, g.rowOff, d.visRows, s.rows)
	g.colOff = d.colOffset(g.col, clamp(g.colOff, 0, s.cols-1))
}

// handleKey moves the cursor; it reports whether msg was a movement key.
func (g *grid) handleKey(k KeyMap, msg tea.KeyPressMsg, s gridSpec, d gridDims) bool {
	switch {
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

// view renders at most h lines of width w.
func (g *grid) view(st *Styles, w, h int, s gridSpec) []string {
	if s.rows == 0 || s.cols == 0 || h <= 0 {
		return nil
	}
	d := gridLayout(w, h, s)
	row, col := clamp(g.row, 0, s.rows-1), clamp(g.col, 0, s.cols-1)
	rowOff := scrollTo(row, g.rowOff, d.visRows, s.rows)
	colOff := d.colOffset(col, clamp(g.colOff, 0, s.cols-1))
	lastCol := d.lastCol(colOff)
	lastRow := min(s.rows, rowOff+d.visRows)

	out := make([]string, 0, h)
	var b strings.Builder
	corner := ""
	if s.rows > d.visRows {
		corner = fmt.Sprintf("%d–%d of %d", rowOff+1, lastRow, s.rows)
	}
	b.WriteByte(' ')
	b.WriteString(st.Muted.Render(fit(corner, d.labelW)))
	if colOff > 0 {
		b.WriteString(st.Muted.Render(markLess))
	} else {
		b.WriteByte(' ')
	}
	for j := colOff; j < lastCol; j++ {
		label := fitCenter(s.colLabel(j), d.colW[j])
		if j == col {
			label = st.HeaderSorted.Render(label)
		} else {
			label = st.Header.Render(label)
		}
		b.WriteString(label)
		b.WriteByte(' ')
	}
	if lastCol < s.cols {
		b.WriteString(st.Muted.Render(markMore))
	}
	out = append(out, b.String())

	for i := rowOff; i < lastRow; i++ {
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
		for j := colOff; j < lastCol; j++ {
			txt, style := s.cell(i, j)
			if i == row && j == col {
				b.WriteString(centerStyled("["+txt+"]", d.colW[j], st.CellCursor))
			} else {
				c := fitCenter(txt, d.colW[j])
				if style != nil {
					c = style.Render(c)
				}
				b.WriteString(c)
			}
			b.WriteByte(' ')
		}
		out = append(out, b.String())
	}
	return out
}

// centerStyled centers text in width cells, styling only the text so that a
// reversed cursor hugs its value.
func centerStyled(text string, width int, style lipgloss.Style) string {
	w := ansi.StringWidth(text)
	if w >= width {
		return style.Render(fit(text, width))
	}
	left := (width - w) / 2
	return strings.Repeat(" ", left) + style.Render(text) + strings.Repeat(" ", width-w-left)
}
