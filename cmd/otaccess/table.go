package main

import (
	"bufio"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/textsafe"
)

// maxCellWidth caps a padded table cell, in terminal columns: one 100 KB
// display name must not pad every row of `otaccess users` to 100 KB (3 GB
// for a tenant). A longer value ends in "…"; --json and --csv keep it
// whole. The last column pads nothing, so it is shown whole (an audit
// row's error, a user's title).
const maxCellWidth = 60

// table writes aligned columns, two spaces apart, sized to the widest cell
// of each column up to maxCellWidth. Every cell is sanitized for the
// terminal. A row is at most maxCellWidth+2 columns per cell before the
// last, plus the last: the output is linear in the input.
type table struct {
	w      io.Writer
	rows   [][]string
	widths []int
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{w: w}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	r := make([]string, len(cells))
	for i, c := range cells {
		c = textsafe.Line(c)
		if i < len(cells)-1 && ansi.StringWidth(c) > maxCellWidth {
			c = ansi.Truncate(c, maxCellWidth, "…")
		}
		r[i] = c
		if i == len(t.widths) {
			t.widths = append(t.widths, 0)
		}
		t.widths[i] = max(t.widths[i], ansi.StringWidth(c))
	}
	t.rows = append(t.rows, r)
}

// flush writes the rows; the last cell of a row is not padded.
func (t *table) flush() error {
	bw := bufio.NewWriter(t.w)
	for _, r := range t.rows {
		for i, c := range r {
			bw.WriteString(c)
			if i < len(r)-1 {
				bw.WriteString(strings.Repeat(" ", t.widths[i]-ansi.StringWidth(c)+2))
			}
		}
		bw.WriteByte('\n')
	}
	t.rows = nil
	return bw.Flush()
}
