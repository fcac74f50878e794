package main

import (
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
