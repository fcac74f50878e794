package ui

import (
	"fmt"

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
		return a.openReviews(), true
	case matches(msg, a.keys.Review.Changes):
		if a.snap == nil || a.svc == nil {
			return nil, false
		}
		return a.openChanges(), true
	}
	return nil, false
}

// openReviews brings the reviews list up (reloaded).
func (a *Model) openReviews() tea.Cmd {
	if a.svc == nil {
		return a.setFlash(flashErr, markFail+" reviews need the cache")
	}
	return a.showReviewList().load(a)
}

// openChanges opens the changes since the previous sync.
func (a *Model) openChanges() tea.Cmd {
	if _, ok := a.top().(*diffScreen); ok {
		return nil
	}
	s := &diffScreen{}
	a.push(s)
	return s.load(a)
}

func (a *Model) reviewer() string {
	if a.svc != nil && a.svc.Actor != "" {
		return a.svc.Actor
	}
	return access.OSUser()
}

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
		a.closeDialog(m.started)
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
	// The longest note that fits whole: cut, it stopped mid-sentence.
	head := " " + st.Bold.Render("Access reviews")
	for _, note := range []string{"  decisions are kept in the cache; a review survives restarts and syncs", "  decisions are kept in the cache"} {
		if ansi.StringWidth(head)+ansi.StringWidth(note) <= w {
			head += st.Muted.Render(note)
			break
		}
	}
	out := []string{head}
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
