package tenant

import (
	"reflect"
	"testing"
)

func labels(us []UserRef) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Label)
	}
	return out
}

func accessLabels(ms []MembershipRef) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.User.Label+" "+m.Membership()+" "+m.Held())
	}
	return out
}

// prodAndUAT are two tenants with the same roles and orgs under other
// ids (as two OneTrust tenants have), and users that differ in a few ways.
func prodAndUAT() (prod, uat *Snapshot) {
	pg := []ReadGroup{
		grp("p-admin:p-emea", "Site Admin - EMEA - Sales", ""), grp("p-admin:p-apac", "Site Admin - APAC", ""),
		grp("p-aud:p-emea", "Auditor - EMEA - Sales", ""), grp("p-aud:p-apac", "Auditor - APAC", ""),
		grp("p-priv:p-emea", "Privacy Officer - EMEA - Sales", ""), grp("p-priv:p-apac", "Privacy Officer - APAC", ""),
	}
	pu := []ReadUser{
		usr("p1", "Jane", "Doe", "jane@acme.com", "p-admin:p-emea", "p-aud:p-apac"),
		usr("p2", "Bob", "Ray", "bob@acme.com", "p-aud:p-emea"),
		usr("p3", "Carol", "Kim", "carol@acme.com", "p-admin:p-apac"),
		usr("p4", "Dave", "Lo", "dave@acme.com"),
	}
	for i := range pu {
		pu[i].UserName = pu[i].Email
	}
	pu[0].UserName = "Jane@ACME.com" // case alone is no difference
	prod = NewSnapshot(SyncInfo{ID: 7, Source: "https://prod"}, pu, pg)
	prod.SetAccess(AccessData{Info: AccessInfo{UserGroups: APIState{Read: true}},
		UserGroups: []UserGroup{{ID: "pug", Name: "Auditors", Levels: []string{"p-aud:p-apac"}, Members: []string{"p4"}}}})

	ug := []ReadGroup{
		grp("u-admin:u-emea", "Site Admin - EMEA - Sales", ""), grp("u-admin:u-apac", "Site Admin - APAC", ""), grp("u-admin:u-legal", "Site Admin - Legal", ""),
		grp("u-aud:u-emea", "Auditor - EMEA - Sales", ""), grp("u-aud:u-apac", "Auditor - APAC", ""), grp("u-aud:u-legal", "Auditor - Legal", ""),
		grp("u-ro:u-emea", "Read Only - EMEA - Sales", ""), grp("u-ro:u-apac", "Read Only - APAC", ""),
	}
	uu := []ReadUser{
		usr("x1", "Jane", "Doe", "jane@acme.com", "u-aud:u-apac", "u-ro:u-emea"),
		usr("x2", "Bob", "Ray", "bob@acme.com", "u-aud:u-emea"),
		usr("x4", "Dave", "Lo", "dave@acme.com", "u-aud:u-apac"), // direct here, via a group in prod: the same access
		usr("x5", "Erin", "Fox", "erin@acme.com"),
	}
	for i := range uu {
		uu[i].UserName = uu[i].Email
	}
	uu[1].Active, uu[1].Title = false, "Temp"
	uat = NewSnapshot(SyncInfo{ID: 3, Source: "https://uat"}, uu, ug)
	uat.SetAccess(AccessData{Info: AccessInfo{UserGroups: APIState{Read: true}},
		UserGroups: []UserGroup{{ID: "uug", Name: "Legal team", Levels: []string{"u-aud:u-legal"}, Members: []string{"x5"}}}})
	return prod, uat
}

func TestCompareTwoTenants(t *testing.T) {
	prod, uat := prodAndUAT()
	c := Compare(prod, uat)
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	check("users only in prod", labels(c.UsersOnlyLeft), []string{"carol@acme.com"})
	check("users only in uat", labels(c.UsersOnlyRight), []string{"erin@acme.com"})
	if len(c.UsersDiffering) != 1 || c.UsersDiffering[0].Left.ID != "p2" || c.UsersDiffering[0].Right.ID != "x2" {
		t.Fatalf("differing users %+v, want bob (p2 / x2) alone", c.UsersDiffering)
	}
	check("bob's fields", c.UsersDiffering[0].Fields, []FieldDifference{{"status", "active", "inactive"}, {"title", "", "Temp"}})
	check("roles only in prod", c.RolesOnlyLeft, []string{"Privacy Officer"})
	check("roles only in uat", c.RolesOnlyRight, []string{"Read Only"})
	check("orgs only in prod", c.OrgsOnlyLeft, []string(nil))
	check("orgs only in uat", c.OrgsOnlyRight, []string{"Legal"})
	check("access only in prod", accessLabels(c.AccessOnlyLeft), []string{"carol@acme.com Site Admin — APAC direct", "jane@acme.com Site Admin — EMEA - Sales direct"})
	check("access only in uat", accessLabels(c.AccessOnlyRight), []string{"erin@acme.com Auditor — Legal via", "jane@acme.com Read Only — EMEA - Sales direct"})
	if c.Empty() || c.Left.ID != 7 || c.Right.ID != 3 {
		t.Fatalf("comparison %+v", c)
	}
	if same := Compare(uat, uat); !same.Empty() {
		t.Fatalf("a snapshot differs from itself: %+v", same)
	}
	back := Compare(uat, prod)
	check("reversed access", accessLabels(back.AccessOnlyLeft), accessLabels(c.AccessOnlyRight))
	check("reversed users", labels(back.UsersOnlyRight), labels(c.UsersOnlyLeft))
	check("reversed fields", back.UsersDiffering[0].Fields, []FieldDifference{{"status", "inactive", "active"}, {"title", "Temp", ""}})
}

func TestCompareFilter(t *testing.T) {
	prod, uat := prodAndUAT()
	c := Compare(prod, uat)
	// The question: who has Site Admin in prod but not in UAT.
	sa := c.Filter(CompareFilter{Role: "site admin"})
	if got := accessLabels(sa.AccessOnlyLeft); !reflect.DeepEqual(got, []string{"carol@acme.com Site Admin — APAC direct", "jane@acme.com Site Admin — EMEA - Sales direct"}) {
		t.Errorf("Site Admin only in prod: %v", got)
	}
	if len(sa.AccessOnlyRight) != 0 || len(sa.UsersOnlyRight) != 0 || len(sa.UsersDiffering) != 0 || len(sa.RolesOnlyLeft) != 0 {
		t.Errorf("Site Admin filter kept %+v", sa)
	}
	if got := labels(sa.UsersOnlyLeft); !reflect.DeepEqual(got, []string{"carol@acme.com"}) {
		t.Errorf("users only in prod with Site Admin: %v", got)
	}
	if len(sa.OrgsOnlyRight) != 1 {
		t.Errorf("a role filter narrowed the orgs: %v", sa.OrgsOnlyRight)
	}
	org := c.Filter(CompareFilter{Org: "Legal"})
	if got := accessLabels(org.AccessOnlyRight); !reflect.DeepEqual(got, []string{"erin@acme.com Auditor — Legal via"}) || len(org.AccessOnlyLeft) != 0 {
		t.Errorf("Legal: %v / %v", got, accessLabels(org.AccessOnlyLeft))
	}
	bob := c.Filter(CompareFilter{User: "BOB"})
	if len(bob.UsersDiffering) != 1 || len(bob.AccessOnlyLeft)+len(bob.AccessOnlyRight)+len(bob.UsersOnlyLeft)+len(bob.UsersOnlyRight) != 0 {
		t.Errorf("user bob: %+v", bob)
	}
	if !HasRole(prod, "SITE ADMIN") || HasRole(prod, "Read Only") || !HasOrg(uat, "legal") || HasOrg(prod, "Legal") {
		t.Error("HasRole / HasOrg")
	}
}

func TestPairByKeyPairsRepeatsInOrder(t *testing.T) {
	a := []string{"x", "y", "x", ""}
	b := []string{"x", "", "x", "x"}
	ab, ba := pairByKey(len(a), len(b), func(i int) string { return a[i] }, func(j int) string { return b[j] })
	if !reflect.DeepEqual(ab, []int32{0, -1, 2, -1}) || !reflect.DeepEqual(ba, []int32{0, -1, 2, -1}) {
		t.Fatalf("a→b %v, b→a %v", ab, ba)
	}
}
