package ui

import (
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/otaccess/otaccess/client/scimtest"
)

// TestResyncReleasesTheOldSnapshot: after `r` re-syncs, nothing in the UI
// keeps the snapshot it replaced (nor its filter index) alive: at 100k
// users each one kept was another 100 MiB. The check is the collector's,
// not a measurement: a weak pointer to the old snapshot is nil once the
// collector has run, whatever the machine's speed.
func TestResyncReleasesTheOldSnapshot(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 120})
	at := tn.now()
	d := newDriver(t, New(Options{Snapshot: tn.snap, Service: tn.svc, Tenant: "acme.onetrust.com", Mode: "online",
		Now: func() time.Time { return at }}), 120, 40)
	email := tn.snap.Users[3].Email
	// Every view that builds something over the snapshot: a filter (and
	// its index), a user's detail, the matrix, the groups list.
	d.key("/")
	d.typeText("a")
	d.key("enter", "esc")
	d.openUser(email)
	d.key("esc", "2", "3", "1")
	old := weak.Make(d.m.snap)
	oldIndex := weak.Make(d.m.index)
	tn.snap = nil // the test's own reference
	for range 2 {
		prev := d.m.snap
		d.key("r")
		if d.m.snap == prev || d.m.snap == nil {
			t.Fatal("the re-sync did not replace the snapshot")
		}
		d.key("/")
		d.typeText("b")
		d.key("enter", "esc")
	}
	d.contains("synced")
	for range 3 {
		runtime.GC()
	}
	if old.Value() != nil {
		t.Error("the snapshot replaced by a re-sync is still reachable from the UI")
	}
	if oldIndex.Value() != nil {
		t.Error("the replaced snapshot's filter index is still reachable from the UI")
	}
	runtime.KeepAlive(d.m) // the UI is alive throughout: only what it dropped may go
}
