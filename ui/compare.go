package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/tenant"
)

// The comparison of two snapshots (otaccess compare --tui): read-only, no
// tenant behind it. Three sections, each a list with headers: the users
// (only in one side, or in both with attributes that differ), the roles
// and orgs only one side has, and the access only one side holds ("who
// has Site Admin in prod but not in UAT"). The command compares; the UI
// only shows what it is given.

// CompareSide is one side as the command line named it.
type CompareSide struct {
	Name  string // the profile, or the cache file's name
	Cache string // the cache file's path (named in an export)
	Info  tenant.SyncInfo
}

// Comparison is what the comparison view shows: the two sides and how
// they differ, narrowed to Filter (--role, --org, --user) already.
type Comparison struct {
	Left, Right CompareSide
	Result      tenant.Comparison
	Filter      tenant.CompareFilter
}

// cmpKind is which list of the comparison a row comes from.
type cmpKind int

const (
	cmpUsersLeft cmpKind = iota
	cmpUsersRight
	cmpUsersDiffer
	cmpRolesLeft
	cmpRolesRight
	cmpOrgsLeft
	cmpOrgsRight
	cmpAccessLeft
	cmpAccessRight
	cmpKinds
)

// The sections, switched with tab and the number keys.
const (
	cmpSecUsers = iota
	cmpSecNames
	cmpSecAccess
	cmpSections
)

var cmpSectionNames = [cmpSections]string{"Users", "Roles & orgs", "Access"}

func (k cmpKind) section() int {
	switch {
	case k <= cmpUsersDiffer:
		return cmpSecUsers
	case k <= cmpOrgsRight:
		return cmpSecNames
	}
	return cmpSecAccess
}

// shape is the kind whose columns k's rows share: the two sides' rows
// of a list line up.
func (k cmpKind) shape() cmpKind {
	switch k {
	case cmpUsersRight:
		return cmpUsersLeft
	case cmpRolesRight, cmpOrgsLeft, cmpOrgsRight:
		return cmpRolesLeft
	case cmpAccessRight:
		return cmpAccessLeft
	}
	return k
}

// cmpRow is a row: a header of one kind's rows, or one item (a user
// differing in several fields has a row per field).
type cmpRow struct {
	header    bool
	kind      cmpKind
	idx       int      // the item's index in its kind's list
	cells     []string // sanitized: user or name, then what else it shows
	key       string   // lowercase text the filter matches
	count, of int      // a header's: items shown, items in all
}

type cmpRows []cmpRow

func (r cmpRows) len() int          { return len(r) }
func (r cmpRows) header(i int) bool { return r[i].header }

type compareScreen struct {
	c      *Comparison
	items  [cmpKinds][]cmpRow // every item row of each kind, unfiltered
	totals [cmpKinds]int      // items of each kind (users, not fields)
	rows   [cmpSections]cmpRows
	lists  [cmpSections]sectionList
	shown  [cmpSections]int // items shown in each section
	sec    int
	filter filterInput
	sideW  int // the widest side name, for the field column
	// widest is each column's widest cell, by the kind whose columns
	// they are (see shape): columns are no wider than what they hold.
	widest [cmpKinds][4]int
}

func newCompareScreen(a *Model, c *Comparison) *compareScreen {
	s := &compareScreen{c: c, filter: newFilterInputWith(a, "to filter the rows: a name, an email, a role or org, direct, via")}
	r := &c.Result
	add := func(k cmpKind, idx int, cells ...string) {
		for i := range cells {
			cells[i] = safe(cells[i])
		}
		s.items[k] = append(s.items[k], cmpRow{kind: k, idx: idx, cells: cells, key: strings.ToLower(strings.Join(cells, "\n"))})
	}
	users := func(k cmpKind, list []tenant.UserRef) {
		for i, u := range list {
			add(k, i, u.Name, u.Label)
		}
		s.totals[k] = len(list)
	}
	users(cmpUsersLeft, r.UsersOnlyLeft)
	users(cmpUsersRight, r.UsersOnlyRight)
	for i, d := range r.UsersDiffering {
		for _, f := range d.Fields {
			add(cmpUsersDiffer, i, d.Left.Label, f.Field, orNone(f.Left), orNone(f.Right))
		}
	}
	s.totals[cmpUsersDiffer] = len(r.UsersDiffering)
	names := func(k cmpKind, list []string) {
		for i, n := range list {
			add(k, i, n)
		}
		s.totals[k] = len(list)
	}
	names(cmpRolesLeft, r.RolesOnlyLeft)
	names(cmpRolesRight, r.RolesOnlyRight)
	names(cmpOrgsLeft, r.OrgsOnlyLeft)
	names(cmpOrgsRight, r.OrgsOnlyRight)
	access := func(k cmpKind, list []tenant.MembershipRef) {
		for i := range list {
			m := &list[i]
			add(k, i, m.User.Label, m.Membership(), tenant.HeldText(!m.ViaOnly, m.UserGroups))
		}
		s.totals[k] = len(list)
	}
	access(cmpAccessLeft, r.AccessOnlyLeft)
	access(cmpAccessRight, r.AccessOnlyRight)
	s.sideW = max(ansi.StringWidth(safe(c.Left.Name)), ansi.StringWidth(safe(c.Right.Name)))
	for k := range cmpKinds {
		for _, r := range s.items[k] {
			for i, cell := range r.cells {
				s.widest[k.shape()][i] = max(s.widest[k.shape()][i], ansi.StringWidth(cell))
			}
		}
	}
	s.refilter()
	// Open on the first section with something in it.
	for sec := range cmpSections {
		if s.shown[sec] > 0 {
			s.sec = sec
			break
		}
	}
	return s
}

func orNone(v string) string {
	if v == "" {
		return "—"
	}
	return v
}

// kindTitle names a kind's rows in their header.
func (s *compareScreen) kindTitle(k cmpKind) string {
	l, r := safe(s.c.Left.Name), safe(s.c.Right.Name)
	switch k {
	case cmpUsersLeft:
		return "Users only in " + l
	case cmpUsersRight:
		return "Users only in " + r
	case cmpUsersDiffer:
		return "Users in both that differ"
	case cmpRolesLeft:
		return "Roles only in " + l
	case cmpRolesRight:
		return "Roles only in " + r
	case cmpOrgsLeft:
		return "Orgs only in " + l
	case cmpOrgsRight:
		return "Orgs only in " + r
	case cmpAccessLeft:
		return "Access only in " + l
	}
	return "Access only in " + r
}

// mark is the glyph before a kind's rows: < the left side's, > the
// right's, ~ both, differing (as the CLI prints them).
func (k cmpKind) mark() string {
	switch k {
	case cmpUsersDiffer:
		return "~"
	case cmpUsersLeft, cmpRolesLeft, cmpOrgsLeft, cmpAccessLeft:
		return "<"
	}
	return ">"
}

func (s *compareScreen) markStyle(st *Styles, k cmpKind) *lipgloss.Style {
	switch k.mark() {
	case "<":
		return &st.Error
	case ">":
		return &st.Active
	}
	return &st.Pending
}

// refilter rebuilds the sections' rows from the filter's words (every one
// in a row's text), keeping each section's cursor on its item.
func (s *compareScreen) refilter() {
	words := strings.Fields(strings.ToLower(s.filter.value()))
	for sec := range cmpSections {
		type at struct {
			kind     cmpKind
			idx      int
			cells    string
			isHeader bool
		}
		rows := &s.rows[sec]
		id := func(i int) at {
			r := (*rows)[i]
			return at{r.kind, r.idx, strings.Join(r.cells, "\n"), r.header}
		}
		l := &s.lists[sec]
		l.cursor = keepCursor(l.cursor, func() int { return len(*rows) }, id, func() { s.build(sec, words) })
		l.moveTo(*rows, l.cursor, 1)
	}
}

// build fills section sec's rows: a header per kind with items that match
// words, then them.
func (s *compareScreen) build(sec int, words []string) {
	rows := s.rows[sec][:0]
	s.shown[sec] = 0
	for k := range cmpKinds {
		if k.section() != sec {
			continue
		}
		head := len(rows)
		n, last := 0, -1
		for _, r := range s.items[k] {
			if !matchesAll(r.key, words) {
				continue
			}
			if len(rows) == head {
				rows = append(rows, cmpRow{header: true, kind: k})
			}
			rows = append(rows, r)
			if r.idx != last {
				n, last = n+1, r.idx
			}
		}
		if len(rows) > head {
			rows[head].count, rows[head].of = n, s.totals[k]
		}
		s.shown[sec] += n
	}
	s.rows[sec] = rows
}

func matchesAll(key string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(key, w) {
			return false
		}
	}
	return true
}

func (s *compareScreen) title(*Model) string { return "Compare" }

func (s *compareScreen) typing() bool { return s.filter.focused() }

func (s *compareScreen) refresh(*Model) bool { return true }

func (s *compareScreen) cur() (cmpRows, *sectionList) { return s.rows[s.sec], &s.lists[s.sec] }

// info names the row under the cursor in full: the flash line shows it
// where the row is cut.
func (s *compareScreen) info(a *Model) string {
	rows, l := s.cur()
	if l.cursor >= len(rows) || rows[l.cursor].header {
		return ""
	}
	r := rows[l.cursor]
	switch r.kind {
	case cmpUsersDiffer:
		return fmt.Sprintf("%s: %s %s in %s, %s in %s", r.cells[0], r.cells[1], r.cells[2], safe(s.c.Left.Name), r.cells[3], safe(s.c.Right.Name))
	case cmpAccessLeft, cmpAccessRight:
		return r.cells[0] + " has " + r.cells[1] + " " + s.sideNote(r.kind) + " (" + r.cells[2] + ")"
	}
	return strings.Join(r.cells, " · ") + " " + s.sideNote(r.kind)
}

// sideNote says where a left or right item is and is not.
func (s *compareScreen) sideNote(k cmpKind) string {
	l, r := safe(s.c.Left.Name), safe(s.c.Right.Name)
	if k.mark() == ">" {
		l, r = r, l
	}
	return "in " + l + ", not in " + r
}

// sectionKey is the compare view's number keys: 1 the first section.
func (a *Model) sectionKey(km tea.KeyPressMsg) (int, bool) {
	keys := a.keys.CompareSections.Keys()
	for i, k := range keys {
		if km.String() == k && i < cmpSections {
			return i, true
		}
	}
	return 0, false
}

func (s *compareScreen) hints(a *Model) []Binding {
	k := a.keys
	if s.filter.focused() {
		return []Binding{k.Input.Keep, k.Input.Clear, k.Input.Move}
	}
	next := k.NextTab
	next.SetHelp(next.Help().Key, "next section")
	if s.filter.value() != "" {
		clear := k.Back
		clear.SetHelp(clear.Help().Key, "clear filter")
		return []Binding{next, k.CompareSections, k.Filter, clear, k.Export, k.Quit, k.Down, k.Up, k.PageDown}
	}
	return []Binding{next, k.CompareSections, k.Filter, k.Quit, k.Export, k.Down, k.Up, k.PageDown}
}

func (s *compareScreen) bodyRows(a *Model) int { return max(1, a.bodyHeight()-2) }

func (s *compareScreen) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	rows, l := s.cur()
	page := s.bodyRows(a)
	if s.filter.focused() {
		if km, ok := msg.(tea.KeyPressMsg); ok && matches(km, a.keys.Input.Move) {
			l.handleKey(a.keys, km, rows, page)
			return nil, true
		}
		cmd, changed := s.filter.update(a, msg)
		if changed {
			s.refilter()
		}
		return cmd, true
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := a.keys
	if l.handleKey(k, km, rows, page) {
		return nil, true
	}
	if sec, ok := a.sectionKey(km); ok {
		s.sec = sec
		return nil, true
	}
	switch {
	case matches(km, k.NextTab):
		s.sec = (s.sec + 1) % cmpSections
	case matches(km, k.PrevTab):
		s.sec = (s.sec + cmpSections - 1) % cmpSections
	case matches(km, k.Filter):
		return s.filter.focus(), true
	case matches(km, k.Back) && s.filter.value() != "":
		s.filter.clear()
		s.refilter()
	default:
		return nil, false
	}
	return nil, true
}
