package bench

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/ui"
)

// The terminal the figures render for.
const termW, termH = 120, 40

// newUI builds the app on snap at termW x termH, as the TUI does before its
// first frame; svc nil or offline makes it read-only.
func newUI(snap *tenant.Snapshot, svc *access.Service) *ui.Model {
	opts := ui.Options{Snapshot: snap, Service: svc, Tenant: "bench.onetrust.test", Mode: "offline", OfflineReason: "benchmark"}
	if svc != nil && svc.Online() {
		opts.Mode = "online"
	}
	m := ui.New(opts)
	m.Update(tea.WindowSizeMsg{Width: termW, Height: termH})
	return m
}

// press delivers one key (a printable rune or a named key) and returns the
// command the model asked for; the command is not run.
func press(m *ui.Model, k string) tea.Cmd {
	_, cmd := m.Update(keyMsg(k))
	return cmd
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space", " ":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: string(r)}
}

// frame renders the model, as Bubble Tea does after every update.
func frame(m *ui.Model) string { return m.View().Content }

// timeKey is one keystroke as the user feels it: Update, then the frame.
func timeKey(m *ui.Model, k string) time.Duration {
	start := time.Now()
	m.Update(keyMsg(k))
	frame(m)
	return time.Since(start)
}

// runCmds runs cmd (flattening batches) and feeds each message it produces
// back to the model, one level deep: commands those messages return
// (spinner ticks, flash timers) are not run. It gives up after timeout.
func runCmds(m *ui.Model, cmd tea.Cmd, timeout time.Duration) {
	if cmd == nil {
		return
	}
	msgs := make(chan tea.Msg, 1)
	go func() { msgs <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-msgs:
	case <-time.After(timeout):
		return
	}
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			runCmds(m, c, timeout)
		}
		return
	}
	if msg != nil {
		m.Update(msg)
	}
}
