package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/ui"
)

// twoTenants is a prod and a UAT tenant: the same role and org names
// under other ids (another seed), UAT's users copied from prod's under new
// ids, with known differences: one prod user missing, one UAT user extra,
// one deactivated and retitled, one whose userName differs in case only,
// and one who lost a Site Admin membership prod gives directly.
type twoTenants struct {
	t                          *testing.T
	prod, uat                  *scimtest.TestServer
	onlyProd, onlyUAT, changed client.User // prod's, UAT's, prod's
	lostAdmin                  client.User // prod's
	siteAdminOrg               string
	home, prodCache, uatCache  string
}

func newTwoTenants(t *testing.T) *twoTenants {
	t.Helper()
	cfg := scimtest.Config{Users: 40, Roles: 6, Orgs: 4, Token: testToken, Seed: 11}
	tt := &twoTenants{t: t, prod: scimtest.NewTestServer(t, cfg), home: t.TempDir()}
	cfg.Users, cfg.Seed = 0, 12
	tt.uat = scimtest.NewTestServer(t, cfg)
	roleOrg := func(srv *scimtest.TestServer, groupID string) (role, org string) {
		g, _ := srv.Group(groupID)
		for _, r := range srv.Roles() {
			if strings.HasPrefix(groupID, r.ID+":") {
				role = r.Name
			}
		}
		return role, strings.TrimPrefix(g.DisplayName, role+" - ")
	}
	users := tt.prod.Users()
	// The user losing Site Admin holds it directly in prod.
	for _, u := range users {
		for _, g := range u.Groups {
			if role, org := roleOrg(tt.prod, g.Value); role == "Site Admin" && tt.lostAdmin.ID == "" {
				tt.lostAdmin, tt.siteAdminOrg = u, org
			}
		}
	}
	if tt.lostAdmin.ID == "" {
		t.Fatal("no prod user holds Site Admin directly: the seed gives no case to test")
	}
	for i, u := range users {
		switch {
		case u.ID == tt.lostAdmin.ID:
		case tt.onlyProd.ID == "":
			tt.onlyProd = u
			continue
		case tt.changed.ID == "" && u.Active:
			tt.changed = u
		}
		c := u
		c.ID = ""
		c.Groups = nil
		for _, g := range u.Groups {
			role, org := roleOrg(tt.prod, g.Value)
			if u.ID == tt.lostAdmin.ID && role == "Site Admin" && org == tt.siteAdminOrg {
				continue
			}
			id, ok := tt.uat.GroupID(role, org)
			if !ok {
				t.Fatalf("UAT has no %s - %s", role, org)
			}
			c.Groups = append(c.Groups, client.GroupRef{Value: id})
		}
		switch {
		case u.ID == tt.changed.ID:
			c.Active, c.Title = false, "Contractor (UAT)"
		case i == len(users)-1:
			c.UserName = strings.ToUpper(c.UserName) // the same user: userName pairs case-insensitively
		}
		tt.uat.AddUser(c)
	}
	adminGroup, _ := tt.uat.GroupID("Site Admin", tt.siteAdminOrg)
	extra := tt.uat.AddUser(client.User{UserName: "uat.tester@example.com", Active: true,
		Emails: []client.MultiValue{{Value: "uat.tester@example.com", Primary: true}}, Groups: []client.GroupRef{{Value: adminGroup}}})
	tt.onlyUAT, _ = tt.uat.User(extra)

	dir := t.TempDir()
	tt.prodCache, tt.uatCache = filepath.Join(dir, "prod.db"), filepath.Join(dir, "uat.db")
	for _, side := range []struct {
		srv   *scimtest.TestServer
		cache string
	}{{tt.prod, tt.prodCache}, {tt.uat, tt.uatCache}} {
		if r := tt.run(side.srv, "--cache", side.cache, "sync"); r.code != 0 {
			t.Fatalf("sync: %d %s", r.code, r.stderr)
		}
	}
	return tt
}

// run runs otaccess with srv's tenant in the environment (nil: none).
func (tt *twoTenants) run(srv *scimtest.TestServer, args ...string) result {
	env := []string{"OTACCESS_TOKEN=" + testToken}
	if srv != nil {
		env = append(env, "OTACCESS_URL="+srv.URL)
	}
	return runIn(tt.t, tt.home, env, args...)
}

// effective is a tenant's effective access as the server holds it
// (direct groups and user groups' levels), by lowercase userName, "Role —
// Org": the comparison's oracle, computed apart from otaccess.
func effective(srv *scimtest.TestServer) map[string]bool {
	names := map[string]string{}
	for _, g := range srv.Groups() {
		for _, r := range srv.Roles() {
			if strings.HasPrefix(g.ID, r.ID+":") {
				names[g.ID] = r.Name + " — " + strings.TrimPrefix(g.DisplayName, r.Name+" - ")
			}
		}
	}
	out := map[string]bool{}
	for _, u := range srv.Users() {
		for _, g := range u.Groups {
			out[strings.ToLower(u.UserName)+" "+names[g.Value]] = true
		}
		for _, ug := range srv.UserGroupsOf(u.ID) {
			for _, l := range ug.Levels {
				out[strings.ToLower(u.UserName)+" "+names[l]] = true
			}
		}
	}
	return out
}

func minus(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// accessKeys are a JSON section's access by lowercase userName (read from
// srv by the id), "Role — Org".
func accessKeys(t *testing.T, srv *scimtest.TestServer, list []export.AccessRef) []string {
	t.Helper()
	out := []string{}
	for _, m := range list {
		u, ok := srv.User(m.UserID)
		if !ok {
			t.Fatalf("access of %s: no user %s on that side's tenant", m.User, m.UserID)
		}
		out = append(out, strings.ToLower(u.UserName)+" "+m.Role+" — "+m.Org)
	}
	slices.Sort(out)
	return out
}

func decodeComparison(t *testing.T, r result) export.ComparisonJSON {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("compare: exit %d: %s", r.code, r.stderr)
	}
	var c export.ComparisonJSON
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatalf("compare --json: %v\n%s", err, r.stdout)
	}
	return c
}

func TestCompareTwoTenantsFromCacheFiles(t *testing.T) {
	tt := newTwoTenants(t)
	c := decodeComparison(t, tt.run(nil, "compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--json"))
	prodAccess, uatAccess := effective(tt.prod), effective(tt.uat)
	wantLeft, wantRight := minus(prodAccess, uatAccess), minus(uatAccess, prodAccess)
	if got := accessKeys(t, tt.prod, c.AccessOnlyLeft); !slices.Equal(got, wantLeft) {
		t.Errorf("access only in prod:\n got %v\nwant %v", got, wantLeft)
	}
	if got := accessKeys(t, tt.uat, c.AccessOnlyRight); !slices.Equal(got, wantRight) {
		t.Errorf("access only in uat:\n got %v\nwant %v", got, wantRight)
	}
	if c.Counts.AccessOnlyLeft != len(c.AccessOnlyLeft) || c.Counts.AccessOnlyRight != len(wantRight) {
		t.Errorf("counts %+v", c.Counts)
	}
	if len(c.UsersOnlyLeft) != 1 || c.UsersOnlyLeft[0].ID != tt.onlyProd.ID || len(c.UsersOnlyRight) != 1 || c.UsersOnlyRight[0].ID != tt.onlyUAT.ID {
		t.Errorf("users only in one: %+v / %+v, want %s / %s", c.UsersOnlyLeft, c.UsersOnlyRight, tt.onlyProd.ID, tt.onlyUAT.ID)
	}
	if len(c.UsersDiffering) != 1 || c.UsersDiffering[0].Left.ID != tt.changed.ID {
		t.Fatalf("differing users %+v, want %s alone (the upper-case userName is the same user)", c.UsersDiffering, tt.changed.ID)
	}
	want := []export.FieldDifference{{Field: "status", Left: "active", Right: "inactive"}, {Field: "title", Left: tt.changed.Title, Right: "Contractor (UAT)"}}
	if got := c.UsersDiffering[0].Fields; !slices.Equal(got, want) {
		t.Errorf("fields %+v, want %+v", got, want)
	}
	if c.Left.Name != "prod" || c.Right.Name != "uat" || c.Left.Tenant != tt.prod.URL || c.Right.Tenant != tt.uat.URL || c.Left.Snapshot == 0 {
		t.Errorf("sides %+v / %+v", c.Left, c.Right)
	}
	if len(c.RolesOnlyLeft)+len(c.RolesOnlyRight)+len(c.OrgsOnlyLeft)+len(c.OrgsOnlyRight) != 0 {
		t.Errorf("the same roles and orgs under other ids differ: %+v", c)
	}
	// Prod's user groups are not in UAT: access held only through them is
	// listed as such.
	for _, m := range c.AccessOnlyLeft {
		if m.Held == "via" && len(m.UserGroups) == 0 {
			t.Errorf("access held via no user group: %+v", m)
		}
	}

	// The question: who has Site Admin in prod but not in UAT.
	sa := decodeComparison(t, tt.run(nil, "compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--role", "site admin", "--json"))
	var wantSA []string
	for _, k := range wantLeft {
		if strings.Contains(k, " Site Admin — ") {
			wantSA = append(wantSA, k)
		}
	}
	if got := accessKeys(t, tt.prod, sa.AccessOnlyLeft); !slices.Equal(got, wantSA) || len(got) == 0 {
		t.Errorf("Site Admin only in prod:\n got %v\nwant %v", got, wantSA)
	}
	lost := strings.ToLower(tt.lostAdmin.UserName) + " Site Admin — " + tt.siteAdminOrg
	if !slices.Contains(wantSA, lost) {
		t.Errorf("the Site Admin UAT lacks (%s) is not among %v", lost, wantSA)
	}
	if sa.Filter.Role != "site admin" || len(sa.UsersDiffering) != 0 {
		t.Errorf("filtered: %+v", sa)
	}
	text := tt.run(nil, "compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--role", "Site Admin")
	if text.code != 0 || !strings.Contains(text.stdout, "access only in prod ("+strconv.Itoa(len(wantSA))+")") ||
		!strings.Contains(text.stdout, tt.lostAdmin.PrimaryEmail()) || !strings.Contains(text.stdout, `only role "Site Admin"`) {
		t.Errorf("text: %d\n%s%s", text.code, text.stdout, text.stderr)
	}
	for _, line := range []string{"left   prod", "right  uat", tt.prod.URL, tt.uat.URL} {
		if !strings.Contains(text.stdout, line) {
			t.Errorf("text lacks %q:\n%s", line, text.stdout)
		}
	}

	// CSV: one row per difference (a differing user's per field), the
	// sections named as the JSON's keys.
	r := tt.run(nil, "compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--csv")
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil {
		t.Fatalf("csv: %d %v %s", r.code, err, r.stderr)
	}
	if got := strings.Join(rows[0], ","); got != "section,side,userId,user,name,role,org,group,held,userGroups,field,leftValue,rightValue" {
		t.Errorf("csv header %s", got)
	}
	bySection := map[string]int{}
	for _, row := range rows[1:] {
		bySection[row[0]]++
	}
	wantRows := map[string]int{"usersOnlyLeft": 1, "usersOnlyRight": 1, "usersDiffering": 2, "accessOnlyLeft": len(wantLeft), "accessOnlyRight": len(wantRight)}
	for k, n := range wantRows {
		if bySection[k] != n {
			t.Errorf("csv %s rows %d, want %d (%v)", k, bySection[k], n, bySection)
		}
	}
}

func TestCompareProfilesAndSnapshots(t *testing.T) {
	tt := newTwoTenants(t)
	cfgDir := filepath.Join(tt.home, "cfg", "otaccess")
	os.MkdirAll(cfgDir, 0o700)
	os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte("[profiles.prod]\nurl = "+quoteTOML(tt.prod.URL)+"\n[profiles.uat]\nurl = "+quoteTOML(tt.uat.URL)+"\n"), 0o600)
	for _, p := range []string{"prod", "uat"} {
		if r := tt.run(nil, "--profile", p, "sync"); r.code != 0 {
			t.Fatalf("sync %s: %s", p, r.stderr)
		}
	}
	// OTACCESS_CACHE names one cache for every command: compare's sides
	// are still each profile's own.
	r := runIn(t, tt.home, []string{"OTACCESS_CACHE=" + tt.prodCache}, "compare", "--profile", "prod", "--profile", "uat", "--json")
	c := decodeComparison(t, r)
	if c.Left.Tenant != tt.prod.URL || c.Right.Tenant != tt.uat.URL || c.Counts.UsersOnlyLeft != 1 || c.Counts.UsersOnlyRight != 1 {
		t.Fatalf("profiles: %+v / %+v %+v", c.Left, c.Right, c.Counts)
	}

	// One tenant at two times: prod after a revocation, against its
	// snapshot from before.
	member, group := tt.lostAdmin, tt.lostAdmin.Groups[0].Value
	tt.prod.SetMember(member.ID, group, false)
	if r := tt.run(nil, "--profile", "prod", "sync"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	stillVia := false
	for _, ug := range tt.prod.UserGroupsOf(member.ID) {
		stillVia = stillVia || slices.Contains(ug.Levels, group)
	}
	c = decodeComparison(t, tt.run(nil, "compare", "--profile", "prod", "--snapshot", "1", "--profile", "prod", "--json"))
	if c.Left.Name != "prod #1" || c.Right.Name != "prod #2" || c.Counts.AccessOnlyRight != 0 || c.Counts.UsersDiffering != 0 {
		t.Fatalf("two times: %+v / %+v %+v", c.Left, c.Right, c.Counts)
	}
	if want := map[bool]int{true: 0, false: 1}[stillVia]; len(c.AccessOnlyLeft) != want || want == 1 && c.AccessOnlyLeft[0].GroupID != group {
		t.Fatalf("revoked access %+v, want %d (still held through a user group: %v)", c.AccessOnlyLeft, want, stillVia)
	}
}

func TestCompareBadFlags(t *testing.T) {
	tt := newTwoTenants(t)
	missing := filepath.Join(t.TempDir(), "nope.db")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"compare"}, "compare needs two sides: --profile prod --profile uat"},
		{[]string{"compare", "--cache", tt.prodCache}, "(got one: prod)"},
		{[]string{"compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--cache", tt.uatCache}, "got 3"},
		{[]string{"compare", "--snapshot", "1", "--cache", tt.prodCache, "--cache", tt.uatCache}, "--snapshot comes before any --profile or --cache"},
		{[]string{"compare", "--cache", tt.prodCache, "--snapshot", "1", "--snapshot", "2", "--cache", tt.uatCache}, "a second --snapshot for prod"},
		{[]string{"compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--json", "--csv"}, "--json and --csv cannot be used together"},
		{[]string{"compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--role", "Site Admn"}, `--role "Site Admn": neither prod nor uat has a role of that name`},
		{[]string{"compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--role", "Site Admn"}, "; closest: Site Admin"},
		{[]string{"compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--org", "Atlantis"}, "neither prod nor uat has an organization"},
		{[]string{"compare", "--cache", tt.prodCache, "--cache", missing}, "--cache " + missing + ": no cache file at " + missing},
		{[]string{"compare", "--cache", tt.prodCache, "--snapshot", "9", "--cache", tt.uatCache}, "--snapshot 9: the cache holds no snapshot 9"},
		{[]string{"compare", "--cache", tt.prodCache, "--cache", tt.prodCache}, "both sides are snapshot 1 of"},
		{[]string{"compare", "--profile", "ghost", "--cache", tt.prodCache}, `profile "ghost" not found`},
	}
	for _, tc := range cases {
		r := tt.run(nil, tc.args...)
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tc.args[1:], r.code, r.stderr, tc.want)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("compare created the cache file it was pointed at")
	}
	// No differences is a success, as for diff.
	r := tt.run(nil, "compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--user", "nobody-matches-this")
	if r.code != 0 || !strings.Contains(r.stdout, "no differences between prod and uat") {
		t.Errorf("no differences: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// --tui gives the UI the comparison the other outputs print (narrowed by
// --role as they are), with both sides named; with --json or --csv, or
// without a terminal, it is an error in a sentence, before any cache is read.
func TestCompareTUI(t *testing.T) {
	tt := newTwoTenants(t)
	var got *ui.Comparison
	inv := invocation{home: tt.home, env: []string{"OTACCESS_TOKEN=" + testToken}, tty: true,
		runUI: func(_ context.Context, o ui.Options) error {
			if o.Snapshot != nil || o.Service != nil {
				t.Error("the comparison's UI was given a tenant")
			}
			got = o.Compare
			return nil
		}}
	r := inv.run(t, "compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--role", "Site Admin", "--tui")
	if r.code != 0 || got == nil {
		t.Fatalf("--tui: exit %d, %s; comparison %v", r.code, r.stderr, got)
	}
	want := decodeComparison(t, tt.run(nil, "compare", "--cache", tt.prodCache, "--cache", tt.uatCache, "--role", "Site Admin", "--json"))
	if got.Left.Name != "prod" || got.Right.Name != "uat" || got.Left.Cache != tt.prodCache || got.Right.Info.ID != want.Right.Snapshot ||
		got.Filter.Role != "Site Admin" || export.CountsOf(&got.Result) != want.Counts {
		t.Errorf("--tui got %+v / %+v filter %+v counts %+v; --json counts %+v", got.Left, got.Right, got.Filter, export.CountsOf(&got.Result), want.Counts)
	}
	if r.stdout != "" {
		t.Errorf("--tui printed %q", r.stdout)
	}
	for _, tc := range []struct {
		args []string
		tty  bool
		want string
	}{
		{[]string{"--tui", "--json"}, true, "--tui shows the comparison on the screen and --json or --csv prints it: choose one"},
		{[]string{"--csv", "--tui"}, true, "choose one"},
		{[]string{"--tui"}, false, "--tui needs a terminal"},
	} {
		got = nil
		inv.tty = tc.tty
		r := inv.run(t, append([]string{"compare", "--cache", tt.prodCache, "--cache", tt.uatCache}, tc.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) || got != nil {
			t.Errorf("%v: exit %d, stderr %q, UI run: %v; want 1 and %q", tc.args, r.code, r.stderr, got != nil, tc.want)
		}
	}
}
