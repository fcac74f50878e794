package ui

import (
	"testing"
	"time"

	"github.com/otaccess/otaccess/access/accesstest"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestTitleSaysWhenTheCredentialIsInAChildOrg: opened with a child org's
// client credentials, the title bar says the UI sees that subtree only;
// at the root it says nothing of the kind.
func TestTitleSaysWhenTheCredentialIsInAChildOrg(t *testing.T) {
	for _, org := range []string{"Legal", ""} {
		cfg := scimtest.Config{Users: 30, Roles: 3, Orgs: 5, Seed: 42,
			ClientID: scimtest.TestClientID, ClientSecret: scimtest.TestClientSecret, ClientOrg: org}
		tn := accesstest.New(t, cfg, accesstest.WithClient(client.Options{ClientID: scimtest.TestClientID, ClientSecret: scimtest.TestClientSecret}))
		m := New(Options{Snapshot: tn.Snap, Service: tn.Svc, Tenant: "acme.onetrust.com", Mode: "online", Now: func() time.Time { return tn.Snap.Info.FinishedAt }})
		d := newDriver(t, m, 120, 30)
		for _, msg := range d.run(m.Init()) {
			d.send(msg)
		}
		if org != "" {
			d.contains("sub-org Legal only")
			d.logShows("credential of organization Legal: it sees only that organization")
		} else {
			d.lacks("sub-org")
		}
	}
}
