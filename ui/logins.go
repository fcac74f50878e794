package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// Last logins: the user detail's header says when the user last logged in
// (or never, or why the snapshot does not know), and a key reads the
// recent login attempts from OneTrust into a pager, so a helpdesk can
// answer "was this account used after the person left?".

// lastLoginText is what the snapshot knows of u's last successful login:
// "2026-11-20 14:03 (11 days ago)", "never", or "not available — why".
func lastLoginText(snap *tenant.Snapshot, u *tenant.User, now time.Time) string {
	switch why := snap.LoginUnknown(u); {
	case why != "":
		return "not available — " + why
	case u.LastLogin.IsZero():
		return "never"
	}
	return u.LastLogin.UTC().Format("2006-01-02 15:04") + " (" + tenant.Ago(now.Sub(u.LastLogin)) + ")"
}

// lastLoginCell is the Users list's short form: "2026-11-20 (11d)",
// "never", or "?" when unknown.
func lastLoginCell(u *tenant.User, now time.Time) string {
	days, never, ok := u.DaysSinceLogin(now)
	switch {
	case !ok:
		return "?"
	case never:
		return "never"
	}
	return u.LastLogin.UTC().Format("2006-01-02") + " (" + fmt.Sprintf("%dd", days) + ")"
}

// loginLine is the header's line of OneTrust's lifecycle dates: the last
// login, and the expiration and disabled dates when there are any.
func (s *detailScreen) loginLine(a *Model, w int) string {
	st := &a.st
	u := &a.snap.Users[s.user]
	parts := []string{st.Label.Render("last login") + " " + safe(lastLoginText(a.snap, u, a.opts.Now()))}
	if !u.Expires.IsZero() {
		parts = append(parts, st.Label.Render("expires")+" "+u.Expires.UTC().Format("2006-01-02"))
	}
	if !u.DisabledAt.IsZero() {
		d := st.Label.Render("disabled") + " " + u.DisabledAt.UTC().Format("2006-01-02")
		if u.DisabledBy != "" {
			d += " by " + safe(u.DisabledBy)
		}
		parts = append(parts, d)
	}
	return clip(" "+strings.Join(parts, st.Muted.Render(" · ")), w)
}

type loginsMsg struct {
	userID  string
	entries []access.LoginEntry
	err     error
}

// openLogins reads user u's login history in the background.
func (a *Model) openLogins(u int) tea.Cmd {
	if !a.requireOnline("read the login history") {
		return nil
	}
	svc, ctx, id := a.svc, a.ctx, a.snap.Users[u].ID
	flash := a.setFlash(flashInfo, "reading the login history of "+safe(a.snap.Users[u].Label())+"…")
	return tea.Batch(flash, func() tea.Msg {
		entries, err := svc.LoginHistory(ctx, id)
		return loginsMsg{userID: id, entries: entries, err: err}
	})
}

func (m loginsMsg) apply(a *Model) tea.Cmd {
	a.noteReach(m.err)
	u, ok := a.snap.UserIndex(m.userID)
	if !ok {
		return nil // the user went away meanwhile
	}
	if m.err != nil && !access.IsUnavailable(m.err) {
		return a.setFlash(flashErr, markFail+" login history: "+safe(m.err.Error()))
	}
	a.flash = flash{}
	a.push(&loginsScreen{reader: reader{what: "the login history"}, userID: m.userID, user: u, entries: m.entries, err: m.err})
	return nil
}

// loginsScreen is the pager of one user's login attempts, newest first;
// err, when set, says why there are none to show (degraded mode).
type loginsScreen struct {
	reader
	userID  string
	user    int
	entries []access.LoginEntry
	err     error
}

func (s *loginsScreen) title(*Model) string { return "Logins" }

func (s *loginsScreen) refresh(a *Model) bool {
	u, ok := a.snap.UserIndex(s.userID)
	s.user = u
	return ok
}

func (s *loginsScreen) view(a *Model, w, h int) []string {
	st := &a.st
	usr := &a.snap.Users[s.user]
	head := " " + st.Bold.Render(safe(usr.Label())) + st.Muted.Render(" · last login "+safe(lastLoginText(a.snap, usr, a.opts.Now())))
	out := []string{clip(head, w)}
	var rows []string
	titles := ""
	switch {
	case s.err != nil:
		for _, l := range wrapText(s.err.Error(), max(10, w-4)) {
			rows = append(rows, "  "+st.Muted.Render(safe(l)))
		}
	case len(s.entries) == 0:
		rows = append(rows, "  "+st.Muted.Render("no login attempts in OneTrust's login history (it keeps a year)"))
	default:
		fails := 0
		for _, e := range s.entries {
			if !e.Success {
				fails++
			}
		}
		out = append(out, " "+st.Muted.Render(fmt.Sprintf("%s, %s failed, newest first",
			numfmt.Count(len(s.entries), "attempt", "attempts"), numfmt.Commas(fails))))
		ipW := len("IP")
		for _, e := range s.entries {
			ipW = max(ipW, min(39, len(safe(e.IP))))
		}
		// The column titles stay in place while the attempts scroll.
		titles = st.Header.Render(clip(fmt.Sprintf(" %-16s  %-9s  %-*s  %s", "WHEN (UTC)", "RESULT", ipW, "IP", "AGENT"), w))
		for _, e := range s.entries {
			res := st.Active.Render(markOK + " success")
			if !e.Success {
				res = st.Inactive.Render(markFail + " " + padLine(safe(fit(e.Result(), 7)), 7))
			}
			line := fmt.Sprintf(" %-16s  %s  %-*s  %s", fit(safe(e.When()), 16), res, ipW, fit(safe(e.IP), ipW), safe(e.Agent))
			rows = append(rows, clip(line, w))
		}
	}
	out = append(out, "")
	if titles != "" {
		out = append(out, titles)
	}
	// The reader scrolls within h-2 lines: count the pinned ones in.
	s.rows = len(rows) + len(out) - 2
	bodyH := max(1, h-len(out))
	off := clamp(s.off, 0, max(0, len(rows)-bodyH))
	return append(out, rows[off:min(len(rows), off+bodyH)]...)
}
