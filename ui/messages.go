package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// The message log: every flash of the session, kept so that a message cut
// to fit the flash line (or replaced before it was read) can be read in
// full. The log is bounded; the oldest entries go first.

// logEntry is one flash as it was shown.
type logEntry struct {
	at   time.Time
	kind flashKind
	text string
}

// maxLogEntries bounds the log of a long session.
const maxLogEntries = 500

// logFlash records a flash in the log.
func (a *Model) logFlash(kind flashKind, text string) {
	if text == "" {
		return
	}
	a.msgLog = append(a.msgLog, logEntry{at: a.opts.Now(), kind: kind, text: text})
	if n := len(a.msgLog); n > maxLogEntries {
		a.msgLog = append(a.msgLog[:0:0], a.msgLog[n-maxLogEntries:]...)
	}
}

// wrapText wraps a safe, unstyled text to width cells at spaces only (an
// id or a name is not split at its dashes), cutting a word longer than a
// line where the line ends.
func wrapText(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	var out []string
	for _, para := range splitLines(s) {
		cur, curW := "", 0
		for i, word := range strings.Split(para, " ") {
			ww := ansi.StringWidth(word)
			switch {
			case i == 0:
				cur, curW = word, ww
			case curW+1+ww <= width:
				cur, curW = cur+" "+word, curW+1+ww
			default:
				out = append(out, cur)
				cur, curW = word, ww
			}
			for curW > width {
				out = append(out, ansi.Cut(cur, 0, width))
				cur = ansi.Cut(cur, width, curW)
				curW = ansi.StringWidth(cur)
			}
		}
		out = append(out, cur)
	}
	return out
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// messagesScreen shows the log, newest first, each message wrapped in full
// under its time, read like a pager (see reader).
type messagesScreen struct{ reader }

func newMessagesScreen() *messagesScreen { return &messagesScreen{reader{what: "the messages"}} }

func (s *messagesScreen) title(*Model) string { return "Messages" }

func (s *messagesScreen) view(a *Model, w, h int) []string {
	st := &a.st
	out := []string{" " + st.App.Render("otaccess") + " messages, newest first", ""}
	if len(a.msgLog) == 0 {
		s.rows = 0
		return append(out, "  "+st.Muted.Render("no messages yet in this session"))
	}
	var rows []string
	for i := len(a.msgLog) - 1; i >= 0; i-- {
		e := a.msgLog[i]
		style := st.FlashInfo
		switch e.kind {
		case flashErr:
			style = st.FlashErr
		case flashOK:
			style = st.FlashOK
		}
		rows = append(rows, "  "+st.Muted.Render(e.at.Local().Format("15:04:05")))
		for _, l := range wrapText(e.text, max(10, w-6)) {
			rows = append(rows, "    "+style.Render(l))
		}
		rows = append(rows, "")
	}
	s.rows = len(rows)
	bodyH := max(1, h-2)
	off := clamp(s.off, 0, max(0, len(rows)-bodyH))
	end := min(len(rows), off+bodyH)
	return append(out, rows[off:end]...)
}
