package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client/scimtest"
)

const longReason = "the API token in OTACCESS_TOKEN was rejected by acme.onetrust.com (401); create a new one under Settings › Access Management and run again END-OF-REASON"

// A flash cut to fit says where the rest is, and ! shows every message of
// the session in full, newest first, with its time.
func TestMessageLogShowsCutFlashesInFull(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 50})
	m := New(Options{Snapshot: tn.snap, Service: tn.svc.Offline(), Tenant: "acme.onetrust.com", Mode: "offline",
		OfflineReason: longReason, Now: tn.now})
	d := newDriver(t, m, 80, 24)
	d.key("!")
	d.contains("messages, newest first", "no messages yet")
	d.key("q") // any other key closes it
	d.lacks("messages, newest first")

	d.key("D")
	d.contains("✗ deprovision needs a connection", "(! details)")
	d.lacks("END-OF-REASON")
	d.key("r")
	d.key("!")
	d.contains("END-OF-REASON", tn.now().Local().Format("15:04:05"))
	s := d.screen()
	sync, deprov := strings.Index(s, "sync needs a connection"), strings.Index(s, "deprovision needs a connection")
	if sync < 0 || deprov < 0 || sync > deprov {
		t.Fatalf("want the newest (sync) first:\n%s", s)
	}
	d.key("esc")
	d.lacks("messages, newest first")
	d.contains("sync needs a connection") // the flash line is unchanged

	// A flash that fits is not marked.
	d.m.setFlash(flashInfo, "short")
	d.contains("short")
	d.lacks("(! details)")
}

func TestMessageLogIsBounded(t *testing.T) {
	m := New(Options{Now: time.Now})
	for i := 0; i < maxLogEntries+20; i++ {
		m.setFlash(flashInfo, "message")
	}
	if len(m.msgLog) != maxLogEntries {
		t.Fatalf("log has %d entries, want %d", len(m.msgLog), maxLogEntries)
	}
}

// The first-run screen wraps the offline reason (and its commands) instead
// of cutting them, even at the smallest size.
func TestNoSnapshotWrapsTheReason(t *testing.T) {
	for _, w := range []int{40, 80} {
		m := New(Options{Mode: "offline", OfflineReason: longReason, Now: time.Now})
		d := newDriver(t, m, w, 24)
		d.contains("END-OF-REASON", "otaccess sync", "otaccess demo")
	}
}
