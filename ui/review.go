package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// Access reviews in the UI: R lists the reviews (start one, resume one), a
// review screen walks its items user by user (or role by role) and records
// keep / revoke / skip decisions and notes, A applies the revocations, and d
// (diff.go) shows what changed since the previous sync.
//
// Every store access runs in a tea.Cmd. Decisions are shown at once and
// written one at a time in key order (a queue), so two quick keys on the
// same item cannot be stored in the wrong order.

// reviewKey opens the reviews (R) or the changes since the previous sync
// (d) from any screen that did not use the key itself.
func (a *Model) reviewKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch {
	case matches(msg, a.keys.Review.Reviews):
		if a.svc == nil {
			return a.setFlash(flashErr, markFail+" reviews need the cache"), true
		}
		for i, s := range a.stack {
			if _, ok := s.(*reviewListScreen); ok {
				a.stack = a.stack[:i+1]
				return s.(*reviewListScreen).load(a), true
			}
		}
		s := newReviewListScreen()
		a.push(s)
		return s.load(a), true
	case matches(msg, a.keys.Review.Changes):
		if a.snap == nil || a.svc == nil {
			return nil, false
		}
		if _, ok := a.top().(*diffScreen); ok {
			return nil, true
		}
		s := &diffScreen{}
		a.push(s)
		return s.load(a), true
	}
	return nil, false
}

func (a *Model) reviewer() string {
	if a.svc != nil && a.svc.Actor != "" {
		return a.svc.Actor
	}
	return access.OSUser()
}

// ---- the list of reviews ----

type reviewListScreen struct {
	list    []*tenant.Review
	loaded  bool
	err     error
	tbl     vtable
	opening bool
}

func newReviewListScreen() *reviewListScreen {
	return &reviewListScreen{tbl: vtable{cols: []column{
		{title: "NAME", min: 10, max: 30, weight: 2},
		{title: "DECIDED", width: 17, right: true},
		{title: "REVOKE", width: 7, right: true, drop: 2},
		{title: "APPLIED", width: 8, right: true, drop: 2},
		{title: "FAILED", width: 6, right: true, drop: 3},
		{title: "STARTED", width: 16, drop: 4},
		{title: "BY", min: 6, max: 14, weight: 1, drop: 5},
		{title: "SCOPE", min: 10, weight: 3, drop: 1},
	}}}
}

// visibleRows is the table's height: below the screen's title and the
// table's header.
func (s *reviewListScreen) visibleRows(a *Model) int { return max(1, a.bodyHeight()-2) }

type reviewsLoadedMsg struct {
	s    *reviewListScreen
	list []tenant.Review
	err  error
}

func (m reviewsLoadedMsg) apply(a *Model) tea.Cmd {
	s := m.s
	s.loaded, s.err = true, m.err
	n := func() int { return len(s.list) }
	name := func(i int) string { return s.list[i].Name }
	s.tbl.cursor = keepCursor(s.tbl.cursor, n, name, func() {
		s.list = s.list[:0]
		for i := range m.list {
			s.list = append(s.list, &m.list[i])
		}
	})
	s.tbl.clampTo(len(s.list), s.visibleRows(a))
	return nil
}

func (s *reviewListScreen) load(a *Model) tea.Cmd {
	svc, ctx := a.svc, a.ctx
	return func() tea.Msg {
		list, err := svc.Reviews(ctx)
		return reviewsLoadedMsg{s: s, list: list, err: err}
	}
}

// reviewOpenedMsg carries a review loaded, or just started from the start
// dialog, for the review screen.
type reviewOpenedMsg struct {
	list    *reviewListScreen
	r       *tenant.Review
	err     error
	started *reviewStartDialog
}

func (m reviewOpenedMsg) apply(a *Model) tea.Cmd {
	if m.list != nil {
		m.list.opening = false
	}
	if m.err != nil {
		if m.started != nil {
			m.started.busy, m.started.err = false, m.err.Error()
			return nil
		}
		return a.setFlash(flashErr, markFail+" "+m.err.Error())
	}
	if m.started != nil {
		a.dialogs = slices.DeleteFunc(a.dialogs, func(d dialog) bool { return d == dialog(m.started) })
	}
	var summary *tenant.Review
	if m.list != nil {
		for _, r := range m.list.list {
			if r.ID == m.r.ID {
				summary = r
			}
		}
		if summary == nil { // just started
			c := *m.r
			c.Items = nil
			summary = &c
			m.list.list = append([]*tenant.Review{summary}, m.list.list...)
			m.list.tbl.cursor = 0
		}
	}
	a.push(newReviewScreen(a, m.r, summary))
	if m.started != nil {
		return a.setFlash(flashOK, fmt.Sprintf("%s started review %s: %s", markOK, m.r.Name, numfmt.Count(len(m.r.Items), "item", "items")))
	}
	return nil
}

func (s *reviewListScreen) title(*Model) string { return "Reviews" }

func (s *reviewListScreen) typing() bool { return false }

func (s *reviewListScreen) refresh(*Model) bool { return true }

func (s *reviewListScreen) info(a *Model) string {
	if !s.loaded {
		return "loading reviews…"
	}
	return numfmt.Count(len(s.list), "review", "reviews")
}

func (s *reviewListScreen) hints(a *Model) []Binding {
	k := a.keys.Review
	if len(s.list) == 0 {
		return []Binding{k.Start, a.keys.Back, a.keys.Help}
	}
	return []Binding{k.OpenReview, k.Start, a.keys.Back, a.keys.Help}
}

func (s *reviewListScreen) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	if s.tbl.handleKey(a.keys, km, len(s.list), s.visibleRows(a)) {
		return nil, true
	}
	switch {
	case matches(km, a.keys.Review.Start):
		return a.openReviewStart(s), true
	case matches(km, a.keys.Review.OpenReview):
		if s.tbl.cursor < 0 || s.tbl.cursor >= len(s.list) || s.opening {
			return nil, true
		}
		s.opening = true
		svc, ctx, name := a.svc, a.ctx, s.list[s.tbl.cursor].Name
		return func() tea.Msg {
			r, err := svc.Review(ctx, name)
			return reviewOpenedMsg{list: s, r: r, err: err}
		}, true
	}
	return nil, false
}

func (s *reviewListScreen) view(a *Model, w, h int) []string {
	st := &a.st
	out := []string{" " + st.Bold.Render("Access reviews") + st.Muted.Render("  decisions are kept in the cache; a review survives restarts and syncs")}
	switch {
	case s.err != nil:
		return append(out, "", " "+st.Error.Render(clip(markFail+" "+safe(s.err.Error()), w-1)))
	case !s.loaded:
		return append(out, "", " "+st.Muted.Render("loading…"))
	case len(s.list) == 0:
		msg := []string{
			st.Bold.Render("No reviews yet."), "",
			"Press " + st.Bold.Render(keyName(a.keys.Review.Start)) + " to start one: it freezes the memberships in scope",
			"(a role, an organization, a filter — the Users filter is offered) against this snapshot.",
			"", st.Muted.Render("or: otaccess review start --name Q4-2026 --org Legal"),
		}
		return append(out, centerCenter(msg, w, h-1)...)
	}
	s.tbl.clampTo(len(s.list), h-2)
	rows := s.tbl.view(st, w, h-1, len(s.list), -1, false, func(i int, cells []cell) {
		r := s.list[i]
		c := r.Counts
		cells[0].text = safe(r.Name)
		cells[1].text = numfmt.Commas(c.Decided()) + " of " + numfmt.Commas(c.Items)
		cells[2].text = numfmt.Commas(c.Revoke)
		cells[3].text = numfmt.Commas(c.Applied)
		cells[4].text = numfmt.Commas(c.Failed)
		if c.Failed > 0 {
			cells[4].style = &st.Error
		}
		cells[5].text = r.CreatedAt.Local().Format("2006-01-02 15:04")
		cells[6].text = safe(r.CreatedBy)
		cells[7].text = safe(r.Scope)
	})
	return append(out, rows...)
}

// ---- starting a review ----

// Fields of the start dialog.
const (
	startName = iota
	startRole
	startOrg
	startFilter
	startFields
)

var startLabels = [startFields]string{"name", "role", "org", "users"}

// reviewStartDialog asks for a name and a scope, prefilled with the Users
// screen's filter.
type reviewStartDialog struct {
	list   *reviewListScreen
	inputs [startFields]textinput.Model
	focus  int
	busy   bool
	err    string
}

func (a *Model) openReviewStart(list *reviewListScreen) tea.Cmd {
	if a.snap == nil {
		return a.setFlash(flashErr, markFail+" no snapshot yet: sync first ("+keyName(a.keys.Sync)+")")
	}
	d := &reviewStartDialog{list: list}
	hints := [startFields]string{"e.g. Q4-" + a.opts.Now().Format("2006"), "all roles (or a name, or part of one)", "all organizations", "all users (filter, e.g. status:inactive)"}
	for i := range d.inputs {
		d.inputs[i] = newTextInput(&a.st, "", hints[i], 200)
	}
	if us, ok := a.roots[tabUsers].(*usersScreen); ok {
		d.inputs[startFilter].SetValue(us.filter.value())
	}
	a.openDialog(d)
	return d.inputs[startName].Focus()
}

func (d *reviewStartDialog) setFocus(i int) tea.Cmd {
	d.inputs[d.focus].Blur()
	d.focus = (i + startFields) % startFields
	return d.inputs[d.focus].Focus()
}

func (d *reviewStartDialog) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	if d.busy {
		return nil, false
	}
	if km, ok := m.(tea.KeyPressMsg); ok {
		k := a.keys.Input
		switch {
		case matches(km, k.Cancel):
			return nil, true
		case matches(km, k.NextField):
			return d.setFocus(d.focus + 1), false
		case matches(km, k.PrevField):
			return d.setFocus(d.focus - 1), false
		case matches(km, k.Submit):
			return d.submit(a), false
		}
	}
	var cmd tea.Cmd
	d.inputs[d.focus], cmd = d.inputs[d.focus].Update(m)
	d.err = ""
	return cmd, false
}

func (d *reviewStartDialog) submit(a *Model) tea.Cmd {
	name := strings.TrimSpace(d.inputs[startName].Value())
	if name == "" {
		d.err = "give the review a name"
		return d.setFocus(startName)
	}
	svc := a.svc
	if svc == nil {
		d.err = "reviews need the cache"
		return nil
	}
	sc := access.ReviewScope{
		Role:   strings.TrimSpace(d.inputs[startRole].Value()),
		Org:    strings.TrimSpace(d.inputs[startOrg].Value()),
		Filter: strings.TrimSpace(d.inputs[startFilter].Value()),
	}
	d.busy = true
	ctx := a.ctx
	return func() tea.Msg {
		r, err := svc.StartReview(ctx, name, sc)
		return reviewOpenedMsg{list: d.list, r: r, err: err, started: d}
	}
}

func (d *reviewStartDialog) view(a *Model, maxW, maxH int) []string {
	st := &a.st
	inner := min(64, maxW-4)
	body := []string{"Freeze the memberships in scope against this snapshot.", ""}
	for i := range d.inputs {
		label := fit(startLabels[i], 6)
		if i == d.focus {
			label = st.Bold.Render(label)
		} else {
			label = st.Muted.Render(label)
		}
		d.inputs[i].SetWidth(max(4, inner-8))
		body = append(body, label+"  "+d.inputs[i].View())
	}
	body = append(body, "")
	switch {
	case d.busy:
		body = append(body, st.Pending.Render("starting the review…"))
	case d.err != "":
		body = append(body, st.Error.Render(markFail+" "+safe(d.err)))
	default:
		k := a.keys.Input
		body = append(body, st.Muted.Render(keyName(k.NextField)+"/↑/↓ field · "+keyName(k.Submit)+" "+k.Submit.Help().Desc+" · "+keyName(k.Cancel)+" "+k.Cancel.Help().Desc))
	}
	return box(st, "Start a review", body, maxW, inner+4)
}

func (d *reviewStartDialog) hints(a *Model) []Binding {
	k := a.keys.Input
	return []Binding{k.NextField, k.Submit, k.Cancel}
}

// ---- deciding ----

// reviewRow is one line of the review screen: a group header (item -1) or
// an item.
type reviewRow struct {
	item  int32
	group int32 // index of the group's header row
}

type reviewRows []reviewRow

func (r reviewRows) len() int          { return len(r) }
func (r reviewRows) header(i int) bool { return r[i].item < 0 }

type reviewWrite struct {
	key     tenant.ItemKey
	verdict *tenant.Verdict // nil: the note only
	note    *string
}

type reviewScreen struct {
	r       *tenant.Review
	summary *tenant.Review // the list's entry, whose counts follow ours
	byRole  bool
	rows    reviewRows
	list    sectionList // its cursor is always on an item row

	queue   []reviewWrite
	writing bool
	saveErr string

	noting bool
	note   textinput.Model

	applying bool
	progress access.ReviewApplyProgress
	byKey    map[tenant.ItemKey]int32 // item index by key, for apply results
}

func newReviewScreen(a *Model, r *tenant.Review, summary *tenant.Review) *reviewScreen {
	s := &reviewScreen{r: r, summary: summary}
	s.note = newTextInput(&a.st, "note: ", "", 500)
	s.layout()
	// Resume where the review stands: the first undecided item.
	s.list.moveTo(s.rows, 0, 1)
	if i := s.findOpen(0, 1); i >= 0 {
		s.list.cursor = i
	}
	return s
}

// layout builds the rows for the grouping, keeping the cursor's item.
func (s *reviewScreen) layout() {
	n := func() int { return len(s.rows) }
	item := func(i int) int32 { return s.rows[i].item }
	s.list.cursor = keepCursor(s.list.cursor, n, item, s.group)
	s.list.moveTo(s.rows, s.list.cursor, 1)
}

// group builds the rows: a header per user (or role), then its items.
func (s *reviewScreen) group() {
	items := s.r.Items
	order := make([]int32, len(items))
	for i := range order {
		order[i] = int32(i)
	}
	groupKey := func(it *tenant.ReviewItem) string { return it.UserID }
	if s.byRole {
		lower := make([]string, len(items))
		for i := range items {
			lower[i] = strings.ToLower(items[i].Membership()) + "\x00" + items[i].GroupID
		}
		slices.SortStableFunc(order, func(x, y int32) int { return strings.Compare(lower[x], lower[y]) })
		groupKey = func(it *tenant.ReviewItem) string { return it.GroupID }
	}
	s.rows = s.rows[:0]
	prev := "\x00none"
	var head int32
	for _, i := range order {
		if k := groupKey(&items[i]); k != prev {
			prev = k
			head = int32(len(s.rows))
			s.rows = append(s.rows, reviewRow{item: -1, group: head})
		}
		s.rows = append(s.rows, reviewRow{item: i, group: head})
	}
}

// findOpen returns the next row at or after from (dir 1) or before it (dir
// -1) holding an undecided item, or -1.
func (s *reviewScreen) findOpen(from, dir int) int {
	for i := from; i >= 0 && i < len(s.rows); i += dir {
		if it := s.rows[i].item; it >= 0 && s.r.Items[it].Decision == tenant.Undecided {
			return i
		}
	}
	return -1
}

func (s *reviewScreen) item() *tenant.ReviewItem {
	c := s.list.cursor
	if c < 0 || c >= len(s.rows) || s.rows[c].item < 0 {
		return nil
	}
	return &s.r.Items[s.rows[c].item]
}

func (s *reviewScreen) title(*Model) string { return "Review " + safe(s.r.Name) }

func (s *reviewScreen) typing() bool { return s.noting }

func (s *reviewScreen) refresh(*Model) bool { return true }

func (s *reviewScreen) info(a *Model) string {
	c := s.r.Counts
	text := fmt.Sprintf("%s of %s decided", numfmt.Commas(c.Decided()), numfmt.Commas(c.Items))
	if s.applying {
		p := s.progress
		if p.Total == 0 {
			return text + " · applying…"
		}
		text += fmt.Sprintf(" · applying %s of %s", numfmt.Commas(p.Done), numfmt.Commas(p.Total))
		if p.Failed > 0 {
			text += fmt.Sprintf(" (%s failed)", numfmt.Commas(p.Failed))
		}
	}
	return text
}

func (s *reviewScreen) hints(a *Model) []Binding {
	k := a.keys.Review
	if s.noting {
		return []Binding{a.keys.Input.Save, a.keys.Back}
	}
	return []Binding{k.Keep, k.Revoke, k.Skip, k.Note, k.NextOpen, k.Group, k.Apply, k.OpenUser, a.keys.Back}
}

func (s *reviewScreen) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	if s.noting {
		return s.updateNote(a, msg), true
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k, rk := a.keys, a.keys.Review
	h := max(1, a.bodyHeight()-2)
	if s.list.handleKey(k, km, s.rows, h) {
		return nil, true
	}
	switch {
	case matches(km, rk.NextOpen):
		if i := s.findOpen(s.list.cursor+1, 1); i >= 0 {
			s.list.cursor = i
		} else {
			return a.setFlash(flashInfo, "no undecided item below"), true
		}
	case matches(km, rk.PrevOpen):
		if i := s.findOpen(s.list.cursor-1, -1); i >= 0 {
			s.list.cursor = i
		} else {
			return a.setFlash(flashInfo, "no undecided item above"), true
		}
	case matches(km, rk.Group):
		s.byRole = !s.byRole
		s.layout()
		s.list.offset = 0
	case matches(km, rk.Keep):
		return s.decide(a, tenant.Keep), true
	case matches(km, rk.Revoke):
		return s.decide(a, tenant.Revoke), true
	case matches(km, rk.Skip):
		return s.decide(a, tenant.Skip), true
	case matches(km, rk.Clear):
		return s.decide(a, tenant.Undecided), true
	case matches(km, rk.Note):
		it := s.item()
		if it == nil {
			return nil, true
		}
		s.noting = true
		s.note.SetValue(it.Note)
		s.note.CursorEnd()
		return s.note.Focus(), true
	case matches(km, rk.Apply):
		return s.confirmApply(a), true
	case matches(km, rk.OpenUser):
		it := s.item()
		if it == nil || a.snap == nil {
			return nil, true
		}
		if _, ok := a.snap.UserIndex(it.UserID); !ok {
			return a.setFlash(flashInfo, it.UserLabel+" is no longer in the snapshot"), true
		}
		a.push(newDetailScreen(a, it.UserID))
	default:
		return nil, false
	}
	return nil, true
}

func (s *reviewScreen) updateNote(a *Model, msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case matches(km, a.keys.Back):
			s.noting = false
			s.note.Blur()
			return nil
		case matches(km, a.keys.Input.Save):
			s.noting = false
			s.note.Blur()
			it := s.item()
			if it == nil {
				return nil
			}
			note := strings.TrimSpace(s.note.Value())
			if note == it.Note {
				return nil
			}
			it.Note = note
			return s.enqueue(a, reviewWrite{key: it.Key(), note: &note})
		}
	}
	var cmd tea.Cmd
	s.note, cmd = s.note.Update(msg)
	return cmd
}

// decide records v for the item under the cursor and moves to the next.
func (s *reviewScreen) decide(a *Model, v tenant.Verdict) tea.Cmd {
	it := s.item()
	if it == nil {
		return nil
	}
	switch {
	case it.ApplyStatus == tenant.Applied && v != it.Decision:
		return a.setFlash(flashErr, markFail+" "+it.UserLabel+": already revoked on the tenant; the decision stays")
	case it.NoRole() && v == tenant.Revoke:
		return a.setFlash(flashErr, markFail+" "+it.UserLabel+" holds no role: nothing to revoke (deprovision the user from the Users screen)")
	case s.applying && (it.Decision == tenant.Revoke || v == tenant.Revoke):
		return a.setFlash(flashInfo, "revocations are being applied; change revoke decisions when it is done")
	}
	s.count(it, -1)
	it.Decision = v
	it.Reviewer, it.DecidedAt = a.reviewer(), a.opts.Now()
	if v == tenant.Undecided {
		it.Reviewer, it.DecidedAt = "", time.Time{}
	}
	s.count(it, 1)
	verdict := v
	cmd := s.enqueue(a, reviewWrite{key: it.Key(), verdict: &verdict})
	if v != tenant.Undecided {
		s.list.moveTo(s.rows, s.list.cursor+1, 1)
	}
	return cmd
}

// count adds (n=1) or removes (n=-1) an item's share of the counts.
func (s *reviewScreen) count(it *tenant.ReviewItem, n int) {
	c := &s.r.Counts
	switch it.Decision {
	case tenant.Keep:
		c.Keep += n
	case tenant.Revoke:
		c.Revoke += n
	case tenant.Skip:
		c.Skip += n
	default:
		c.Undecided += n
	}
	switch it.ApplyStatus {
	case tenant.Applied:
		c.Applied += n
	case tenant.ApplyFailed:
		c.Failed += n
	}
	if s.summary != nil {
		s.summary.Counts = *c
	}
}

type reviewSavedMsg struct {
	s   *reviewScreen
	w   reviewWrite
	err error
}

func (m reviewSavedMsg) apply(a *Model) tea.Cmd {
	s := m.s
	s.writing = false
	var cmds []tea.Cmd
	if m.err != nil {
		// The cache is the truth: show what it holds.
		s.saveErr = m.err.Error()
		cmds = append(cmds, a.setFlash(flashErr, markFail+" decision not saved: "+m.err.Error()), s.reload(a))
		s.queue = nil
	}
	cmds = append(cmds, s.next(a))
	return tea.Batch(cmds...)
}

func (s *reviewScreen) enqueue(a *Model, w reviewWrite) tea.Cmd {
	s.queue = append(s.queue, w)
	if s.writing {
		return nil
	}
	return s.next(a)
}

// next starts the oldest queued write.
func (s *reviewScreen) next(a *Model) tea.Cmd {
	if len(s.queue) == 0 {
		return nil
	}
	w := s.queue[0]
	s.queue = s.queue[1:]
	s.writing = true
	s.saveErr = ""
	svc, ctx, id := a.svc, a.ctx, s.r.ID
	d := tenant.Decision{Key: w.key, Note: w.note, Reviewer: a.reviewer(), At: a.opts.Now()}
	if w.verdict != nil {
		d.Verdict = *w.verdict
	}
	return func() tea.Msg {
		var err error
		if w.verdict == nil {
			err = svc.SetNote(ctx, id, w.key, *w.note)
		} else {
			err = svc.Decide(ctx, id, d)
		}
		return reviewSavedMsg{s: s, w: w, err: err}
	}
}

// saved reports every decision written.
func (s *reviewScreen) saved() bool { return !s.writing && len(s.queue) == 0 }

type reviewReloadedMsg struct {
	s   *reviewScreen
	r   *tenant.Review
	err error
}

func (m reviewReloadedMsg) apply(a *Model) tea.Cmd {
	if m.err != nil {
		return a.setFlash(flashErr, markFail+" "+m.err.Error())
	}
	s := m.s
	s.r.Items, s.r.Counts, s.byKey = m.r.Items, m.r.Counts, nil
	if s.summary != nil {
		s.summary.Counts = s.r.Counts
	}
	s.layout()
	return nil
}

func (s *reviewScreen) reload(a *Model) tea.Cmd {
	svc, ctx, name := a.svc, a.ctx, s.r.Name
	return func() tea.Msg {
		r, err := svc.Review(ctx, name)
		return reviewReloadedMsg{s: s, r: r, err: err}
	}
}

// ---- applying ----

// applySampleSize is how many revocations the confirmation names.
const applySampleSize = 5

func (s *reviewScreen) confirmApply(a *Model) tea.Cmd {
	switch {
	case s.applying:
		return a.setFlash(flashInfo, "the revocations are being applied")
	case !a.requireOnline("applying a review"):
		return nil
	case !s.saved():
		return a.setFlash(flashInfo, "saving decisions… press "+keyName(a.keys.Review.Apply)+" again in a moment")
	}
	todo := access.PendingRevocations(s.r)
	if len(todo) == 0 {
		return a.setFlash(flashInfo, "nothing to apply: no pending revoke decision")
	}
	retries := 0
	for _, it := range todo {
		if it.ApplyStatus == tenant.ApplyFailed {
			retries++
		}
	}
	st := &a.st
	head := "Revoke " + numfmt.Count(len(todo), "membership", "memberships")
	if t := a.opts.Tenant; t != "" {
		head += " on " + safe(t)
	}
	body := []string{st.Bold.Render(head), "as decided in review " + safe(s.r.Name) + ":", ""}
	for _, it := range todo[:min(len(todo), applySampleSize)] {
		body = append(body, "  "+safe(it.Membership())+st.Muted.Render(" from ")+safe(it.UserLabel))
	}
	if n := len(todo) - applySampleSize; n > 0 {
		body = append(body, st.Muted.Render(fmt.Sprintf("  … and %s more", numfmt.Commas(n))))
	}
	if retries > 0 {
		body = append(body, "", fmt.Sprintf("%s failed before and %s retried.", numfmt.Count(retries, "revocation", "revocations"), map[bool]string{true: "is", false: "are"}[retries == 1]))
	}
	body = append(body, "", st.Muted.Render("One PATCH /Groups/{roleId:orgId} (remove 1 member) each;"),
		st.Muted.Render("every result goes to the review and the audit log."))
	yes := "Yes, revoke " + numfmt.Commas(len(todo))
	a.openDialog(a.newConfirm("Apply review "+safe(s.r.Name), body, yes, func(a *Model) tea.Cmd { return s.startApply(a) }))
	return nil
}

type reviewApplyStepMsg struct {
	s *reviewScreen
	p access.ReviewApplyProgress
}

type reviewApplyDoneMsg struct {
	s   *reviewScreen
	res access.ReviewApplyResult
	err error
}

// startApply runs the revocations in the background; each result comes
// back as a message, in order.
func (s *reviewScreen) startApply(a *Model) tea.Cmd {
	if !a.requireOnline("applying a review") || s.applying {
		return nil
	}
	s.applying = true
	s.progress = access.ReviewApplyProgress{}
	rc := *s.r // the goroutine gets its own copy of the items
	rc.Items = slices.Clone(s.r.Items)
	svc, ctx := a.svc, a.ctx
	return tea.Batch(a.setFlash(flashInfo, "applying review "+s.r.Name+"…"), startStream(ctx, 64, func(st *stream) result {
		res, err := svc.ApplyReview(ctx, &rc, access.ReviewApplyOptions{Progress: func(p access.ReviewApplyProgress) {
			st.send(reviewApplyStepMsg{s: s, p: p})
		}})
		return reviewApplyDoneMsg{s: s, res: res, err: err}
	}))
}

func (m reviewApplyStepMsg) apply(a *Model) tea.Cmd {
	s, p := m.s, m.p
	s.progress = p
	if s.byKey == nil { // a review may hold 300k items: no linear search per result
		s.byKey = make(map[tenant.ItemKey]int32, len(s.r.Items))
		for i := range s.r.Items {
			s.byKey[s.r.Items[i].Key()] = int32(i)
		}
	}
	if i, ok := s.byKey[p.Item.Key()]; ok {
		it := &s.r.Items[i]
		s.count(it, -1)
		it.ApplyStatus, it.ApplyError, it.AppliedAt = p.Item.ApplyStatus, p.Item.ApplyError, a.opts.Now()
		s.count(it, 1)
	}
	// The snapshot follows the tenant; other screens are refreshed once at
	// the end (SetMember shifts no index).
	if p.Err == nil && a.snap != nil {
		u, okU := a.snap.UserIndex(p.Item.UserID)
		g, okG := a.snap.GroupIndex(p.Item.GroupID)
		if okU && okG {
			a.snap.SetMember(u, g, false)
		}
	}
	return nil
}

func (m reviewApplyDoneMsg) apply(a *Model) tea.Cmd {
	s, res := m.s, m.res
	s.applying = false
	a.dataChanged()
	switch {
	case m.err != nil && !errors.Is(m.err, access.ErrOffline):
		return a.setFlash(flashErr, fmt.Sprintf("%s %d revoked, %d failed: %v", markFail, res.Applied, res.Failed, m.err))
	case m.err != nil:
		return a.setFlash(flashErr, markFail+" "+m.err.Error())
	case res.Failed > 0:
		first := res.Failures[0]
		return a.setFlash(flashErr, fmt.Sprintf("%s %d revoked, %d failed (press %s to retry them); first: %s from %s: %v",
			markFail, res.Applied, res.Failed, keyName(a.keys.Review.Apply), first.Item.Membership(), first.Item.UserLabel, first.Err))
	}
	return a.setFlash(flashOK, fmt.Sprintf("%s %d revoked, 0 failed", markOK, res.Applied))
}

// ---- rendering ----

func (s *reviewScreen) badges(a *Model, it *tenant.ReviewItem, userLevel bool) string {
	st := &a.st
	var out []string
	add := func(text string, style func(...string) string) { out = append(out, style("["+text+"]")) }
	if userLevel {
		if !it.UserActive {
			add("inactive", st.Inactive.Render)
		}
		if it.NoRole() {
			add("no role", st.Inactive.Render)
		}
		return strings.Join(out, " ")
	}
	if it.Hints.Has(tenant.HintInactive) {
		add("inactive", st.Inactive.Render)
	}
	if it.Hints.Has(tenant.HintNoRole) {
		add("no role", st.Inactive.Render)
	}
	if it.Hints.Has(tenant.HintAdmin) {
		add("admin", st.Error.Render)
	}
	if it.Hints.Has(tenant.HintNew) {
		add("new since last sync", st.FlashInfo.Render)
	}
	return strings.Join(out, " ")
}

func decisionText(it *tenant.ReviewItem) string {
	switch it.Decision {
	case tenant.Keep:
		return markOK + " keep"
	case tenant.Revoke:
		return markFail + " revoke"
	case tenant.Skip:
		return "– skip"
	}
	return markEmpty + " —"
}

func (s *reviewScreen) view(a *Model, w, h int) []string {
	st := &a.st
	r := s.r
	c := r.Counts
	group := "by user"
	if s.byRole {
		group = "by role"
	}
	saved := st.Muted.Render(markOK + " saved")
	switch {
	case s.saveErr != "":
		saved = st.Error.Render(markFail + " not saved")
	case !s.saved():
		saved = st.Pending.Render("saving…")
	}
	head := " " + st.Bold.Render(safe(r.Name)) + st.Muted.Render(" · "+safe(r.Scope)+" · snapshot "+r.SnapshotAt.Local().Format("2006-01-02 15:04")+" · "+group)
	counts := fmt.Sprintf("%s of %s decided · keep %s · revoke %s · skip %s", numfmt.Commas(c.Decided()), numfmt.Commas(c.Items), numfmt.Commas(c.Keep), numfmt.Commas(c.Revoke), numfmt.Commas(c.Skip))
	if c.Applied+c.Failed > 0 {
		counts += fmt.Sprintf(" · applied %s", numfmt.Commas(c.Applied))
		if c.Failed > 0 {
			counts += " · " + st.Error.Render("failed "+numfmt.Commas(c.Failed))
		}
	}
	out := []string{clip(head, w), " " + counts + "  " + saved}
	bodyH := h - len(out)
	if s.noting {
		bodyH--
	}
	if bodyH <= 0 {
		return out
	}
	first, last := s.list.window(s.rows, bodyH)
	for i := first; i < last; i++ {
		out = append(out, s.rowView(a, i, w))
	}
	for len(out) < h-1 && s.noting {
		out = append(out, "")
	}
	if s.noting {
		s.note.SetWidth(max(4, w-8))
		out = append(out, " "+s.note.View())
	}
	return out
}

func (s *reviewScreen) rowView(a *Model, i, w int) string {
	st := &a.st
	row := s.rows[i]
	if row.item < 0 {
		first := &s.r.Items[s.rows[i+1].item]
		decided, total := 0, 0
		for j := i + 1; j < len(s.rows) && s.rows[j].group == row.group; j++ {
			total++
			if s.r.Items[s.rows[j].item].Decision != tenant.Undecided {
				decided++
			}
		}
		tally := fmt.Sprintf("%d/%d", decided, total)
		var left string
		if s.byRole {
			left = st.Bold.Render(safe(first.Membership()))
			if first.Hints.Has(tenant.HintAdmin) {
				left += " " + st.Error.Render("[admin]")
			}
		} else {
			left = st.Bold.Render(safe(first.UserName)) + "  " + st.Muted.Render(safe(first.UserLabel))
			if b := s.badges(a, first, true); b != "" {
				left += "  " + b
			}
		}
		left = clip(" "+left, max(0, w-len(tally)-2))
		gap := max(1, w-ansi.StringWidth(left)-len(tally)-1)
		return left + strings.Repeat(" ", gap) + st.Muted.Render(tally)
	}
	it := &s.r.Items[row.item]
	what := it.Membership()
	if s.byRole {
		what = it.UserLabel
		if it.UserName != "" && it.UserName != it.UserLabel {
			what += " (" + it.UserName + ")"
		}
	}
	dec := fit(decisionText(it), 9)
	whatW := clamp(w/2-12, 12, 48)
	var applied string
	switch it.ApplyStatus {
	case tenant.Applied:
		applied = st.Active.Render("revoked on the tenant")
	case tenant.ApplyFailed:
		applied = st.Error.Render("apply failed: " + safe(it.ApplyError))
	}
	tail := strings.TrimSpace(strings.Join([]string{s.badges(a, it, false), applied}, " "))
	if it.Note != "" {
		tail = strings.TrimSpace(tail + " " + st.Muted.Render("“"+safe(it.Note)+"”"))
	}
	if i == s.list.cursor {
		plain := "    " + dec + " " + fit(safe(what), whatW) + " " + ansi.Strip(tail)
		return markCursor + st.Cursor.Render(padLine(plain, w-1))
	}
	var decStyled string
	switch it.Decision {
	case tenant.Keep:
		decStyled = st.Active.Render(dec)
	case tenant.Revoke:
		decStyled = st.Error.Render(dec)
	default:
		decStyled = st.Muted.Render(dec)
	}
	return clip("     "+decStyled+" "+fit(safe(what), whatW)+" "+tail, w)
}
