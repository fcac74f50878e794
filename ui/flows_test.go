package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// openUser filters the users list down to one user and opens it.
func (d *driver) openUser(email string) {
	d.t.Helper()
	d.key("/")
	d.typeText(email)
	d.key("enter", "enter")
	if _, ok := d.m.top().(*detailScreen); !ok {
		d.t.Fatalf("no detail screen for %s:\n%s", email, d.screen())
	}
}

// gotoCell moves a detail screen's cursor to role row i, org column j.
func (d *driver) gotoCell(i, j int) {
	d.t.Helper()
	d.key("home")
	for range i {
		d.key("down")
	}
	for range j {
		d.key("right")
	}
}

// pick finds a user index of snap for which ok holds.
func pick(t testing.TB, snap *tenant.Snapshot, ok func(u *tenant.User) bool) int {
	t.Helper()
	for i := range snap.Users {
		if ok(&snap.Users[i]) {
			return i
		}
	}
	t.Fatal("no such user in the tenant")
	return -1
}

func TestUsersFilterAsYouType(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 80, 24)
	d.contains("300 users", "NAME▲")

	d.key("/")
	d.typeText("status:inactive")
	inactive := 0
	for i := range tn.snap.Users {
		if !tn.snap.Users[i].Active {
			inactive++
		}
	}
	d.contains(fmt.Sprintf("%d of 300 users", inactive))
	for _, l := range strings.Split(d.screen(), "\n")[3:20] {
		if strings.Contains(l, "@") && !strings.Contains(l, "inactive") {
			t.Fatalf("an active user is listed under status:inactive: %q", l)
		}
	}

	// An unfinished quote is an inline error, not a crash; the list stays.
	d.key("esc", "/")
	d.typeText(`role:"Site`)
	d.contains("unterminated quote")
	d.typeText(`"`)
	d.lacks("unterminated quote")
	site := 0 // role: counts effective access: held directly or through a user group
	for i := range tn.snap.Users {
		for _, g := range tn.snap.EffectiveGroups(i) {
			grp := tn.snap.Groups[g]
			if !grp.Plain() && strings.Contains(strings.ToLower(tn.snap.Roles[grp.Role].Name), "site") {
				site++
				break
			}
		}
	}
	d.contains(fmt.Sprintf("%s of 300 users", numfmt.Commas(site)))

	// esc leaves the input and clears the query.
	d.key("esc")
	d.contains("300 users")
	d.lacks(" of 300")

	// Free text over name/email, enter keeps it.
	u := &tn.snap.Users[17]
	d.key("/")
	d.typeText(u.Email)
	d.key("enter")
	d.contains("1 of 300 users", u.Email)
	// A second esc (not typing) clears the kept filter.
	d.key("esc")
	d.contains("300 users")
}

func TestUsersSortKeepsSelection(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 120, 30)
	d.key("down", "down", "down")
	us := d.m.roots[tabUsers].(*usersScreen)
	sel := us.selectedUser()
	for range ucolCount {
		d.key("s")
		if got := us.selectedUser(); got != sel {
			t.Fatalf("sort column %d moved the cursor from user %d to %d", us.sortCol, sel, got)
		}
	}
	d.key("s", "s", "s") // ROLES
	d.contains("ROLES▲")
	d.key("S")
	d.contains("ROLES▼")
	// Most roles first: the first row's count is the maximum.
	first := int(us.rows[0])
	r0, _ := tn.snap.RoleOrgCounts(first)
	for i := range tn.snap.Users {
		if r, _ := tn.snap.RoleOrgCounts(i); r > r0 {
			t.Fatalf("user %d has %d roles, more than the first row's %d", i, r, r0)
		}
	}
	// Filtering walks the sorted order.
	d.key("/")
	d.typeText("status:active")
	for k := 1; k < len(us.rows); k++ {
		a, _ := tn.snap.RoleOrgCounts(int(us.rows[k-1]))
		b, _ := tn.snap.RoleOrgCounts(int(us.rows[k]))
		if a < b {
			t.Fatalf("filtered rows out of order at %d: %d then %d", k, a, b)
		}
	}
}

func TestDetailGrantAndRevoke(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	snap := tn.snap
	ui := pick(t, snap, func(u *tenant.User) bool { return u.Active && len(u.Groups) > 0 && u.Email != "" })
	usr := snap.Users[ui]
	email, id := usr.Email, usr.ID
	d.openUser(email)
	d.contains(usr.Name(), "Roles × organizations")

	// Find a cell the user does not hold.
	ri, oj := -1, -1
	for r := range snap.Roles {
		for o := range snap.Orgs {
			if g, ok := snap.Cell(r, o); ok && !snap.IsMember(ui, g) && ri < 0 {
				ri, oj = r, o
			}
		}
	}
	g, _ := snap.Cell(ri, oj)
	gid := snap.Groups[g].ID
	role, org := snap.Roles[ri].Name, snap.Orgs[oj].Name
	d.gotoCell(ri, oj)
	d.contains(role + " — " + org) // the hint line names the cell in full

	d.key("space")
	d.contains("Grant access", fmt.Sprintf("Grant role %q in organization %q", role, org), "to "+email, "[ No ]", "Yes, grant")
	if tn.srv.IsMember(id, gid) {
		t.Fatal("granted before confirming")
	}
	// esc is No.
	d.key("esc")
	d.lacks("Grant access")
	if tn.srv.IsMember(id, gid) {
		t.Fatal("granted after esc")
	}
	// enter on the default is No too.
	d.key("space", "enter")
	if tn.srv.IsMember(id, gid) {
		t.Fatal("enter on the default button granted")
	}
	d.key("space", "y")
	if !tn.srv.IsMember(id, gid) {
		t.Fatalf("server: %s not in %s after the grant:\n%s", email, gid, d.screen())
	}
	d.contains("✓ granted "+role+" — "+org+" to "+email, "[●]")
	if !d.m.snap.IsMember(ui, g) {
		t.Fatal("the snapshot does not show the grant")
	}

	// Revoke it again, through tab + enter.
	d.key("space")
	d.contains("Revoke access", "from "+email)
	d.key("tab", "enter")
	if tn.srv.IsMember(id, gid) {
		t.Fatal("server: still a member after the revoke")
	}
	d.contains("✓ revoked", "[·]")

	// The audit log has both.
	entries, err := tn.svc.Audit(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "grant") || !strings.Contains(got, "revoke") {
		t.Fatalf("audit log actions %q", got)
	}
}

func TestDetailWriteFailureKeepsServerState(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	snap := tn.snap
	ui := pick(t, snap, func(u *tenant.User) bool { return len(u.Groups) > 0 && u.Email != "" })
	usr := snap.Users[ui]
	g := int(usr.Groups[0])
	grp := snap.Groups[g]
	d.openUser(usr.Email)
	d.gotoCell(int(grp.Role), int(grp.Org))
	d.contains("[●]")

	tn.srv.InjectFault(scimtest.Fault{Method: "PATCH", Path: "/Groups/", Kind: scimtest.FaultStatus, Status: 403, Times: 1})
	d.key("space", "y")
	if !tn.srv.IsMember(usr.ID, grp.ID) {
		t.Fatal("server lost the membership")
	}
	d.contains("✗ revoke", "[●]")
	d.logShows("403")
	if !d.m.snap.IsMember(ui, g) {
		t.Fatal("the snapshot dropped a membership the server kept")
	}

	// A 500 is uncertain: the user is re-read and the cell shows the truth.
	tn.srv.InjectFault(scimtest.Fault{Method: "PATCH", Path: "/Groups/", Kind: scimtest.FaultStatus, Status: 500, Times: 10})
	d.key("space", "y")
	d.contains("✗ revoke", "[●]")
	tn.srv.ClearFaults()

	// A lost response of an applied write: the re-read shows it done.
	tn.srv.InjectFault(scimtest.Fault{Method: "PATCH", Path: "/Groups/", Kind: scimtest.FaultDropResponse, Times: 1})
	d.key("space", "y")
	if tn.srv.IsMember(usr.ID, grp.ID) {
		t.Fatal("the dropped-response revoke was not applied on the server")
	}
	d.contains("[·]")
	if d.m.snap.IsMember(ui, g) {
		t.Fatalf("the snapshot still shows a revoked membership:\n%s", d.screen())
	}
}

func TestTenantMatrixMembersRevoke(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 120, 30)
	d.key("m")
	d.contains("Roles × Organizations", "48 groups")
	// First role row (by name) and first org column (by name).
	ms := d.m.roots[tabMatrix].(*matrixScreen)
	role, org := ms.cursorRoleOrg()
	g := ms.cursorGroup()
	grp := tn.snap.Groups[g]
	n := len(grp.Members)
	d.contains(fmt.Sprintf("[%d]", n), fmt.Sprintf("%s — %s: %d members", tn.snap.Roles[role].Name, tn.snap.Orgs[org].Name, n))

	d.key("enter")
	d.contains(fmt.Sprintf("%d members", n))
	firstIdx := grp.Members[0]
	first := tn.snap.Users[firstIdx]
	d.contains(first.Email)
	d.key("x")
	d.contains("Revoke access", "from "+first.Email)
	d.key("y")
	if tn.srv.IsMember(first.ID, grp.ID) {
		t.Fatal("server: still a member after revoke from the members list")
	}
	d.contains(fmt.Sprintf("%d members", n-1), "✓ revoked")
	if slices.Contains(d.m.top().(*membersScreen).rows, firstIdx) {
		t.Fatal("the revoked member is still listed")
	}

	// Jump to a user from the list, and back.
	second := tn.snap.Users[d.m.snap.Groups[g].Members[0]]
	d.key("enter")
	d.contains(second.Name(), "Roles × organizations")
	d.key("esc", "esc")
	d.contains(fmt.Sprintf("[%d]", n-1))
}

func TestGroupsList(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 120, 30)
	d.key("3")
	d.contains("48 groups", "GROUP▲", "MEMBERS")
	d.key("/")
	d.typeText("legal")
	d.contains("8 of 48 groups")
	d.key("enter", "enter")
	if _, ok := d.m.top().(*membersScreen); !ok {
		t.Fatalf("enter did not open the members:\n%s", d.screen())
	}
	d.key("esc")
	d.key("s", "s", "s") // MEMBERS, most first
	d.contains("MEMBERS▼")
}

func TestDeprovisionStrip(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	ui := pick(t, tn.snap, func(u *tenant.User) bool { return u.Active && len(u.Groups) >= 2 && u.Email != "" })
	usr := tn.snap.Users[ui]
	n := len(usr.Groups)
	d.key("/")
	d.typeText(usr.Email)
	d.key("enter", "D")
	d.contains("Deprovision "+usr.Email, fmt.Sprintf("(•) deactivate and remove %d memberships", n),
		"1. deactivate the user (active: false)", "2. remove ", "[ No ]")
	d.key("y")
	d.contains("✓ deactivate the user", "the server now has the user inactive with 0 memberships", "[ Close ]")
	su, ok := tn.srv.User(usr.ID)
	if !ok || su.Active || len(su.Groups) != 0 {
		t.Fatalf("server user after deprovision: ok=%v active=%v groups=%d", ok, su.Active, len(su.Groups))
	}
	d.key("enter")
	d.contains("✓ deprovisioned " + usr.Email)
	d.contains("inactive")
	entries, err := tn.svc.Audit(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n+1 {
		t.Fatalf("audit log has %d entries, want %d", len(entries), n+1)
	}
}

func TestDeprovisionDeleteNeedsTheEmail(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	ui := pick(t, tn.snap, func(u *tenant.User) bool { return u.Email != "" && len(u.Groups) > 0 })
	usr := tn.snap.Users[ui]
	d.openUser(usr.Email)
	d.key("D", "down")
	d.contains("(•) delete the user", "Type the email to confirm", usr.Email,
		"y does nothing until the email above is typed in full")
	// The field starts empty: no placeholder that looks typed already
	// (under NO_COLOR a grey email cannot be told from a typed one).
	if top, _ := d.m.topDialog(); top == nil {
		t.Fatal("no dialog open")
	} else if dlg, ok := top.(*deprovDialog); !ok || dlg.input.Placeholder != "" || dlg.input.Value() != "" {
		t.Fatalf("the email field is not empty: %#v", top)
	}
	d.key("y") // disabled until the email is typed
	if _, ok := tn.srv.User(usr.ID); !ok {
		t.Fatal("deleted without the typed email")
	}
	d.key("tab") // into the input
	d.typeText(usr.Email[:5])
	d.contains("does not match the email yet: y does nothing until it does")
	d.key("enter", "y")
	if _, ok := tn.srv.User(usr.ID); !ok {
		t.Fatal("deleted with a partial email")
	}
	d.key("shift+tab")                                      // back to the input
	d.typeText(strings.ToUpper(usr.Email[5:]))              // an email in any case
	d.contains("✓ matches: enter, then y deletes the user") // y in the field is typed
	d.key("y")
	if _, ok := tn.srv.User(usr.ID); !ok {
		t.Fatal("a y typed into the email field deleted the user")
	}
	d.key("backspace")
	d.key("enter") // to the buttons, where y is a key
	d.contains("✓ matches: y deletes the user")
	d.key("right", "enter")
	if _, ok := tn.srv.User(usr.ID); ok {
		t.Fatalf("user still on the server:\n%s", d.screen())
	}
	d.contains("✓ delete the user")
	d.key("esc")
	// The detail screen of a deleted user closes; the list no longer has it.
	if _, ok := d.m.top().(*detailScreen); ok {
		t.Fatal("the detail screen of a deleted user is still open")
	}
	if _, ok := d.m.snap.UserIndex(usr.ID); ok {
		t.Fatal("the snapshot still has the deleted user")
	}
}

func TestOfflineRefusesWrites(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	m := New(Options{Snapshot: tn.snap, Service: tn.svc.Offline(), Tenant: "acme.onetrust.com", Mode: "offline",
		OfflineReason: "no API token (set OTACCESS_TOKEN)", Now: tn.now})
	d := newDriver(t, m, 80, 24)
	d.contains("○ OFFLINE — read-only", "snapshot 4 min ago")
	usr := tn.snap.Users[0]
	d.key("D")
	d.contains("✗ deprovision needs a connection: no API token (set OTACCESS_TOKEN)")
	d.key("r")
	d.contains("✗ sync needs a connection")
	d.openUser(usr.Email)
	d.key("space")
	d.contains("needs a connection: no API token")
	d.lacks("Grant access", "Revoke access")
	d.key("esc")
	d.contains("deprovision (offline)") // the hint line marks write keys
	before := tn.srv.Requests()
	d.key("space", "y", "D", "y")
	if tn.srv.Requests() != before {
		t.Fatal("offline mode sent requests")
	}
}

func TestNoSnapshot(t *testing.T) {
	m := New(Options{Mode: "offline", OfflineReason: "--offline is set", Now: time.Now})
	d := newDriver(t, m, 80, 24)
	d.contains("No snapshot of this tenant yet", "otaccess sync", "OTACCESS_TOKEN", "otaccess demo", "no snapshot")
	d.key("/", "2", "enter", "esc", "D", "space")
	d.contains("No snapshot")
	d.key("r")
	d.contains("sync needs a connection: --offline is set")
}

func TestNoSnapshotOnlineSyncs(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 50})
	m := New(Options{Service: tn.svc, Tenant: "acme.onetrust.com", Now: tn.now})
	d := newDriver(t, m, 80, 24)
	d.contains("Press r to sync it now")
	d.key("r")
	d.contains("50 users", "✓ synced 50 users")
}

func TestSyncReloadsKeepingTheCursor(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	d.key("down", "down")
	us := d.m.roots[tabUsers].(*usersScreen)
	keep := tn.snap.Users[us.selectedUser()].ID
	tn.srv.AddUser(userNamed("Zed Newcomer", "zed.newcomer@acme.com"))
	d.key("r")
	d.contains("301 users", "✓ synced 301 users")
	if got := d.m.snap.Users[us.selectedUser()].ID; got != keep {
		t.Fatalf("cursor moved to %s after sync, want %s", got, keep)
	}
	d.key("/")
	d.typeText("zed.newcomer")
	d.contains("1 of 301 users", "Zed Newcomer")
}

func TestDialogGraceIgnoresHeldKeys(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	now := time.Now()
	d.m.grace = defaultGrace
	d.m.clock = func() time.Time { return now }
	ui := pick(t, tn.snap, func(u *tenant.User) bool { return len(u.Groups) > 0 && u.Email != "" })
	usr := tn.snap.Users[ui]
	grp := tn.snap.Groups[usr.Groups[0]]
	d.openUser(usr.Email)
	d.gotoCell(int(grp.Role), int(grp.Org))
	d.key("space", "y", "enter", "y")
	if !tn.srv.IsMember(usr.ID, grp.ID) {
		t.Fatal("keys typed within the grace period confirmed the dialog")
	}
	d.contains("Revoke access")
	now = now.Add(200 * time.Millisecond)
	d.key("y")
	if tn.srv.IsMember(usr.ID, grp.ID) {
		t.Fatal("y after the grace period did not confirm")
	}
}

func TestCopyIDHideEmptyAndFlashes(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	ui := pick(t, tn.snap, func(u *tenant.User) bool { return len(u.Groups) == 1 && u.Email != "" })
	usr := tn.snap.Users[ui]
	d.openUser(usr.Email)
	d.key("Y")
	d.contains("sent to the terminal's clipboard: " + usr.ID)
	d.lacks("copied")
	// Info flashes expire; the expiry of an older flash does not clear a newer one.
	old := d.m.flash.id
	d.key("Y")
	d.send(flashExpireMsg{id: old})
	d.contains("sent to the terminal's clipboard")
	d.send(flashExpireMsg{id: d.m.flash.id})
	d.lacks("sent to the terminal's clipboard")

	// z shows only the held role and org: a 1x1 matrix with the member mark.
	d.key("z")
	d.contains("only held roles/orgs", "[●]")
	ds := d.m.top().(*detailScreen)
	if len(ds.m.Roles) != 1 || len(ds.m.Orgs) != 1 {
		t.Fatalf("z: %dx%d matrix, want 1x1", len(ds.m.Roles), len(ds.m.Orgs))
	}
	d.key("z")
	if len(ds.m.Roles) != len(tn.snap.Roles) {
		t.Fatal("z did not show every role again")
	}

	// Errors stay until the next action replaces them.
	tn.srv.InjectFault(scimtest.Fault{Method: "PATCH", Path: "/Groups/", Kind: scimtest.FaultStatus, Status: 403, Times: 1})
	d.key("space", "y")
	d.contains("✗ revoke")
	d.logShows("403")
	d.send(flashExpireMsg{id: d.m.flash.id})
	d.contains("✗ revoke")
	d.key("Y")
	d.lacks("✗ revoke")
}

func TestBreadcrumbNamesTheWayBack(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 160, 30)
	d.contains("Users │ Matrix │ Groups")
	d.key("m", "enter")
	ms := d.m.roots[tabMatrix].(*matrixScreen)
	label := ansi.Truncate(safe(access.MembershipLabel(tn.snap, ms.cursorGroup())), 24, ellipsis)
	d.contains("Matrix › " + label)
	d.key("enter")
	first := d.m.stack[len(d.m.stack)-1].title(d.m)
	d.contains("Matrix › "+label+" › "+first, "otaccess")
	d.key("esc", "esc")
	d.contains("Users │ Matrix │ Groups")
}

func TestDeprovisionCanBeStopped(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Latency: 80 * time.Millisecond})
	d := tn.model(t, 100, 30)
	ui := pick(t, tn.snap, func(u *tenant.User) bool { return u.Active && len(u.Groups) >= 3 && u.Email != "" })
	usr := tn.snap.Users[ui]
	d.key("/")
	d.typeText(usr.Email)
	d.key("enter", "D")
	d.contains("Deprovision " + usr.Email)

	// Confirm, then press esc while the first step is still on the wire.
	_, cmd := d.m.Update(keyMsg("y"))
	d.contains("esc stop")
	d.send(keyMsg("esc"))
	for _, msg := range d.run(cmd) {
		d.send(msg)
	}
	d.contains("[ Close ]")

	su, ok := tn.srv.User(usr.ID)
	if !ok || len(su.Groups) == 0 {
		t.Fatalf("stopping did not stop: server user ok=%v groups=%d", ok, len(su.Groups))
	}
	// Whatever the server did, the snapshot shows it.
	cu, _ := d.m.snap.UserIndex(usr.ID)
	if got := len(d.m.snap.Users[cu].Groups); got != len(su.Groups) || d.m.snap.Users[cu].Active != su.Active {
		t.Fatalf("snapshot has %d groups active=%v, server %d active=%v", got, d.m.snap.Users[cu].Active, len(su.Groups), su.Active)
	}
}

func TestDoubleEscapeGoesBackTwice(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 120, 30)
	d.key("m", "enter")
	if len(d.m.stack) != 2 {
		t.Fatalf("stack depth %d after opening a cell", len(d.m.stack))
	}
	d.send(tea.KeyPressMsg{Code: tea.KeyEscape, Mod: tea.ModAlt})
	if len(d.m.stack) != 1 {
		t.Fatalf("alt+esc (two quick escapes) left the stack at depth %d", len(d.m.stack))
	}
}
