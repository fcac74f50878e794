package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// viaFixture is a tenant with a user group "Privacy Team" granting three
// role x org groups to two users: who holds via1 and via2 only through it,
// and both directly as well as through it; other is the group's other
// member.
type viaFixture struct {
	tn               *testTenant
	who, other       string // user ids
	via1, via2, both string // group ids
	teamID           string
}

func newViaFixture(t *testing.T) *viaFixture {
	f := &viaFixture{}
	f.tn = newTenant(t, scimtest.Config{}, func(srv *scimtest.TestServer) {
		for _, u := range srv.Users() {
			if len(srv.UserGroupsOf(u.ID)) > 0 || len(u.Groups) == 0 || !u.Active || u.PrimaryEmail() == "" {
				continue
			}
			if f.who == "" {
				f.who, f.both = u.ID, u.Groups[0].Value
			} else if f.other == "" && u.ID != f.who {
				f.other = u.ID
			}
		}
		for _, g := range srv.Groups() {
			if !strings.Contains(g.ID, ":") || srv.IsMember(f.who, g.ID) {
				continue
			}
			if f.via1 == "" {
				f.via1 = g.ID
			} else if f.via2 == "" {
				f.via2 = g.ID
			}
		}
		id, err := srv.AddUserGroup("Privacy Team", []string{f.via1, f.via2, f.both}, []string{f.who, f.other})
		if err != nil {
			t.Fatal(err)
		}
		f.teamID = id
	})
	return f
}

// cell puts the detail screen's cursor on group gid.
func (f *viaFixture) cell(t *testing.T, d *driver, gid string) {
	t.Helper()
	ds := d.m.top().(*detailScreen)
	g, _ := d.m.snap.GroupIndex(gid)
	grp := d.m.snap.Groups[g]
	i, j := slices.Index(ds.m.Roles, int(grp.Role)), slices.Index(ds.m.Orgs, int(grp.Org))
	if i < 0 || j < 0 {
		t.Fatalf("group %s is not in the user's matrix", gid)
	}
	d.gotoCell(i, j)
}

func (f *viaFixture) email(id string) string {
	u, _ := f.tn.snap.UserIndex(id)
	return f.tn.snap.Users[u].Email
}

func (f *viaFixture) label(gid string) string {
	g, _ := f.tn.snap.GroupIndex(gid)
	return access.MembershipLabel(f.tn.snap, g)
}

// A cell held only through a user group: the matrix marks it ○, the hint
// line says through which, and space revokes it by leaving the group — the
// confirmation names the group, what else goes, what stays and that the
// other members are untouched; exactly one DELETE is sent, nothing else
// changes on the server, and the cell then reads ·.
func TestRevokeHeldOnlyThroughAUserGroupLeavesIt(t *testing.T) {
	f := newViaFixture(t)
	srv := f.tn.srv
	d := f.tn.model(t, 140, 40)
	d.openUser(f.email(f.who))
	d.contains("○ via a user group", "◉ both")
	f.cell(t, d, f.via1)
	d.contains("[○]", f.label(f.via1)+": via Privacy Team")
	f.cell(t, d, f.both)
	d.contains("[◉]", f.label(f.both)+": direct + via Privacy Team")

	scimBefore := map[string][]string{}
	for _, u := range srv.Users() {
		for _, g := range u.Groups {
			scimBefore[u.ID] = append(scimBefore[u.ID], g.Value)
		}
	}
	logBefore := len(srv.RequestLog())

	f.cell(t, d, f.via1)
	d.key("space")
	d.contains(`Remove from user group "Privacy Team"`, "also loses what the group grants: "+f.label(f.via2),
		"keeps another way: "+f.label(f.both), "other members are untouched", "DELETE /api/access/v2/user-groups/", "[ No ]")
	d.key("y")
	d.contains(markOK + " " + f.email(f.who) + " left user group Privacy Team")

	var writes []string
	for _, r := range srv.RequestLog()[logBefore:] {
		if r.Method != "GET" {
			writes = append(writes, r.Method+" "+r.Path)
		}
	}
	if want := "DELETE /api/access/v2/user-groups/" + f.teamID + "/members/" + f.who; len(writes) != 1 || !strings.HasSuffix(writes[0], want) {
		t.Fatalf("writes sent: %q, want exactly %q", writes, want)
	}
	for _, u := range srv.Users() {
		var now []string
		for _, g := range u.Groups {
			now = append(now, g.Value)
		}
		if !slices.Equal(now, scimBefore[u.ID]) {
			t.Fatalf("SCIM memberships of %s changed: %v -> %v", u.ID, scimBefore[u.ID], now)
		}
	}
	for _, g := range srv.UserGroups() {
		if g.ID == f.teamID && !slices.Equal(g.Members, []string{f.other}) {
			t.Fatalf("Privacy Team's members: %v, want only %s", g.Members, f.other)
		}
	}
	// The snapshot follows: via1 is gone, both is held directly only.
	f.cell(t, d, f.via1)
	d.contains("[·]", f.label(f.via1)+": not held")
	f.cell(t, d, f.both)
	d.contains("[●]", f.label(f.both)+": direct")
}

// A cell held both ways: the direct revoke's confirmation says the access
// stays through the group.
func TestDirectRevokeOfACellAlsoHeldThroughAGroupSaysWhatStays(t *testing.T) {
	f := newViaFixture(t)
	d := f.tn.model(t, 140, 40)
	d.openUser(f.email(f.who))
	f.cell(t, d, f.both)
	d.key("space")
	d.contains("Revoke access", "PATCH /Groups/", "the user still", "holds it through user group Privacy Team")
	d.key("n")
	d.lacks("Revoke access")
}

// Without the user groups (no USER scope), the matrix says it shows
// direct access only, and why.
func TestDetailSaysUserGroupsAreUnavailable(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Scopes: []string{"SCIM", "ORGANIZATION"}})
	d := tn.model(t, 120, 30)
	u := pick(t, tn.snap, func(u *tenant.User) bool { return u.Email != "" && len(u.Groups) > 0 })
	d.openUser(tn.snap.Users[u].Email)
	d.contains("direct access only — user groups: not available — the key lacks the USER scope",
		"last login not available — the key lacks the USER scope")
}
