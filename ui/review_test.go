package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// reviewScreenOf returns the review screen on top of m's stack.
func reviewScreenOf(t *testing.T, m *Model) *reviewScreen {
	t.Helper()
	s, ok := m.top().(*reviewScreen)
	if !ok {
		t.Fatalf("top screen is %T, want the review screen", m.top())
	}
	return s
}

func loadReview(t *testing.T, st *access.Service, name string) *tenant.Review {
	t.Helper()
	r, err := st.Review(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A review is started and decided through the whole program, then the
// program is started again on the same cache file (a restart) and the
// review resumes where it stood.
func TestProgramReviewDecideAndResume(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	p := tn.program(t, 120, 36)
	waitText(t, p, "Users")
	press(p, "R")
	waitText(t, p, "No reviews yet")
	press(p, "n")
	waitText(t, p, "Start a review")
	for _, r := range "Q4-TUI" {
		press(p, string(r))
	}
	press(p, "tab", "tab")
	for _, r := range "Legal" {
		press(p, string(r))
	}
	press(p, "enter")
	waitText(t, p, "0 of ", "Q4-TUI · org Legal")
	press(p, "x", "a", "s", "n")
	waitText(t, p, "note:")
	for _, r := range "ask the manager" {
		press(p, string(r))
	}
	press(p, "enter")
	waitText(t, p, "3 of ", "“ask the manager”", "✓ saved")
	quit(t, p)

	r := loadReview(t, tn.svc, "Q4-TUI")
	it := r.Items
	if it[0].Decision != tenant.Revoke || it[1].Decision != tenant.Keep || it[2].Decision != tenant.Skip || it[3].Decision != tenant.Undecided {
		t.Fatalf("decisions %v %v %v %v", it[0].Decision, it[1].Decision, it[2].Decision, it[3].Decision)
	}
	if it[3].Note != "ask the manager" || it[0].Reviewer != "tester" || it[0].DecidedAt.IsZero() || r.Counts.Decided() != 3 {
		t.Fatalf("item 0 %+v, item 3 %+v", it[0], it[3])
	}
	for _, x := range it {
		if x.Org != "Legal" || x.NoRole() {
			t.Fatalf("out of scope: %+v", x)
		}
	}

	// Restart: a new program over the cache file opened afresh.
	svc, err := access.Open(tn.svc.Client, tn.svc.CachePath(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	snap, err := svc.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	svc.Actor = "second-reviewer"
	p = startProgram(t, New(Options{Snapshot: snap, Service: svc, Tenant: "acme.onetrust.com", Mode: "online", Now: tn.now}), 120, 36)
	press(p, "R")
	waitText(t, p, "Q4-TUI", "3 of "+numfmt.Commas(len(it)))
	press(p, "enter")
	waitText(t, p, "3 of "+numfmt.Commas(len(it))+" decided")
	press(p, "a")
	waitText(t, p, "4 of ", "✓ saved")
	m := quit(t, p)
	if s := reviewScreenOf(t, m); s.item().Seq != 4 {
		t.Fatalf("cursor on item %d after resuming and one decision, want 4", s.item().Seq)
	}
	r = loadReview(t, svc, "Q4-TUI")
	if r.Items[3].Decision != tenant.Keep || r.Items[3].Reviewer != "second-reviewer" || r.Items[3].Note != "ask the manager" {
		t.Fatalf("resumed decision %+v", r.Items[3])
	}
}

// Revocations are applied from the program; one is refused by the server
// and a second A retries only that one.
func TestProgramReviewApply(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	ctx := context.Background()
	r, err := tn.svc.StartReview(ctx, "apply-me", access.ReviewScope{Org: "Legal"})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range r.Items[:3] {
		if err := tn.svc.Decide(ctx, r.ID, tenant.Decision{Key: it.Key(), Verdict: tenant.Revoke}); err != nil {
			t.Fatal(err)
		}
	}
	tn.srv.InjectFault(scimtest.Fault{Method: "PATCH", Kind: scimtest.FaultStatus, Status: 403, Times: 1})

	p := tn.program(t, 120, 36)
	press(p, "R")
	waitText(t, p, "apply-me")
	press(p, "enter")
	waitText(t, p, "3 of "+numfmt.Commas(len(r.Items))+" decided · keep 0 · revoke 3")
	press(p, "A")
	waitText(t, p, "Apply review apply-me", "Revoke 3 memberships on acme.onetrust.com", r.Items[0].UserLabel,
		numfmt.Commas(len(r.Items)-3)+" of "+numfmt.Count(len(r.Items), "item", "items")+" are still undecided")
	afterGrace(p)
	press(p, "y")
	waitText(t, p, "2 revoked, 1 failed", "press A to retry")
	members := 0
	for _, it := range r.Items[:3] {
		if tn.srv.IsMember(it.UserID, it.GroupID) {
			members++
		}
	}
	if members != 1 {
		t.Fatalf("%d of 3 still members after a run with one refusal", members)
	}
	press(p, "A")
	waitText(t, p, "Revoke 1 membership", "1 revocation failed before and is retried")
	afterGrace(p)
	press(p, "y")
	waitText(t, p, "1 revoked, 0 failed", "applied 3")
	m := quit(t, p)

	for _, it := range r.Items[:3] {
		if tn.srv.IsMember(it.UserID, it.GroupID) {
			t.Fatalf("%s still holds %s on the server", it.UserLabel, it.Membership())
		}
		u, _ := m.snap.UserIndex(it.UserID)
		g, _ := m.snap.GroupIndex(it.GroupID)
		if m.snap.IsMember(u, g) {
			t.Fatalf("the UI's snapshot still shows %s in %s", it.UserLabel, it.Membership())
		}
	}
	for _, it := range r.Items[3:] {
		if !tn.srv.IsMember(it.UserID, it.GroupID) {
			t.Fatalf("an undecided membership was revoked: %+v", it)
		}
	}
	got := loadReview(t, tn.svc, "apply-me")
	if got.Counts.Applied != 3 || got.Counts.Failed != 0 {
		t.Fatalf("review counts %+v", got.Counts)
	}
}

func TestReviewScreenHintsAndRules(t *testing.T) {
	ctx := context.Background()
	tn := newTenant(t, scimtest.Config{})
	// Since the first sync: a user without roles joined, another got Site
	// Admin in Legal.
	gid, _ := tn.srv.GroupID("Site Admin", "Legal")
	tn.srv.AddUser(client.User{UserName: "zz.norole@acme.test", Active: true, Emails: []client.MultiValue{{Value: "zz.norole@acme.test", Primary: true}}})
	var grantee client.User
	for _, u := range tn.srv.Users() {
		if !tn.srv.IsMember(u.ID, gid) && u.PrimaryEmail() != "" && !u.Active {
			grantee = u
			break
		}
	}
	if err := tn.srv.SetMember(grantee.ID, gid, true); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.svc.Sync(ctx, access.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	snap, err := tn.svc.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tn.snap = snap
	d := tn.model(t, 140, 30)
	// The review starts with the Users screen's filter.
	d.key("/")
	d.typeText("acme.test")
	d.key("enter")
	d.key("R", "n")
	d.contains("acme.test")
	d.typeText("new-users")
	d.key("enter")
	d.contains("zz.norole@acme.test", "[no role]", "0 of 1 decided")
	d.key("x")
	d.contains("nothing to revoke")
	d.key("a")
	d.contains("1 of 1 decided")
	d.key("esc", "esc")

	// Admin, inactive and new badges.
	d.key("R", "n")
	d.typeText("admins")
	d.key("tab")
	d.typeText("Site Admin")
	d.key("tab")
	d.typeText("Legal")
	d.key("tab")
	for range len("acme.test") {
		d.key("backspace")
	}
	d.typeText(grantee.PrimaryEmail())
	d.key("enter")
	d.contains("[admin]", "[inactive]", "[new since last sync]", grantee.PrimaryEmail())
	d.key("o")
	d.contains("by role", "Site Admin — Legal")
	d.key("esc")
	d.contains("admins", "new-users", "1 of 1", "Access reviews")
}

func TestReviewScreenOffline(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 60})
	d := newDriver(t, New(Options{Snapshot: tn.snap, Service: tn.svc.Offline(),
		OfflineReason: "--offline is set", Now: tn.now}), 100, 24)
	d.key("R", "n")
	d.typeText("offline")
	d.key("enter")
	d.contains("0 of ")
	d.key("x")
	d.contains("1 of ", "✓ saved")
	d.key("A")
	d.contains("needs a connection", "--offline is set")
	if r := loadReview(t, tn.svc, "offline"); r.Counts.Revoke != 1 || r.Counts.Applied != 0 {
		t.Fatalf("counts %+v", r.Counts)
	}
}

func TestDiffScreen(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 120})
	d := tn.model(t, 120, 30)
	d.key("d")
	d.contains("Only one sync in the cache")

	users := tn.srv.Users()
	added := tn.srv.AddUser(client.User{UserName: "aa.new@acme.test", Active: true, DisplayName: "Aaron New",
		Emails: []client.MultiValue{{Value: "aa.new@acme.test", Primary: true}}, Groups: users[0].Groups})
	tn.srv.RemoveUser(users[1].ID)
	var deactivated client.User
	for _, u := range users[2:] {
		if u.Active {
			deactivated = u
			break
		}
	}
	if err := tn.srv.SetActive(deactivated.ID, false); err != nil {
		t.Fatal(err)
	}
	d.key("r") // sync from the UI: the diff follows
	d.contains("Users added (1)", "Users removed (1)", "Users deactivated (1)", "Memberships granted", "aa.new@acme.test")
	if len(users[1].Groups) > 0 {
		d.contains("Memberships revoked")
	}
	d.key("enter") // the first entry is the added user
	if s, ok := d.m.top().(*detailScreen); !ok || s.userID != added {
		t.Fatalf("enter opened %T", d.m.top())
	}
	d.key("esc")
	d.contains("Changes from the sync of")
	// A revocation made from the UI shows up at once.
	d.key("esc", "1")
	if len(deactivated.Groups) > 0 {
		s := d.m.snap
		u, _ := s.UserIndex(deactivated.ID)
		g := int(s.Users[u].Groups[0])
		if out := tn.svc.Apply(context.Background(), access.NewChange(s, u, g, false)); out.Err != nil {
			t.Fatal(out.Err)
		}
		s.SetMember(u, g, false)
		d.m.dataChanged()
		d.key("d")
		d.contains("Memberships revoked", safe(deactivated.PrimaryEmail()))
	}
}

// Every review and diff frame fits small terminals (the driver checks
// each frame's size).
func TestReviewScreensSmallTerminals(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 60})
	if _, err := tn.svc.StartReview(context.Background(), "small", access.ReviewScope{}); err != nil {
		t.Fatal(err)
	}
	for _, sz := range [][2]int{{40, 10}, {60, 15}, {80, 24}} {
		d := tn.model(t, sz[0], sz[1])
		d.key("R", "enter", "x", "o", "pgdown", "n")
		d.typeText(strings.Repeat("long note ", 10))
		d.key("enter", "A")
		d.key("esc", "esc", "esc", "d", "esc", "R", "n")
		d.key("esc")
	}
}

// Grouped by role, a role's items scrolled past its header keep the
// header on the first line of the list.
func TestReviewGroupHeaderPinned(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 24)
	d.key("R", "n")
	d.typeText("everyone")
	d.key("enter")
	s := reviewScreenOf(t, d.m)
	d.key("o")
	d.contains("by role")
	for range 3 {
		d.key("pgdown")
	}
	if s.rows.header(s.list.offset) {
		t.Fatalf("the window starts on a header: this test did not scroll into a group")
	}
	// The group of the first item in view.
	label := safe(s.r.Items[s.rows[s.list.offset].item].Membership())
	lines := strings.Split(d.screen(), "\n")
	// The title bar, the review's two header lines, then the list.
	if !strings.Contains(lines[3], label) {
		t.Fatalf("the list's first line %q is not the group %q of the items under it:\n%s", lines[3], label, d.screen())
	}
}

// A review item's row cut to fit ends in an ellipsis (it stopped mid-word:
// "suggest: look (few of the user's peers hold it" at 120 columns), and the
// flash line, idle, names the item under the cursor with its whole
// suggestion where it fits (it repeated "0 of 2,410 decided", which the
// screen's second line shows).
func TestReviewItemCutAndNamedInFull(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	for _, w := range []int{80, 120, 200} {
		d := tn.model(t, w, 24)
		d.key("R", "n")
		d.typeText("everyone-" + itoa(w))
		d.key("enter")
		d.send(flashExpireMsg{id: d.m.flash.id})
		s := reviewScreenOf(t, d.m)
		// The first item with a suggestion.
		for it := s.item(); it == nil || it.Suggest().Word == ""; it = s.item() {
			d.key("j")
		}
		it := s.item()
		sg := it.Suggest().String()
		lines := strings.Split(d.screen(), "\n")
		for _, l := range lines[3 : len(lines)-2] {
			if ansi.StringWidth(strings.TrimRight(l, " ")) == w && !strings.HasSuffix(l, ellipsis) {
				t.Fatalf("%d columns: a row cut without an ellipsis: %q", w, l)
			}
		}
		flash := lines[len(lines)-1]
		if !strings.Contains(flash, safe(it.Membership())+": ") {
			t.Fatalf("%d columns: the flash line %q does not name the item %q", w, flash, it.Membership())
		}
		if w >= 120 && !strings.Contains(flash, sg) {
			t.Fatalf("%d columns: the flash line %q lacks the suggestion %q", w, flash, sg)
		}
		if w == 80 && !strings.HasSuffix(strings.TrimRight(flash, " "), ellipsis) && !strings.Contains(flash, sg) {
			t.Fatalf("80 columns: the flash line %q is cut without an ellipsis", flash)
		}
	}
}

// The reviews list's note fits whole or says less: at 80 columns it was
// cut mid-sentence ("a review survives restarts and").
func TestReviewListNoteFits(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 80, 24)
	d.key("R")
	d.contains("Access reviews  decisions are kept in the cache")
	d.lacks("restarts and")
	d.send(resize(120, 35))
	d.contains("a review survives restarts and syncs")
}
