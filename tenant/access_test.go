package tenant

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func accessSnapshot(t *testing.T) *Snapshot {
	t.Helper()
	users, groups := smallTenant()
	groups = append(groups, LevelGroup("priv", "Privacy Officer", "legal", "Legal"))
	s := NewSnapshot(SyncInfo{}, users, groups)
	last := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	s.SetAccess(AccessData{
		Info:   AccessInfo{Logins: APIState{Read: true}, UserGroups: APIState{Read: true}},
		Logins: map[string]Login{"u1": {Last: last}, "u2": {}, "nobody": {Last: last}},
		UserGroups: []UserGroup{
			{ID: "ug2", Name: "Privacy team", Levels: []string{"priv:legal", "admin:emea", "missing:x"}, Members: []string{"u1", "u2", "ghost"}},
			{ID: "ug1", Name: "auditors", Levels: []string{"aud:apac"}, Members: []string{"u2"}},
		},
	})
	return s
}

func TestEffectiveAccessAndProvenance(t *testing.T) {
	s := accessSnapshot(t)
	if s.UserGroups[0].Name != "auditors" || len(s.UserGroups[1].Levels) != 2 {
		t.Fatalf("user groups %+v: sorted by name, unknown levels dropped", s.UserGroups)
	}
	at := func(id string) int { i, _ := s.UserIndex(id); return i }
	gi := func(id string) int { i, _ := s.GroupIndex(id); return i }
	u1, u2 := at("u1"), at("u2")
	// u1 holds admin:emea directly and through Privacy team: both ways.
	direct, via := s.Holds(u1, gi("admin:emea"))
	if !direct || len(via) != 1 || s.UserGroups[via[0]].ID != "ug2" {
		t.Fatalf("u1 admin:emea: direct %v via %v", direct, via)
	}
	// u2 holds priv:legal only through the group.
	direct, via = s.Holds(u2, gi("priv:legal"))
	if direct || len(via) != 1 || !s.HoldsEffectively(u2, gi("priv:legal")) || s.IsMember(u2, gi("priv:legal")) {
		t.Fatalf("u2 priv:legal: direct %v via %v", direct, via)
	}
	eff := s.EffectiveGroups(u2)
	want := []int32{int32(gi("admin:emea")), int32(gi("aud:emea")), int32(gi("aud:apac")), int32(gi("priv:legal"))}
	slices.Sort(want)
	if !slices.Equal(eff, want) {
		t.Fatalf("u2 effective %v, want %v", eff, want)
	}
	// The Users list's ROLES/ORGS count effective access: u2's roles are
	// admin, aud (direct) and priv (only through the group); its orgs
	// emea, apac and legal.
	if r, o := s.RoleOrgCounts(u2); r != 3 || o != 3 {
		t.Fatalf("u2 holds %d roles in %d orgs, want 3 in 3 (priv — Legal only through a group)", r, o)
	}
	if m := s.EffectiveMembers(gi("priv:legal")); len(m) != 2 || len(s.Groups[gi("priv:legal")].Members) != 0 {
		t.Fatalf("priv:legal effective members %v", m)
	}
	if n, d := s.EffectiveMemberships(), s.Memberships(); n != d+4 {
		t.Fatalf("effective %d, direct %d: want 4 more (u1 priv, u2 priv+admin+aud:apac)", n, d)
	}
	// Logins: u1 known, u2 known and never, u3 not in Users V2.
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	if d, never, ok := s.Users[u1].DaysSinceLogin(now); !ok || never || d != 11 {
		t.Errorf("u1 %d %v %v", d, never, ok)
	}
	if _, never, ok := s.Users[u2].DaysSinceLogin(now); !ok || !never {
		t.Errorf("u2 never: %v %v", never, ok)
	}
	if _, _, ok := s.Users[at("u3")].DaysSinceLogin(now); ok {
		t.Errorf("u3 is not in Users V2")
	}
	// Leaving the group takes the access away; the index follows a rename
	// that moves users around.
	k, _ := s.UserGroupIndex("ug2")
	s.SetUserGroupMember(k, "u2", false)
	if s.HoldsEffectively(u2, gi("priv:legal")) {
		t.Fatal("u2 still holds priv:legal after leaving the group")
	}
	r := ReadUser{User: s.Users[u1]}
	r.User.Groups = nil
	r.InUsersV2 = false
	r.GivenName, r.DisplayName = "Zzz", ""
	for _, g := range s.Users[u1].Groups {
		r.Groups = append(r.Groups, GroupRef{ID: s.Groups[g].ID})
	}
	moved := s.ReplaceUser(r)
	if moved == u1 || !s.HoldsEffectively(moved, gi("priv:legal")) || !s.Users[moved].InUsersV2 || s.Users[moved].LastLogin.IsZero() {
		t.Fatalf("after the move: index %d (was %d), login %v", moved, u1, s.Users[moved].LastLogin)
	}
}

func TestAPIStateReason(t *testing.T) {
	if (APIState{Read: true}).Reason() != "" || (APIState{Why: "x"}).Reason() != "x" || (APIState{}).Reason() == "" {
		t.Fatal("Reason")
	}
}

func TestLoginAndEffectiveFilters(t *testing.T) {
	s := accessSnapshot(t)
	ix := NewIndex(s)
	ix.Now = func() time.Time { return time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC) } // u1 logged in 11 days before
	ids := func(q string) []string {
		t.Helper()
		got, err := ix.Filter(q, nil)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var out []string
		for _, i := range got {
			out = append(out, s.Users[i].ID)
		}
		slices.Sort(out)
		return out
	}
	for q, want := range map[string][]string{
		"login:never":           {"u2"},
		"stale:10d":             {"u1", "u2"},
		"stale:90d":             {"u2"},
		"-stale:90d":            {"u1", "u3", "u4"}, // u3, u4: not in Users V2, unknown
		"role:privacy":          {"u1", "u2"},       // only through Privacy team
		"org:legal":             {"u1", "u2"},
		"role:auditor org:apac": {"u2", "u3"}, // u2 through auditors, u3 directly
	} {
		if got := ids(q); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	for _, q := range []string{"stale:90", "stale:xd", "login:yesterday"} {
		if _, err := ix.Filter(q, nil); err == nil {
			t.Errorf("%s accepted", q)
		}
	}
	bare := NewSnapshot(SyncInfo{}, nil, nil)
	bare.Access.Logins.Why = "the key lacks the USER scope (403 from /api/access/v2/users)"
	if _, err := NewIndex(bare).Filter("stale:90d", nil); err == nil || !strings.Contains(err.Error(), "not available — the key lacks the USER scope") {
		t.Errorf("stale: without logins: %v", err)
	}
}
