package tenant

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// checkSnapshot verifies every invariant the UI relies on.
func checkSnapshot(t *testing.T, s *Snapshot) {
	t.Helper()
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
}

// memberIDs renders memberships by ids, independent of indexes.
func memberIDs(s *Snapshot) []string {
	var out []string
	for _, u := range s.Users {
		for _, g := range u.Groups {
			out = append(out, u.ID+" in "+s.Groups[g].ID)
		}
	}
	slices.Sort(out)
	return out
}

func userIDs(s *Snapshot) []string {
	var out []string
	for _, u := range s.Users {
		out = append(out, u.ID)
	}
	return out
}

func TestNewSnapshot(t *testing.T) {
	users, groups := smallTenant()
	// A server that fills group members: unioned with User.groups.
	groups[3].Members = []string{"u2", "nobody"}
	// Duplicates (a list that shifted while paging) keep the first copy.
	users = append(users, usr("u1", "Dup", "Licate", "dup@example.com"))
	groups = append(groups, grp("everyone", "Everyone Again", ""))

	info := SyncInfo{Source: "https://acme.onetrust.com/api/scim/v2", Profile: "acme"}
	s := NewSnapshot(info, users, groups)
	checkSnapshot(t, s)

	if got, want := userIDs(s), []string{"u2", "u1", "u4", "u3"}; !slices.Equal(got, want) {
		// Anna Berg (ANNA2@) < anna Berg (anna@), as '2' < '@'; then svc-robot, Zoë Zimmer
		t.Fatalf("user order %q, want %q", got, want)
	}
	if len(s.Groups) != 6 {
		t.Fatalf("%d groups, want 6 (5 listed + 1 from a ref)", len(s.Groups))
	}
	gi, ok := s.GroupIndex("ghost:emea")
	if !ok || s.Groups[gi].DisplayName != "Ghost Role - EMEA - Sales" {
		t.Fatalf("group from ref: %+v", s.Groups[gi])
	}
	if s.Groups[gi].Plain() {
		t.Fatalf("group from ref ghost:emea should decompose")
	}
	want := []string{
		"u1 in admin:emea", "u1 in everyone", "u2 in aud:apac", "u2 in aud:emea",
		"u3 in admin:emea", "u3 in aud:apac", "u4 in ghost:emea",
	}
	if got := memberIDs(s); !slices.Equal(got, want) {
		t.Fatalf("memberships\n got %q\nwant %q", got, want)
	}
	var roles, orgs []string
	for _, r := range s.Roles {
		roles = append(roles, r.Name)
	}
	for _, o := range s.Orgs {
		orgs = append(orgs, o.Name)
	}
	if !slices.Equal(roles, []string{"Auditor", "Ghost Role", "Site Admin"}) || !slices.Equal(orgs, []string{"APAC", "EMEA - Sales"}) {
		t.Fatalf("roles %q orgs %q", roles, orgs)
	}
	if s.Info.Source != info.Source || s.Info.Users != 4 || s.Info.Memberships != 7 {
		t.Fatalf("info %+v", s.Info)
	}
}

func TestUserNameAndLabel(t *testing.T) {
	for _, tc := range []struct {
		u           User
		name, label string
	}{
		{User{ID: "1", DisplayName: "Dr. X", GivenName: "A", FamilyName: "B", Email: "x@y", UserName: "xu"}, "Dr. X", "x@y"},
		{User{ID: "1", GivenName: "A", FamilyName: "B", UserName: "xu"}, "A B", "xu"},
		{User{ID: "1", FamilyName: "B"}, "B", "1"},
		{User{ID: "1", UserName: "xu"}, "xu", "xu"},
	} {
		if tc.u.Name() != tc.name || tc.u.Label() != tc.label {
			t.Errorf("%+v: Name %q Label %q", tc.u, tc.u.Name(), tc.u.Label())
		}
	}
}

func TestLookup(t *testing.T) {
	users, groups := smallTenant()
	users = append(users, usr("u5", "Other", "Anna", "x@example.com"))
	users[4].UserName = "ANNA@example.com" // collides with u1's email
	s := NewSnapshot(SyncInfo{}, users, groups)
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"u3", []string{"u3"}},
		{"U3", []string{"u3"}},
		{"zoe@EXAMPLE.com", []string{"u3"}},
		{"svc-robot", []string{"u4"}},
		{" anna@example.com ", []string{"u1", "u5"}},
		{"anna", nil},
		{"", nil},
	} {
		var got []string
		for _, i := range s.Lookup(tc.q) {
			got = append(got, s.Users[i].ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Lookup(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestSetMember(t *testing.T) {
	users, groups := smallTenant()
	s := NewSnapshot(SyncInfo{}, users, groups)
	u, _ := s.UserIndex("u2")
	g, _ := s.GroupIndex("admin:apac")
	s.SetMember(u, g, true)
	s.SetMember(u, g, true) // idempotent
	checkSnapshot(t, s)
	if !s.IsMember(u, g) {
		t.Fatal("not a member after grant")
	}
	// Removing from a user whose list shares the backing array must not
	// disturb the neighbour.
	before := slices.Clone(s.Users[u+1].Groups)
	e, _ := s.GroupIndex("aud:emea")
	s.SetMember(u, e, false)
	s.SetMember(u, e, false)
	s.SetMember(u, g, false)
	s.SetMember(u, e, true)
	s.SetMember(u, g, true)
	checkSnapshot(t, s)
	if !slices.Equal(before, s.Users[u+1].Groups) {
		t.Fatalf("neighbour changed: %v -> %v", before, s.Users[u+1].Groups)
	}
	s.SetMember(-1, g, true)
	s.SetMember(u, 99, true)
	checkSnapshot(t, s)
}

func TestReplaceAndRemoveUser(t *testing.T) {
	users, groups := smallTenant()
	s := NewSnapshot(SyncInfo{}, users, groups)
	gen := s.Generation()

	// Attributes and memberships change in place.
	u2 := users[2]
	u2.Active = false
	u2.Groups = []GroupRef{{ID: "everyone"}, {ID: "aud:emea"}, {ID: "everyone"}}
	i := s.ReplaceUser(u2)
	checkSnapshot(t, s)
	if s.Users[i].ID != "u2" || s.Users[i].Active || s.Generation() != gen {
		t.Fatalf("in-place replace: %+v gen %d->%d", s.Users[i], gen, s.Generation())
	}

	// A rename moves the user; indexes shift.
	u2.GivenName = "Zz"
	u2.FamilyName = "Top"
	if i = s.ReplaceUser(u2); i != len(s.Users)-1 || s.Generation() == gen {
		t.Fatalf("renamed user at %d, gen %d", i, s.Generation())
	}
	checkSnapshot(t, s)
	u2.GivenName = "Aaron"
	if i = s.ReplaceUser(u2); i != 0 {
		t.Fatalf("renamed user at %d", i)
	}
	checkSnapshot(t, s)

	// A new user, with a group nobody has seen.
	nu := usr("u9", "Mia", "Moe", "mia@example.com", "new:apac", "admin:apac")
	i = s.ReplaceUser(nu)
	checkSnapshot(t, s)
	if s.Users[i].ID != "u9" || len(s.Users) != 5 {
		t.Fatalf("added user at %d: %q", i, userIDs(s))
	}
	g, ok := s.GroupIndex("new:apac")
	if !ok || !s.IsMember(i, g) || s.Groups[g].Plain() {
		t.Fatalf("new group: ok %v member %v", ok, s.IsMember(i, g))
	}

	if !s.RemoveUser("u1") || s.RemoveUser("u1") {
		t.Fatal("RemoveUser result")
	}
	checkSnapshot(t, s)
	if _, ok := s.UserIndex("u1"); ok {
		t.Fatal("u1 still indexed")
	}
}

// TestMutationsMatchRebuild applies random edits to a snapshot and to the
// wire data it came from, and compares with a snapshot built from scratch.
func TestMutationsMatchRebuild(t *testing.T) {
	users, groups := genTenant(300, 5, 4, 3, 7)
	s := NewSnapshot(SyncInfo{}, users, groups)
	rng := rand.New(rand.NewPCG(1, 2))
	byID := map[string]ReadUser{}
	for _, u := range users {
		byID[u.ID] = u
	}
	for step := range 400 {
		switch op := rng.IntN(10); {
		case op < 5: // grant or revoke
			u := rng.IntN(len(s.Users))
			g := rng.IntN(len(s.Groups))
			member := rng.IntN(2) == 0
			s.SetMember(u, g, member)
			cu := byID[s.Users[u].ID]
			cu.Groups = slices.DeleteFunc(slices.Clone(cu.Groups), func(r GroupRef) bool { return r.ID == s.Groups[g].ID })
			if member {
				cu.Groups = append(cu.Groups, GroupRef{ID: s.Groups[g].ID})
			}
			byID[cu.ID] = cu
		case op < 8: // re-read with changes
			cu := byID[s.Users[rng.IntN(len(s.Users))].ID]
			cu.GivenName = fmt.Sprintf("N%03d", rng.IntN(1000))
			cu.Groups = cu.Groups[:len(cu.Groups)/2]
			if rng.IntN(3) == 0 {
				cu.ID = fmt.Sprintf("new-%d", step)
			}
			s.ReplaceUser(cu)
			byID[cu.ID] = cu
		default:
			id := s.Users[rng.IntN(len(s.Users))].ID
			s.RemoveUser(id)
			delete(byID, id)
		}
	}
	checkSnapshot(t, s)
	var rest []ReadUser
	for _, u := range byID {
		rest = append(rest, u)
	}
	want := NewSnapshot(SyncInfo{}, rest, groups)
	if !slices.Equal(userIDs(s), userIDs(want)) {
		t.Fatal("user order differs from a rebuild")
	}
	if !slices.Equal(memberIDs(s), memberIDs(want)) {
		t.Fatal("memberships differ from a rebuild")
	}
}

func TestMatrices(t *testing.T) {
	users, groups := smallTenant()
	s := NewSnapshot(SyncInfo{}, users, groups)
	m := s.TenantMatrix()
	if len(m.Roles) != len(s.Roles) || len(m.Orgs) != len(s.Orgs) {
		t.Fatalf("matrix %dx%d", len(m.Roles), len(m.Orgs))
	}
	total := 0
	for i, r := range m.Roles {
		for j, o := range m.Orgs {
			g, ok := s.Cell(r, o)
			if !ok {
				if m.Group[i][j] != -1 || m.Counts[i][j] != 0 {
					t.Fatalf("empty cell %d,%d = %d/%d", i, j, m.Group[i][j], m.Counts[i][j])
				}
				continue
			}
			if int(m.Group[i][j]) != g || m.Counts[i][j] != len(s.Groups[g].Members) {
				t.Fatalf("cell %d,%d", i, j)
			}
			total += m.Counts[i][j]
		}
	}
	if total != s.Memberships()-1 { // minus the plain "everyone" membership
		t.Fatalf("matrix total %d, memberships %d", total, s.Memberships())
	}

	u, _ := s.UserIndex("u3")
	um := s.UserMatrix(u, false)
	if len(um.Roles) != 2 || len(um.Orgs) != 2 {
		t.Fatalf("user matrix %dx%d", len(um.Roles), len(um.Orgs))
	}
	held := 0
	for i := range um.Roles {
		for j := range um.Orgs {
			held += um.Counts[i][j]
		}
	}
	if held != 2 {
		t.Fatalf("user holds %d cells", held)
	}
	full := s.UserMatrix(u, true)
	if len(full.Roles) != len(s.Roles) || len(full.Orgs) != len(s.Orgs) {
		t.Fatal("full user matrix size")
	}
	u1, _ := s.UserIndex("u1")
	if pg := s.PlainGroups(u1); len(pg) != 1 || s.Groups[pg[0]].ID != "everyone" {
		t.Fatalf("plain groups %v", pg)
	}
}

func TestNewSnapshotScale(t *testing.T) {
	if testing.Short() {
		t.Skip("100k users")
	}
	users, groups := genTenant(100_000, 40, 50, 3, 1)
	start := time.Now()
	s := NewSnapshot(SyncInfo{}, users, groups)
	d := time.Since(start)
	t.Logf("NewSnapshot: %d users, %d groups, %d memberships in %v", len(s.Users), len(s.Groups), s.Memberships(), d)
	if len(s.Roles) != 40 || len(s.Orgs) != 50 {
		t.Fatalf("%d roles %d orgs", len(s.Roles), len(s.Orgs))
	}
	checkSnapshot(t, s)
}

func BenchmarkNewSnapshot(b *testing.B) {
	users, groups := genTenant(100_000, 40, 50, 3, 1)
	b.ReportAllocs()
	for b.Loop() {
		NewSnapshot(SyncInfo{}, users, groups)
	}
}

func BenchmarkTenantMatrix(b *testing.B) {
	users, groups := genTenant(100_000, 40, 50, 3, 1)
	s := NewSnapshot(SyncInfo{}, users, groups)
	b.ReportAllocs()
	for b.Loop() {
		s.TenantMatrix()
	}
}

// TestSortUsersParallel: the two-core sort of a large tenant orders users
// exactly as one sort with compareUsers does.
func TestSortUsersParallel(t *testing.T) {
	raw, groups := genTenant(20_000, 3, 3, 1, 11)
	raw = append(raw, usr("dup-name-a", "Same", "Name", "x@y", groups[0].ID), usr("dup-name-b", "Same", "Name", "x@y", groups[0].ID),
		usr("upper", "ÉMILE", "Zola", "E@Z", groups[0].ID), usr("lower", "émile", "zola", "e@z", groups[0].ID))
	us := make([]User, len(raw))
	for i := range raw {
		us[i] = raw[i].User
	}
	got := sortUsers(us)
	want := make([]int32, len(us))
	for i := range want {
		want[i] = int32(i)
	}
	slices.SortFunc(want, func(a, b int32) int { return compareUsers(&us[a], &us[b]) })
	if !slices.Equal(got, want) {
		t.Fatal("the parallel sort differs from a sort with compareUsers")
	}
}

func TestFinderResolvesEveryIdentifier(t *testing.T) {
	users := []ReadUser{
		{User: User{ID: "u1", Email: "Ana@Acme.test", UserName: "ana", ExternalID: "X-1", EmployeeID: "E7"}},
		{User: User{ID: "u2", Email: "bo@acme.test", UserName: "bo", EmployeeID: "X-1"}},
	}
	f := NewSnapshot(SyncInfo{}, users, nil).NewFinder()
	for q, want := range map[string]int{" ana@acme.TEST ": 1, "ANA": 1, "e7": 1, "u2": 1, "bo": 1, "x-1": 2, "nobody": 0, "": 0} {
		if got := f.Find(q); len(got) != want {
			t.Errorf("Find(%q) = %v, want %d users", q, got, want)
		}
	}
}
