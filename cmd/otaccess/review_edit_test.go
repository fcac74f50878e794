package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// editorScript writes an sh script that edits its argument ($1) with the
// awk program prog, and returns $EDITOR for it: "sh PATH" (a value with
// an argument, as "code --wait" is, so it goes through the shell as git
// runs it).
func editorScript(t *testing.T, prog string) string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	awk := filepath.Join(dir, "edit.awk")
	if err := os.WriteFile(awk, []byte(prog), 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "editor.sh")
	body := "#!/bin/sh\nset -e\ncp \"$1\" \"$1.orig\"\nawk -f '" + awk + "' \"$1.orig\" > \"$1\"\ncp \"$1\" '" + filepath.Join(dir, "seen.txt") + "'\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	return "sh " + script
}

// itemLines are the item lines of the file the editor saw last.
func itemLines(t *testing.T, editor string) []string {
	t.Helper()
	seen := filepath.Join(filepath.Dir(strings.TrimPrefix(editor, "sh ")), "seen.txt")
	data, err := os.ReadFile(seen)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func reviewJSONItems(t *testing.T, e *env, name string) []map[string]any {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	e.mustRun("review", "export", name, "--json", p)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct{ Rows []map[string]any }
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Rows
}

// TestReviewEditScriptEditor: a script as $EDITOR changes words, adds a
// note, writes an unknown word, deletes one line and moves another; the
// changed lines are recorded, the others reported with exit 1, and the
// file is kept for --from-file.
func TestReviewEditScriptEditor(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "Q4", "--org", "Legal")
	// Line numbers among item lines (NR counts the header too: item lines
	// are those not starting with #).
	prog := `
/^#/ { print; next }
{ n++ }
n == 1 { sub(/^undecided/, "revoke"); print; next }
n == 2 { sub(/^undecided/, "keep"); print $0 "  note: in the audit team \\# 4"; next }
n == 3 { sub(/^undecided/, "revok"); print; next }
n == 4 { next }
n == 5 { moved = $0; sub(/^undecided/, "skip", moved); next }
n == 6 { sub(/^undecided/, "skip"); print; next }
{ print }
END { print moved }
`
	ed := editorScript(t, prog)
	r := e.runEnv(append(e.tenantEnv(), "EDITOR="+ed), "review", "edit", "Q4")
	if r.code != 1 {
		t.Fatalf("edit: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	lines := itemLines(t, ed)
	for _, want := range []string{"recorded 3 decisions (keep 1, revoke 1, skip 1, undecided 0)"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{`unknown word "revok"`, "was moved", "was deleted", "3 lines changed nothing", "--from-file"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.HasPrefix(lines[0], "revoke ") || !strings.HasPrefix(lines[len(lines)-1], "skip ") {
		t.Fatalf("editor output:\n%s", strings.Join(lines[:6], "\n"))
	}
	rows := reviewJSONItems(t, e, "Q4")
	got := map[string]int{}
	for i, row := range rows {
		got[row["decision"].(string)]++
		switch i {
		case 0:
			if row["decision"] != "revoke" || row["reviewer"] == "" {
				t.Fatalf("row 0 %v", row)
			}
		case 1:
			if row["decision"] != "keep" || row["note"] != "in the audit team # 4" {
				t.Fatalf("row 1 %v", row)
			}
		case 2, 3, 4:
			if row["decision"] != "undecided" {
				t.Fatalf("row %d %v: a reported line was recorded", i, row)
			}
		case 5:
			if row["decision"] != "skip" {
				t.Fatalf("row 5 %v", row)
			}
		}
	}
	if got["undecided"] != len(rows)-3 {
		t.Fatalf("decisions %v", got)
	}

	// The kept file: fix the unknown word and put the moved line back.
	kept := ""
	for _, l := range strings.Split(r.stderr, "\n") {
		if _, after, ok := strings.Cut(l, "--from-file "); ok {
			kept = strings.TrimSuffix(strings.TrimSpace(after), "`")
		}
	}
	data, err := os.ReadFile(kept)
	if err != nil {
		t.Fatalf("kept file %q: %v", kept, err)
	}
	os.Remove(kept)
	fixed := strings.Replace(string(data), "\nrevok ", "\nrevoke ", 1)
	p := filepath.Join(t.TempDir(), "fixed.txt")
	if err := os.WriteFile(p, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.run("review", "decide", "Q4", "--from-file", p)
	// From a file the review's current state is the baseline: the three
	// recorded lines are unchanged now, the fixed one is recorded, the
	// moved one is still out of place; a deleted line is not reported
	// (a script's file lists what it decides).
	if r.code != 1 || !strings.Contains(r.stdout, "recorded 1 decision (keep 0, revoke 1") || !strings.Contains(r.stderr, "was moved") ||
		strings.Contains(r.stderr, "deleted") {
		t.Fatalf("from-file: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// An editor that fails records nothing.
	r = e.runEnv(append(e.tenantEnv(), "EDITOR=false"), "review", "edit", "Q4", "--decision", "undecided")
	if r.code == 0 || !strings.Contains(r.stderr, "nothing recorded") {
		t.Fatalf("failing editor: %+v", r)
	}
	// No editor and no terminal: say what to set.
	if r := e.run("review", "edit", "Q4"); r.code == 0 || !strings.Contains(r.stderr, "set VISUAL or EDITOR") {
		t.Fatalf("no editor: %+v", r)
	}
	// An editor that changes nothing records nothing.
	r = e.runEnv(append(e.tenantEnv(), "VISUAL=true"), "review", "edit", "Q4", "--org", "legal", "--decision", "undecided")
	if r.code != 0 || !strings.Contains(r.stdout, "not changed") {
		t.Fatalf("unchanged: %+v", r)
	}
}

// TestReviewEditHostileNames: a user name with a newline, '#', a
// backslash and an escape sequence stays on its one line, escaped; its
// decision is recorded by key, and nothing in the file can drive a
// terminal.
func TestReviewEditHostileNames(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 20})
	var g client.Group
	for _, x := range e.srv.Groups() {
		if strings.HasSuffix(x.DisplayName, " - Legal") {
			g = x
			break
		}
	}
	evil := "evil#1\nrevoke 0.00000000 x\x1b]52;c;aGk=\x07\\n\u202e"
	e.srv.AddUser(client.User{UserName: evil, Active: true, Groups: []client.GroupRef{{Value: g.ID}}})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "H", "--filter", "evil")
	ed := editorScript(t, `/^#/ { print; next } { sub(/^undecided/, "keep"); print }`)
	r := e.runEnv(append(e.tenantEnv(), "EDITOR="+ed), "review", "edit", "H")
	if r.code != 0 || !strings.Contains(r.stdout, "recorded 1 decision") {
		t.Fatalf("edit: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	lines := itemLines(t, ed)
	if len(lines) != 1 {
		t.Fatalf("%d item lines for one item:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if !strings.Contains(lines[0], `evil\#1\nrevoke 0.00000000 x\x1b]52;c;aGk=\x07\\n\u202e`) || strings.ContainsAny(lines[0], "\x1b\x07\u202e") {
		t.Fatalf("line %q", lines[0])
	}
	if rows := reviewJSONItems(t, e, "H"); len(rows) != 1 || rows[0]["decision"] != "keep" {
		t.Fatalf("rows %v", rows)
	}
}

// TestReviewDecideFromCSV: the export's CSV, a decision changed, is read
// back by decide --from-file; a row of another review is refused.
func TestReviewDecideFromCSV(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 40})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "Q4", "--org", "Legal")
	p := filepath.Join(t.TempDir(), "q4.csv")
	e.mustRun("review", "export", "Q4", "--csv", p)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	lines[1] = strings.Replace(lines[1], ",undecided,", ",revoke,", 1)
	lines[2] = strings.Replace(strings.Replace(lines[2], ",undecided,", ",keep,", 1), "Q4,", "Q3,", 1)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run("review", "decide", "Q4", "--from-file", p)
	if r.code != 1 || !strings.Contains(r.stdout, "recorded 1 decision (keep 0, revoke 1") || !strings.Contains(r.stderr, `line 3 is a row of review "Q3"`) {
		t.Fatalf("from CSV: %+v", r)
	}
	if rows := reviewJSONItems(t, e, "Q4"); rows[0]["decision"] != "revoke" || rows[1]["decision"] != "undecided" {
		t.Fatalf("rows %v %v", rows[0], rows[1])
	}
}
