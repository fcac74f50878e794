package ui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// Who granted it: on the user detail, w reads the user's OneTrust audit
// trail (on demand, in the background) and shows the changes to the
// membership under the cursor — who, when, and how (User Provisioning
// through SCIM, User Management in OneTrust) — read like a pager. Once
// read, the trail is kept in the cache: offline (or when reading fails) w
// shows the kept one, with the time it was read.

type historyMsg struct {
	userID  string
	group   int
	hist    tenant.UserHistory
	fresh   bool  // read just now, not the kept copy
	readErr error // why the kept copy is shown online
	err     error
}

// openHistory reads the history of user u's membership in group g.
func (a *Model) openHistory(u, g int) tea.Cmd {
	if a.svc == nil {
		return a.setFlash(flashErr, markFail+" the history needs the cache or a connection")
	}
	svc, ctx, id := a.svc, a.ctx, a.snap.Users[u].ID
	verb := "reading the history of "
	if a.readOnly() {
		verb = "looking up the kept history of "
	}
	flash := a.setFlash(flashInfo, verb+access.MembershipLabel(a.snap, g)+"…")
	return tea.Batch(flash, func() tea.Msg {
		h, fresh, readErr, err := svc.HistoryOr(ctx, id)
		return historyMsg{userID: id, group: g, hist: h, fresh: fresh, readErr: readErr, err: err}
	})
}

func (m historyMsg) apply(a *Model) tea.Cmd {
	if m.err != nil {
		return a.setFlash(flashErr, "history: "+m.err.Error())
	}
	u, ok := a.snap.UserIndex(m.userID)
	if !ok || m.group >= len(a.snap.Groups) {
		return nil // the user or group went away meanwhile
	}
	a.flash = flash{}
	a.push(&historyScreen{reader: reader{what: "the history"}, user: u, group: m.group,
		entries: access.MembershipHistory(a.snap, m.group, m.hist.Entries), total: len(m.hist.Entries),
		fetched: m.hist.FetchedAt, fresh: m.fresh, readErr: m.readErr})
	return nil
}

// historyScreen lists one membership's changes, newest first as OneTrust
// sends them.
type historyScreen struct {
	reader
	user, group int
	entries     []access.HistoryEntry
	total       int // entries in the user's whole trail
	fetched     time.Time
	fresh       bool
	readErr     error
}

// source says where the trail shown comes from: read now, or kept since.
func (s *historyScreen) source(a *Model) string {
	at := s.fetched.Local().Format("2006-01-02 15:04")
	if s.fresh {
		return "read from OneTrust at " + at
	}
	line := fmt.Sprintf("kept in the cache, read at %s (%s)", at, tenant.Ago(a.opts.Now().Sub(s.fetched)))
	if s.readErr != nil {
		line += "; reading it now failed: " + s.readErr.Error()
	}
	return line
}

func (s *historyScreen) title(a *Model) string { return "History" }

func (s *historyScreen) view(a *Model, w, h int) []string {
	st := &a.st
	label := safe(access.MembershipLabel(a.snap, s.group))
	who := safe(a.snap.Users[s.user].Label())
	out := []string{" " + st.Bold.Render(label) + st.Muted.Render(" · "+who), " " + st.Muted.Render(safe(s.source(a)))}
	var rows []string
	if len(s.entries) == 0 {
		rows = append(rows, "  "+st.Muted.Render(fmt.Sprintf("OneTrust's audit trail of this user (%s) has nothing about this membership", numfmt.Count(s.total, "entry", "entries"))))
	}
	for _, e := range s.entries {
		for _, l := range wrapText(e.Describe(), max(10, w-4)) {
			rows = append(rows, "  "+safe(l))
		}
	}
	s.rows = len(rows)
	bodyH := max(1, h-2)
	off := clamp(s.off, 0, max(0, len(rows)-bodyH))
	end := min(len(rows), off+bodyH)
	return append(out, rows[off:end]...)
}
