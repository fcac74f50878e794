package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/textsafe"
)

// csvHostile is what a server string may carry to attack a CSV read on a
// terminal or opened in a spreadsheet.
var csvHostile = []string{
	"\x1b]52;c;ZXZpbA==\x07", // OSC 52: write the clipboard
	"\x1b[2J\x1b[H",          // clear the screen
	"\u009b31m",              // C1 CSI
	"\u202eexe.txt\u202c",    // bidi override
	"nul\x00byte",
	"ja\u200bne",
	"line\u2028sep",
}

// csvFormulas start a formula in a spreadsheet unless quoted.
var csvFormulas = []string{"=1+1", "  =HYPERLINK(\"http://x\")", "＝1+1", "＋1", "－1", "＠SUM(A1)", " @x", "+cmd"}

// TestCSVCarriesNoControls gives users, roles, orgs and group names hostile
// values on the server, syncs, writes audit rows about them and a review,
// and reads every CSV otaccess writes to stdout: no control or invisible
// rune reaches it, and no cell starts a formula.
func TestCSVCarriesNoControls(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 20, Roles: 3, Orgs: 2})
	groups := e.srv.Groups()
	var ids []string
	for i, h := range append(append([]string{}, csvHostile...), csvFormulas...) {
		email := "m" + string(rune('a'+i)) + h + "@example.com"
		id := e.srv.AddUser(client.User{
			UserName: email, DisplayName: h, Title: h, UserType: h, Active: true,
			Name:   client.Name{GivenName: h, FamilyName: h},
			Emails: []client.MultiValue{{Value: email, Primary: true}},
		})
		if err := e.srv.SetMember(id, groups[i%len(groups)].ID, true); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	roleID, orgID, _ := strings.Cut(groups[0].ID, ":")
	if err := e.srv.RenameRole(roleID, "=Admin"+csvHostile[0]); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.RenameOrg(orgID, "＠Legal"+csvHostile[2]); err != nil {
		t.Fatal(err)
	}
	e.mustRun("sync", "-q")
	for _, id := range ids[:3] { // audit rows naming hostile users and groups
		e.run("grant", id, roleID, orgID, "--yes")
	}
	e.mustRun("review", "start", "--name", "csv")

	for _, args := range [][]string{
		{"users", "--csv"}, {"groups", "--csv"}, {"matrix", "--csv"}, {"matrix", "--csv", "--user", ids[0]},
		{"audit", "--csv", "-n", "0"}, {"review", "export", "csv", "--csv", "-"},
	} {
		out := e.mustRun(args...).stdout
		for _, r := range out {
			if r != '\n' && (unicode.IsControl(r) || textsafe.Invisible(r)) {
				t.Errorf("otaccess %q wrote %U raw", args, r)
				break
			}
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("otaccess %q: not CSV: %v", args, err)
		}
		for _, row := range rows {
			for _, cell := range row {
				if c := strings.TrimLeftFunc(cell, unicode.IsSpace); c != "" && strings.ContainsRune("=+-@＝＋－＠", []rune(c)[0]) {
					t.Errorf("otaccess %q: cell %q starts a formula", args, cell)
				}
			}
		}
		if len(rows) < 2 {
			t.Errorf("otaccess %q wrote no rows", args)
		}
	}
	// The escapes keep what the server sent visible.
	if out := e.mustRun("users", "--csv").stdout; !strings.Contains(out, `\x1b]52;c;ZXZpbA==\x07`) || !strings.Contains(out, `ja\u200bne`) {
		t.Errorf("users --csv does not show the escaped values:\n%s", out)
	}
}

// TestWideCellsStayBounded: one user with a 100 KB display name and one
// role with a 100 KB name do not pad every row of a table: output stays
// linear in the input, and a long value in a padded column ends in "…".
func TestWideCellsStayBounded(t *testing.T) {
	t.Parallel()
	const users = 200
	e := newEnv(t, scimtest.Config{Users: users, Roles: 3, Orgs: 2})
	huge := strings.Repeat("Ｗide ", 100_000/8)
	e.srv.AddUser(client.User{UserName: "wide@example.com", DisplayName: huge, Active: true,
		Emails: []client.MultiValue{{Value: "wide@example.com", Primary: true}}})
	roleID, _, _ := strings.Cut(e.srv.Groups()[0].ID, ":")
	if err := e.srv.RenameRole(roleID, huge); err != nil {
		t.Fatal(err)
	}
	e.mustRun("sync", "-q")
	// A padded cell is at most 62 columns; a full-width rune is 3 bytes
	// for 2 columns. The last column is not padded and may hold the long
	// value whole, a few times (the role's groups, one per org).
	const cell = 62 * 3 / 2
	for _, args := range [][]string{{"users"}, {"groups"}, {"matrix"}, {"user", "wide@example.com"}} {
		out := e.mustRun(args...).stdout
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if max := 3*len(huge) + len(lines)*10*cell; len(out) > max {
			t.Fatalf("otaccess %q printed %d bytes for %d rows (at most %d)", args, len(out), len(lines), max)
		}
		switch args[0] {
		case "users", "matrix": // the long value is in the first column
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > 6*62 {
					t.Fatalf("otaccess %q: a line %d columns wide", args, w)
				}
			}
			fallthrough
		case "groups":
			if !strings.Contains(out, "Ｗide") || !strings.Contains(out, "…") {
				t.Errorf("otaccess %q: the long value is not shown cut", args)
			}
		}
	}
}

var tags = regexp.MustCompile(`<[^<>]*>`)

// showsToken reports whether s, as read by a person (escape sequences,
// what a dropped ESC leaves, whitespace and stand-ins ignored, tags read
// past or read as text, any case), shows 8 characters of the token in a row.
func showsToken(s string) bool {
	s = regexp.MustCompile(`\[[0-9;]*m`).ReplaceAllString(ansi.Strip(s), "")
	tok := strings.ToLower(testToken)
	for _, view := range []string{s, tags.ReplaceAllString(s, "")} {
		view = strings.ToLower(strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\ufffd' || textsafe.Invisible(r) {
				return -1
			}
			return r
		}, view))
		for i := 0; i+8 <= len(tok); i++ {
			if strings.Contains(view, tok[i:i+8]) {
				return true
			}
		}
	}
	return false
}

// TestDisguisedTokenNotInStderrOrAudit: a server that echoes the token back
// disguised (ESC, ESC[0m, a newline or <b></b> inside, inside a tag,
// upper-cased, cut by the excerpt) refuses syncs and grants; neither stderr, nor the audit log
// (as printed and as stored in the cache file) shows 8 characters of it.
func TestDisguisedTokenNotInStderrOrAudit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scimtest.Config{Users: 20})
	e.mustRun("sync", "-q")
	_, group, outsider := e.pick()
	roleID, orgID, _ := strings.Cut(group.ID, ":")
	tok, mid := testToken, len(testToken)/2
	disguises := []string{
		tok[:mid] + "\x1b" + tok[mid:],
		tok[:mid] + "\x1b[0m" + tok[mid:],
		tok[:mid] + "\n" + tok[mid:],
		tok[:mid] + "<b></b>" + tok[mid:],
		"<" + tok + ">",
		strings.ToUpper(tok),
		strings.Repeat("y", 200-len(tok)+1) + tok, // the excerpt's cut falls inside
		tok[:len(tok)-1],
	}
	var printed []string
	for _, d := range disguises {
		for _, body := range []string{"Bearer " + d + " refused", `{"status":"401","detail":"Bearer ` + strings.ReplaceAll(d, "\x1b", `\u001b`) + ` refused"}`} {
			body = strings.ReplaceAll(body, "\n", `\n`)
			if !strings.HasPrefix(body, "{") {
				body = strings.ReplaceAll(body, `\n`, "\n")
			}
			e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 401, Body: body, Method: http.MethodPatch})
			r := e.run("grant", outsider.ID, roleID, orgID, "--yes")
			e.srv.ClearFaults()
			if r.code == 0 {
				t.Fatalf("grant refused with 401 succeeded: %+v", r)
			}
			printed = append(printed, r.stdout, r.stderr)
			e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 403, Body: body, Method: http.MethodGet, Path: "/Users"})
			r = e.run("sync", "-q")
			e.srv.ClearFaults()
			printed = append(printed, r.stdout, r.stderr)
		}
	}
	audit := e.mustRun("audit", "--json", "-n", "0").stdout
	var rows []map[string]any
	if err := json.Unmarshal([]byte(audit), &rows); err != nil || len(rows) < len(disguises) {
		t.Fatalf("audit --json: %d rows, %v", len(rows), err)
	}
	for _, row := range rows {
		for _, v := range row {
			if s, ok := v.(string); ok {
				printed = append(printed, s)
			}
		}
	}
	printed = append(printed, e.mustRun("audit", "--csv", "-n", "0").stdout, e.mustRun("audit").stdout)
	for _, s := range printed {
		if showsToken(s) {
			t.Errorf("the token shows in %q", s)
		}
	}
	// The cache file and its WAL, byte for byte.
	matches, _ := filepath.Glob(e.cache + "*")
	for _, p := range matches {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if showsToken(string(bytes.ToValidUTF8(data, []byte(" ")))) {
			t.Errorf("the token shows in %s", p)
		}
	}
}
