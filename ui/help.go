package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// helpView is the full help, generated from the key map, plus the filter
// syntax. It lays the sections out in as many columns as fit.
func (a *Model) helpView(w, h int) []string {
	st := &a.st
	var sections [][]string
	for i, group := range a.keys.FullHelp() {
		sec := []string{st.Bold.Render(helpSections[i])}
		for _, b := range group {
			hp := b.Help()
			desc := hp.Desc
			if a.readOnly() && a.isWriteKey(b) {
				desc += " (offline)"
			}
			sec = append(sec, "  "+fit(hp.Key, 9)+" "+desc)
		}
		sections = append(sections, sec)
	}
	sections = append(sections, []string{
		st.Bold.Render("Filter (/)"),
		"  ana          name/email/login",
		`  "ana smith"  a phrase`,
		"  role:audit   holds a role",
		`  org:"EMEA - Sales"`,
		"  group:name   in a group",
		"  status:inactive",
		"  type:external",
		"  -term        not",
	})
	// Flow sections into columns no taller than the body; each column is as
	// wide as its widest line.
	colH := max(4, h-2)
	var columns [][]string
	var cur []string
	for _, sec := range sections {
		if len(cur) > 0 && len(cur)+1+len(sec) > colH {
			columns = append(columns, cur)
			cur = nil
		}
		if len(cur) > 0 {
			cur = append(cur, "")
		}
		cur = append(cur, sec...)
	}
	columns = append(columns, cur)
	widths := make([]int, len(columns))
	for i, c := range columns {
		for _, l := range c {
			widths[i] = max(widths[i], ansi.StringWidth(l))
		}
		widths[i] += 3
	}
	out := []string{" " + st.App.Render("otaccess") + " keys", ""}
	rows := 0
	for _, c := range columns {
		rows = max(rows, len(c))
	}
	for r := 0; r < rows; r++ {
		var b strings.Builder
		b.WriteString(" ")
		for i, c := range columns {
			l := ""
			if r < len(c) {
				l = c[r]
			}
			b.WriteString(padLine(l, widths[i]))
		}
		out = append(out, b.String())
	}
	return out
}
