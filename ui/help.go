package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// helpScreen is the full help, generated from the key map, plus the filter
// syntax, read like a pager (see reader).
type helpScreen struct{ reader }

func newHelpScreen() *helpScreen { return &helpScreen{reader{what: "help"}} }

func (s *helpScreen) title(*Model) string { return "Keys" }

// view lays the sections out in as many columns as fit.
func (s *helpScreen) view(a *Model, w, h int) []string {
	st := &a.st
	type pair struct{ k, d string }
	section := func(title string, ps []pair) []string {
		kw := 0
		for _, p := range ps {
			if p.d != "" {
				kw = max(kw, ansi.StringWidth(p.k))
			}
		}
		sec := []string{st.Bold.Render(title)}
		for _, p := range ps {
			if p.d == "" {
				sec = append(sec, "  "+p.k)
				continue
			}
			sec = append(sec, "  "+fit(p.k, kw)+" "+st.Muted.Render(p.d))
		}
		return sec
	}
	groups := a.keys.helpGroups()
	if a.compare != nil {
		groups = a.keys.compareHelpGroups() // the tenant's screens are not there
	}
	var sections [][]string
	for _, group := range groups {
		var ps []pair
		for _, b := range a.markDisabled(group.binds) {
			hp := b.Help()
			ps = append(ps, pair{hp.Key, hp.Desc})
		}
		sections = append(sections, section(group.where, ps))
	}
	if a.compare == nil {
		sections = append(sections, section("Filter ("+keyName(a.keys.Filter)+")", []pair{
			{"ana", "name, email, login"},
			{`"a b"`, "a phrase"},
			{"role:x", "holds role x"},
			{"org:x", "in org x"},
			{"under:x", "in org x or one under it"},
			{"group:x", "in group x"},
			{"-term", "not term"},
			{"status:inactive", ""},
			{"type:external", ""},
			{`org:"EMEA - Sales"`, ""},
		}))
		if shared := a.keys.sharedKeys(); len(shared) > 0 {
			sections = append(sections, sharedSection(st, shared))
		}
	}
	// Flow sections into columns no taller than the body, each as wide as
	// its widest line; when they do not fit side by side, make the columns
	// taller (fewer of them) until they do, and let the view scroll.
	colH := max(4, h-2)
	columns := flowColumns(sections, colH)
	widths := columnWidths(columns)
	for flowH := colH; sum(widths)+1 > w && len(columns) > 1; {
		flowH += max(1, colH/4)
		columns = flowColumns(sections, flowH)
		widths = columnWidths(columns)
	}
	rows := 0
	for _, c := range columns {
		rows = max(rows, len(c))
	}
	s.rows = rows
	off := clamp(s.off, 0, max(0, rows-colH))
	out := []string{" " + st.App.Render("otaccess") + " keys", ""}
	for r := off; r < rows && r < off+colH; r++ {
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

// sharedWhereW caps the "where" column of the shared keys' table: a long
// list of screens wraps under itself rather than widening the help.
const sharedWhereW = 30

// sharedSection is a table of the keys that mean several things: the key,
// each meaning under the one before, and the screens it has it on, each
// in its own aligned column.
//
//	s  sort         Users, Tenant matrix, Groups
//	   decide skip  Review
func sharedSection(st *Styles, shared []sharedKey) []string {
	kw, dw := 0, 0
	for _, sk := range shared {
		kw = max(kw, ansi.StringWidth(sk.name))
		for _, u := range sk.uses {
			dw = max(dw, ansi.StringWidth(u.desc))
		}
	}
	sec := []string{st.Bold.Render("One key, several meanings")}
	for _, sk := range shared {
		for i, u := range sk.uses {
			k := ""
			if i == 0 {
				k = sk.name
			}
			for j, where := range packList(u.where, sharedWhereW) {
				d := ""
				if j == 0 {
					d = u.desc
				} else {
					k = ""
				}
				sec = append(sec, "  "+fit(k, kw)+"  "+fit(d, dw)+"  "+st.Muted.Render(where))
			}
		}
	}
	return sec
}

// packList joins items with ", " into lines of at most width cells (an
// item wider than that on a line of its own), each line but the last
// ending in the comma.
func packList(items []string, width int) []string {
	var lines []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case ansi.StringWidth(cur)+2+ansi.StringWidth(it) <= width:
			cur += ", " + it
		default:
			lines = append(lines, cur+",")
			cur = it
		}
	}
	return append(lines, cur)
}

func flowColumns(sections [][]string, colH int) [][]string {
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
	return append(columns, cur)
}

func columnWidths(columns [][]string) []int {
	widths := make([]int, len(columns))
	for i, c := range columns {
		for _, l := range c {
			widths[i] = max(widths[i], ansi.StringWidth(l))
		}
		widths[i] += 3
	}
	return widths
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
