package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// membersScreen lists one group's effective members (direct or through a
// user group, the HELD column says which); from here a member is revoked
// (with confirmation) or opened.
type membersScreen struct {
	groupID string
	group   int
	// org, when set, makes this the members of an organization of the
	// org tree (users holding any role there) instead of a group (orgs.go).
	org     *orgSubject
	filter  filterInput
	scratch []int32
	rows    []int32
	tbl     vtable
}

func newMembersScreen(a *Model, groupID string) *membersScreen {
	return newMembersOf(a, &membersScreen{groupID: groupID}, "HELD")
}

// newMembersOf sets up s, whose subject is set; held titles the last
// column (how each member holds the group, or their roles in the org).
func newMembersOf(a *Model, s *membersScreen, held string) *membersScreen {
	s.filter = newFilterInputWith(a, "to filter members")
	s.tbl.cols = []column{
		{title: "NAME", min: 12, max: 40, weight: 4},
		{title: "EMAIL / USERNAME", min: 12, max: 48, weight: 5},
		{title: "STATUS", width: 8, drop: 2},
		{title: "TYPE", min: 8, max: 20, weight: 1, drop: 4},
		{title: held, min: 6, max: 40, weight: 2, drop: 3},
	}
	if s.org != nil { // the roles are what this list is for
		s.tbl.cols[4].min, s.tbl.cols[4].weight = 16, 5
	}
	s.refresh(a)
	return s
}

func (s *membersScreen) title(a *Model) string { return safe(s.label(a)) }

// label names the subject: "Auditor — Legal", or the org's path.
func (s *membersScreen) label(a *Model) string {
	if s.org != nil {
		return s.org.name
	}
	return access.MembershipLabel(a.snap, s.group)
}

// members are the subject's users, ascending.
func (s *membersScreen) members(a *Model) []int32 {
	if s.org != nil {
		return s.org.users
	}
	return a.snap.EffectiveMembers(s.group)
}

func (s *membersScreen) typing() bool { return s.filter.focused() }

func (s *membersScreen) refresh(a *Model) bool {
	if s.org != nil {
		if !s.org.resolve(a) {
			return false
		}
		s.refilter(a)
		return true
	}
	g, ok := a.snap.GroupIndex(s.groupID)
	if !ok {
		return false
	}
	s.group = g
	s.refilter(a)
	return true
}

// refilter intersects the group's members with the filter's matches (both
// ascending user indexes).
func (s *membersScreen) refilter(a *Model) {
	members := s.members(a)
	q := s.filter.value()
	if q == "" {
		s.filter.err = nil
		s.rows = append(s.rows[:0], members...)
	} else {
		m, err := a.index.Filter(q, s.scratch)
		s.filter.err = err
		if err != nil {
			return
		}
		s.scratch = m
		s.rows = s.rows[:0]
		i, j := 0, 0
		for i < len(m) && j < len(members) {
			switch {
			case m[i] < members[j]:
				i++
			case m[i] > members[j]:
				j++
			default:
				s.rows = append(s.rows, m[i])
				i++
				j++
			}
		}
	}
	s.tbl.clampTo(len(s.rows), s.visibleRows(a))
}

func (s *membersScreen) visibleRows(a *Model) int {
	return max(1, a.bodyHeight()-3-s.filter.errLines(a.width))
}

func (s *membersScreen) selected() int {
	if s.tbl.cursor < 0 || s.tbl.cursor >= len(s.rows) {
		return -1
	}
	return int(s.rows[s.tbl.cursor])
}

func (s *membersScreen) view(a *Model, w, h int) []string {
	st := &a.st
	all := s.members(a)
	count := numfmt.Count(len(all), "member", "members")
	if s.org == nil {
		if v := len(all) - len(a.snap.Groups[s.group].Members); v > 0 {
			count += " (" + numfmt.Commas(v) + " only via a user group)"
		}
	}
	if len(s.rows) != len(all) {
		count = numfmt.Commas(len(s.rows)) + " of " + count
	}
	head := " " + st.Bold.Render(safe(s.label(a)))
	out := []string{padLine(head, w-ansi.StringWidth(count)-2) + " " + st.Muted.Render(count)}
	out = append(out, s.filter.view(a, w))
	out = append(out, s.filter.errView(a, w)...)
	if len(s.rows) == 0 {
		msg := "no members"
		if s.filter.value() != "" {
			msg = "no members match"
		}
		return append(out, "", "  "+st.Muted.Render(msg))
	}
	return append(out, s.tbl.view(st, w, h-len(out), len(s.rows), -1, false, func(i int, cells []cell) {
		u := int(s.rows[i])
		usr := &a.snap.Users[u]
		cells[0].text = a.markPrefix(usr.ID) + safe(usr.Name())
		if s.org == nil && a.isPending(u, s.group) {
			cells[0] = cell{text: a.spin.View() + " " + safe(usr.Name()), style: &st.Pending}
		}
		cells[1].text = safe(usr.Label())
		if usr.Active {
			cells[2] = cell{text: "active", style: &st.Active}
		} else {
			cells[2] = cell{text: "inactive", style: &st.Inactive}
		}
		cells[3].text = safe(usr.UserType)
		if s.org != nil {
			cells[4].text = safe(s.org.roles(a, u))
			return
		}
		direct, via := a.snap.Holds(u, s.group)
		cells[4].text = safe(heldText(a, direct, via))
		if !direct {
			cells[4].style = &st.Muted
		}
	})...)
}

func (s *membersScreen) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	n, h := len(s.rows), s.visibleRows(a)
	km, cmd, handled, stop := listKeys(a, msg, &s.filter, &s.tbl, n, h, func() { s.refilter(a) })
	if stop {
		return cmd, handled
	}
	k := a.keys
	u := s.selected()
	if u < 0 {
		return nil, false
	}
	switch {
	case matches(km, k.Open):
		a.push(newDetailScreen(a, a.snap.Users[u].ID))
		return nil, true
	case matches(km, k.Revoke, k.Toggle) && s.org != nil:
		return a.setFlash(flashInfo, "an organization's members hold several roles: "+keyName(k.Open)+" opens the user, where "+keyName(k.Toggle)+" revokes one"), true
	case matches(km, k.Revoke, k.Toggle):
		// Held only through user groups, confirmChange asks to leave them.
		return a.confirmChange(u, s.group, false), true
	case matches(km, k.Deprovision):
		return a.openDeprovision(u), true
	case matches(km, k.CopyEmail):
		return a.copyText("email", a.snap.Users[u].Email), true
	case matches(km, k.CopyID):
		return a.copyID(a.snap.Users[u].ID), true
	}
	return nil, false
}

func (s *membersScreen) hints(a *Model) []Binding {
	k := a.keys
	if s.org != nil { // an org's members: revoking is per role, on the user
		return []Binding{k.Open, k.Back, k.Deprovision, k.Filter, k.CopyEmail, k.CopyID, k.Export, k.Mark}
	}
	return []Binding{k.Open, k.Revoke, k.Back, k.Deprovision, k.Filter, k.CopyEmail, k.CopyID, k.Export, k.Mark}
}

func (s *membersScreen) info(a *Model) string {
	if u := s.selected(); u >= 0 {
		usr := &a.snap.Users[u]
		return fmt.Sprintf("%s <%s>", safe(usr.Name()), safe(usr.Label()))
	}
	return ""
}

// heldText is tenant.HeldText for the user groups via (indexes into the
// snapshot's UserGroups).
func heldText(a *Model, direct bool, via []int32) string {
	names := make([]string, len(via))
	for i, k := range via {
		names[i] = a.snap.UserGroups[k].Name
	}
	return tenant.HeldText(direct, names)
}
