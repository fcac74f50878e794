package tenant

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func filterTenant() *Snapshot {
	groups := []ReadGroup{
		grp("sa:sales", "Site Admin - EMEA - Sales", ""),
		grp("sa:apac", "Site Admin - APAC", ""),
		grp("aud:sales", "Auditor - EMEA - Sales", ""),
		grp("aud:apac", "Auditor - APAC", ""),
		grp("dpo:apac", "Privacy - Officer - APAC", ""),
		grp("everyone", "Everyone", ""),
	}
	users := []ReadUser{
		usr("u1", "Anna", "Berg", "anna@acme.com", "sa:sales", "everyone"),
		usr("u2", "Bob", "O'Brien", "bob@acme.com", "aud:apac"),
		usr("u3", "Chloé", "Dupont", "chloe@ACME.com", "aud:sales", "sa:apac"),
		usr("u4", "Dev", "Null", "dev@other.org", "dpo:apac"),
		usr("u5", "Eve", "Admin", "eve@acme.com"),
	}
	users[1].Active = false
	users[3].UserType = "External"
	users[3].DisplayName = "Dev \x1b[31mRed\x1b[0m Null"
	return NewSnapshot(SyncInfo{}, users, groups)
}

func TestFilter(t *testing.T) {
	s := filterTenant()
	ix := NewIndex(s)
	for _, tc := range []struct {
		q    string
		want []string // user ids, snapshot order
		err  bool
	}{
		{"", []string{"u1", "u2", "u3", "u4", "u5"}, false},
		{"   ", []string{"u1", "u2", "u3", "u4", "u5"}, false},
		{"anna", []string{"u1"}, false},
		{"ACME", []string{"u1", "u2", "u3", "u5"}, false},
		{"acme chlo", []string{"u3"}, false},
		{"chloé", []string{"u3"}, false},
		{"CHLOÉ", []string{"u3"}, false},
		{"o'brien", []string{"u2"}, false},
		{"u4@login", []string{"u4"}, false},         // userName
		{`"anna berg"`, []string{"u1"}, false},      // phrase over the name
		{`"berg anna"`, nil, false},                 //
		{"berganna", nil, false},                    // no match across fields
		{"comanna", nil, false},                     // nor across users
		{"admin", []string{"u5"}, false},            // free text ignores roles
		{"role:admin", []string{"u1", "u3"}, false}, // substring of "Site Admin"
		{"ROLE:Site", []string{"u1", "u3"}, false},  //
		{"role:officer", []string{"u4"}, false},     //
		{`role:"privacy - off"`, []string{"u4"}, false},
		{`org:"EMEA - Sales"`, []string{"u1", "u3"}, false},
		{"org:apac", []string{"u2", "u3", "u4"}, false},
		{"role:auditor org:apac", []string{"u2"}, false}, // on the same group
		{"role:admin org:apac", []string{"u3"}, false},
		{"role:nosuch", nil, true}, // says so, with the closest roles
		{"org:nosuch", nil, true},
		{"group:nosuch", nil, true},
		{"type:nosuch", nil, true},
		{"group:everyone", []string{"u1"}, false},
		{"-group:everyone", []string{"u2", "u3", "u4", "u5"}, false},
		{"-role:admin", []string{"u2", "u4", "u5"}, false},
		{"status:active", []string{"u1", "u3", "u4", "u5"}, false},
		{"status:in", []string{"u2"}, false},
		{"-status:active", []string{"u2"}, false},
		{"status:x", nil, true},
		{"type:external", []string{"u4"}, false},
		{"type:int", []string{"u1", "u2", "u3", "u5"}, false},
		{"-acme", []string{"u4"}, false},
		{"acme -anna -bob", []string{"u3", "u5"}, false},
		{"role:", []string{"u1", "u2", "u3", "u4", "u5"}, false}, // still typing
		{"-", []string{"u1", "u2", "u3", "u4", "u5"}, false},
		{`org:"EMEA`, nil, true},
		{`"unterminated`, nil, true},
		{"red", []string{"u4"}, false},
		{"\x1b", []string{"u1", "u2", "u3", "u4", "u5"}, false}, // control chars fold to spaces, like keys
		{"foo:bar", nil, true},                                  // unknown key: an error naming the keys
		{`"foo:bar"`, nil, false},                               // quoted: plain text
	} {
		got, err := ix.Filter(tc.q, nil)
		if (err != nil) != tc.err {
			t.Errorf("Filter(%q) error %v", tc.q, err)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrQuery) {
				t.Errorf("Filter(%q) error %v is not ErrQuery", tc.q, err)
			}
			continue
		}
		var ids []string
		for _, u := range got {
			ids = append(ids, s.Users[u].ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("Filter(%q) = %q, want %q", tc.q, ids, tc.want)
		}
	}
}

// Mistakes are explained: an unknown key lists the keys and the likely
// one; a role:, org: or group: value that matches nothing says so and
// names the closest.
func TestFilterMistakes(t *testing.T) {
	ix := NewIndex(filterTenant())
	for q, want := range map[string][]string{
		"roel:admin":        {"unknown key roel:", "did you mean role:?", "role: org: group: status: type:"},
		"anna Status:x":     {"status:x: want status:active or status:inactive"},
		"role:Auditr":       {`no role matches "Auditr"`, "closest: Auditor"},
		"role:sit-admin":    {`no role matches "sit-admin"`, "closest: Site Admin"},
		"org:apak":          {`no organization matches "apak"`, "closest: APAC"},
		`-org:"EMEA Sales"`: {`no organization matches "EMEA Sales"`, "closest: EMEA - Sales"},
		"group:everyne":     {`no group matches "everyne"`, "closest: Everyone"},
		"role:zzzzzzzzzz":   {`no role matches "zzzzzzzzzz"`},
		"type:intrnal":      {`no user type matches "intrnal"`, "closest: internal"},
	} {
		_, err := ix.Filter(q, nil)
		if err == nil || !errors.Is(err, ErrQuery) {
			t.Errorf("Filter(%q): error %v", q, err)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Filter(%q): %q lacks %q", q, err, w)
			}
		}
	}
	_, err := ix.Filter("role:zzzzzzzzzz", nil)
	if strings.Contains(err.Error(), "closest") {
		t.Errorf("nothing is close to zzzzzzzzzz, yet: %v", err)
	}
}

func TestClosest(t *testing.T) {
	names := []string{"Auditor", "Audit Manager", "Site Admin", "Privacy Officer", "Data Privacy Champion"}
	for _, c := range []struct {
		v    string
		want []string
	}{
		{"auditr", []string{"Auditor", "Audit Manager"}},
		{"privcy", []string{"Privacy Officer", "Data Privacy Champion"}},
		{"xyz", nil},
		{"", nil},
	} {
		if got := Closest(c.v, names, 3); !slices.Equal(got, c.want) {
			t.Errorf("Closest(%q) = %q, want %q", c.v, got, c.want)
		}
	}
	if d := nearDistance("auditr", "auditor"); d != 1 {
		t.Errorf("nearDistance %d", d)
	}
	if d := editDistance("kitten", "sitting"); d != 3 {
		t.Errorf("editDistance %d", d)
	}
}

func TestFilterErrorMessage(t *testing.T) {
	ix := NewIndex(filterTenant())
	_, err := ix.Filter(`anna org:"EMEA - Sa`, nil)
	if err == nil || !strings.Contains(err.Error(), "unterminated quote") || !strings.Contains(err.Error(), `org:"EMEA - Sa`) {
		t.Fatalf("error %v", err)
	}
}

func TestFilterFollowsSnapshot(t *testing.T) {
	s := filterTenant()
	ix := NewIndex(s)
	dst := make([]int32, 0, 8)

	// An in-place change: Update re-keys the user.
	i, _ := s.UserIndex("u2")
	s.Users[i].Email = "robert.obrien.with.a.much.longer.address@acme.com"
	ix.Update(i)
	s.Users[i].UserType = "Contractor"
	ix.Update(i)
	if got, _ := ix.Filter("robert", dst); len(got) != 1 || got[0] != int32(i) {
		t.Fatalf("after Update: %v", got)
	}
	if got, _ := ix.Filter("type:contr", dst); len(got) != 1 {
		t.Fatalf("type after Update: %v", got)
	}
	s.Users[i].Email = "b@x"
	ix.Update(i)
	if got, _ := ix.Filter("robert", dst); len(got) != 0 {
		t.Fatalf("stale key matched: %v", got)
	}
	if got, _ := ix.Filter("b@x", dst); len(got) != 1 {
		t.Fatalf("shrunk key: %v", got)
	}

	// Memberships are read live.
	g, _ := s.GroupIndex("everyone")
	s.SetMember(i, g, true)
	if got, _ := ix.Filter("group:everyone", dst); len(got) != 2 {
		t.Fatalf("after SetMember: %v", got)
	}

	// Index shifts are noticed without help.
	s.ReplaceUser(usr("u0", "Aaron", "Aardvark", "aaron@acme.com", "everyone"))
	s.RemoveUser("u1")
	got, _ := ix.Filter("group:everyone", dst)
	var ids []string
	for _, u := range got {
		ids = append(ids, s.Users[u].ID)
	}
	if !slices.Equal(ids, []string{"u0", "u2"}) {
		t.Fatalf("after shifts: %q", ids)
	}
}

func TestFilterAllocations(t *testing.T) {
	users, groups := genTenant(2000, 6, 5, 3, 3)
	ix := NewIndex(NewSnapshot(SyncInfo{}, users, groups))
	dst := make([]int32, 0, 2000)
	for _, q := range []string{"an", "an smith status:active", "-an", "role:admin"} {
		allocs := testing.AllocsPerRun(20, func() { dst, _ = ix.Filter(q, dst) })
		if allocs > 8 { // per query, never per user
			t.Errorf("Filter(%q): %v allocations", q, allocs)
		}
	}
}

// naiveText is the reference for single free-text terms.
func naiveText(s *Snapshot, term string) []int32 {
	needle := appendLower(nil, term)
	var out []int32
	for i := range s.Users {
		u := &s.Users[i]
		name := u.DisplayName
		if name == "" {
			name = u.GivenName + " " + u.FamilyName
		}
		for _, f := range []string{name, u.Email, u.UserName} {
			if bytes.Contains(appendLower(nil, f), needle) {
				out = append(out, int32(i))
				break
			}
		}
	}
	return out
}

func FuzzFilterQuery(f *testing.F) {
	s := filterTenant()
	users, groups := genTenant(200, 4, 3, 2, 9)
	big := NewSnapshot(SyncInfo{}, users, groups)
	for _, q := range []string{"", "anna", `org:"EMEA - Sales" -role:admin`, `"x`, "status:", "-", `role:"`, "type:ext acme", "é", "\xff", "a:b:c", `-"a b"`, "ü ß"} {
		f.Add(q)
	}
	ixs := []*Index{NewIndex(s), NewIndex(big)}
	f.Fuzz(func(t *testing.T, q string) {
		for _, ix := range ixs {
			got, err := ix.Filter(q, nil)
			if err != nil {
				if !errors.Is(err, ErrQuery) {
					t.Fatalf("error %v", err)
				}
				continue
			}
			for k, u := range got {
				if u < 0 || int(u) >= len(ix.s.Users) || k > 0 && got[k-1] >= u {
					t.Fatalf("bad result %v", got)
				}
			}
			// A single bare word must agree with a naive scan. A word of
			// Unicode spaces only (U+00A0) is blank, ignored like a space.
			if w := q; strings.TrimSpace(w) != "" && !strings.ContainsFunc(w, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '"' || r == ':' }) && w[0] != '-' {
				if want := naiveText(ix.s, w); !slices.Equal(got, want) {
					t.Fatalf("Filter(%q) = %v, naive %v", q, got, want)
				}
			}
		}
	})
}

func BenchmarkFilter(b *testing.B) {
	users, groups := genTenant(100_000, 40, 50, 3, 1)
	s := NewSnapshot(SyncInfo{}, users, groups)
	ix := NewIndex(s)
	dst := make([]int32, 0, len(s.Users))
	for _, q := range []string{"a", "an", "smith", "zzz", "bj smith", "role:admin", `org:"EMEA - Org 03" status:active`, "-an type:ext"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				dst, _ = ix.Filter(q, dst)
			}
			b.ReportMetric(float64(len(dst)), "matches")
		})
	}
}

func BenchmarkNewIndex(b *testing.B) {
	users, groups := genTenant(100_000, 40, 50, 3, 1)
	s := NewSnapshot(SyncInfo{}, users, groups)
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(s).rebuild()
	}
}

// TestIndexKeysLargeTenant: keys built on two cores and joined are each
// user's appendKey, at the user's own offsets.
func TestIndexKeysLargeTenant(t *testing.T) {
	users, groups := genTenant(10_000, 3, 3, 1, 5)
	ix := NewIndex(NewSnapshot(SyncInfo{}, users, groups))
	ix.rebuild()
	for i := range ix.s.Users {
		if got, want := string(ix.buf[ix.start[i]:ix.end[i]]), string(appendKey(nil, &ix.s.Users[i])); got != want {
			t.Fatalf("user %d: key %q, want %q", i, got, want)
		}
		if ix.buf[ix.end[i]] != '\n' || (i+1 < len(ix.end) && ix.start[i+1] != ix.end[i]+1) {
			t.Fatalf("user %d: keys not laid out back to back", i)
		}
	}
}

// TestFilterBlankQueryNeedsNoIndex: a blank query matches everyone without
// building the index; the first real query builds it.
func TestFilterBlankQueryNeedsNoIndex(t *testing.T) {
	ix := NewIndex(filterTenant())
	for _, q := range []string{"", "   ", "\t"} {
		m, err := ix.Filter(q, nil)
		if err != nil || len(m) != len(ix.s.Users) {
			t.Fatalf("Filter(%q) = %d users, %v; want all %d", q, len(m), err, len(ix.s.Users))
		}
	}
	if ix.buf != nil {
		t.Fatal("a blank query built the index")
	}
	if _, err := ix.Filter("a", nil); err != nil || ix.buf == nil {
		t.Fatalf("the first query did not build the index: %v", err)
	}
}
