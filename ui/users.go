package ui

import (
	"github.com/otaccess/otaccess/numfmt"

	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Users screen columns.
const (
	ucolName = iota
	ucolEmail
	ucolStatus
	ucolRoles
	ucolOrgs
	ucolType
	ucolLogin
	ucolCount
)

// usersScreen lists every user of the snapshot. The rows are an index slice
// into Snapshot.Users: the filter result in the chosen sort order. Sorting
// never runs per keystroke: each column's order is a permutation computed
// once (lazily), and a filter walks that permutation.
type usersScreen struct {
	filter  filterInput
	matches []int32 // filter result, snapshot order
	rows    []int32 // what is shown, in sort order
	sortCol int
	desc    bool
	perms   [ucolCount][]int32
	roleN   []uint16 // distinct roles per user (for sorting), lazily
	orgN    []uint16
	mark    []uint64 // scratch bitset over users
	tbl     vtable
}

func newUsersScreen(a *Model) *usersScreen {
	s := &usersScreen{filter: newFilterInput(a)}
	s.tbl.cols = []column{
		ucolName:   {title: "NAME", min: 16, max: 40, weight: 4},
		ucolEmail:  {title: "EMAIL / USERNAME", min: 18, max: 48, weight: 5},
		ucolStatus: {title: "STATUS", width: 8, drop: 3},
		ucolRoles:  {title: "ROLES", width: 6, right: true, drop: 2},
		ucolOrgs:   {title: "ORGS", width: 5, right: true, drop: 2},
		ucolType:   {title: "TYPE", min: 8, max: 20, weight: 1, drop: 4},
		// "2026-11-20 (11d)" (to 9999d), "never", "?": kept at 80 columns, TYPE goes first.
		ucolLogin: {title: "LAST LOGIN", width: 18, drop: 1},
	}
	return s
}

func (s *usersScreen) title(*Model) string { return "Users" }

func (s *usersScreen) typing() bool { return s.filter.focused() }

// selectedUser is the user index under the cursor, or -1.
func (s *usersScreen) selectedUser() int {
	if s.tbl.cursor < 0 || s.tbl.cursor >= len(s.rows) {
		return -1
	}
	return int(s.rows[s.tbl.cursor])
}

func (s *usersScreen) visibleRows(a *Model) int {
	return max(1, a.bodyHeight()-2-s.filter.errLines(a.width))
}

// refresh runs after the snapshot changed: cached orders are dropped and the
// cursor stays on the same user when it is still listed.
func (s *usersScreen) refresh(a *Model) bool {
	s.keepCursor(a, func() {
		s.perms = [ucolCount][]int32{}
		s.roleN, s.orgN = nil, nil
		s.refilter(a)
	})
	return true
}

// keepCursor runs change, keeping the cursor on the same user.
func (s *usersScreen) keepCursor(a *Model, change func()) {
	n := func() int { return len(s.rows) }
	id := func(i int) string {
		if u := int(s.rows[i]); u < len(a.snap.Users) {
			return a.snap.Users[u].ID
		}
		return "" // a row of the snapshot before a change
	}
	s.tbl.cursor = keepCursor(s.tbl.cursor, n, id, change)
	s.tbl.clampTo(len(s.rows), s.visibleRows(a))
}

// refilter applies the query. A query error keeps the previous rows and is
// shown inline.
func (s *usersScreen) refilter(a *Model) {
	m, err := a.index.Filter(s.filter.value(), s.matches)
	s.filter.err = err
	if err != nil {
		return
	}
	s.matches = m
	s.order(a)
}

// order lays the matches out in the sort order.
func (s *usersScreen) order(a *Model) {
	n := len(a.snap.Users)
	if s.sortCol == ucolName {
		s.rows = append(s.rows[:0], s.matches...) // the snapshot is sorted by name
	} else {
		perm := s.perm(a, s.sortCol)
		if len(s.matches) == n {
			s.rows = append(s.rows[:0], perm...)
		} else {
			words := (n + 63) / 64
			if cap(s.mark) < words {
				s.mark = make([]uint64, words)
			}
			s.mark = s.mark[:words]
			clear(s.mark)
			for _, u := range s.matches {
				s.mark[u>>6] |= 1 << (u & 63)
			}
			s.rows = s.rows[:0]
			for _, u := range perm {
				if s.mark[u>>6]&(1<<(u&63)) != 0 {
					s.rows = append(s.rows, u)
				}
			}
		}
	}
	if s.desc {
		slices.Reverse(s.rows)
	}
}

// perm returns the users in ascending order of col, ties in name order.
func (s *usersScreen) perm(a *Model, col int) []int32 {
	if p := s.perms[col]; p != nil {
		return p
	}
	users := a.snap.Users
	p := make([]int32, len(users))
	for i := range p {
		p[i] = int32(i)
	}
	switch col {
	case ucolEmail:
		keys := make([]string, len(users))
		for i := range users {
			keys[i] = strings.ToLower(users[i].Label())
		}
		slices.SortStableFunc(p, func(x, y int32) int { return strings.Compare(keys[x], keys[y]) })
	case ucolStatus:
		slices.SortStableFunc(p, func(x, y int32) int {
			return boolRank(users[x].Active) - boolRank(users[y].Active)
		})
	case ucolRoles, ucolOrgs:
		s.countAll(a)
		c := s.roleN
		if col == ucolOrgs {
			c = s.orgN
		}
		slices.SortStableFunc(p, func(x, y int32) int { return int(c[x]) - int(c[y]) })
	case ucolLogin:
		// Least recent first: never, then the oldest; unknown last.
		rank := func(u int32) int {
			switch {
			case !users[u].InUsersV2:
				return 2
			case users[u].LastLogin.IsZero():
				return 0
			}
			return 1
		}
		slices.SortStableFunc(p, func(x, y int32) int {
			if c := rank(x) - rank(y); c != 0 {
				return c
			}
			return users[x].LastLogin.Compare(users[y].LastLogin)
		})
	case ucolType:
		keys := make([]string, len(users))
		for i := range users {
			keys[i] = strings.ToLower(users[i].UserType)
		}
		slices.SortStableFunc(p, func(x, y int32) int { return strings.Compare(keys[x], keys[y]) })
	}
	s.perms[col] = p
	return p
}

func boolRank(active bool) int {
	if active {
		return 0
	}
	return 1
}

func (s *usersScreen) countAll(a *Model) {
	if s.roleN != nil {
		return
	}
	s.roleN = make([]uint16, len(a.snap.Users))
	s.orgN = make([]uint16, len(a.snap.Users))
	for i := range a.snap.Users {
		r, o := a.snap.RoleOrgCounts(i)
		s.roleN[i], s.orgN[i] = uint16(min(r, 65535)), uint16(min(o, 65535))
	}
}

func (s *usersScreen) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	n, h := len(s.rows), s.visibleRows(a)
	km, cmd, handled, stop := listKeys(a, msg, &s.filter, &s.tbl, n, h, func() { s.refilter(a) })
	if stop {
		return cmd, handled
	}
	k := a.keys
	switch {
	case matches(km, k.Sort):
		s.setSort(a, (s.sortCol+1)%ucolCount, false)
		return nil, true
	case matches(km, k.Reverse):
		s.setSort(a, s.sortCol, !s.desc)
		return nil, true
	case matches(km, k.NewUser):
		return a.openCreateForm(), true
	}
	u := s.selectedUser()
	if u < 0 {
		return nil, false
	}
	switch {
	case matches(km, k.Open):
		a.push(newDetailScreen(a, a.snap.Users[u].ID))
		return nil, true
	case matches(km, k.Deprovision):
		return a.openDeprovision(u), true
	case matches(km, k.CopyEmail):
		return a.copyText("email", a.snap.Users[u].Email), true
	case matches(km, k.CopyID):
		return a.copyID(a.snap.Users[u].ID), true
	}
	return nil, false
}

// setSort changes the order, keeping the cursor on the same user.
func (s *usersScreen) setSort(a *Model, col int, desc bool) {
	s.keepCursor(a, func() {
		s.sortCol, s.desc = col, desc
		s.order(a)
	})
}

func (s *usersScreen) view(a *Model, w, h int) []string {
	st := &a.st
	total := len(a.snap.Users)
	count := numfmt.Count(total, "user", "users")
	if s.filter.value() != "" || len(s.rows) != total {
		count = numfmt.Commas(len(s.rows)) + " of " + count
	}
	count += " "
	out := make([]string, 0, h)
	out = append(out, s.filter.view(a, w-ansi.StringWidth(count)-1)+" "+st.Muted.Render(count))
	out = append(out, s.filter.errView(a, w)...)
	if len(s.rows) == 0 {
		out = append(out, "", "  "+st.Muted.Render("no users match"))
		return out
	}
	now := a.opts.Now()
	rows := s.tbl.view(st, w, h-len(out), len(s.rows), s.sortCol, s.desc, func(i int, cells []cell) {
		u := int(s.rows[i])
		usr := &a.snap.Users[u]
		cells[ucolName].text = a.markPrefix(usr.ID) + safe(usr.Name())
		cells[ucolEmail].text = safe(usr.Label())
		if usr.Active {
			cells[ucolStatus] = cell{text: "active", style: &st.Active}
		} else {
			cells[ucolStatus] = cell{text: "inactive", style: &st.Inactive}
		}
		r, o := a.snap.RoleOrgCounts(u)
		cells[ucolRoles].text = strconv.Itoa(r)
		cells[ucolOrgs].text = strconv.Itoa(o)
		cells[ucolType].text = safe(usr.UserType)
		cells[ucolLogin].text = lastLoginCell(usr, now)
		if cells[ucolLogin].text == "?" {
			cells[ucolLogin].style = &st.Muted
		}
	})
	return append(out, rows...)
}

func (s *usersScreen) hints(a *Model) []Binding {
	k := a.keys
	if s.filter.focused() {
		return []Binding{
			k.Input.Keep, k.Input.Clear, k.Input.Move,
		}
	}
	return []Binding{k.Open, k.Filter, k.Deprovision, k.NewUser, k.Sort, k.Matrix, k.Orgs, k.Sync, k.CopyEmail, k.Export, k.Mark, k.Quit}
}

func (s *usersScreen) info(*Model) string { return "" }
