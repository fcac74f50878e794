package ui

// The comparison's drawing (compare.go has its rows and keys): the title,
// the section line, the rows in columns, the help, and the export.

import (
	"bytes"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// total is section sec's items, filter or not.
func (s *compareScreen) total(sec int) int {
	n := 0
	for k := range cmpKinds {
		if k.section() == sec {
			n += s.totals[k]
		}
	}
	return n
}

// sectionStrip is the sections with their counts, the current one
// highlighted; the counts say "3/10" while the filter hides some.
func (s *compareScreen) sectionStrip(a *Model, w int) string {
	st := &a.st
	parts := make([]string, cmpSections)
	keys := a.keys.CompareSections.Keys()
	for sec, name := range cmpSectionNames {
		count := numfmt.Commas(s.shown[sec])
		if t := s.total(sec); t != s.shown[sec] {
			count += "/" + numfmt.Commas(t)
		}
		label := name + " " + count
		if sec < len(keys) {
			label = keys[sec] + " " + label
		}
		if sec == s.sec {
			parts[sec] = st.TabOn.Render(label)
		} else {
			parts[sec] = st.TabOff.Render(label)
		}
	}
	line := " " + strings.Join(parts, st.Muted.Render(" │ "))
	if f := s.narrowed(); f != "" && ansi.StringWidth(line)+3+ansi.StringWidth(f) <= w {
		line += strings.Repeat(" ", w-ansi.StringWidth(line)-ansi.StringWidth(f)-1) + st.Muted.Render(f)
	}
	return clip(line, w)
}

// narrowed names the command line's --role, --org and --user, if any.
func (s *compareScreen) narrowed() string {
	f := s.c.Filter
	var only []string
	for _, p := range [][2]string{{"role", f.Role}, {"org", f.Org}, {"user", f.User}} {
		if p[1] != "" {
			only = append(only, fmt.Sprintf("%s %q", p[0], safe(p[1])))
		}
	}
	if only == nil {
		return ""
	}
	return "only " + strings.Join(only, ", ")
}

func (s *compareScreen) view(a *Model, w, h int) []string {
	st := &a.st
	out := []string{s.sectionStrip(a, w), s.filter.view(a, w)}
	// Sides of different views (a child org's credential): the warning
	// takes a line of the list's.
	if v := tenant.ViewChangeShort(s.c.Left.Info, s.c.Right.Info); v != "" {
		out = append(out, " "+a.st.Error.Render(clip(v, w-1)))
	}
	rows, l := s.cur()
	if len(rows) == 0 {
		l, r := safe(s.c.Left.Name), safe(s.c.Right.Name)
		same := [cmpSections]string{"%s and %s have the same users, with the same attributes.",
			"%s and %s have the same roles and organizations.", "%s and %s hold the same access."}
		var msg string
		switch {
		case s.c.Result.Empty():
			msg = "No differences between " + l + " and " + r + "."
		case s.total(s.sec) == 0:
			msg = fmt.Sprintf(same[s.sec], l, r)
		default:
			msg = "No rows here match the filter (" + keyName(a.keys.Back) + " clears it)."
		}
		if f := s.narrowed(); f != "" && s.total(s.sec) == 0 {
			msg += " (" + f + ")"
		}
		return append(out, "", " "+st.Muted.Render(clip(msg, w-2)))
	}
	for _, i := range l.visible(rows, max(1, h-len(out))) {
		out = append(out, s.rowView(a, rows, i, i == l.cursor, w))
	}
	return out
}

// cmpColumns are the columns of a kind's rows, laid out with the tables'
// layoutColumns: the user or name first, then what else the kind shows.
func (s *compareScreen) cmpColumns(k cmpKind) []column {
	cols := s.columnsOf(k)
	for i := range cols {
		if cols[i].width == 0 {
			cols[i].max = max(cols[i].min, min(cols[i].max, s.widest[k.shape()][i]+1))
		}
	}
	return cols
}

func (s *compareScreen) columnsOf(k cmpKind) []column {
	switch k.section() {
	case cmpSecNames:
		return []column{{min: 10, max: 200, weight: 1}}
	case cmpSecAccess:
		return []column{{min: 16, max: 60, weight: 3}, {min: 20, max: 70, weight: 4}, {min: 8, max: 60, weight: 2, drop: 1}}
	}
	if k == cmpUsersDiffer {
		side := max(8, s.sideW)
		return []column{{min: 16, max: 80, weight: 2}, {width: 11}, {min: side, max: 40, weight: 3}, {min: side, max: 40, weight: 3}}
	}
	return []column{{min: 14, max: 40, weight: 2}, {min: 16, max: 60, weight: 3}}
}

// rowView draws row i in w cells: a header with its count (and the
// field columns' sides for differing users), or an item.
func (s *compareScreen) rowView(a *Model, rows cmpRows, i int, cursor bool, w int) string {
	st := &a.st
	r := rows[i]
	// The marker column and the mark take three cells; the columns the rest.
	widths := layoutColumns(s.cmpColumns(r.kind), max(10, w-3))
	if r.header {
		count := numfmt.Commas(r.count)
		if r.count != r.of {
			count += " of " + numfmt.Commas(r.of)
		}
		text := " " + st.Bold.Render(s.kindTitle(r.kind)+" ("+count+")")
		if r.kind == cmpUsersDiffer && widths[2] > 0 && widths[3] > 0 {
			// Name the value columns where they start.
			pad := 4 + widths[0] + widths[1] - ansi.StringWidth(text)
			if pad >= 1 {
				text += strings.Repeat(" ", pad) + st.Muted.Render(fit(safe(s.c.Left.Name), widths[2])+" "+fit(safe(s.c.Right.Name), widths[3]))
			}
		}
		return clip(text, w)
	}
	var b strings.Builder
	for c, text := range r.cells {
		if c >= len(widths) || widths[c] == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(fit(text, widths[c]-1))
	}
	line := b.String()
	if cursor {
		return markCursor + st.Cursor.Render(padLine(" "+r.kind.mark()+" "+line, w-1))
	}
	rest := line
	if first := fit(r.cells[0], widths[0]-1); len(r.cells) > 1 {
		rest = first + st.Muted.Render(strings.TrimPrefix(line, first))
	}
	return clip("  "+s.markStyle(st, r.kind).Render(r.kind.mark())+" "+rest, w)
}

// ---- export: the rows the filter shows, in the CLI's shapes ----

func (s *compareScreen) exportName(*Model) string {
	return "compare-" + fileSlug(s.c.Left.Name) + "-" + fileSlug(s.c.Right.Name)
}

// shownComparison is the comparison narrowed to the rows the filter
// shows, in every section.
func (s *compareScreen) shownComparison() tenant.Comparison {
	r := &s.c.Result
	out := tenant.Comparison{Left: r.Left, Right: r.Right}
	for sec := range cmpSections {
		last := [cmpKinds]int{}
		for k := range last {
			last[k] = -1
		}
		for _, row := range s.rows[sec] {
			if row.header || row.idx == last[row.kind] {
				continue
			}
			last[row.kind] = row.idx
			i := row.idx
			switch row.kind {
			case cmpUsersLeft:
				out.UsersOnlyLeft = append(out.UsersOnlyLeft, r.UsersOnlyLeft[i])
			case cmpUsersRight:
				out.UsersOnlyRight = append(out.UsersOnlyRight, r.UsersOnlyRight[i])
			case cmpUsersDiffer:
				out.UsersDiffering = append(out.UsersDiffering, r.UsersDiffering[i])
			case cmpRolesLeft:
				out.RolesOnlyLeft = append(out.RolesOnlyLeft, r.RolesOnlyLeft[i])
			case cmpRolesRight:
				out.RolesOnlyRight = append(out.RolesOnlyRight, r.RolesOnlyRight[i])
			case cmpOrgsLeft:
				out.OrgsOnlyLeft = append(out.OrgsOnlyLeft, r.OrgsOnlyLeft[i])
			case cmpOrgsRight:
				out.OrgsOnlyRight = append(out.OrgsOnlyRight, r.OrgsOnlyRight[i])
			case cmpAccessLeft:
				out.AccessOnlyLeft = append(out.AccessOnlyLeft, r.AccessOnlyLeft[i])
			case cmpAccessRight:
				out.AccessOnlyRight = append(out.AccessOnlyRight, r.AccessOnlyRight[i])
			}
		}
	}
	return out
}

func (s *compareScreen) exportData(a *Model, asJSON bool) ([]byte, string, error) {
	c := s.shownComparison()
	l, r := s.c.Left, s.c.Right
	data, err := encode(func(buf *bytes.Buffer) error {
		if asJSON {
			now := a.opts.Now()
			return export.WriteJSON(buf, export.NewComparisonJSON(&c, export.NewSide(l.Name, l.Cache, l.Info, now),
				export.NewSide(r.Name, r.Cache, r.Info, now), s.c.Filter))
		}
		return export.ComparisonCSV(buf, &c, l.Name, r.Name)
	})
	n := 0
	for _, v := range s.shown {
		n += v
	}
	return data, numfmt.Count(n, "difference", "differences"), err
}

// ---- the app around it: no tenant, so no tabs, sync or writes ----

// compareKey is handleKey for the comparison: the app's keys that apply
// (quit, help, messages, export) and the screen's.
func (a *Model) compareKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.keys
	if cmd, ok := a.everywhereKey(msg); ok {
		return cmd
	}
	if cmd, handled := a.top().update(a, msg); handled {
		return cmd
	}
	if cmd, ok := a.exportKey(msg); ok {
		return cmd
	}
	if matches(msg, k.Back) {
		if len(a.stack) > 1 {
			a.pop()
			return nil
		}
		return tea.Quit // esc on the comparison itself: it is the whole UI
	}
	return nil
}

// compareHelpGroups are the help screen's sections on the comparison:
// its keys, moving, and the filter line.
func (k KeyMap) compareHelpGroups() []helpGroup {
	named := func(b Binding, desc string) Binding {
		b.SetHelp(b.Help().Key, desc)
		return b
	}
	return []helpGroup{
		{"Compare", []Binding{k.CompareSections, named(k.NextTab, "next section"), named(k.PrevTab, "previous section"),
			named(k.Filter, "filter: every word in the row"), named(k.Export, "export the rows shown, CSV/JSON"),
			named(k.Back, "clear the filter, or quit"), k.Help, k.Messages, k.Quit}},
		{"Move", []Binding{k.Up, k.Down, k.Home, k.End, k.PageUp, k.PageDown}}, // no columns to move across
		{"Filter line", []Binding{k.Input.Keep, k.Input.Clear, k.Input.Move}},
	}
}

// compareTitle names both sides with their snapshots, in the longest
// wording that fits: the words give way before the names and ages.
func (a *Model) compareTitle(w int) string {
	st := &a.st
	c := a.compare.c
	now := a.opts.Now()
	side := func(s CompareSide, form int) string {
		in := s.Info
		name := st.Tenant.Render(safe(s.Name))
		age := st.Age
		if in.Age(now) > staleAfter {
			age = st.AgeOld
		}
		date := in.FinishedAt.Local().Format("2006-01-02 15:04")
		switch form {
		case 0:
			src := ""
			if in.Source != "" {
				src = " " + st.Muted.Render(safe(in.Source))
			}
			return name + src + " " + age.Render(fmt.Sprintf("snapshot %d, synced %s (%s)", in.ID, date, in.AgeText(now)))
		case 1:
			return name + " " + age.Render(fmt.Sprintf("snapshot %d, %s (%s)", in.ID, date, in.AgeText(now)))
		case 2:
			return name + " " + age.Render(fmt.Sprintf("#%d %s (%s)", in.ID, in.FinishedAt.Local().Format("01-02 15:04"), in.AgeText(now)))
		case 3:
			return name + " " + age.Render("("+in.AgeText(now)+")")
		}
		return name
	}
	app := " " + st.App.Render("otaccess") + " compare  "
	vs := st.Muted.Render("  vs  ")
	for form := range 5 {
		if t := app + side(c.Left, form) + vs + side(c.Right, form); ansi.StringWidth(t) <= w {
			return t
		}
	}
	return clip(" "+side(c.Left, 3)+st.Muted.Render(" vs ")+side(c.Right, 3), w)
}
