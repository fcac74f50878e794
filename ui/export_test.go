package ui

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"github.com/otaccess/otaccess/access"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/numfmt"
)

// exportTo presses the export key, replaces the default path with path and
// presses enter.
func (d *driver) exportTo(key, path string) {
	d.t.Helper()
	d.key(key)
	dlg, ok := d.m.dialogs[len(d.m.dialogs)-1].dialog.(*exportDialog)
	if !ok {
		d.t.Fatalf("no export dialog:\n%s", d.screen())
	}
	dlg.input.SetValue("")
	d.typeText(path)
	d.key("enter")
}

func TestExportUsersAsFiltered(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 100, 30)
	t.Chdir(t.TempDir())
	d.key("/")
	d.typeText("status:inactive")
	d.key("enter")
	shown := len(d.m.roots[tabUsers].(*usersScreen).rows)

	// The default name is in the current directory and dated.
	d.key("e")
	d.contains("Export users", "otaccess-users-"+tn.now().Format("2006-01-02")+".csv")
	d.key("enter")
	abs, _ := filepath.Abs("otaccess-users-" + tn.now().Format("2006-01-02") + ".csv")
	if want := "exported " + numfmt.Count(shown, "user", "users") + " to " + abs + " (CSV)"; !strings.Contains(d.m.flash.text, want) {
		t.Fatalf("flash %q, want %q", d.m.flash.text, want)
	}
	f, err := os.Open(abs)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != shown+1 || recs[0][0] != "id" {
		t.Fatalf("CSV has %d records (header %v), want %d users + header", len(recs), recs[0], shown)
	}
	for _, r := range recs[1:] {
		if r[4] != "inactive" {
			t.Fatalf("an active user in the filtered export: %v", r)
		}
	}

	// An existing file is replaced only after a yes.
	before, _ := os.ReadFile(abs)
	d.key("esc", "/") // clear the filter, then the other users
	d.typeText("-status:inactive")
	d.key("enter")
	d.exportTo("e", filepath.Base(abs))
	d.contains("exists.", "Replace it?")
	d.key("n")
	if now, _ := os.ReadFile(abs); string(now) != string(before) {
		t.Fatal("n replaced the file")
	}
	d.key("enter") // the same name again: asked again
	d.key("y")
	if now, _ := os.ReadFile(abs); string(now) == string(before) {
		t.Fatal("y did not replace the file")
	}
	others := len(d.m.roots[tabUsers].(*usersScreen).rows)
	if want := "exported " + numfmt.Count(others, "user", "users") + " to " + abs; !strings.Contains(d.m.flash.text, want) {
		t.Fatalf("flash after the replace %q, want %q", d.m.flash.text, want)
	}
	if len(d.m.dialogs) != 0 {
		t.Fatal("the dialog stays open after the export")
	}
}

func TestExportJSONAndMatrices(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 120, 30)
	dir := t.TempDir()

	// tab switches the format; JSON is the CLI's users --json shape.
	d.key("e", "tab")
	if v := d.m.dialogs[0].dialog.(*exportDialog).input.Value(); !strings.HasSuffix(v, ".json") {
		t.Fatalf("tab made %q", v)
	}
	d.key("esc")
	d.exportTo("e", filepath.Join(dir, "u.json"))
	var users []export.User
	readJSON(t, filepath.Join(dir, "u.json"), &users)
	if len(users) != len(tn.snap.Users) {
		t.Fatalf("%d users in the JSON, want %d", len(users), len(tn.snap.Users))
	}
	d.contains("exported " + "300 users")

	// The tenant matrix: a row per role, a column per org.
	d.key("2")
	d.exportTo("e", filepath.Join(dir, "m.csv"))
	recs := readCSV(t, filepath.Join(dir, "m.csv"))
	if len(recs) != len(tn.snap.Roles)+1 || len(recs[0]) != len(tn.snap.Orgs)+1 || recs[0][0] != "role" {
		t.Fatalf("matrix CSV is %d x %d", len(recs), len(recs[0]))
	}

	// A user's matrix: E on the user detail (e edits there).
	d.key("1")
	d.openUser(tn.snap.Users[5].Email)
	d.exportTo("E", filepath.Join(dir, "um.csv"))
	recs = readCSV(t, filepath.Join(dir, "um.csv"))
	held := 0
	for _, r := range recs[1:] {
		for _, c := range r[1:] {
			if c == "●" || c == "◉" {
				held++
			}
		}
	}
	if held != len(tn.snap.Users[5].Groups) {
		t.Fatalf("%d held cells in the user's matrix CSV, the user has %d memberships", held, len(tn.snap.Users[5].Groups))
	}

	// A directory is refused, with the reason.
	d.exportTo("E", dir)
	d.contains("it is a directory")
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestExportReviewItemsAndMembers(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	r, err := tn.svc.StartReview(context.Background(), "Q4", access.ReviewScope{})
	if err != nil {
		t.Fatal(err)
	}
	d := tn.model(t, 120, 30)
	dir := t.TempDir()
	d.palette("review Q4")
	d.exportTo("e", filepath.Join(dir, "r.csv"))
	recs := readCSV(t, filepath.Join(dir, "r.csv"))
	if len(recs) != len(r.Items)+1 || strings.Join(recs[0], ",") != strings.Join(access.EvidenceColumns, ",") {
		t.Fatalf("review CSV: %d records, header %v; want %d items under the evidence columns", len(recs), recs[0], len(r.Items))
	}
	d.contains(numfmt.Count(len(r.Items), "item", "items"))

	g := int(tn.snap.Users[0].Groups[0])
	d.palette("group " + tn.snap.Groups[g].DisplayName)
	d.exportTo("e", filepath.Join(dir, "members.csv"))
	if recs := readCSV(t, filepath.Join(dir, "members.csv")); len(recs) != len(tn.snap.Groups[g].Members)+1 {
		t.Fatalf("members CSV has %d records, the group %d members", len(recs), len(tn.snap.Groups[g].Members))
	}
}
