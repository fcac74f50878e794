package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestAsOfIsLabelledReadOnly: the UI opened on an older snapshot
// (otaccess --as-of) says so in the title bar, with that snapshot's date,
// at 80 columns, and writes are refused as offline.
func TestAsOfIsLabelledReadOnly(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 20})
	m := New(Options{Snapshot: tn.snap, Service: tn.svc.Offline(), Tenant: "acme.onetrust.com", Mode: "offline", AsOf: true, Now: tn.now,
		OfflineReason: "--as-of: snapshot 1 is shown read-only"})
	d := newDriver(t, m, 80, 24)
	date := tn.snap.Info.FinishedAt.Local().Format("2006-01-02 15:04")
	bar := d.m.titleBar(80)
	if !strings.Contains(bar, "AS OF "+date+" — read-only") {
		t.Fatalf("title bar at 80 columns: %q", bar)
	}
	if !d.m.readOnly() {
		t.Fatal("an as-of snapshot is writable")
	}
}

// The Changes screen of an older snapshot (--as-of) compares it with the
// one before it; there said "The cache holds a newer sync than this view.
// Sync (r)", and r does nothing read-only. A newer snapshot picked as the
// baseline is compared in the order things happened, from the one shown.
func TestAsOfChanges(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	ctx := context.Background()
	addUser := func(name string) {
		tn.srv.AddUser(client.User{UserName: name, Active: true, DisplayName: name,
			Emails: []client.MultiValue{{Value: name, Primary: true}}})
		if _, err := tn.svc.Sync(ctx, access.SyncOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	addUser("second.new@acme.test") // snapshot #2
	addUser("third.new@acme.test")  // snapshot #3
	open := func(id int64) *driver {
		snap, err := tn.svc.LoadSnapshot(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		m := New(Options{Snapshot: snap, Service: tn.svc.Offline(), Tenant: "acme.onetrust.com", Mode: "offline", AsOf: true, Now: tn.now,
			OfflineReason: "--as-of"})
		return newDriver(t, m, 100, 24)
	}
	d := open(2)
	d.key("d")
	d.contains("Changes from the sync of", "Users added (1)", "second.new@acme.test")
	d.lacks("third.new", "newer sync", "Sync (")
	d.key("d")
	d.contains("#3 ", "#1 ")
	d.key("g", "enter") // the newest, #3: after the one shown
	d.contains("Changes from snapshot #2 (shown)", "to snapshot #3", "Users added (1)", "third.new@acme.test")
	d.lacks("Users removed", "second.new")

	d = open(1)
	d.key("d")
	d.contains("No older snapshot in the cache than this one", "Press d to compare it with a newer one")
	d.lacks("Sync (")
}
