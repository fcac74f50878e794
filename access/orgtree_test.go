package access

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

func syncOrgs(t *testing.T, cfg scimtest.Config, mutate func(*scimtest.TestServer)) (*tenant.Snapshot, *scimtest.TestServer) {
	t.Helper()
	cfg.Token = scimtest.TestToken
	srv := scimtest.NewTestServer(t, cfg)
	if mutate != nil {
		mutate(srv)
	}
	svc, err := Open(srv.NewClient(t, client.Options{}), filepath.Join(t.TempDir(), "c.db"), "t")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.Sync(context.Background(), SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := svc.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s, srv
}

// The sync reads the tree and stores it with the snapshot; the fake's
// nodes without organizationId join by name, the others by id, and the
// roll-up counts agree with the memberships.
func TestSyncReadsTheOrgTree(t *testing.T) {
	s, srv := syncOrgs(t, scimtest.Config{Users: 300, Roles: 4, Orgs: 13, Seed: 4}, nil)
	tr := s.OrgTree
	if tr == nil {
		t.Fatal(s.OrgTreeNote())
	}
	noID := 0
	for i := range srv.Orgs() {
		if !srv.OrgTreeHasID(i) {
			noID++
		}
	}
	if len(tr.Nodes) != 13 || tr.Join.ByName != noID || tr.Join.ByID != 13-noID || !tr.Join.Complete() {
		t.Fatalf("%d nodes, join %+v (%d without organizationId)", len(tr.Nodes), tr.Join, noID)
	}
	// The fake's shape: 13 orgs in 3 levels hang under (i-1)/3.
	for i, o := range srv.Orgs() {
		n := tr.NodeOfOrg(int32(slices.IndexFunc(s.Orgs, func(x tenant.Org) bool { return x.ID == o.ID })))
		if n < 0 || tr.Nodes[n].Name != o.Name {
			t.Fatalf("org %s not joined", o.Name)
		}
		if p := srv.OrgParent(i); p >= 0 && tr.Nodes[tr.Parent[n]].Name != srv.Orgs()[p].Name {
			t.Fatalf("%s under %s, the fake says %s", o.Name, tr.Nodes[tr.Parent[n]].Name, srv.Orgs()[p].Name)
		}
	}
	c := tr.Counts(s)
	if c[0].RollUp != countWithAny(s) {
		t.Fatalf("the top rolls up %d users, %d hold a role", c[0].RollUp, countWithAny(s))
	}
}

func countWithAny(s *tenant.Snapshot) int {
	n := 0
	for _, u := range s.Users {
		if len(u.Groups) > 0 {
			n++
		}
	}
	return n
}

// A 403 (no ORGANIZATION scope) and a 404 (not OneTrust) leave the sync
// unaffected and the snapshot says why there is no tree.
func TestSyncOrgTreeDegrades(t *testing.T) {
	s, _ := syncOrgs(t, scimtest.Config{Users: 20, Orgs: 3, Scopes: []string{"SCIM", "USER"}}, nil)
	if s.OrgTree != nil || s.OrgTreeNote() != "org tree: not available — the key lacks the ORGANIZATION scope" || len(s.Users) != 20 {
		t.Fatalf("%d users, %q", len(s.Users), s.OrgTreeNote())
	}
	s, _ = syncOrgs(t, scimtest.Config{Users: 20, Orgs: 3, NoAccessAPIs: true}, nil)
	if s.OrgTree != nil || !strings.Contains(s.OrgTreeNote(), "not OneTrust") || len(s.Users) != 20 {
		t.Fatalf("%d users, %q", len(s.Users), s.OrgTreeNote())
	}
	s, _ = syncOrgs(t, scimtest.Config{Users: 20, Orgs: 3}, func(ts *scimtest.TestServer) {
		ts.InjectFault(scimtest.Fault{Path: client.OrganizationsPath, Kind: scimtest.FaultStatus, Status: 200,
			Body: `{"externalId":"A","name":"Acme","children":[{"externalId":"B","parentExternalId":"Z","name":"Lost"}]}`})
	})
	if s.OrgTree != nil || !strings.Contains(s.OrgTreeNote(), `missing parent: "Lost" (B) names parent Z`) || len(s.Users) != 20 {
		t.Fatalf("%d users, %q", len(s.Users), s.OrgTreeNote())
	}
	// A cycle: Legal names as its parent Legal EU, which is under it.
	s, _ = syncOrgs(t, scimtest.Config{Users: 20, Orgs: 3}, func(ts *scimtest.TestServer) {
		ts.InjectFault(scimtest.Fault{Path: client.OrganizationsPath, Kind: scimtest.FaultStatus, Status: 200,
			Body: `{"organizationId":"A","name":"Acme","children":[{"organizationId":"B","parentOrganizationId":"C","name":"Legal","children":[{"organizationId":"C","name":"Legal EU","children":[]}]}]}`})
	})
	if s.OrgTree != nil || !strings.Contains(s.OrgTreeNote(), `org tree: not available — `) || !strings.Contains(s.OrgTreeNote(), `cycle: "Legal" (B) names "Legal EU" (C) as its parent`) || len(s.Users) != 20 {
		t.Fatalf("%d users, %q", len(s.Users), s.OrgTreeNote())
	}
}

// The join report: with ids of its own the tree joins by name only; an
// org in the tree only, and the SCIM orgs outside a child credential's
// subtree, are reported.
func TestOrgTreeJoinReport(t *testing.T) {
	s, _ := syncOrgs(t, scimtest.Config{Users: 20, Orgs: 5, OrgTreeOwnIDs: true}, func(ts *scimtest.TestServer) {
		if _, err := ts.AddTreeOrg("Legal", "Legal - Brazil"); err != nil {
			t.Fatal(err)
		}
	})
	j := s.OrgTree.Join
	if j.ByID != 0 || j.ByName != 5 || !slices.Equal(j.TreeOnly, []string{"Legal - Brazil"}) || len(j.SCIMOnly) != 0 {
		t.Fatalf("join %+v", j)
	}
}
