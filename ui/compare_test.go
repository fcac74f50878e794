package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/tenant"
)

// compareFixture is a prod/UAT comparison made by hand: 30 users only in
// prod (more than a page at 80x24), two only in UAT (one with a terminal
// escape in its name), two differing, a role and an org on one side, and
// Site Admin held in prod but not in UAT by two users (one through a user
// group), and in UAT by a tester.
func compareFixture() *Comparison {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	c := &Comparison{
		Left:  CompareSide{Name: "prod", Cache: "/tmp/prod.db", Info: tenant.SyncInfo{ID: 7, Source: "https://acme.my.onetrust.com", FinishedAt: now.Add(-2 * time.Hour)}},
		Right: CompareSide{Name: "uat", Cache: "/tmp/uat.db", Info: tenant.SyncInfo{ID: 3, Source: "https://acme-uat.my.onetrust.com", FinishedAt: now.Add(-72 * time.Hour)}},
	}
	r := &c.Result
	for i := range 30 {
		r.UsersOnlyLeft = append(r.UsersOnlyLeft, tenant.UserRef{ID: fmt.Sprint("p", i), Name: fmt.Sprintf("Prod User %02d", i), Label: fmt.Sprintf("prod.user%02d@acme.com", i)})
	}
	r.UsersOnlyRight = []tenant.UserRef{
		{ID: "u1", Name: "UAT Tester", Label: "uat.tester@acme.com"},
		{ID: "u2", Name: "Evil \x1b[31mRed\x1b[0m", Label: "evil@acme.com"},
	}
	r.UsersDiffering = []tenant.UserDifference{
		{Left: tenant.UserRef{Label: "ana@acme.com"}, Right: tenant.UserRef{Label: "ana@acme.com"},
			Fields: []tenant.FieldDifference{{Field: "status", Left: "active", Right: "inactive"}, {Field: "title", Left: "Engineer", Right: "Contractor (UAT)"}}},
		{Left: tenant.UserRef{Label: "maximiliana.wilhelmina.theodora.hohenzollern@very-long-subdomain.example.org"}, Right: tenant.UserRef{Label: "x"},
			Fields: []tenant.FieldDifference{{Field: "department", Left: "", Right: "Legal"}}},
	}
	r.RolesOnlyLeft = []string{"Legacy Auditor"}
	r.OrgsOnlyRight = []string{"UAT Sandbox"}
	r.AccessOnlyLeft = []tenant.MembershipRef{
		{User: tenant.UserRef{Label: "jane@acme.com"}, Role: "Site Admin", Org: "Acme"},
		{User: tenant.UserRef{Label: "bob@acme.com"}, Role: "Site Admin", Org: "Acme", ViaOnly: true, UserGroups: []string{"Admins"}},
	}
	r.AccessOnlyRight = []tenant.MembershipRef{{User: tenant.UserRef{Label: "uat.tester@acme.com"}, Role: "Site Admin", Org: "Acme"}}
	return c
}

func compareModel(t *testing.T, w, h int) *driver {
	t.Helper()
	c := compareFixture()
	now := c.Left.Info.FinishedAt.Add(2 * time.Hour)
	return newDriver(t, New(Options{Compare: c, Now: func() time.Time { return now }}), w, h)
}

// The title names both sides and their snapshots' ages; the sections
// count their items; tab and the number keys switch them.
func TestCompareSections(t *testing.T) {
	d := compareModel(t, 80, 24)
	d.contains("prod", "uat", "2 hours ago", "3 days ago", "1 Users 34", "2 Roles & orgs 2", "3 Access 3",
		"Users only in prod (30)", "Prod User 00", "prod.user00@acme.com", "? more")
	d.lacks("Users only in uat", "Site Admin") // a page of prod's first
	d.key("3")
	d.contains("Access only in prod (2)", "jane@acme.com", "Site Admin — Acme", "direct", "via Admins", "Access only in uat (1)")
	d.key("tab")
	d.contains("Users only in prod (30)")
	d.key("shift+tab", "shift+tab")
	d.contains("Roles only in prod (1)", "Legacy Auditor", "Orgs only in uat (1)", "UAT Sandbox")
	d.key("2")
	d.contains("Legacy Auditor")

	// The title gives more of each side when there is room.
	d = compareModel(t, 200, 50)
	d.contains("https://acme.my.onetrust.com", "snapshot 7, synced", "snapshot 3, synced", "(3 days ago)")
}

// j/k, pgdn and G move within a section, which keeps its header in view;
// the flash line names the row under the cursor in full.
func TestCompareNavigation(t *testing.T) {
	d := compareModel(t, 80, 24)
	d.key("j")
	d.contains("Prod User 01 · prod.user01@acme.com in prod, not in uat")
	d.key("pgdown")
	d.contains("Users only in prod (30)") // pinned above the page
	d.key("G")
	d.contains("Users in both that differ (2)", "department", "—", "Legal")
	if s := d.m.compare; s.lists[s.sec].cursor != len(s.rows[s.sec])-1 {
		t.Fatalf("G: cursor %d of %d rows", s.lists[s.sec].cursor, len(s.rows[s.sec]))
	}
	d.contains("hohenzollern@very-long-subdomain.example.org: …") // whole on the flash line, as far as it goes
	d.key("g")
	d.contains("Prod User 00 · prod.user00@acme.com in prod")
	// Each section keeps its own position.
	d.key("3", "j")
	d.contains("bob@acme.com has Site Admin — Acme in prod, not in uat (via Admins)")
	d.key("1", "3")
	d.contains("bob@acme.com has Site Admin — Acme")
}

// / filters every section's rows by words; the strip counts what is
// shown of how many; esc clears the filter, then quits.
func TestCompareFilter(t *testing.T) {
	d := compareModel(t, 80, 24)
	d.key("/")
	d.typeText("site admin")
	d.contains("1 Users 0/34", "3 Access 3")
	d.typeText(" bob")
	d.contains("3 Access 1/3")
	d.key("enter", "3")
	d.contains("Access only in prod (1 of 2)", "bob@acme.com", "esc clear filter")
	d.lacks("jane@acme.com", "Access only in uat")
	d.key("1")
	d.contains("No rows here match the filter (esc clears it).")
	// The export writes what the filter shows.
	data, count, err := d.m.compare.exportData(d.m, false)
	if err != nil || count != "1 difference" || !strings.Contains(string(data), "bob@acme.com") || strings.Contains(string(data), "jane@acme.com") {
		t.Fatalf("export: %q, %v\n%s", count, err, data)
	}
	d.key("esc")
	d.contains("1 Users 34", "Prod User 00")
	if _, cmd := d.m.Update(keyMsg("esc")); cmd == nil {
		t.Fatal("esc without a filter does not quit")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("esc without a filter does not quit")
	}
}

// No line is wider than the terminal at 80 or 200 columns (the driver
// checks every frame), the names are sanitized, and 200 columns show what
// 80 cut.
func TestCompareLayout(t *testing.T) {
	long := "maximiliana.wilhelmina.theodora.hohenzollern@very-long-subdomain.example.org"
	for _, sz := range [][2]int{{80, 24}, {120, 35}, {200, 50}} {
		d := compareModel(t, sz[0], sz[1])
		d.key("G", "3", "?", "esc")
		if strings.Contains(d.m.View().Content, "\x1b[31mRed") {
			t.Fatal("a user's name reached the terminal unsanitized")
		}
		d.key("1", "G", "k")
		lines := strings.Split(d.screen(), "\n")
		if got := len(lines); got != sz[1] {
			t.Fatalf("%dx%d: %d lines", sz[0], sz[1], got)
		}
		row := ""
		for _, l := range lines[1 : len(lines)-2] {
			if strings.Contains(l, "maximiliana") {
				row = l
			}
		}
		switch {
		case row == "":
			t.Fatalf("%dx%d: no row of the long user\n%s", sz[0], sz[1], d.screen())
		case sz[0] == 200 && !strings.Contains(row, long):
			t.Errorf("200 columns cut the email: %q", row)
		case sz[0] == 80 && !strings.Contains(row, ellipsis):
			t.Errorf("80 columns: the email is not cut with %s: %q", ellipsis, row)
		}
		if sz[0] == 200 {
			d.contains("Users in both that differ (2)", "prod", "uat", "? help")
		}
	}
}

// ? opens the help with the comparison's keys; the app's other keys (sync,
// the tabs, reviews) do nothing here.
func TestCompareHelpAndForeignKeys(t *testing.T) {
	d := compareModel(t, 120, 35)
	d.key("r", "R", "d", "O", ":", "v")
	d.contains("1 Users 34")
	d.lacks("Reviews", "sync")
	d.key("?")
	d.contains("Compare", "1-3", "section", "pgdn")
	d.lacks("←↑↓→", "role:x") // no columns here, and the tenant filter's syntax is not this one's
	d.key("q")
	d.contains("1 Users 34")
}

// A section with nothing in it says the sides are the same there (and
// under which --role); a comparison with no differences says so.
func TestCompareEmptySections(t *testing.T) {
	c := compareFixture()
	c.Result.RolesOnlyLeft, c.Result.OrgsOnlyRight = nil, nil
	c.Filter.Role = "Site Admin"
	d := newDriver(t, New(Options{Compare: c, Now: func() time.Time { return c.Left.Info.FinishedAt }}), 80, 24)
	d.key("2")
	d.contains("2 Roles & orgs 0", `prod and uat have the same roles and organizations. (only role "Site Admin")`)
	c = compareFixture()
	c.Result = tenant.Comparison{}
	d = newDriver(t, New(Options{Compare: c, Now: func() time.Time { return c.Left.Info.FinishedAt }}), 80, 24)
	d.contains("No differences between prod and uat.", "1 Users 0")
}

// TestCompareWarnsWhenTheViewsDiffer: one side synced with a child org's
// credential (its subtree only): the screen says the view differs, so
// users only in prod are not all taken for users missing in UAT.
func TestCompareWarnsWhenTheViewsDiffer(t *testing.T) {
	c := compareFixture()
	c.Right.Info.SubtreeOrg = "Legal"
	now := c.Left.Info.FinishedAt.Add(2 * time.Hour)
	d := newDriver(t, New(Options{Compare: c, Now: func() time.Time { return now }}), 160, 24)
	d.contains("⚠ view changed: the whole tenant → only organization Legal's subtree", "Prod User 00")
	d = compareModel(t, 160, 24)
	d.lacks("view changed")
}
