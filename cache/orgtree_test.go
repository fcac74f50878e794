package cache

import (
	"context"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/tenant"
)

// The tree is stored with the snapshot and comes back joined; a snapshot
// whose tree was refused keeps why; a damaged row is reported.
func TestOrgTreeRoundTrip(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	users, groups := smallTenant()
	save := func(nodes []tenant.OrgNode, why string) *tenant.Snapshot {
		t.Helper()
		in := input(users, groups)
		w, err := st.BeginSnapshot(ctx, in.Source, in.Profile, in.StartedAt)
		if err != nil {
			t.Fatal(err)
		}
		w.SetOrgTree(nodes, why)
		if err := w.AddUsers(ctx, users); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Commit(ctx, users, groups); err != nil {
			t.Fatal(err)
		}
		got, err := st.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	nodes := []tenant.OrgNode{
		{Key: "top", OrganizationID: "top", Name: "Acme", DefaultApprover: "grc@acme.test"},
		{Key: "EMEA", ExternalID: "EMEA", ParentKey: "top", Name: "emea - sales", Description: "by name, with a : and a ,"},
		{Key: "apac", OrganizationID: "apac", ParentKey: "EMEA", Name: "APAC"},
	}
	got := save(nodes, "")
	tr := got.OrgTree
	if tr == nil || len(tr.Nodes) != 3 || tr.Nodes[1] != nodes[1] || tr.Nodes[0].DefaultApprover != "grc@acme.test" || tr.Parent[2] != 1 {
		t.Fatalf("tree %+v", tr)
	}
	if tr.Join.ByID != 1 || tr.Join.ByName != 1 || strings.Join(tr.Join.TreeOnly, ",") != "Acme" {
		t.Fatalf("join %+v", tr.Join)
	}
	got = save(nil, "the key lacks the ORGANIZATION scope")
	if got.OrgTree != nil || got.OrgTreeNote() != "org tree: not available — the key lacks the ORGANIZATION scope" {
		t.Fatalf("refused tree: %q", got.OrgTreeNote())
	}
	if _, err := st.db.Exec(`UPDATE snapshot_orgs SET has_tree = 1, nodes = '3:abc'`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx); err == nil || !strings.Contains(err.Error(), "org tree") {
		t.Fatalf("a damaged tree loads: %v", err)
	}
}
