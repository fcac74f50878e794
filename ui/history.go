package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
)

// Who granted it: on the user detail, w reads the user's OneTrust audit
// trail (on demand, in the background) and shows the changes to the
// membership under the cursor — who, when, and how (User Provisioning
// through SCIM, User Management in OneTrust) — read like a pager.

type historyMsg struct {
	userID  string
	group   int
	entries []access.HistoryEntry
	err     error
}

// openHistory reads the history of user u's membership in group g.
func (a *Model) openHistory(u, g int) tea.Cmd {
	if !a.requireOnline("read the membership's history") {
		return nil
	}
	svc, ctx, id := a.svc, a.ctx, a.snap.Users[u].ID
	flash := a.setFlash(flashInfo, "reading the history of "+access.MembershipLabel(a.snap, g)+"…")
	return tea.Batch(flash, func() tea.Msg {
		entries, err := svc.History(ctx, id)
		return historyMsg{userID: id, group: g, entries: entries, err: err}
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
		entries: access.MembershipHistory(a.snap, m.group, m.entries), total: len(m.entries)})
	return nil
}

// historyScreen lists one membership's changes, newest first as OneTrust
// sends them.
type historyScreen struct {
	reader
	user, group int
	entries     []access.HistoryEntry
	total       int // entries in the user's whole trail
}

func (s *historyScreen) title(a *Model) string { return "History" }

func (s *historyScreen) view(a *Model, w, h int) []string {
	st := &a.st
	label := safe(access.MembershipLabel(a.snap, s.group))
	who := safe(a.snap.Users[s.user].Label())
	out := []string{" " + st.Bold.Render(label) + st.Muted.Render(" · "+who), ""}
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
