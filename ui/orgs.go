package ui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// The org view: OneTrust's organization tree drawn with tree glyphs, each
// organization's members (users holding a role there, directly or through
// a user group) and its roll-up (in it or any organization under it, each
// user once); enter lists an organization's members on the members
// screen. Without a tree it says why (the key lacks the ORGANIZATION
// scope, a server that is not OneTrust).

type orgsScreen struct {
	tree   *tenant.OrgTree // the tree the rows were built from
	rows   []int32         // nodes, depth first
	prefix []string        // each row's tree glyphs
	counts []tenant.OrgCount
	tbl    vtable
}

func newOrgsScreen(a *Model) *orgsScreen {
	s := &orgsScreen{}
	s.tbl.cols = []column{
		{title: "ORGANIZATION", min: 20, weight: 1},
		{title: "MEMBERS", width: 8, right: true},
		{title: "WITH SUBORGS", width: 14, right: true, drop: 1}, // wider than its title: apart from MEMBERS
	}
	s.refresh(a)
	return s
}

func (s *orgsScreen) title(*Model) string { return "Org tree" }

func (s *orgsScreen) typing() bool { return false }

// refresh redraws the tree and recounts; the cursor stays on the same
// organization (by its key) when it is still there.
func (s *orgsScreen) refresh(a *Model) bool {
	key := func(i int) string { return s.tree.Nodes[s.rows[i]].Key }
	s.tbl.cursor = keepCursor(s.tbl.cursor, func() int { return len(s.rows) }, key, func() {
		s.tree, s.rows, s.prefix, s.counts = a.snap.OrgTree, nil, nil, nil
		if s.tree == nil || len(s.tree.Nodes) == 0 {
			return
		}
		s.counts = s.tree.Counts(a.snap)
		var walk func(n int32, lead string, last bool)
		walk = func(n int32, lead string, last bool) {
			branch, next := "", ""
			if s.tree.Parent[n] >= 0 {
				branch, next = "├─ ", "│  "
				if last {
					branch, next = "└─ ", "   "
				}
			}
			s.rows = append(s.rows, n)
			s.prefix = append(s.prefix, lead+branch)
			kids := s.tree.Children[n]
			for i, c := range kids {
				walk(c, lead+next, i == len(kids)-1)
			}
		}
		for n := range s.tree.Nodes {
			if s.tree.Parent[n] < 0 {
				walk(int32(n), "", true)
			}
		}
	})
	s.tbl.clampTo(len(s.rows), s.visibleRows(a))
	return true
}

func (s *orgsScreen) visibleRows(a *Model) int { return max(1, a.bodyHeight()-3) }

func (s *orgsScreen) selected() int32 {
	if s.tbl.cursor < 0 || s.tbl.cursor >= len(s.rows) {
		return -1
	}
	return s.rows[s.tbl.cursor]
}

func (s *orgsScreen) view(a *Model, w, h int) []string {
	st := &a.st
	if s.tree == nil {
		return centerCenter([]string{st.Muted.Render(safe(a.snap.OrgTreeNote()))}, w, h)
	}
	j := s.tree.Join
	count := numfmt.Count(len(s.tree.Nodes), "organization", "organizations") + " "
	head := " " + st.Bold.Render("Organization tree")
	if long := head + st.Muted.Render(" — members hold a role there, directly or via a user group"); ansi.StringWidth(long)+ansi.StringWidth(count) < w {
		head = long
	}
	out := []string{padLine(head, w-ansi.StringWidth(count)) + st.Muted.Render(count)}
	var foot string
	if len(j.SCIMOnly) > 0 {
		foot = " " + st.Muted.Render(clip(safe("in SCIM group ids but not in the tree: "+strings.Join(j.SCIMOnly, ", ")), w-1))
	}
	bodyH := h - len(out)
	if foot != "" {
		bodyH--
	}
	out = append(out, s.tbl.view(st, w, bodyH, len(s.rows), -1, false, func(i int, cells []cell) {
		n := s.rows[i]
		name := s.prefix[i] + safe(s.tree.Nodes[n].Name)
		cells[0].text = name
		if s.tree.Org[n] < 0 {
			cells[0].text = name + " (not in any SCIM group)"
		}
		cells[1].text = numfmt.Commas(s.counts[n].Direct)
		cells[2].text = numfmt.Commas(s.counts[n].RollUp)
	})...)
	if foot != "" {
		for len(out) < h-1 {
			out = append(out, "")
		}
		out = append(out, foot)
	}
	return out
}

func (s *orgsScreen) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	if s.tbl.handleKey(a.keys, km, len(s.rows), s.visibleRows(a)) {
		return nil, true
	}
	withSub := matches(km, a.keys.WithSuborgs)
	if !withSub && !matches(km, a.keys.Open) {
		return nil, false
	}
	n := s.selected()
	switch {
	case n < 0:
		return nil, true
	case s.tree.Org[n] < 0 && !withSub:
		return a.setFlash(flashInfo, safe(s.tree.Nodes[n].Name)+" is in no SCIM group id: nobody holds a role there through SCIM"), true
	}
	o := &orgSubject{key: s.tree.Nodes[n].Key, withSub: withSub}
	if !o.resolve(a) {
		return a.setFlash(flashInfo, "no organization here or under it is in a SCIM group id"), true
	}
	a.push(newMembersOf(a, &membersScreen{org: o}, "ROLES HERE"))
	return nil, true
}

func (s *orgsScreen) hints(a *Model) []Binding {
	k := a.keys
	return []Binding{k.Open, k.WithSuborgs, k.Back, k.Matrix, k.Sync}
}

func (s *orgsScreen) info(a *Model) string {
	if n := s.selected(); n >= 0 {
		c := s.counts[n]
		return safe(s.tree.Path(n)) + ": " + numfmt.Count(c.Direct, "member", "members") + ", " + numfmt.Commas(c.RollUp) + " with suborgs"
	}
	return ""
}

// orgSubject is an organization of the tree as the members screen lists
// it: the users holding any role in its org, directly or via a user group.
type orgSubject struct {
	key     string  // the node's Key: stable across syncs
	withSub bool    // the organizations under it too
	orgs    []int32 // Snapshot.Orgs indexes, ascending
	name    string  // its path in the tree
	users   []int32
}

// resolve finds the node again in the snapshot's tree and lists its
// members; false when it (or its org) is gone.
func (o *orgSubject) resolve(a *Model) bool {
	t := a.snap.OrgTree
	if t == nil {
		return false
	}
	n := slices.IndexFunc(t.Nodes, func(nd tenant.OrgNode) bool { return nd.Key == o.key })
	if n < 0 {
		return false
	}
	o.orgs, o.name = nil, t.Path(int32(n))
	if o.withSub {
		o.orgs = slices.Sorted(slices.Values(t.OrgsUnder(int32(n))))
		o.name += " + suborgs"
	} else if t.Org[n] >= 0 {
		o.orgs = []int32{t.Org[n]}
	}
	if len(o.orgs) == 0 {
		return false
	}
	o.users = o.users[:0]
	for u := range a.snap.Users {
		if len(o.rolesOf(a.snap, u)) > 0 {
			o.users = append(o.users, int32(u))
		}
	}
	return true
}

// rolesOf lists the groups in the org that user u holds either way.
func (o *orgSubject) rolesOf(snap *tenant.Snapshot, u int) []int32 {
	var out []int32
	for _, g := range snap.EffectiveGroups(u) {
		if _, in := slices.BinarySearch(o.orgs, snap.Groups[g].Org); in {
			out = append(out, g)
		}
	}
	return out
}

// roles names the roles user u holds in the org: "Auditor, DPO (via
// Privacy Team)"; with suborgs each says its org.
func (o *orgSubject) roles(a *Model, u int) string {
	var names []string
	for _, g := range o.rolesOf(a.snap, u) {
		grp := &a.snap.Groups[g]
		name := a.snap.Roles[grp.Role].Name
		if o.withSub { // several orgs: say which
			name += " — " + a.snap.Orgs[grp.Org].Name
		}
		if direct, via := a.snap.Holds(u, int(g)); !direct && len(via) > 0 {
			name += " (" + heldText(a, direct, via) + ")"
		}
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}
