package client_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// OneTrust's own example: the child has no organizationId.
const orgExample = `{"organizationId":"0b5c","externalId":"ACME","parentOrganizationId":null,"name":"Acme","defaultApprover":"grc@acme.test","children":[{"externalId":"ACME-EU","parentExternalId":"ACME","name":"Acme Europe","children":[]}]}`

func TestDecodeOrgTreeExample(t *testing.T) {
	root, err := client.DecodeOrgTree([]byte(orgExample))
	if err != nil {
		t.Fatal(err)
	}
	if root.Key() != "0b5c" || len(root.Children) != 1 || root.Children[0].Key() != "ACME-EU" || root.DefaultApprover != "grc@acme.test" {
		t.Fatalf("%+v", root)
	}
}

// Every bad tree is an error that says what is wrong, and where.
func TestDecodeOrgTreeRefusesBadTrees(t *testing.T) {
	deep := strings.Repeat(`{"externalId":"x","children":[`, client.MaxOrgTreeDepth+5) + strings.Repeat(`]}`, client.MaxOrgTreeDepth+5)
	var chain strings.Builder
	for i := range client.MaxOrgTreeDepth + 1 {
		chain.WriteString(`{"externalId":"E` + strings.Repeat("x", i) + `","children":[`)
	}
	chain.WriteString(strings.Repeat(`]}`, client.MaxOrgTreeDepth+1))
	for _, tc := range []struct{ name, body, want string }{
		{"repeated node", `{"organizationId":"A","name":"Acme","children":[{"organizationId":"B","name":"Legal","children":[{"organizationId":"A","name":"Acme","children":[]}]}]}`, `cycle: organization "Acme" (A) appears twice`},
		{"parent under the child", `{"organizationId":"A","name":"Acme","children":[{"organizationId":"B","parentOrganizationId":"C","name":"Legal","children":[{"organizationId":"C","name":"Legal EU","children":[]}]}]}`, `cycle: "Legal" (B) names "Legal EU" (C) as its parent, which is under it`},
		{"missing parent", `{"externalId":"ACME","name":"Acme","children":[{"externalId":"EU","parentExternalId":"NOPE","name":"Europe"}]}`, `missing parent: "Europe" (EU) names parent NOPE, which is not in the tree`},
		{"no id", `{"externalId":"ACME","name":"Acme","children":[{"name":"Ghost"}]}`, `node without organizationId or externalId (name "Ghost", under "Acme" (ACME))`},
		{"absurd nesting", deep, "nested more than 32 levels deep"},
		{"too many levels", chain.String(), "more than 32 levels deep"},
		{"an array", `[]`, "not one JSON object"},
		{"not json", `{"name":`, "not valid JSON"},
		{"too large", `{"name":"` + strings.Repeat("a", client.MaxOrgTreeBytes) + `"}`, "larger than 16 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.DecodeOrgTree([]byte(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// Over HTTP from the fake: the reference scale's tree is 50 orgs in 5
// levels, some nodes without organizationId, some with a default approver.
func TestOrganizationsFromTheFake(t *testing.T) {
	ts := scimtest.NewTestServer(t, scimtest.Config{Users: 10, Orgs: 50, OrgLevels: 5, Token: scimtest.TestToken})
	root, err := ts.NewClient(t, client.Options{}).Organizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	orgs := ts.Orgs()
	n, noID, approvers, deepest := 0, 0, 0, 0
	var walk func(o *client.Organization, depth int)
	walk = func(o *client.Organization, depth int) {
		n++
		deepest = max(deepest, depth)
		if o.OrganizationID == "" {
			noID++
			if o.ParentOrganizationID != "" {
				t.Errorf("%s has a parent organizationId but none of its own", o.Label())
			}
		}
		if o.DefaultApprover != "" {
			approvers++
		}
		for i := range o.Children {
			walk(&o.Children[i], depth+1)
		}
	}
	walk(root, 1)
	if n != 50 || deepest != 5 || noID == 0 || approvers == 0 || approvers == n || root.OrganizationID != orgs[0].ID {
		t.Fatalf("%d orgs over %d levels, %d without organizationId, %d with an approver, root %s", n, deepest, noID, approvers, root.Label())
	}
}

// Without the ORGANIZATION scope the tree is a 403; a tree that does not
// decode is an error with the URL.
func TestOrganizationsRefusedOrBroken(t *testing.T) {
	ts := scimtest.NewTestServer(t, scimtest.Config{Token: scimtest.TestToken, Scopes: []string{"SCIM", "USER"}})
	if _, err := ts.NewClient(t, client.Options{}).Organizations(context.Background()); !client.IsForbidden(err) {
		t.Fatalf("a missing scope reads as %v", err)
	}
	ts = scimtest.NewTestServer(t, scimtest.Config{Token: scimtest.TestToken})
	ts.InjectFault(scimtest.Fault{Path: client.OrganizationsPath, Kind: scimtest.FaultStatus, Status: http.StatusOK, Body: `{"name":"x","children":[]}`})
	_, err := ts.NewClient(t, client.Options{}).Organizations(context.Background())
	if err == nil || !strings.Contains(err.Error(), client.OrganizationsPath) || !strings.Contains(err.Error(), "without organizationId or externalId") {
		t.Fatalf("a node without ids reads as %v", err)
	}
}
