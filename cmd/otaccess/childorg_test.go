package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestChildOrgCredentialEndToEnd: over real HTTP, a sync with the API key
// (the whole tenant) and then with a credential made in the child org
// Legal. The second snapshot holds only Legal's subtree and says so; sync
// names the credential's org; the diff between the two warns that the
// view changed rather than only listing the unseen part as removed; a
// review started on it says so in its scope, and its evidence bundle's
// population names the org. User groups whose members include users
// outside the view load without them.
func TestChildOrgCredentialEndToEnd(t *testing.T) {
	t.Parallel()
	e, creds := oauthEnv(t, scimtest.Config{Users: 200, Roles: 4, Orgs: 5, Seed: 7, UserGroups: 12, ClientOrg: "Legal"})
	e.mustRun("sync")
	r := e.runEnv(creds, "sync")
	if r.code != 0 {
		t.Fatalf("sync with Legal's credential: %+v", r)
	}
	if !strings.Contains(r.stdout, "credential of organization Legal: it sees only that organization and its sub-organizations, not the whole tenant") {
		t.Errorf("sync does not say the credential is Legal's:\n%s", r.stdout)
	}

	svc, err := access.Open(nil, e.cache, "t")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := svc.Load(context.Background())
	svc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if snap.Info.SubtreeOrg != "Legal" {
		t.Errorf("snapshot's subtree org %q, want Legal", snap.Info.SubtreeOrg)
	}
	in := map[string]bool{}
	for _, o := range e.srv.CredentialSubtree() {
		in[o.Name] = true
	}
	want := 0
	for _, u := range e.srv.Users() {
		if e.srv.CredentialSees(u.ID) {
			want++
		}
	}
	if len(snap.Users) != want || want == 0 || want == len(e.srv.Users()) {
		t.Fatalf("snapshot holds %d users, want the %d of Legal's subtree (of %d)", len(snap.Users), want, len(e.srv.Users()))
	}
	for _, u := range snap.Users {
		if !e.srv.CredentialSees(u.ID) {
			t.Fatalf("snapshot holds %s, outside Legal's subtree", u.UserName)
		}
	}
	for _, o := range snap.Orgs {
		if !in[o.Name] {
			t.Errorf("snapshot holds org %q, outside Legal's subtree", o.Name)
		}
	}
	// The user groups' member lists name users outside the view; the
	// snapshot keeps the ids and resolves only those it holds.
	foreign := 0
	for _, g := range snap.UserGroups {
		for _, m := range g.Members {
			if !e.srv.CredentialSees(m) {
				foreign++
			}
		}
	}
	if foreign == 0 {
		t.Fatal("no user group lists a member outside Legal's subtree: the seed does not test that")
	}
	via := 0
	for u := range snap.Users {
		via += len(snap.UserGroupsOf(u))
	}
	if via == 0 {
		t.Error("no user of the snapshot is in a user group")
	}

	// The diff from the root's snapshot says the view changed.
	r = e.runEnv(creds, "diff")
	if r.code != 0 {
		t.Fatalf("diff: %+v", r)
	}
	const warn = "warning: the view changed: the first snapshot holds the whole tenant, the second only organization Legal's subtree"
	if !strings.Contains(r.stdout, warn) || !strings.Contains(r.stdout, "users removed") {
		t.Errorf("diff root → Legal does not warn before listing the unseen users as removed:\n%s", r.stdout)
	}
	r = e.runEnv(creds, "diff", "--json")
	var dj struct {
		ViewWarning string `json:"viewWarning"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &dj); err != nil || !strings.HasPrefix(dj.ViewWarning, warn) {
		t.Errorf("diff --json viewWarning %q (%v)", dj.ViewWarning, err)
	}

	// So does a comparison of the two snapshots, in text and in JSON.
	r = runIn(t, e.home, nil, "compare", "--cache", e.cache, "--snapshot", "1", "--cache", e.cache, "--snapshot", "2")
	if r.code != 0 || !strings.Contains(r.stdout, warn) {
		t.Errorf("compare root | Legal: %+v", r)
	}
	r = runIn(t, e.home, nil, "compare", "--cache", e.cache, "--snapshot", "1", "--cache", e.cache, "--snapshot", "2", "--json")
	var cj struct {
		Left, Right struct {
			SubtreeOrg string `json:"subtreeOrg"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &cj); err != nil || cj.Left.SubtreeOrg != "" || cj.Right.SubtreeOrg != "Legal" {
		t.Errorf("compare --json sides %+v (%v)", cj, err)
	}

	// A review of it says so; so does its evidence.
	r = e.runEnv(creds, "review", "start", "--name", "Q4")
	const note = "the snapshot holds only organization Legal and its sub-organizations (the credential lives there), not the whole tenant"
	if r.code != 0 || !strings.Contains(r.stdout, note) {
		t.Fatalf("review start on Legal's snapshot: %+v", r)
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	e.mustRun("review", "export", "Q4", "--bundle", dir)
	var pop struct {
		Users         int    `json:"users"`
		CredentialOrg string `json:"credentialOrg"`
		SubtreeNote   string `json:"subtreeNote"`
	}
	readJSON(t, filepath.Join(dir, "population.json"), &pop)
	if pop.CredentialOrg != "Legal" || pop.SubtreeNote != note || pop.Users != want {
		t.Errorf("population.json %+v", pop)
	}
	var ev struct {
		Scope string `json:"scope"`
	}
	readJSON(t, filepath.Join(dir, "evidence.json"), &ev)
	if !strings.Contains(ev.Scope, note) {
		t.Errorf("evidence scope %q", ev.Scope)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
