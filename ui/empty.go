package ui

import (
	tea "charm.land/bubbletea/v2"
)

// emptyScreen is shown when there is no snapshot yet: it says exactly how
// to get one.
type emptyScreen struct{}

func (e *emptyScreen) title(*Model) string { return "No snapshot" }

func (e *emptyScreen) update(*Model, tea.Msg) (tea.Cmd, bool) { return nil, false }

func (e *emptyScreen) view(a *Model, w, h int) []string {
	st := &a.st
	msg := []string{
		st.Bold.Render("No snapshot of this tenant yet."),
		"",
	}
	if !a.readOnly() {
		msg = append(msg, "Press "+st.Bold.Render(keyName(a.keys.Sync))+" to sync it now, or run:", "")
	} else {
		msg = append(msg, "Sync one first (it needs the tenant URL and an API token):", "")
	}
	msg = append(msg,
		"  OTACCESS_DOMAIN=acme OTACCESS_TOKEN=… otaccess sync",
		"",
		"or look around on a fake tenant:",
		"",
		"  otaccess demo",
	)
	if a.readOnly() {
		msg = append(msg, "", st.Muted.Render("offline: "+safe(a.offlineReason())))
	}
	// Every line is wrapped, not cut: the screen says what to do.
	var lines []string
	for _, l := range msg {
		lines = append(lines, wrapText(l, max(20, min(72, w-2)))...)
	}
	return centerCenter(lines, w, h)
}

func (e *emptyScreen) hints(a *Model) []Binding {
	if a.readOnly() {
		return []Binding{a.keys.Help, a.keys.Quit}
	}
	return []Binding{a.keys.Sync, a.keys.Help, a.keys.Quit}
}

func (e *emptyScreen) info(*Model) string { return "" }

func (e *emptyScreen) refresh(*Model) bool { return true }

func (e *emptyScreen) typing() bool { return false }
