package ui

import (
	"strings"
	"testing"

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
