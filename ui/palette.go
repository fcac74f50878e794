package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// The `:` command palette, as k9s has it: a command word and an argument
// jump anywhere (`:user ana`, `:org Legal`, `:role auditor`, `:review Q4`).
// tab completes the command word (then a role's, organization's or
// group's name); the line under the input says what enter will do before
// it is pressed.

// paletteCmd is one command of the palette.
type paletteCmd struct {
	name, arg, desc string
	// plan resolves the argument: what enter will do (shown as the preview)
	// and the doing of it. A nil do is an error, said by the preview.
	plan func(a *Model, arg string) (preview string, do func(a *Model) tea.Cmd)
	// names are what tab completes the argument from (nil: no completion).
	names func(a *Model) []string
}

func paletteCmds() []paletteCmd {
	return []paletteCmd{
		{name: "user", arg: "NAME|EMAIL", desc: "open a user (several: the list, filtered)", plan: planUser},
		{name: "org", arg: "NAME", desc: "the matrix at an organization", plan: planOrg, names: orgNames},
		{name: "role", arg: "NAME", desc: "the matrix at a role", plan: planRole, names: roleNames},
		{name: "group", arg: "NAME", desc: "a group's members", plan: planGroup, names: groupNames},
		{name: "review", arg: "NAME", desc: "open an access review", plan: planReview},
		{name: "snapshot", desc: "what changed since a stored snapshot", plan: planSnapshot},
		{name: "users", desc: "the users list", plan: planTab(tabUsers)},
		{name: "matrix", desc: "the tenant matrix", plan: planTab(tabMatrix)},
		{name: "groups", desc: "the groups list", plan: planTab(tabGroups)},
		{name: "reviews", desc: "the access reviews", plan: planReviews},
		{name: "help", desc: "every key", plan: func(*Model, string) (string, func(*Model) tea.Cmd) {
			return "the help screen", func(a *Model) tea.Cmd { a.push(newHelpScreen()); return nil }
		}},
		{name: "quit", desc: "leave otaccess", plan: func(*Model, string) (string, func(*Model) tea.Cmd) {
			return "quit", func(*Model) tea.Cmd { return tea.Quit }
		}},
	}
}

// findCommand resolves a command word: the command of that name, else the
// only one it begins (`:rev` is review... but `:re` is ambiguous). It
// returns the candidates when there is no single one.
func findCommand(word string) (cmd *paletteCmd, candidates []string) {
	cmds := paletteCmds()
	word = strings.ToLower(word)
	var hits []*paletteCmd
	for i := range cmds {
		if cmds[i].name == word {
			return &cmds[i], nil
		}
		if strings.HasPrefix(cmds[i].name, word) {
			hits = append(hits, &cmds[i])
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	for _, h := range hits {
		candidates = append(candidates, h.name)
	}
	return nil, candidates
}

// splitCommand splits a palette line into its command word and argument.
func splitCommand(line string) (word, arg string) {
	line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), ":"))
	word, arg, _ = strings.Cut(line, " ")
	return word, strings.TrimSpace(arg)
}

// planCommand resolves a whole line: the preview and what enter does (nil
// when it is an error, which the preview says).
func planCommand(a *Model, line string) (string, func(a *Model) tea.Cmd) {
	word, arg := splitCommand(line)
	if word == "" {
		return "type a command: " + strings.Join(commandNames(), ", "), nil
	}
	c, cands := findCommand(word)
	if c == nil {
		if len(cands) > 0 {
			return fmt.Sprintf(":%s is ambiguous: %s", word, strings.Join(cands, ", ")), nil
		}
		msg := "unknown command :" + word
		if near := tenant.Closest(word, commandNames(), 1); len(near) > 0 {
			return msg + " — did you mean :" + near[0] + "?", nil
		}
		return msg + " — commands: " + strings.Join(commandNames(), ", "), nil
	}
	if a.snap == nil && c.name != "help" && c.name != "quit" {
		return "no snapshot yet: sync first", nil
	}
	return c.plan(a, arg)
}

func commandNames() []string {
	var out []string
	for _, c := range paletteCmds() {
		out = append(out, c.name)
	}
	return out
}

// runCommand runs a palette line; an error is flashed.
func (a *Model) runCommand(line string) tea.Cmd {
	preview, do := planCommand(a, line)
	if do == nil {
		return a.setFlash(flashErr, markFail+" "+preview)
	}
	return do(a)
}

// ---- the commands ----

func planTab(tab int) func(*Model, string) (string, func(*Model) tea.Cmd) {
	return func(*Model, string) (string, func(*Model) tea.Cmd) {
		return "the " + strings.ToLower(tabNames[tab]) + " view", func(a *Model) tea.Cmd { a.switchTab(tab); return nil }
	}
}

// planUser: an exact id, email, userName or name opens the user; a query
// (the Users filter's syntax) matching one user opens them, several list
// them filtered; nothing matching opens the closest user, saying so.
func planUser(a *Model, q string) (string, func(*Model) tea.Cmd) {
	if q == "" {
		return planTab(tabUsers)(a, q)
	}
	hits := a.snap.Lookup(q)
	if len(hits) == 0 {
		hits = a.snap.LookupName(q)
	}
	if len(hits) != 1 {
		m, err := a.index.Filter(q, nil)
		if err != nil {
			return "invalid filter: " + strings.TrimPrefix(err.Error(), "invalid filter: "), nil
		}
		hits = hits[:0]
		for _, u := range m {
			hits = append(hits, int(u))
		}
	}
	switch len(hits) {
	case 0:
		near := a.snap.SuggestUsers(q, 1)
		if len(near) == 0 {
			return "no user matches " + q, nil
		}
		u := near[0]
		note := fmt.Sprintf("no user matches %q: opened the closest, %s", q, a.snap.Users[u].Label())
		return "no exact match: open the closest, " + userLine(a, u), func(a *Model) tea.Cmd {
			a.openUser(u)
			return a.setFlash(flashInfo, note)
		}
	case 1:
		u := hits[0]
		return "open " + userLine(a, u), func(a *Model) tea.Cmd { a.openUser(u); return nil }
	}
	return "list the " + numfmt.Count(len(hits), "user", "users") + " matching " + q, func(a *Model) tea.Cmd {
		a.switchTab(tabUsers)
		s := a.roots[tabUsers].(*usersScreen)
		s.filter.in.SetValue(q)
		s.refilter(a)
		s.tbl.cursor, s.tbl.offset = 0, 0
		return nil
	}
}

func userLine(a *Model, u int) string {
	usr := &a.snap.Users[u]
	return safe(usr.Name()) + " <" + safe(usr.Label()) + ">"
}

// openUser shows user u's detail over the Users list.
func (a *Model) openUser(u int) {
	a.switchTab(tabUsers)
	a.push(newDetailScreen(a, a.snap.Users[u].ID))
}

// pickName finds q among names: the one equal to it (ignoring case), else
// the only one containing it, else the closest; several containing it are
// the candidates (the first is taken, the rest named).
func pickName(q string, names []string) (i int, others []string) {
	lq := strings.ToLower(strings.TrimSpace(q))
	var contains []int
	for k, n := range names {
		ln := strings.ToLower(n)
		if ln == lq {
			return k, nil
		}
		if strings.Contains(ln, lq) {
			contains = append(contains, k)
		}
	}
	if len(contains) > 0 {
		for _, k := range contains[1:] {
			others = append(others, names[k])
		}
		return contains[0], others
	}
	if near := tenant.Closest(q, names, 1); len(near) > 0 {
		return slices.Index(names, near[0]), nil
	}
	return -1, nil
}

func roleNames(a *Model) []string {
	out := make([]string, len(a.snap.Roles))
	for i := range a.snap.Roles {
		out[i] = a.snap.Roles[i].Name
	}
	return out
}

func orgNames(a *Model) []string {
	out := make([]string, len(a.snap.Orgs))
	for i := range a.snap.Orgs {
		out[i] = a.snap.Orgs[i].Name
	}
	return out
}

func groupNames(a *Model) []string {
	out := make([]string, len(a.snap.Groups))
	for i := range a.snap.Groups {
		out[i] = a.snap.Groups[i].DisplayName
	}
	return out
}

// pickPreview says what was found for q and what else matched.
func pickPreview(what, q, found string, others []string) string {
	s := what + " " + safe(found)
	if !strings.Contains(strings.ToLower(found), strings.ToLower(q)) {
		s = "no " + what + " matches " + q + ": the closest, " + safe(found)
	}
	if len(others) > 0 {
		s += fmt.Sprintf(" (also %s)", strings.Join(safeAll(others[:min(3, len(others))]), ", "))
		if len(others) > 3 {
			s += fmt.Sprintf(" and %d more", len(others)-3)
		}
	}
	return s
}

func safeAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = safe(x)
	}
	return out
}

func planOrg(a *Model, q string) (string, func(*Model) tea.Cmd) {
	return planMatrixAt(a, q, "organization", orgNames(a), func(s *matrixScreen, k int) bool { return s.focusOrg(a, k) })
}

func planRole(a *Model, q string) (string, func(*Model) tea.Cmd) {
	return planMatrixAt(a, q, "role", roleNames(a), func(s *matrixScreen, k int) bool { return s.focusRole(a, k) })
}

// planMatrixAt finds a role or organization by name and puts the tenant
// matrix's cursor on it.
func planMatrixAt(a *Model, q, what string, names []string, focus func(*matrixScreen, int) bool) (string, func(*Model) tea.Cmd) {
	if q == "" {
		return "name the " + what + ": :" + map[string]string{"role": "role auditor", "organization": "org Legal"}[what], nil
	}
	k, others := pickName(q, names)
	if k < 0 {
		return "no " + what + " matches " + q, nil
	}
	return "the matrix at " + pickPreview(what, q, names[k], others), func(a *Model) tea.Cmd {
		a.switchTab(tabMatrix)
		if !focus(a.roots[tabMatrix].(*matrixScreen), k) {
			return a.setFlash(flashInfo, "the matrix has no column or row for "+names[k])
		}
		return nil
	}
}

func planGroup(a *Model, q string) (string, func(*Model) tea.Cmd) {
	if q == "" {
		return planTab(tabGroups)(a, q)
	}
	names := groupNames(a)
	k, others := pickName(q, names)
	if k < 0 {
		return "no group matches " + q, nil
	}
	id := a.snap.Groups[k].ID
	return "the members of " + pickPreview("group", q, names[k], others), func(a *Model) tea.Cmd {
		a.switchTab(tabGroups)
		a.push(newMembersScreen(a, id))
		return nil
	}
}

func planReviews(a *Model, _ string) (string, func(*Model) tea.Cmd) {
	if a.svc == nil {
		return "reviews need the cache", nil
	}
	return "the access reviews", func(a *Model) tea.Cmd { return a.openReviews() }
}

// planReview opens the reviews list, then the review named (or the
// closest), once the list is read from the cache.
func planReview(a *Model, q string) (string, func(*Model) tea.Cmd) {
	if q == "" {
		return planReviews(a, q)
	}
	if a.svc == nil {
		return "reviews need the cache", nil
	}
	return "open the review named like " + q, func(a *Model) tea.Cmd {
		s := a.showReviewList()
		svc, ctx := a.svc, a.ctx
		return func() tea.Msg {
			list, err := svc.Reviews(ctx)
			if err != nil {
				return reviewsLoadedMsg{s: s, err: err}
			}
			names := make([]string, len(list))
			for i := range list {
				names[i] = list[i].Name
			}
			k, _ := pickName(q, names)
			if k < 0 {
				return reviewNotFoundMsg{s: s, list: list, q: q}
			}
			r, err := svc.Review(ctx, names[k])
			return reviewJumpMsg{reviewsLoadedMsg{s: s, list: list}, reviewOpenedMsg{list: s, r: r, err: err}}
		}
	}
}

// showReviewList brings the reviews list to the top of the stack (opening
// it over the current view when it is not there yet).
func (a *Model) showReviewList() *reviewListScreen {
	for i, s := range a.stack {
		if l, ok := s.(*reviewListScreen); ok {
			a.stack = a.stack[:i+1]
			return l
		}
	}
	l := newReviewListScreen()
	a.push(l)
	return l
}

// reviewJumpMsg is the reviews list read and the review found in it.
type reviewJumpMsg struct {
	list   reviewsLoadedMsg
	opened reviewOpenedMsg
}

func (m reviewJumpMsg) apply(a *Model) tea.Cmd {
	m.list.apply(a)
	return m.opened.apply(a)
}

type reviewNotFoundMsg struct {
	s    *reviewListScreen
	list []tenant.Review
	q    string
}

func (m reviewNotFoundMsg) apply(a *Model) tea.Cmd {
	reviewsLoadedMsg{s: m.s, list: m.list}.apply(a)
	if len(m.list) == 0 {
		return a.setFlash(flashErr, markFail+" no review matches "+m.q+": there are no reviews yet")
	}
	return a.setFlash(flashErr, markFail+" no review matches "+m.q+"; the reviews are listed")
}

func planSnapshot(a *Model, _ string) (string, func(*Model) tea.Cmd) {
	if a.svc == nil {
		return "snapshots need the cache", nil
	}
	return "what changed since a stored snapshot (choose which)", func(a *Model) tea.Cmd {
		cmd := a.openChanges()
		s, ok := a.top().(*diffScreen)
		if !ok {
			return cmd
		}
		return tea.Batch(cmd, s.chooseBaseline(a))
	}
}

// focusRole and focusOrg put the tenant matrix's cursor on a snapshot role
// (row) or organization (column), showing empty ones if it must.
func (s *matrixScreen) focusRole(a *Model, role int) bool {
	return s.focus(a, func() bool {
		for i, r := range s.rows {
			if s.m.Roles[r] == role {
				s.g.row = i
				return true
			}
		}
		return false
	})
}

func (s *matrixScreen) focusOrg(a *Model, org int) bool {
	return s.focus(a, func() bool {
		for j, c := range s.cols {
			if s.m.Orgs[c] == org {
				s.g.col = j
				return true
			}
		}
		return false
	})
}

func (s *matrixScreen) focus(a *Model, find func() bool) bool {
	s.refresh(a)
	if find() {
		return true
	}
	if s.hideEmpty {
		s.hideEmpty = false
		s.refresh(a)
		return find()
	}
	return false
}

// ---- the dialog ----

// paletteDialog is the `:` prompt.
type paletteDialog struct {
	input textinput.Model
}

func (a *Model) openPalette() tea.Cmd {
	p := &paletteDialog{input: newTextInput(&a.st, ":", "user ana · org Legal · role auditor · review Q4 · snapshot", 200)}
	a.openDialog(p)
	return p.input.Focus()
}

// form marks the palette as a dialog that takes keys at once (it types).
func (p *paletteDialog) form() {}

func (p *paletteDialog) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	if km, ok := m.(tea.KeyPressMsg); ok {
		in := a.keys.Input
		switch {
		case matches(km, in.Cancel):
			return nil, true
		case matches(km, in.Submit):
			return a.runCommand(p.input.Value()), true
		case matches(km, in.Complete):
			p.complete(a)
			return nil, false
		}
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(m)
	return cmd, false
}

// complete extends the command word to the longest prefix its candidates
// share (the whole word and a space when one is left), then the argument
// to the name it picks.
func (p *paletteDialog) complete(a *Model) {
	v := strings.TrimLeft(p.input.Value(), " :")
	word, arg, hasArg := strings.Cut(v, " ")
	if !hasArg {
		c, cands := findCommand(word)
		switch {
		case c != nil:
			v = c.name
			if c.arg != "" {
				v += " "
			}
		case len(cands) > 0:
			v = commonPrefix(cands)
		}
		p.input.SetValue(v)
		p.input.CursorEnd()
		return
	}
	c, _ := findCommand(word)
	if c == nil || c.names == nil || a.snap == nil || strings.TrimSpace(arg) == "" {
		return
	}
	names := c.names(a)
	if k, _ := pickName(arg, names); k >= 0 {
		p.input.SetValue(c.name + " " + names[k])
		p.input.CursorEnd()
	}
}

func commonPrefix(xs []string) string {
	p := xs[0]
	for _, x := range xs[1:] {
		for !strings.HasPrefix(x, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

func (p *paletteDialog) view(a *Model, maxW, maxH int) []string {
	st := &a.st
	p.input.SetWidth(max(10, min(maxW-10, 64)))
	body := []string{p.input.View(), ""}
	word, _ := splitCommand(p.input.Value())
	_, hasArg := strings.CutPrefix(strings.TrimLeft(p.input.Value(), " :"), word+" ")
	if !hasArg {
		// The command word: the commands it may begin.
		for _, c := range paletteCmds() {
			if !strings.HasPrefix(c.name, strings.ToLower(word)) {
				continue
			}
			name := c.name
			if c.arg != "" {
				name += " " + c.arg
			}
			body = append(body, st.Bold.Render(fit(name, 20))+" "+st.Muted.Render(c.desc))
		}
	}
	preview, do := planCommand(a, p.input.Value())
	if word != "" || hasArg {
		if do == nil {
			body = append(body, st.Error.Render(markFail+" "+safe(preview)))
		} else {
			body = append(body, st.FlashOK.Render("→ ")+safe(preview))
		}
	}
	return box(st, "Go to", limitLines(body, maxH-2), maxW, 60)
}

func (p *paletteDialog) hints(a *Model) []Binding {
	in := a.keys.Input
	goTo := in.Submit
	goTo.SetHelp(keyName(in.Submit), "go")
	return []Binding{goTo, in.Complete, in.Cancel}
}
