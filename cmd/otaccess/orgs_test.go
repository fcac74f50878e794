package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/export"
)

// orgs prints the tree the sync read, with direct and rolled-up counts;
// --json nests it with lowerCamel keys and the join report.
func TestOrgsCommand(t *testing.T) {
	e := newEnv(t, scimtest.Config{Roles: 6, Orgs: 7})
	if _, err := e.srv.AddTreeOrg("Legal", "Legal - Brazil"); err != nil {
		t.Fatal(err)
	}
	e.mustRun("sync")
	var got orgsJSON
	if err := json.Unmarshal([]byte(e.mustRun("orgs", "--json").stdout), &got); err != nil {
		t.Fatal(err)
	}
	root := got.Tree
	if !got.Available || root == nil || root.Name != e.srv.Orgs()[0].Name || len(root.Children) != 2 || root.JoinedBy != "id" {
		t.Fatalf("tree %+v", got)
	}
	// Roll-ups: a node's roll-up is at least each child's and its own.
	var check func(o *orgJSON) int
	n := 0
	check = func(o *orgJSON) int {
		n++
		for i := range o.Children {
			if c := check(&o.Children[i]); c > o.RollUpMembers {
				t.Errorf("%s rolls up %d, its child %d", o.Name, o.RollUpMembers, c)
			}
		}
		if o.Members > o.RollUpMembers {
			t.Errorf("%s: %d members, roll-up %d", o.Name, o.Members, o.RollUpMembers)
		}
		return o.RollUpMembers
	}
	check(root)
	if n != 8 || got.Join.ByID+got.Join.ByName != 7 || got.Join.ByName == 0 || strings.Join(got.Join.TreeOnly, ",") != "Legal - Brazil" || len(got.Join.SCIMOnly) != 0 {
		t.Fatalf("%d nodes, join %+v", n, got.Join)
	}
	out := e.mustRun("orgs").stdout
	for _, want := range []string{"ORGANIZATION", "ROLL-UP", "├─ Legal", "Legal - Brazil (not in any SCIM group)", "ORG-001", "8 organizations; joined to SCIM orgs by id: ", "in the tree but in no SCIM group id (1): Legal - Brazil"} {
		if !strings.Contains(out, want) {
			t.Errorf("orgs output lacks %q:\n%s", want, out)
		}
	}
}

// Without the ORGANIZATION scope the sync still works and orgs says why
// there is no tree.
func TestOrgsWithoutTheScope(t *testing.T) {
	e := newEnv(t, scimtest.Config{Scopes: []string{"SCIM", "USER"}})
	r := e.mustRun("sync")
	const note = "org tree: not available — the key lacks the ORGANIZATION scope"
	if !strings.Contains(r.stderr, "note: org tree not available — the key lacks the ORGANIZATION scope") {
		t.Errorf("sync stderr: %s", r.stderr)
	}
	if out := e.mustRun("orgs").stdout; strings.TrimSpace(out) != note {
		t.Fatalf("orgs: %q", out)
	}
	var got orgsJSON
	if err := json.Unmarshal([]byte(e.mustRun("orgs", "--json").stdout), &got); err != nil || got.Available || got.Note != note || got.Tree != nil {
		t.Fatalf("%+v %v", got, err)
	}
}

// review start --org Legal --with-suborgs covers Legal and the orgs under
// it in the tree; the under: filter term selects the same users.
func TestReviewWithSubOrgs(t *testing.T) {
	e := newEnv(t, scimtest.Config{Roles: 6, Orgs: 7})
	if r := e.run("review", "start", "--name", "early", "--org", "Legal", "--with-suborgs"); r.code == 0 {
		t.Fatalf("a review before any sync: %+v", r)
	}
	e.mustRun("sync")
	r := e.mustRun("review", "start", "--name", "legal-tree", "--org", "Legal", "--with-suborgs")
	orgs := e.srv.Orgs()
	want := "org Legal with its sub-organizations (3 organizations: "
	if out := r.stdout + r.stderr; !strings.Contains(out, want) || !strings.Contains(out, orgs[3].Name) || !strings.Contains(out, orgs[4].Name) {
		t.Fatalf("review start: %s", out)
	}
	if r := e.run("review", "start", "--name", "nosub", "--with-suborgs"); r.code == 0 || !strings.Contains(r.stderr, "--with-suborgs needs --org") {
		t.Fatalf("without --org: %+v", r)
	}
	var under, plain []export.User
	if err := json.Unmarshal([]byte(e.mustRun("users", "--json", "--filter", "under:Legal").stdout), &under); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(e.mustRun("users", "--json", "--filter", "org:Legal").stdout), &plain); err != nil {
		t.Fatal(err)
	}
	if len(under) <= len(plain) {
		t.Fatalf("under:Legal %d users, org:Legal %d", len(under), len(plain))
	}
}
