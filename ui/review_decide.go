package ui

import (
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

// The review screen: decisions on the items of one review, user by user or
// role by role, written to the cache in key order.

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
		return text
	}
	// The item under the cursor in full: its row cuts the suggestion (and
	// the counts are on the screen's second line already).
	if it := s.item(); it != nil {
		text = safe(s.itemWhat(it))
		if tail := ansi.Strip(s.itemTail(a, it)); tail != "" {
			text += ": " + tail
		}
	}
	return text
}

func (s *reviewScreen) hints(a *Model) []Binding {
	k := a.keys.Review
	if s.noting {
		return []Binding{a.keys.Input.Save, a.keys.Back}
	}
	return []Binding{k.Keep, k.Revoke, k.Skip, k.Apply, a.keys.Back, k.Note, k.NextOpen, k.Group, k.OpenUser}
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
	for _, tag := range it.Tags() {
		style := st.FlashInfo.Render
		switch {
		case tag == "inactive" || tag == "no role" || strings.HasPrefix(tag, "stale") || tag == "never logged in":
			style = st.Inactive.Render
		case tag == "admin" || tag == "sole admin" || tag == "outlier":
			style = st.Error.Render
		}
		add(tag, style)
	}
	if it.Held() == "via" {
		out = append(out, st.Muted.Render("via "+safe(strings.Join(it.UserGroupNames(), ", "))))
	} else if it.Held() == "both" {
		out = append(out, st.Muted.Render("direct + via "+safe(strings.Join(it.UserGroupNames(), ", "))))
	}
	if sg := it.Suggest(); sg.Word != "" {
		out = append(out, st.Muted.Render(safe(sg.String())))
	}
	return strings.Join(out, " ")
}

// itemWhat names an item under its group's header: the membership under
// the user's, the user under the membership's.
func (s *reviewScreen) itemWhat(it *tenant.ReviewItem) string {
	if !s.byRole {
		return it.Membership()
	}
	what := it.UserLabel
	if it.UserName != "" && it.UserName != it.UserLabel {
		what += " (" + it.UserName + ")"
	}
	return what
}

// itemTail is what follows an item's membership on its row: the apply
// result and the note first, then the hints, how it is held and the
// suggestion, which are the first to be cut on a narrow terminal.
func (s *reviewScreen) itemTail(a *Model, it *tenant.ReviewItem) string {
	st := &a.st
	var applied string
	switch it.ApplyStatus {
	case tenant.Applied:
		applied = st.Active.Render("revoked on the tenant")
	case tenant.ApplyFailed:
		applied = st.Error.Render("apply failed: " + safe(it.ApplyError))
	}
	note := ""
	if it.Note != "" {
		note = st.Muted.Render("“" + safe(it.Note) + "”")
	}
	return strings.Join(slices.DeleteFunc([]string{applied, note, s.badges(a, it, false)}, func(x string) bool { return x == "" }), " ")
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
	for _, i := range s.list.visible(s.rows, bodyH) {
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
		left = fit(" "+left, max(0, w-len(tally)-2))
		gap := max(1, w-ansi.StringWidth(left)-len(tally)-1)
		return left + strings.Repeat(" ", gap) + st.Muted.Render(tally)
	}
	it := &s.r.Items[row.item]
	what := s.itemWhat(it)
	dec := fit(decisionText(it), 9)
	whatW := clamp(w/2-12, 12, 48)
	tail := s.itemTail(a, it)
	if i == s.list.cursor {
		plain := "    " + dec + " " + fit(safe(what), whatW) + " " + ansi.Strip(tail)
		return markCursor + st.Cursor.Render(fit(plain, w-1))
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
	// A cut suggestion ends in "…": the flash line has the cursor's whole.
	return fit("     "+decStyled+" "+fit(safe(what), whatW)+" "+tail, w)
}
