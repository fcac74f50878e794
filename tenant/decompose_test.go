package tenant

import (
	"slices"
	"strings"
	"testing"
)

// want maps group id -> "role|org" (names), "plain" for a plain group.
func checkDecomposition(t *testing.T, groups []ReadGroup, want map[string]string) Decomposition {
	t.Helper()
	d := Decompose(groups)
	for i, g := range groups {
		w, ok := want[g.ID]
		if !ok {
			continue
		}
		var got string
		if d.GroupRole[i] < 0 || d.GroupOrg[i] < 0 {
			got = "plain"
		} else {
			got = d.Roles[d.GroupRole[i]].Name + "|" + d.Orgs[d.GroupOrg[i]].Name
		}
		if got != w {
			t.Errorf("group %s %q: got %q, want %q", g.ID, g.DisplayName, got, w)
		}
	}
	return d
}

func TestSplitGroupID(t *testing.T) {
	for _, tc := range []struct {
		id, role, org string
		ok            bool
	}{
		{"r:o", "r", "o", true},
		{"444fd8af-e1ee:6e051cbf-1e3b", "444fd8af-e1ee", "6e051cbf-1e3b", true},
		{"plain", "", "", false},
		{":o", "", "", false},
		{"r:", "", "", false},
		{"a:b:c", "", "", false},
		{"", "", "", false},
		{":", "", "", false},
	} {
		r, o, ok := SplitGroupID(tc.id)
		if r != tc.role || o != tc.org || ok != tc.ok {
			t.Errorf("SplitGroupID(%q) = %q, %q, %v", tc.id, r, o, ok)
		}
	}
}

func TestDecompose(t *testing.T) {
	tests := []struct {
		name   string
		groups []ReadGroup
		want   map[string]string
		roles  []string // expected role names in order, when set
		orgs   []string
	}{
		{
			name: "simple grid",
			groups: []ReadGroup{
				grp("admin:emea", "Admin - EMEA", "EMEA"),
				grp("admin:apac", "Admin - APAC", "APAC"),
				grp("aud:emea", "Auditor - EMEA", "EMEA"),
				grp("aud:apac", "Auditor - APAC", "APAC"),
			},
			want:  map[string]string{"admin:emea": "Admin|EMEA", "aud:apac": "Auditor|APAC"},
			roles: []string{"Admin", "Auditor"},
			orgs:  []string{"APAC", "EMEA"},
		},
		{
			name: "separators inside role and org, pinned by both sides",
			groups: []ReadGroup{
				grp("dme:sales", "Data Mapping - Editor - EMEA - Sales", ""),
				grp("dme:global", "Data Mapping - Editor - Global", ""),
				grp("aud:sales", "Auditor - EMEA - Sales", ""),
				grp("aud:global", "Auditor - Global", ""),
			},
			want: map[string]string{
				"dme:sales":  "Data Mapping - Editor|EMEA - Sales",
				"dme:global": "Data Mapping - Editor|Global",
				"aud:sales":  "Auditor|EMEA - Sales",
			},
			roles: []string{"Auditor", "Data Mapping - Editor"},
			orgs:  []string{"EMEA - Sales", "Global"},
		},
		{
			name: "ambiguous grid without hints splits at the shortest role",
			groups: []ReadGroup{
				grp("dme:sales", "Data Mapping - Editor - EMEA - Sales", ""),
				grp("dme:mkt", "Data Mapping - Editor - EMEA - Marketing", ""),
				grp("aud:sales", "Auditor - EMEA - Sales", ""),
				grp("aud:mkt", "Auditor - EMEA - Marketing", ""),
			},
			want: map[string]string{
				"dme:sales": "Data Mapping - Editor|EMEA - Sales",
				"aud:mkt":   "Auditor|EMEA - Marketing",
			},
		},
		{
			name: "ambiguous grid settled by category",
			groups: []ReadGroup{
				grp("dme:sales", "Data Mapping - Editor - EMEA - Sales", "Sales"),
				grp("dme:mkt", "Data Mapping - Editor - EMEA - Marketing", "Marketing"),
				grp("aud:sales", "Auditor - EMEA - Sales", "Sales"),
				grp("aud:mkt", "Auditor - EMEA - Marketing", "marketing"),
			},
			want: map[string]string{
				"dme:sales": "Data Mapping - Editor - EMEA|Sales",
				"aud:mkt":   "Auditor - EMEA|Marketing",
			},
		},
		{
			name: "single-occurrence role derived from its org's common suffix",
			groups: []ReadGroup{
				grp("aud:sales", "Auditor - EMEA - Sales", ""),
				grp("aud:global", "Auditor - Global", ""),
				grp("po:sales", "Privacy - Officer - EMEA - Sales", ""),
			},
			want: map[string]string{
				"po:sales":  "Privacy - Officer|EMEA - Sales",
				"aud:sales": "Auditor|EMEA - Sales",
			},
		},
		{
			name: "single-occurrence org derived from its role's common prefix",
			groups: []ReadGroup{
				grp("sa:azure", "Site Admin - Azure AD", "Azure AD"),
				grp("sa:test", "Site Admin - Test - Org", "Azure AD"),
			},
			want: map[string]string{
				"sa:test":  "Site Admin|Test - Org",
				"sa:azure": "Site Admin|Azure AD",
			},
		},
		{
			name: "inconsistent category is ignored when names are clear",
			groups: []ReadGroup{
				grp("sa:test", "Site Admin - Test Org", "Azure AD"),
				grp("am:test", "Audit Manager - Test Org", "Azure AD"),
				grp("sa:org5", "Site Admin - Org5", "Test Org"),
			},
			want: map[string]string{
				"sa:test": "Site Admin|Test Org",
				"am:test": "Audit Manager|Test Org",
				"sa:org5": "Site Admin|Org5",
			},
		},
		{
			name: "lone group splits at the first separator",
			groups: []ReadGroup{
				grp("am:t", "Audit Manager - Test - Org", ""),
			},
			want: map[string]string{"am:t": "Audit Manager|Test - Org"},
		},
		{
			name: "lone group takes a matching category as a hint",
			groups: []ReadGroup{
				grp("am:t", "Audit Manager - Test - Org", "Org"),
			},
			want: map[string]string{"am:t": "Audit Manager - Test|Org"},
		},
		{
			name: "plain groups from any SCIM server",
			groups: []ReadGroup{
				grp("everyone", "Everyone", ""),
				grp("a:b:c", "Admin - X", ""),
				grp(":o", "Admin - X", ""),
				grp("r:", "Admin - X", ""),
				grp("r:o", "Admin - X", ""),
			},
			want: map[string]string{"everyone": "plain", "a:b:c": "plain", ":o": "plain", "r:": "plain", "r:o": "Admin|X"},
		},
		{
			name: "duplicate names with different ids stay distinct",
			groups: []ReadGroup{
				grp("r2:o2", "Admin - EMEA", ""),
				grp("r1:o1", "Admin - EMEA", ""),
			},
			want:  map[string]string{"r1:o1": "Admin|EMEA", "r2:o2": "Admin|EMEA"},
			roles: []string{"Admin", "Admin"},
			orgs:  []string{"EMEA", "EMEA"},
		},
		{
			name: "same role id with contradicting names (as in the docs)",
			groups: []ReadGroup{
				grp("444:4a3", "Assessments Manager - Org5", ""),
				grp("444:6e0", "Site Admin - Test Org", "Azure AD"),
				grp("16e:058", "Awareness Training Learner - Org6.1", ""),
			},
			want: map[string]string{
				"444:4a3": "Assessments Manager|Org5",
				"444:6e0": "Assessments Manager|Test Org",
				"16e:058": "Awareness Training Learner|Org6.1",
			},
		},
		{
			name: "names without separator fall back to the other side and ids",
			groups: []ReadGroup{
				grp("admin:main", "Admin - Main", ""),
				grp("su:main", "Superuser", ""),
				grp("x:y", "", ""),
				grp("p:q", "Lonely", "Cat"),
			},
			want: map[string]string{
				"admin:main": "Admin|Main",
				"su:main":    "Superuser|Main",
				"x:y":        "x|y",
				"p:q":        "Lonely|Cat",
			},
		},
		{
			name: "blank segments never become names",
			groups: []ReadGroup{
				grp("r:o", " - ", ""),
				grp("r2:o2", "A -  - B", ""),
			},
			want: map[string]string{"r:o": "r|o", "r2:o2": "A|- B"},
		},
		{
			name: "case-insensitive order, stable by id",
			groups: []ReadGroup{
				grp("rb:o", "beta - X", ""),
				grp("ra2:o", "alpha - X", ""),
				grp("ra1:o", "Alpha - X", ""),
			},
			roles: []string{"Alpha", "alpha", "beta"},
		},
		{
			name: "a prefix of another name does not swallow the org",
			groups: []ReadGroup{
				grp("r:o1", "A - B", ""),
				grp("r:o2", "A - B - C", ""),
			},
			want: map[string]string{"r:o1": "A|B", "r:o2": "A|B - C"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := checkDecomposition(t, tc.groups, tc.want)
			if tc.roles != nil {
				var got []string
				for _, r := range d.Roles {
					got = append(got, r.Name)
				}
				if !slices.Equal(got, tc.roles) {
					t.Errorf("roles %q, want %q", got, tc.roles)
				}
			}
			if tc.orgs != nil {
				var got []string
				for _, o := range d.Orgs {
					got = append(got, o.Name)
				}
				if !slices.Equal(got, tc.orgs) {
					t.Errorf("orgs %q, want %q", got, tc.orgs)
				}
			}
			checkDecompositionInvariants(t, tc.groups, d)
		})
	}
}

func TestDecomposeGenerated(t *testing.T) {
	_, groups := genTenant(0, 12, 9, 0, 1)
	d := Decompose(groups)
	if len(d.Roles) != 12 || len(d.Orgs) != 9 {
		t.Fatalf("%d roles, %d orgs", len(d.Roles), len(d.Orgs))
	}
	for i, g := range groups {
		role, org := d.Roles[d.GroupRole[i]].Name, d.Orgs[d.GroupOrg[i]].Name
		if role+" - "+org != g.DisplayName || g.Category != org {
			t.Fatalf("%q -> %q | %q", g.DisplayName, role, org)
		}
	}
}

func checkDecompositionInvariants(t *testing.T, groups []ReadGroup, d Decomposition) {
	t.Helper()
	roleOf := map[string]int32{}
	orgOf := map[string]int32{}
	for i, g := range groups {
		rid, oid, ok := SplitGroupID(g.ID)
		r, o := d.GroupRole[i], d.GroupOrg[i]
		if !ok {
			if r != -1 || o != -1 {
				t.Fatalf("plain group %q got role %d org %d", g.ID, r, o)
			}
			continue
		}
		if r < 0 || int(r) >= len(d.Roles) || o < 0 || int(o) >= len(d.Orgs) {
			t.Fatalf("group %q: role %d org %d out of range", g.ID, r, o)
		}
		if d.Roles[r].ID != rid || d.Orgs[o].ID != oid {
			t.Fatalf("group %q mapped to %q:%q", g.ID, d.Roles[r].ID, d.Orgs[o].ID)
		}
		if prev, ok := roleOf[rid]; ok && prev != r {
			t.Fatalf("role id %q has two indexes", rid)
		}
		if prev, ok := orgOf[oid]; ok && prev != o {
			t.Fatalf("org id %q has two indexes", oid)
		}
		roleOf[rid], orgOf[oid] = r, o
	}
	if len(roleOf) != len(d.Roles) || len(orgOf) != len(d.Orgs) {
		t.Fatalf("%d role ids, %d roles; %d org ids, %d orgs", len(roleOf), len(d.Roles), len(orgOf), len(d.Orgs))
	}
	for i, r := range d.Roles {
		if r.Name != r.ID && (strings.TrimSpace(r.Name) == "" || r.Name != strings.TrimSpace(r.Name)) {
			t.Fatalf("role %q has name %q", r.ID, r.Name)
		}
		if i > 0 {
			p := d.Roles[i-1]
			if c := compareFold(p.Name, r.Name); c > 0 || c == 0 && p.ID > r.ID {
				t.Fatalf("roles out of order: %q/%q before %q/%q", p.Name, p.ID, r.Name, r.ID)
			}
		}
	}
	for i, o := range d.Orgs {
		if o.Name != o.ID && (strings.TrimSpace(o.Name) == "" || o.Name != strings.TrimSpace(o.Name)) {
			t.Fatalf("org %q has name %q", o.ID, o.Name)
		}
		if i > 0 {
			p := d.Orgs[i-1]
			if c := compareFold(p.Name, o.Name); c > 0 || c == 0 && p.ID > o.ID {
				t.Fatalf("orgs out of order: %q/%q before %q/%q", p.Name, p.ID, o.Name, o.ID)
			}
		}
	}
}

// FuzzDecompose feeds lines "id|displayName|category".
func FuzzDecompose(f *testing.F) {
	f.Add("a:b|Admin - EMEA|EMEA\na:c|Admin - APAC|\nd:b|Data - Editor - EMEA|x")
	f.Add("r:o| - |\nr:o2|A - - B|\nplain|Everyone|")
	f.Add("444:4a3|Assessments Manager - Org5|\n444:6e0|Site Admin - Test Org|Azure AD\nq:6e0|X - Y - Test Org|")
	f.Add("a:b|A - B - C - D|\na:c|A - B - E|\nf:b|F - C - D|\nf:c|F - B - E|C - D")
	f.Fuzz(func(t *testing.T, data string) {
		var groups []ReadGroup
		for line := range strings.SplitSeq(data, "\n") {
			parts := strings.SplitN(line, "|", 3)
			for len(parts) < 3 {
				parts = append(parts, "")
			}
			groups = append(groups, grp(parts[0], parts[1], parts[2]))
			if len(groups) > 200 {
				break
			}
		}
		checkDecompositionInvariants(t, groups, Decompose(groups))
	})
}
