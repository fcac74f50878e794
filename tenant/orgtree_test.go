package tenant

import (
	"slices"
	"strings"
	"testing"
)

// orgSnapshot: orgs o1 Acme, o2 Legal, o3 Legal EU, o4 Finance (one role
// r); u1 in Legal and Legal EU, u2 in Legal EU, u3 in Finance.
func orgSnapshot() *Snapshot {
	g := func(org, name string, members ...string) ReadGroup {
		return ReadGroup{ID: "r:" + org, DisplayName: "Reader - " + name, Category: name, Members: members}
	}
	return NewSnapshot(SyncInfo{}, []ReadUser{
		{User: User{ID: "u1", DisplayName: "Ann"}}, {User: User{ID: "u2", DisplayName: "Bo"}}, {User: User{ID: "u3", DisplayName: "Cy"}},
	}, []ReadGroup{g("o1", "Acme"), g("o2", "Legal", "u1"), g("o3", "Legal EU", "u1", "u2"), g("o4", "Finance", "u3")})
}

func TestOrgTreeJoinCountsAndDescendants(t *testing.T) {
	s := orgSnapshot()
	tree, err := NewOrgTree([]OrgNode{
		{Key: "o1", OrganizationID: "o1", Name: "Acme"},
		{Key: "LEGAL", ExternalID: "LEGAL", ParentKey: "o1", Name: "legal"}, // no organizationId: by name
		{Key: "o3", OrganizationID: "o3", ParentKey: "LEGAL", Name: "Legal EU"},
		{Key: "x9", OrganizationID: "x9", ParentKey: "o1", Name: "Ghost Org"}, // in no SCIM group
	})
	if err != nil {
		t.Fatal(err)
	}
	s.SetOrgTree(tree, "")
	j := tree.Join
	if j.ByID != 2 || j.ByName != 1 || !slices.Equal(j.TreeOnly, []string{"Ghost Org"}) || !slices.Equal(j.SCIMOnly, []string{"Finance"}) || j.Complete() {
		t.Fatalf("join %+v", j)
	}
	c := tree.Counts(s)
	// Acme: nobody directly; u1 and u2 under it, once each.
	if c[0] != (OrgCount{0, 2}) || c[1] != (OrgCount{1, 2}) || c[2] != (OrgCount{2, 2}) || c[3] != (OrgCount{}) {
		t.Fatalf("counts %+v", c)
	}
	if d := tree.Descendants(1); !slices.Equal(d, []int32{1, 2}) {
		t.Fatalf("descendants of Legal %v", d)
	}
	if p := tree.Path(2); p != "Acme / legal / Legal EU" {
		t.Fatal(p)
	}
	if n := tree.Find("Legal"); !slices.Equal(n, []int32{1}) {
		t.Fatalf("find Legal %v", n)
	}
	if s.OrgTreeNote() != "" {
		t.Fatal(s.OrgTreeNote())
	}
}

func TestOrgTreeRefusesCyclesAndMissingParents(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nodes []OrgNode
		want  string
	}{
		{"cycle", []OrgNode{{Key: "a", Name: "Acme"}, {Key: "b", ParentKey: "c", Name: "B"}, {Key: "c", ParentKey: "b", Name: "C"}}, "cycle"},
		{"self", []OrgNode{{Key: "a", Name: "Acme"}, {Key: "b", ParentKey: "b", Name: "B"}}, `cycle: "B" (b) is its own ancestor`},
		{"missing parent", []OrgNode{{Key: "a", Name: "Acme"}, {Key: "b", ParentKey: "zz", Name: "B"}}, `missing parent: "B" (b) names parent zz`},
		{"repeated", []OrgNode{{Key: "a", Name: "Acme"}, {Key: "a", ParentKey: "a", Name: "Acme"}}, "appears twice"},
		{"no id", []OrgNode{{Key: "a", Name: "Acme"}, {ParentKey: "a", Name: "Nameless"}}, `"Nameless" has no id`},
		{"two tops", []OrgNode{{Key: "a", Name: "Acme"}, {Key: "b", Name: "Beta"}}, "two tops"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewOrgTree(tc.nodes)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	// A sub-org credential's subtree: the top names a parent not in it.
	if _, err := NewOrgTree([]OrgNode{{Key: "b", ParentKey: "a", Name: "Legal"}, {Key: "c", ParentKey: "b", Name: "EU"}}); err != nil {
		t.Fatal(err)
	}
}

func TestOrgTreeNote(t *testing.T) {
	s := orgSnapshot()
	s.SetOrgTree(nil, "the key lacks the ORGANIZATION scope")
	if got := s.OrgTreeNote(); got != "org tree: not available — the key lacks the ORGANIZATION scope" {
		t.Fatal(got)
	}
}

// under:Legal finds the users with a role in Legal or any org under it;
// without a tree it says why.
func TestFilterUnder(t *testing.T) {
	s := orgSnapshot()
	tree, err := NewOrgTree([]OrgNode{
		{Key: "o1", OrganizationID: "o1", Name: "Acme"},
		{Key: "o2", OrganizationID: "o2", ParentKey: "o1", Name: "Legal"},
		{Key: "o3", OrganizationID: "o3", ParentKey: "o2", Name: "Legal EU"},
		{Key: "o4", OrganizationID: "o4", ParentKey: "o1", Name: "Finance"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(s)
	if _, err := ix.Filter("under:Legal", nil); err == nil || !strings.Contains(err.Error(), "needs the organization tree") {
		t.Fatalf("without a tree: %v", err)
	}
	s.SetOrgTree(tree, "")
	ix = NewIndex(s)
	names := func(q string) string {
		got, err := ix.Filter(q, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range got {
			out = append(out, s.Users[u].ID)
		}
		return strings.Join(out, ",")
	}
	// Exact name first: under:Legal is Legal and Legal EU, not every org
	// whose name contains "legal" elsewhere; org:Legal matches by substring.
	if got := names("under:Legal"); got != "u1,u2" {
		t.Fatalf("under:Legal = %s", got)
	}
	if got := names("under:finance"); got != "u3" {
		t.Fatalf("under:finance = %s", got)
	}
	if got := names("under:Acme"); got != "u1,u2,u3" {
		t.Fatalf("under:Acme = %s", got)
	}
	if got := names("-under:Legal"); got != "u3" {
		t.Fatalf("-under:Legal = %s", got)
	}
	if _, err := ix.Filter("under:Legl", nil); err == nil || !strings.Contains(err.Error(), "closest: Legal") {
		t.Fatalf("a typo: %v", err)
	}
}
