package ui

import (
	"context"
	"testing"
	"time"

	"github.com/otaccess/otaccess/access"
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

// TestChangesWarnWhenTheViewChanged: the cache holds a sync with the API
// key (the whole tenant), then one with Legal's credential (its subtree):
// the Changes screen says the view changed above the users "removed",
// who are only outside Legal's view.
func TestChangesWarnWhenTheViewChanged(t *testing.T) {
	cfg := scimtest.Config{Users: 60, Roles: 3, Orgs: 5, Seed: 42,
		ClientID: scimtest.TestClientID, ClientSecret: scimtest.TestClientSecret, ClientOrg: "Legal"}
	tn := accesstest.New(t, cfg) // the API key's sync: the whole tenant
	child := tn.Svc.Offline()
	child.Client = tn.Srv.NewClient(t, client.Options{ClientID: scimtest.TestClientID, ClientSecret: scimtest.TestClientSecret})
	ctx := context.Background()
	if _, err := child.Sync(ctx, access.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	snap, err := child.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Info.SubtreeOrg != "Legal" || len(snap.Users) >= len(tn.Snap.Users) {
		t.Fatalf("Legal's snapshot: subtree %q, %d users of the tenant's %d", snap.Info.SubtreeOrg, len(snap.Users), len(tn.Snap.Users))
	}
	m := New(Options{Snapshot: snap, Service: child, Tenant: "acme.onetrust.com", Mode: "online", Now: func() time.Time { return snap.Info.FinishedAt }})
	d := newDriver(t, m, 200, 30)
	for _, msg := range d.run(m.Init()) {
		d.send(msg)
	}
	d.contains("sub-org Legal only")
	d.key("d")
	d.contains("⚠ view changed: the whole tenant → only organization Legal's subtree", "Users removed")
}
