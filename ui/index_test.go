package ui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// TestFilterWhileTheIndexIsBuilt holds the background build of the filter
// index (its hook) while a filter is typed: the list stays as it was, the
// filter line says it is indexing, and once the build is handed over the
// list is exactly what the query matches. Nothing is timed: the build
// waits on the test's word.
func TestFilterWhileTheIndexIsBuilt(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 300})
	entered, release := make(chan struct{}), make(chan struct{})
	m := New(Options{Snapshot: tn.snap, Service: tn.svc, Tenant: "acme.onetrust.com", Mode: "online", Now: tn.now})
	m.indexHook = func() {
		close(entered)
		<-release
	}
	d := newDriver(t, m, 120, 40)
	build := m.indexCmd()
	if build == nil {
		t.Fatal("no index build pending after New")
	}
	ready := make(chan tea.Msg, 1)
	go func() { ready <- build() }() // as the program runs Init's command
	<-entered

	all := d.m.roots[tabUsers].(*usersScreen).rows
	if len(all) != 300 {
		t.Fatalf("%d rows before filtering", len(all))
	}
	const query = "role:auditor an"
	d.key("/")
	d.typeText(query)
	us := d.m.roots[tabUsers].(*usersScreen)
	if len(us.rows) != 300 || !us.filter.waiting {
		t.Fatalf("while indexing: %d rows, waiting %v", len(us.rows), us.filter.waiting)
	}
	d.contains("indexing…")

	close(release)
	d.send(<-ready)
	want, err := tenant.NewIndex(tn.snap).Filter(query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || len(want) == 300 {
		t.Fatalf("the query matches %d of 300: pick one that filters", len(want))
	}
	got := slices.Clone(us.rows)
	slices.Sort(got)
	if !slices.Equal(got, want) || us.filter.waiting {
		t.Fatalf("once indexed: %d rows (waiting %v), want the %d the query matches", len(got), us.filter.waiting, len(want))
	}
	if strings.Contains(d.screen(), "indexing…") {
		t.Fatal("still says indexing")
	}
	// Typing on uses the index at once.
	d.key("backspace")
	if us.filter.waiting || len(us.rows) < len(want) {
		t.Fatalf("after the index: %d rows, waiting %v", len(us.rows), us.filter.waiting)
	}
}

// TestWriteDuringTheIndexBuildWaitsForIt: a write's result changes the
// snapshot the background build reads, so it first waits for the build;
// the index it installs then follows the write.
func TestWriteDuringTheIndexBuildWaitsForIt(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 50})
	m := New(Options{Snapshot: tn.snap, Service: tn.svc, Tenant: "acme.onetrust.com", Mode: "online", Now: tn.now})
	entered := make(chan struct{})
	m.indexHook = func() { close(entered) }
	d := newDriver(t, m, 120, 40)
	build := m.indexCmd()
	ready := make(chan tea.Msg, 1)
	go func() { ready <- build() }()
	<-entered
	m.settleIndex() // what every write's result does first
	if m.build != nil || m.index == nil {
		t.Fatal("settleIndex did not install the index")
	}
	d.send(<-ready) // the late message changes nothing
	if m.index == nil || m.build != nil {
		t.Fatal("the late build message undid the index")
	}
	u := &tn.snap.Users[7]
	d.key("/")
	d.typeText(u.Email)
	us := m.roots[tabUsers].(*usersScreen)
	if len(us.rows) != 1 || us.rows[0] != 7 {
		t.Fatalf("filter by %s: rows %v", u.Email, us.rows)
	}
}
