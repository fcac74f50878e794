package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// diffScreen shows what changed between the previous sync (or a stored
// snapshot the user chose, see snapchooser.go) and the current snapshot:
// users added, removed, deactivated, reactivated; memberships granted and
// revoked. The baseline is read once; after a sync the snapshot that was
// current becomes the previous one, so it is kept in memory rather than
// read again (unless the user chose the baseline: it stays).
type diffScreen struct {
	loaded bool
	err    error
	prev   *tenant.Snapshot
	chosen bool             // prev was picked in the chooser: a sync keeps it
	newer  bool             // prev is newer than cur: the diff runs from cur to prev
	cur    *tenant.Snapshot // the snapshot object the diff was made against
	d      tenant.SnapshotDiff
	rows   diffRows
	list   sectionList
}

type diffRows []diffRow

func (r diffRows) len() int          { return len(r) }
func (r diffRows) header(i int) bool { return r[i].header != "" }

type diffRow struct {
	header string // a section header when set
	mark   string
	style  *lipgloss.Style
	userID string
	left   string // user name, or the user's label for a membership
	right  string // the label, or the membership
}

type diffLoadedMsg struct {
	s    *diffScreen
	prev *tenant.Snapshot
	err  error
}

func (m diffLoadedMsg) apply(a *Model) tea.Cmd {
	s := m.s
	if s.chosen {
		return nil // the user chose a baseline before the previous sync was read
	}
	s.loaded, s.prev, s.err = true, m.prev, m.err
	s.cur = a.snap
	s.rebuild(a)
	return nil
}

func (s *diffScreen) load(a *Model) tea.Cmd {
	svc, ctx := a.svc, a.ctx
	if a.opts.AsOf && a.snap != nil {
		// An older snapshot shown (--as-of) is compared with the one
		// before it, not the cache's newest with its previous (which may
		// be the one shown: "the cache holds a newer sync", and r, which
		// it said to press, does nothing read-only).
		id := a.snap.Info.ID
		return func() tea.Msg {
			prev, err := loadBefore(ctx, svc, id)
			return diffLoadedMsg{s: s, prev: prev, err: err}
		}
	}
	return func() tea.Msg {
		prev, err := svc.LoadPrevious(ctx)
		return diffLoadedMsg{s: s, prev: prev, err: err}
	}
}

// loadBefore reads the newest stored snapshot older than snapshot id
// (access.ErrNoPrevious when there is none).
func loadBefore(ctx context.Context, svc *access.Service, id int64) (*tenant.Snapshot, error) {
	list, err := svc.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	for _, in := range list { // newest first
		if in.ID < id {
			return svc.LoadSnapshot(ctx, in.ID)
		}
	}
	return nil, access.ErrNoPrevious
}

// refresh follows the snapshot: writes change the current one in place;
// a sync replaces it, and the one it replaced is now the previous one.
func (s *diffScreen) refresh(a *Model) bool {
	if !s.loaded || a.snap == nil {
		return true
	}
	if a.snap != s.cur {
		if s.cur != nil && !s.chosen {
			s.prev, s.err = s.cur, nil
		}
		s.cur = a.snap
	}
	s.rebuild(a)
	return true
}

func (s *diffScreen) rebuild(a *Model) {
	s.rows = s.rows[:0]
	if s.err != nil || s.prev == nil || a.snap == nil {
		return
	}
	// A baseline newer than the snapshot shown (one picked while viewing
	// an older one, --as-of) is compared in the order things happened:
	// from the one shown to it, not backwards.
	s.newer = s.prev.Info.ID > a.snap.Info.ID
	if s.newer {
		s.d = tenant.Diff(a.snap, s.prev)
	} else {
		s.d = tenant.Diff(s.prev, a.snap)
	}
	st := &a.st
	users := func(title, mark string, style *lipgloss.Style, list []tenant.UserRef) {
		if len(list) == 0 {
			return
		}
		s.rows = append(s.rows, diffRow{header: fmt.Sprintf("%s (%s)", title, numfmt.Commas(len(list)))})
		for _, u := range list {
			s.rows = append(s.rows, diffRow{mark: mark, style: style, userID: u.ID, left: u.Name, right: u.Label})
		}
	}
	members := func(title, mark string, style *lipgloss.Style, list []tenant.MembershipRef) {
		if len(list) == 0 {
			return
		}
		s.rows = append(s.rows, diffRow{header: fmt.Sprintf("%s (%s)", title, numfmt.Commas(len(list)))})
		for _, m := range list {
			s.rows = append(s.rows, diffRow{mark: mark, style: style, userID: m.User.ID, left: m.User.Label, right: m.Membership() + m.ViaNote()})
		}
	}
	d := &s.d
	users("Users added", "+", &st.Active, d.UsersAdded)
	users("Users removed", "−", &st.Error, d.UsersRemoved)
	users("Users deactivated", glyphOffline, &st.Inactive, d.Deactivated)
	users("Users reactivated", glyphOnline, &st.Active, d.Reactivated)
	members("Memberships granted", "+", &st.Active, d.Granted)
	members("Memberships revoked", "−", &st.Error, d.Revoked)
	s.list.moveTo(s.rows, s.list.cursor, 1)
}

func (s *diffScreen) title(*Model) string { return "Changes" }

// labels name the two sides in the heading, the long and the short way
// for the side after "to".
func (s *diffScreen) labels() (from, to, toShort string) {
	switch {
	case s.newer:
		n := "snapshot #" + strconv.FormatInt(s.d.To.ID, 10)
		return "snapshot #" + strconv.FormatInt(s.d.From.ID, 10) + " (shown)", n, n
	case s.chosen:
		return "snapshot #" + strconv.FormatInt(s.d.From.ID, 10), "the current snapshot", "the current one"
	}
	return "the sync", "the current snapshot", "the current one"
}

// heading names the two snapshots compared in the longest wording that
// fits w: the words give way before the dates, which are never cut.
func (s *diffScreen) heading(w int) string {
	const day, short = "2006-01-02 15:04", "01-02 15:04"
	from, to := s.d.From.FinishedAt.Local(), s.d.To.FinishedAt.Local()
	f, t := from.Format(day), to.Format(day)
	label, toLabel, toShort := s.labels()
	for _, h := range []string{
		fmt.Sprintf(" Changes from %s of %s to %s (synced %s)", label, f, toLabel, t),
		fmt.Sprintf(" Changes from %s of %s to %s (%s)", label, f, toShort, t),
		fmt.Sprintf(" Changes from %s of %s to %s", label, f, t),
		fmt.Sprintf(" Changes %s → %s", f, t),
		fmt.Sprintf(" Changes %s → %s", from.Format(short), to.Format(short)),
		" Changes since " + from.Format(short),
	} {
		if ansi.StringWidth(h) <= w {
			return h
		}
	}
	return clip(" Changes since "+from.Format(short), w)
}

func (s *diffScreen) typing() bool { return false }

func (s *diffScreen) info(a *Model) string {
	if !s.loaded || s.err != nil || s.prev == nil {
		return ""
	}
	d := &s.d
	return fmt.Sprintf("users +%s −%s, %s deactivated, %s reactivated · memberships +%s −%s", numfmt.Commas(len(d.UsersAdded)), numfmt.Commas(len(d.UsersRemoved)),
		numfmt.Commas(len(d.Deactivated)), numfmt.Commas(len(d.Reactivated)), numfmt.Commas(len(d.Granted)), numfmt.Commas(len(d.Revoked)))
}

func (s *diffScreen) hints(a *Model) []Binding {
	if len(s.rows) == 0 {
		return []Binding{a.keys.Review.CompareWith, a.keys.Back, a.keys.Sync, a.keys.Help}
	}
	return []Binding{a.keys.Open, a.keys.Review.CompareWith, a.keys.Back, a.keys.Sync, a.keys.Help}
}

func (s *diffScreen) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := a.keys
	h := max(1, a.bodyHeight()-2)
	if s.list.handleKey(k, km, s.rows, h) {
		return nil, true
	}
	switch {
	case matches(km, k.Review.CompareWith):
		if a.svc == nil {
			return nil, true
		}
		return s.chooseBaseline(a), true
	case matches(km, k.Open):
		if s.list.cursor >= len(s.rows) || a.snap == nil {
			return nil, true
		}
		row := s.rows[s.list.cursor]
		if _, ok := a.snap.UserIndex(row.userID); !ok {
			return a.setFlash(flashInfo, safe(row.right)+" is no longer in the tenant"), true
		}
		a.push(newDetailScreen(a, row.userID))
	default:
		return nil, false
	}
	return nil, true
}

func (s *diffScreen) view(a *Model, w, h int) []string {
	st := &a.st
	switch {
	case !s.loaded:
		return []string{"", " " + st.Muted.Render("reading the previous snapshot…")}
	case errors.Is(s.err, access.ErrNoPrevious) && a.opts.AsOf:
		msg := []string{st.Bold.Render("No older snapshot in the cache than this one."), "",
			"Press " + keyName(a.keys.Review.CompareWith) + " to compare it with a newer one."}
		return centerCenter(msg, w, h)
	case errors.Is(s.err, access.ErrNoPrevious):
		msg := []string{st.Bold.Render("Only one sync in the cache."), "",
			"The cache keeps dated snapshots of every sync;", "sync again (" + keyName(a.keys.Sync) + ") to see what changed since this one."}
		return centerCenter(msg, w, h)
	case s.err != nil:
		return []string{"", " " + st.Error.Render(clip(markFail+" "+safe(s.err.Error()), w-1))}
	}
	if s.prev.Info.ID >= s.cur.Info.ID && !s.chosen {
		// Another otaccess synced since this screen's snapshot was loaded.
		msg := []string{st.Bold.Render("The cache holds a newer sync than this view."), "", "Sync (" + keyName(a.keys.Sync) + ") to load it and see what changed."}
		return centerCenter(msg, w, h)
	}
	out := []string{st.Bold.Render(s.heading(w))}
	// Snapshots of different views (a child org's credential): the
	// warning takes a line of the list's.
	if v := tenant.ViewChangeShort(s.d.From, s.d.To); v != "" {
		out = append(out, " "+st.Error.Render(clip(v, w-1)))
	}
	if len(s.rows) == 0 {
		return append(out, "", " "+st.Muted.Render("No changes between the two snapshots."))
	}
	leftW := clamp(w/3, 12, 40)
	for _, i := range s.list.visible(s.rows, h-len(out)) {
		r := s.rows[i]
		if r.header != "" {
			out = append(out, " "+st.Bold.Render(r.header))
			continue
		}
		text := " " + r.mark + " " + fit(safe(r.left), leftW) + " " + safe(r.right)
		if i == s.list.cursor {
			out = append(out, markCursor+st.Cursor.Render(padLine(text, w-1)))
			continue
		}
		out = append(out, "  "+r.style.Render(r.mark)+" "+fit(safe(r.left), leftW)+" "+st.Muted.Render(clip(safe(r.right), max(0, w-leftW-6))))
	}
	return out
}
