package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/textsafe"
)

// ellipsis marks a value cut to fit its column.
const ellipsis = "…"

// safe neutralizes a server string before it is rendered: a name may carry
// escape sequences that would otherwise retitle or repaint the terminal.
func safe(s string) string { return textsafe.Line(s) }

// fit truncates s to width display cells (with an ellipsis when cut) and pads
// it with spaces to exactly width. s must already be safe.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		s = ansi.Truncate(s, width, ellipsis)
		w = ansi.StringWidth(s)
	}
	if w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// fitRight is fit with the padding on the left (numbers).
func fitRight(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		return ansi.Truncate(s, width, ellipsis)
	}
	return strings.Repeat(" ", width-w) + s
}

// fitCenter centers s in width cells.
func fitCenter(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w >= width {
		return fit(s, width)
	}
	left := (width - w) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", width-w-left)
}

// clip cuts a rendered (possibly styled) line to width cells without an
// ellipsis: the last line of defence against wrapped rows.
func clip(s string, width int) string {
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "")
}

// padLine pads a rendered line with spaces to width (after clipping).
func padLine(s string, width int) string {
	s = clip(s, width)
	if w := ansi.StringWidth(s); w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// shortID abbreviates a long id for headers: "9c03…b98".
func shortID(id string) string {
	if len(id) <= 12 {
		return id
	}
	return id[:4] + ellipsis + id[len(id)-3:]
}

// block joins exactly h lines of width w: shorter input is padded with blank
// lines, longer input is cut, every line clipped and padded to w.
func block(ls []string, w, h int) string {
	var b strings.Builder
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(ls) {
			b.WriteString(padLine(ls[i], w))
		} else {
			b.WriteString(strings.Repeat(" ", w))
		}
	}
	return b.String()
}

// clamp bounds v to [lo, hi]; hi < lo yields lo.
func clamp(v, lo, hi int) int {
	if v > hi {
		v = hi
	}
	if v < lo {
		v = lo
	}
	return v
}

// scrollTo returns the offset that keeps cursor inside a window of height
// rows starting at offset, moving the window as little as possible.
func scrollTo(cursor, offset, height, n int) int {
	if height <= 0 || n <= 0 {
		return 0
	}
	if cursor < offset {
		offset = cursor
	}
	if cursor >= offset+height {
		offset = cursor - height + 1
	}
	return clamp(offset, 0, max(0, n-height))
}
