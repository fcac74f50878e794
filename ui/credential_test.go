package ui

import (
	"testing"
	"time"

	"github.com/otaccess/otaccess/access/accesstest"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
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

// TestDeleteOnOneTrustOffersDeactivateAndStrip: on a OneTrust host the
// dialog's delete option says before anything is sent that OneTrust has no
// SCIM delete, y does nothing, and the key it names picks deactivate and
// strip, which then runs.
func TestDeleteOnOneTrustOffersDeactivateAndStrip(t *testing.T) {
	tn := accesstest.New(t, scimtest.Config{Users: 60, Roles: 4, Orgs: 3, Seed: 42}, accesstest.AsOneTrust())
	m := New(Options{Snapshot: tn.Snap, Service: tn.Svc, Tenant: "acme.onetrust.com", Mode: "online", Now: func() time.Time { return tn.Snap.Info.FinishedAt }})
	d := newDriver(t, m, 110, 34)
	u := pick(t, tn.Snap, func(u *tenant.User) bool { return u.Active && u.Email != "" && len(u.Groups) > 0 })
	usr := tn.Snap.Users[u]
	d.openUser(usr.Email)
	d.key("D", "3")
	d.contains("(•) delete the user (not available on OneTrust)",
		"OneTrust documents SCIM DELETE /Users as not available at this time",
		"Press 2 to deactivate and remove every membership instead.")
	d.lacks("Type the email to confirm")
	before := len(tn.Srv.RequestLog())
	d.key("y")
	if log := tn.Srv.RequestLog(); len(log) != before {
		t.Fatalf("sent on a refused delete: %+v", log[before:])
	}
	d.key("2", "y")
	d.contains("✓ deactivate the user", "the server now has the user inactive with 0 memberships")
	su, ok := tn.Srv.User(usr.ID)
	if !ok || su.Active || len(su.Groups) != 0 {
		t.Fatalf("server user: ok=%v active=%v groups=%d", ok, su.Active, len(su.Groups))
	}
}
