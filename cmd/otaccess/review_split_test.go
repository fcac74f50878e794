package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestReviewSplitMerge: split by org writes one file per org with a
// checksummed header; a reviewer's edited file merges back with its
// reviewer; a file of another review, a header edited to another slice and
// a line outside the slice are refused.
func TestReviewSplitMerge(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 60})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "Q4")
	e.mustRun("review", "start", "--name", "Q3")
	dir := t.TempDir()
	r := e.mustRun("review", "split", "Q4", "--by", "org", "--dir", dir)
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	if len(files) < 2 || !strings.Contains(r.stdout, "org Legal") {
		t.Fatalf("split: %d files\n%s", len(files), r.stdout)
	}
	var legal string
	for _, f := range files {
		if strings.Contains(f, "-org-legal.txt") {
			legal = f
		}
	}
	data, err := os.ReadFile(legal)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"#@ review: Q4", "#@ snapshot: ", "#@ slice: org Legal", "#@ checksum: sha256:"} {
		if !strings.Contains(text, want) {
			t.Fatalf("header lacks %q:\n%s", want, text[:400])
		}
	}
	// The reviewer names themselves and keeps the first item.
	edited := strings.Replace(text, "#@ slice: org Legal", "#@ slice: org Legal\n#@ x: y", 1)
	edited = strings.Replace(edited, "\nundecided ", "\nkeep      ", 1)
	p := filepath.Join(t.TempDir(), "legal.txt")
	os.WriteFile(p, []byte(edited), 0o600)
	r = e.run("review", "merge", "Q4", p)
	if r.code != 0 || !strings.Contains(r.stdout, "recorded 1 decision (keep 1") {
		t.Fatalf("merge: %+v", r)
	}

	// The same file given to another review: refused whole.
	if r := e.run("review", "merge", "Q3", p); r.code != 1 || !strings.Contains(r.stderr, `refused: the file is of review "Q4", not "Q3"`) || strings.Contains(r.stdout, "recorded") {
		t.Fatalf("merge into another review: %+v", r)
	}
	// A header edited to claim another slice: the checksum refuses it.
	forged := strings.Replace(edited, "#@ slice: org Legal", "#@ slice: org "+otherOrg(t, files), 1)
	os.WriteFile(p, []byte(forged), 0o600)
	if r := e.run("review", "merge", "Q4", p); r.code != 1 || !strings.Contains(r.stderr, "checksum") {
		t.Fatalf("forged slice: %+v", r)
	}
	// A line of another slice pasted in: that line changes nothing.
	other, _ := os.ReadFile(otherFile(files, legal))
	var foreign string
	for _, l := range strings.Split(string(other), "\n") {
		if strings.HasPrefix(l, "undecided ") {
			foreign = "revoke" + strings.TrimPrefix(l, "undecided")
			break
		}
	}
	os.WriteFile(p, []byte(edited+foreign+"\n"), 0o600)
	if r := e.run("review", "merge", "Q4", p); r.code != 1 || !strings.Contains(r.stderr, "outside this file's slice") {
		t.Fatalf("foreign line: %+v", r)
	}
}

func otherFile(files []string, not string) string {
	for _, f := range files {
		if f != not {
			return f
		}
	}
	return ""
}

func otherOrg(t *testing.T, files []string) string {
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "#@ slice: org "); ok && v != "Legal" {
				return v
			}
		}
	}
	t.Fatal("one org only")
	return ""
}

// TestReviewSplitByManager: a user's items go to their manager, who is
// named as the file's reviewer and recorded as each decision's reviewer;
// the manager's own items are not in their file.
func TestReviewSplitByManager(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 10})
	g := e.srv.Groups()[0]
	boss := e.srv.AddUser(client.User{UserName: "boss@acme.test", Active: true,
		Emails: []client.MultiValue{{Value: "boss@acme.test", Primary: true}}, Groups: []client.GroupRef{{Value: g.ID}}})
	e.srv.AddUser(client.User{UserName: "worker@acme.test", Active: true,
		Emails: []client.MultiValue{{Value: "worker@acme.test", Primary: true}}, Groups: []client.GroupRef{{Value: g.ID}},
		Enterprise: &client.EnterpriseUser{Manager: &client.Manager{Value: boss}}})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "M", "--filter", "acme.test")
	dir := t.TempDir()
	r := e.mustRun("review", "split", "M", "--by", "manager", "--dir", dir)
	if !strings.Contains(r.stdout, "manager boss@acme.test (boss@acme.test, 1 item)") || !strings.Contains(r.stdout, "manager (none)") {
		t.Fatalf("split: %s", r.stdout)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*-manager-boss-acme-test.txt"))
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	data, _ := os.ReadFile(files[0])
	if strings.Contains(string(data), "  boss@acme.test  ") || !strings.Contains(string(data), "#@ reviewer: boss@acme.test") {
		t.Fatalf("boss's file:\n%s", data)
	}
	os.WriteFile(files[0], []byte(strings.Replace(string(data), "\nundecided ", "\nrevoke    ", 1)), 0o600)
	e.mustRun("review", "merge", "M", files[0])
	rows := reviewJSONItems(t, e, "M")
	for _, row := range rows {
		if row["email"] == "worker@acme.test" && (row["decision"] != "revoke" || row["reviewer"] != "boss@acme.test") {
			t.Fatalf("worker's row %v", row)
		}
	}
}

// TestReviewSplitByOrgApprover, end to end on the fake tenant (every
// fourth org has a defaultApprover: Acme Corporation and Engineering of
// five; Engineering sits under Legal under Acme Corporation): split --by
// org writes one file per approver, and one per org without one, saying
// so in the header; the Engineering approver's own access is not in their
// file but in the Acme Corporation approver's, and cannot be decided from
// their file; the Acme Corporation approver's own access (no org above)
// goes to their manager; merging the edited files records each decision
// with its file's reviewer in the evidence.
func TestReviewSplitByOrgApprover(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 40, Roles: 3, Orgs: 5})
	eng, top := e.srv.OrgApprover(4), e.srv.OrgApprover(0)
	if e.srv.Orgs()[4].Name != "Engineering" || eng == "" || top == "" || e.srv.OrgApprover(1) != "" {
		t.Fatalf("the fake's orgs changed: %v, approvers %q %q", e.srv.Orgs(), eng, top)
	}
	groupOf := func(org int) string {
		for _, g := range e.srv.Groups() {
			if strings.HasSuffix(g.ID, ":"+e.srv.Orgs()[org].ID) {
				return g.ID
			}
		}
		t.Fatalf("no group in org %d", org)
		return ""
	}
	e.srv.AddUser(client.User{UserName: eng, Active: true,
		Emails: []client.MultiValue{{Value: eng, Primary: true}}, Groups: []client.GroupRef{{Value: groupOf(4)}}})
	boss := e.srv.AddUser(client.User{UserName: "boss@acme.test", Active: true,
		Emails: []client.MultiValue{{Value: "boss@acme.test", Primary: true}}})
	e.srv.AddUser(client.User{UserName: top, Active: true,
		Emails: []client.MultiValue{{Value: top, Primary: true}}, Groups: []client.GroupRef{{Value: groupOf(0)}},
		Enterprise: &client.EnterpriseUser{Manager: &client.Manager{Value: boss}}})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "Q")
	dir := t.TempDir()
	r := e.mustRun("review", "split", "Q", "--by", "org", "--dir", dir)
	for _, want := range []string{"org reviewer " + eng + " (" + eng + ",", "org reviewer " + top + " (" + top + ",",
		"org Legal (no reviewer: Legal has no defaultApprover in OneTrust,"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("split lacks %q:\n%s", want, r.stdout)
		}
	}
	read := func(suffix string) (string, string) {
		files, _ := filepath.Glob(filepath.Join(dir, "*-"+suffix+".txt"))
		if len(files) != 1 {
			t.Fatalf("%s: files %v", suffix, files)
		}
		data, _ := os.ReadFile(files[0])
		return files[0], string(data)
	}
	engFile, engText := read(slug("org reviewer " + eng))
	topFile, topText := read(slug("org reviewer " + top))
	_, legalText := read("org-legal")
	for _, want := range []string{"#@ reviewer: " + eng, "#@ reviewer-from: the defaultApprover of Engineering", "— Engineering"} {
		if !strings.Contains(engText, want) {
			t.Fatalf("Engineering approver's file lacks %q:\n%s", want, engText)
		}
	}
	if strings.Contains(engText, "  "+eng+"  ") || strings.Contains(engText, "— Legal") {
		t.Fatalf("Engineering approver's file holds their own access or another org's:\n%s", engText)
	}
	ownLine := ""
	for _, l := range strings.Split(topText, "\n") {
		if strings.Contains(l, "  "+eng+"  ") {
			ownLine = l
		}
	}
	if !strings.Contains(ownLine, "given to the defaultApprover of Acme Corporation") || !strings.Contains(topText, "#@ reviewer-from: the defaultApprover of Acme Corporation") {
		t.Fatalf("the Engineering approver's own item in the Acme Corporation approver's file:\n%s", topText)
	}
	if strings.Contains(topText, "  "+top+"  ") {
		t.Fatalf("the Acme Corporation approver's file holds their own access:\n%s", topText)
	}
	if _, bossText := read("org-reviewer-boss-acme-test"); !strings.Contains(bossText, "  "+top+"  ") || !strings.Contains(bossText, "given to their manager") {
		t.Fatalf("the Acme Corporation approver's own access in their manager's file:\n%s", bossText)
	}
	if !strings.Contains(legalText, "#@ reviewer-from: no reviewer: Legal has no defaultApprover in OneTrust") || strings.Contains(legalText, "#@ reviewer:") {
		t.Fatalf("Legal's file:\n%s", legalText)
	}

	// The reviewers edit their files: Engineering's approver revokes every
	// item of theirs, and pasting in their own line changes nothing.
	edited := strings.ReplaceAll(engText, "\nundecided ", "\nrevoke    ")
	os.WriteFile(engFile, []byte(edited+"keep"+strings.TrimPrefix(ownLine, "undecided")+"\n"), 0o600)
	r = e.run("review", "merge", "Q", engFile)
	if r.code != 1 || !strings.Contains(r.stderr, "outside this file's slice") || !strings.Contains(r.stdout, "recorded ") {
		t.Fatalf("merge with the approver's own line: %+v", r)
	}
	os.WriteFile(topFile, []byte(strings.Replace(topText, ownLine, "keep"+strings.TrimPrefix(ownLine, "undecided"), 1)), 0o600)
	e.mustRun("review", "merge", "Q", topFile)

	engItems := 0
	for _, row := range reviewJSONItems(t, e, "Q") {
		switch {
		case row["email"] == eng:
			// The evidence says why its reviewer is not Engineering's.
			if row["decision"] != "keep" || row["reviewer"] != top ||
				row["reviewerReason"] != "the own access of Engineering's defaultApprover, given to the defaultApprover of Acme Corporation" {
				t.Fatalf("the Engineering approver's own item: %v", row)
			}
		case row["org"] == "Engineering":
			engItems++
			if row["decision"] != "revoke" || row["reviewer"] != eng || row["reviewerReason"] != "" {
				t.Fatalf("an Engineering item: %v", row)
			}
		case row["email"] == top:
			if row["decision"] != "undecided" {
				t.Fatalf("the Acme Corporation approver's own item: %v", row)
			}
		case row["decision"] != "undecided":
			t.Fatalf("an item no file decided: %v", row)
		}
	}
	if engItems == 0 {
		t.Fatal("no Engineering items")
	}
	// The CSV has it in reviewer_reason, beside reviewer; a decision
	// recorded over it by someone else clears it.
	reason := func() string {
		p := filepath.Join(t.TempDir(), "q.csv")
		e.mustRun("review", "export", "Q", "--csv", p)
		f, _ := os.Open(p)
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, c := range rows[0] {
			col[c] = i
		}
		if col["reviewer_reason"] != col["reviewer"]+1 {
			t.Fatalf("columns %v", rows[0])
		}
		for _, row := range rows[1:] {
			if row[col["email"]] == eng && row[col["decision"]] != "undecided" {
				return row[col["reviewer"]] + ": " + row[col["reviewer_reason"]]
			}
		}
		return ""
	}
	if got := reason(); got != top+": the own access of Engineering's defaultApprover, given to the defaultApprover of Acme Corporation" {
		t.Fatalf("CSV reviewer_reason: %q", got)
	}
	whole := filepath.Join(t.TempDir(), "whole.txt")
	os.WriteFile(whole, []byte(strings.Replace(ownLine, "undecided", "revoke   ", 1)+"\n"), 0o600)
	e.mustRun("review", "decide", "Q", "--from-file", whole)
	if got := reason(); !strings.HasSuffix(got, ": ") || strings.HasPrefix(got, top) {
		t.Fatalf("after another decision: %q", got)
	}
}

// TestReviewSplitByOrgWithoutTree: a snapshot without the organization
// tree (a SCIM server that is not OneTrust) splits per org, each file
// saying why it names no reviewer.
func TestReviewSplitByOrgWithoutTree(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 20, NoAccessAPIs: true})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "Q")
	dir := t.TempDir()
	r := e.mustRun("review", "split", "Q", "--by", "org", "--dir", dir)
	if !strings.Contains(r.stdout, "org Legal (no reviewer: org tree: not available — ") || strings.Contains(r.stdout, "org reviewer") {
		t.Fatalf("split: %s", r.stdout)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*-org-legal.txt"))
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(string(data), "#@ reviewer-from: no reviewer: org tree: not available") {
		t.Fatalf("Legal's file:\n%.600s", data)
	}
	os.WriteFile(files[0], []byte(strings.Replace(string(data), "\nundecided ", "\nkeep      ", 1)), 0o600)
	if r := e.mustRun("review", "merge", "Q", files[0]); !strings.Contains(r.stdout, "recorded 1 decision") {
		t.Fatalf("merge: %s", r.stdout)
	}
}
