package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
)

// The credential's reach: an OAuth credential made in a child organization
// sees only that subtree, and the title bar says so for as long as the UI
// is open on it. It is read in the background at start (fetching the
// access token), so a slow or refused token endpoint never holds the UI.

type credentialMsg struct {
	cred access.Credential
	err  error
}

// readCredential is the Cmd that reads it; nil when there is nothing to
// learn (offline, or an API key, which tells nothing of its reach).
func (a *Model) readCredential() tea.Cmd {
	svc := a.svc
	if svc == nil || !svc.Online() || !svc.UsesClientCredentials() {
		return nil
	}
	ctx := a.ctx
	return func() tea.Msg {
		cred, err := svc.Credential(ctx)
		return credentialMsg{cred: cred, err: err}
	}
}

func (m credentialMsg) apply(a *Model) tea.Cmd {
	if m.err != nil {
		return a.setFlash(flashErr, "the credential: "+m.err.Error())
	}
	a.cred = m.cred
	if note := m.cred.SubOrgNote(); note != "" {
		return a.setFlash(flashInfo, note)
	}
	return nil
}
