package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// reviewTarget is one membership picked for a decision.
type reviewTarget struct {
	userID, email, role, org, groupID string
}

// legalTargets picks n members of the "… - Legal" groups, one per group
// first, as the fake tenant has them.
func legalTargets(t *testing.T, e *env, n int) []reviewTarget {
	t.Helper()
	var out []reviewTarget
	seen := map[string]bool{}
	for round := 0; len(out) < n && round < 10; round++ {
		for _, g := range e.srv.Groups() {
			role, ok := strings.CutSuffix(g.DisplayName, " - Legal")
			if !ok {
				continue
			}
			for _, u := range e.srv.Users() {
				if e.srv.IsMember(u.ID, g.ID) && !seen[u.ID+g.ID] && u.PrimaryEmail() != "" {
					seen[u.ID+g.ID] = true
					out = append(out, reviewTarget{u.ID, u.PrimaryEmail(), role, "Legal", g.ID})
					break
				}
			}
			if len(out) == n {
				break
			}
		}
	}
	if len(out) < n {
		t.Fatalf("only %d Legal memberships", len(out))
	}
	return out
}

func (e *env) patches() int {
	n := 0
	for _, r := range e.srv.RequestLog() {
		if r.Method == "PATCH" {
			n++
		}
	}
	return n
}

func readEvidence(t *testing.T, csvPath, jsonPath string) ([][]string, []byte, access.Evidence) {
	t.Helper()
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	lowerCamelKeys(t, "review export --json", raw)
	var ev access.Evidence
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	return rows, data, ev
}

// lowerCamelKeys fails t unless every object key in the JSON raw is
// lowerCamel ("userId", "rowsSha256"), as users and groups are: one
// convention for every --json (issue 14.10).
func lowerCamelKeys(t *testing.T, what string, raw []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if !lowerCamel.MatchString(k) {
					t.Fatalf("%s: key %q is not lowerCamel", what, k)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
}

var lowerCamel = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// TestUnknownSubcommand: a typo under a command group is exit 1 with a
// suggestion, not the group's help and exit 0.
func TestUnknownSubcommand(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 5})
	if r := e.run("review", "strat"); r.code != 1 || !strings.Contains(r.stderr, `unknown command "strat" for "otaccess review": did you mean "start"?`) {
		t.Fatalf("review strat: %+v", r)
	}
	if r := e.run("review", "nonsense"); r.code != 1 || !strings.Contains(r.stderr, `unknown command "nonsense" for "otaccess review": the commands are `) ||
		!strings.Contains(r.stderr, "apply") || r.stdout != "" {
		t.Fatalf("review nonsense: %+v", r)
	}
	if r := e.run("sycn"); r.code != 1 || !strings.Contains(r.stderr, `unknown command "sycn" for "otaccess": did you mean "sync"?`) {
		t.Fatalf("sycn: %+v", r)
	}
	if r := e.run("nonsense"); r.code != 1 || !strings.Contains(r.stderr, `unknown command "nonsense" for "otaccess": the commands are `) ||
		!strings.Contains(r.stderr, "review") || r.stdout != "" {
		t.Fatalf("nonsense: %+v", r)
	}
	if r := e.run("review"); r.code != 0 || !strings.Contains(r.stdout, "Available Commands") {
		t.Fatalf("review alone: %+v", r)
	}
}

// TestHumanCountsHaveSeparators: counts in human output read 1,200, not
// 1200 (JSON and CSV keep plain numbers).
func TestHumanCountsHaveSeparators(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 1200})
	if r := e.mustRun("sync"); !strings.Contains(r.stdout, "1,200 users") {
		t.Fatalf("sync: %s", r.stdout)
	}
	if r := e.mustRun("users"); !strings.Contains(r.stderr, "1,200 of 1,200 users") {
		t.Fatalf("users: %s", r.stderr)
	}
}

// TestJSONAndCSVTogether: asking for both outputs is a plain sentence.
func TestJSONAndCSVTogether(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 5})
	e.mustRun("sync", "-q")
	for _, args := range [][]string{{"users", "--json", "--csv"}, {"audit", "--csv", "--json"}} {
		r := e.run(args...)
		if r.code != 1 || !strings.Contains(r.stderr, "--json and --csv cannot be used together: choose one") || r.stdout != "" {
			t.Fatalf("%v: %+v", args, r)
		}
	}
}

func TestReviewEndToEnd(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	r := e.mustRun("review", "start", "--name", "Q4-2026", "--org", "Legal")
	if !strings.Contains(r.stdout, "started review Q4-2026") || !strings.Contains(r.stdout, "org Legal") {
		t.Fatalf("start: %s", r.stdout)
	}
	if r := e.run("review", "start", "--name", "Q4-2026"); r.code == 0 || !strings.Contains(r.stderr, "exists already") {
		t.Fatalf("duplicate start: %+v", r)
	}

	// Decisions, each a run of its own (a fresh app, the cache reopened):
	// nothing is held in memory between them.
	tg := legalTargets(t, e, 5)
	for _, x := range tg[:3] {
		e.mustRun("review", "decide", "Q4-2026", x.email, x.role, x.org, "revoke", "--note", "left the team")
	}
	e.mustRun("review", "decide", "Q4-2026", tg[3].userID, strings.ToUpper(tg[3].role), "legal", "keep", "--note", "=cmd|' /C calc'!A0")
	e.mustRun("review", "decide", "q4-2026", tg[4].email, tg[4].role, tg[4].org, "skip")
	if r := e.run("review", "decide", "Q4-2026", tg[0].email, "No Such Role", "Legal", "keep"); r.code == 0 || !strings.Contains(r.stderr, "holds no") {
		t.Fatalf("unknown membership: %+v", r)
	}

	var list []struct {
		Name                               string
		Items, Decided, Keep, Revoke, Skip int
	}
	listJSON := e.mustRun("review", "list", "--json").stdout
	lowerCamelKeys(t, "review list --json", []byte(listJSON))
	if err := json.Unmarshal([]byte(listJSON), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Decided != 5 || list[0].Revoke != 3 || list[0].Keep != 1 || list[0].Skip != 1 {
		t.Fatalf("list: %+v", list)
	}
	items := list[0].Items

	// Evidence.
	dir := t.TempDir()
	csvPath, jsonPath := filepath.Join(dir, "q4.csv"), filepath.Join(dir, "q4.json")
	r = e.mustRun("review", "export", "Q4-2026", "--csv", csvPath, "--json", jsonPath)
	rows, data, ev := readEvidence(t, csvPath, jsonPath)
	if !slices.Equal(rows[0], access.EvidenceColumns) || len(rows) != items+1 || len(ev.Rows) != items {
		t.Fatalf("CSV header %v, %d rows, %d items", rows[0], len(rows), items)
	}
	sum := sha256.Sum256(data)
	if ev.RowsSHA256 != hex.EncodeToString(sum[:]) || !strings.Contains(r.stderr, ev.RowsSHA256) {
		t.Fatalf("hash %s is not the CSV's", ev.RowsSHA256)
	}
	s := ev.Summary
	if s.Total != items || s.Revoke != 3 || s.Keep != 1 || s.Skip != 1 || s.Undecided != items-5 || len(s.Reviewers) != 1 {
		t.Fatalf("summary %+v", s)
	}
	if ev.Tenant != e.srv.URL || ev.SnapshotTime == "" || ev.Review != "Q4-2026" {
		t.Fatalf("evidence header %+v", ev)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	var order []string
	for _, row := range rows[1:] {
		if row[col["tenant_url"]] != e.srv.URL || row[col["snapshot_time"]] != ev.SnapshotTime || row[col["org"]] != "Legal" {
			t.Fatalf("row %v", row)
		}
		if row[col["user_id"]] == tg[3].userID && row[col["group_id"]] == tg[3].groupID {
			if row[col["note"]] != "'=cmd|' /C calc'!A0" || row[col["decision"]] != "keep" || row[col["reviewer"]] == "" || row[col["decided_at"]] == "" {
				t.Fatalf("kept row %v", row)
			}
		}
		order = append(order, row[col["user_id"]]+"/"+row[col["group_id"]])
	}
	// Deterministic: a second export writes the same CSV bytes.
	e.mustRun("review", "export", "Q4-2026", "--csv", csvPath+".2")
	if again, _ := os.ReadFile(csvPath + ".2"); !bytes.Equal(again, data) {
		t.Fatal("two exports of the same review differ")
	}
	if st, _ := os.Stat(csvPath); st.Mode().Perm() != 0o600 {
		t.Errorf("evidence file mode %v", st.Mode().Perm())
	}

	// Apply: dry run, refusal without a terminal, then for real.
	before := e.patches()
	r = e.mustRun("review", "apply", "Q4-2026", "--dry-run")
	if !strings.Contains(r.stdout, "revoke 3 memberships") || strings.Count(r.stdout, "PATCH /Groups/") != 3 || e.patches() != before {
		t.Fatalf("dry run: %s", r.stdout)
	}
	// The plan says how many items nobody decided, before anything is asked.
	if want := fmt.Sprintf("%s of %s items are still undecided", numfmt.Commas(items-5), numfmt.Commas(items)); !strings.Contains(r.stdout, want) {
		t.Fatalf("dry run does not say %q:\n%s", want, r.stdout)
	}
	if r := e.run("review", "apply", "Q4-2026"); r.code == 0 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("apply without --yes: %+v", r)
	}
	r = e.mustRun("review", "apply", "Q4-2026", "--yes")
	if strings.Count(r.stdout, "✓") != 3 || !strings.Contains(r.stdout, "3 revoked, 0 failed") {
		t.Fatalf("apply: %s", r.stdout)
	}
	for i, x := range tg {
		if member := e.srv.IsMember(x.userID, x.groupID); member != (i >= 3) {
			t.Fatalf("%s in %s: member=%v after apply", x.email, x.role, member)
		}
	}
	before = e.patches()
	r = e.mustRun("review", "apply", "Q4-2026", "--yes")
	if !strings.Contains(r.stdout, "nothing to apply") || e.patches() != before {
		t.Fatalf("second apply: %s (%d PATCHes)", r.stdout, e.patches()-before)
	}
	if r := e.run("review", "decide", "Q4-2026", tg[0].email, tg[0].role, tg[0].org, "keep"); r.code == 0 || !strings.Contains(r.stderr, "already revoked") {
		t.Fatalf("changing an applied decision: %+v", r)
	}

	// The evidence now records the revocations, in the same order.
	e.mustRun("review", "export", "Q4-2026", "--csv", csvPath, "--json", jsonPath)
	rows, _, ev = readEvidence(t, csvPath, jsonPath)
	if ev.Summary.Applied != 3 || ev.Summary.ApplyFailed != 0 {
		t.Fatalf("summary after apply %+v", ev.Summary)
	}
	for i, row := range rows[1:] {
		if got := row[col["user_id"]] + "/" + row[col["group_id"]]; got != order[i] {
			t.Fatalf("row %d is %s, was %s", i, got, order[i])
		}
		if (row[col["decision"]] == "revoke") != (row[col["apply_status"]] == "applied") {
			t.Fatalf("row %v", row)
		}
	}
	audit := e.mustRun("audit", "--json", "-n", "0").stdout
	lowerCamelKeys(t, "audit --json", []byte(audit))
	if strings.Count(audit, `"action": "revoke"`) != 3 || !strings.Contains(audit, `"action": "review apply"`) {
		t.Fatalf("audit: %s", audit)
	}
	show := e.mustRun("review", "show", "Q4-2026", "--decision", "revoke")
	if strings.Count(show.stdout, "applied") != 3 || !strings.Contains(show.stderr, "3 revocations applied") {
		t.Fatalf("show: %s %s", show.stdout, show.stderr)
	}
	assertNoToken(t, e)
}

func TestReviewApplyPartialFailure(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "Q4", "--org", "Legal")
	tg := legalTargets(t, e, 4)
	for _, x := range tg {
		e.mustRun("review", "decide", "Q4", x.userID, x.role, x.org, "revoke")
	}
	e.srv.InjectFault(scimtest.Fault{Method: "PATCH", Kind: scimtest.FaultStatus, Status: 403, Times: 2})
	r := e.run("review", "apply", "Q4", "--yes", "--parallel", "2")
	if r.code == 0 || strings.Count(r.stdout, "✗") != 2 || strings.Count(r.stdout, "✓") != 2 ||
		!strings.Contains(r.stderr, "2 of 4 revocations failed") || !strings.Contains(r.stdout, "403") {
		t.Fatalf("partial apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	still := 0
	for _, x := range tg {
		if e.srv.IsMember(x.userID, x.groupID) {
			still++
		}
	}
	if still != 2 {
		t.Fatalf("%d of the 4 still members, want the 2 refused", still)
	}
	show := e.mustRun("review", "show", "Q4", "--decision", "revoke")
	if strings.Count(show.stdout, "failed: ") != 2 || !strings.Contains(show.stderr, "2 revocations applied, 2 failed") {
		t.Fatalf("show after partial apply: %s %s", show.stdout, show.stderr)
	}
	r = e.mustRun("review", "apply", "Q4", "--dry-run")
	if !strings.Contains(r.stdout, "revoke 2 memberships") || !strings.Contains(r.stdout, "2 retried after failing") {
		t.Fatalf("plan of the retry: %s", r.stdout)
	}
	before := e.patches()
	r = e.mustRun("review", "apply", "Q4", "--yes")
	if strings.Count(r.stdout, "✓") != 2 || e.patches()-before != 2 {
		t.Fatalf("retry: %s (%d PATCHes)", r.stdout, e.patches()-before)
	}
	for _, x := range tg {
		if e.srv.IsMember(x.userID, x.groupID) {
			t.Fatalf("%s still holds %s", x.email, x.role)
		}
	}
}

func TestReviewStartErrors(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 30})
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"review", "start", "--name", "x"}, "run `otaccess sync` first"},
		{[]string{"review", "start"}, "needs a name"},
		{[]string{"review", "show", "nope"}, "no such review"},
		{[]string{"review", "export", "nope"}, "--csv FILE"},
		{[]string{"diff"}, "run `otaccess sync` first"},
	}
	for _, tc := range cases {
		if r := e.run(tc.args...); r.code == 0 || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	e.mustRun("sync", "-q")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"review", "start", "--name", "x", "--org", "Mars"}, `no org matches "Mars"`},
		{[]string{"review", "start", "--name", "x", "--filter", "nobody-has-this-name"}, "nothing to review"},
		{[]string{"diff"}, "only one sync"},
	} {
		if r := e.run(tc.args...); r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestDiffAfterResync(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	member, group, outsider := e.pick()
	users := e.srv.Users()
	var gone, deactivated client.User
	for _, u := range users {
		if u.ID == member.ID || u.ID == outsider.ID {
			continue
		}
		if gone.ID == "" {
			gone = u
		} else if u.Active && deactivated.ID == "" {
			deactivated = u
		}
	}
	added := e.srv.AddUser(client.User{UserName: "new.hire@acme.test", Active: true,
		Emails: []client.MultiValue{{Value: "new.hire@acme.test", Primary: true}},
		Groups: []client.GroupRef{{Value: group.ID}}})
	e.srv.RemoveUser(gone.ID)
	if err := e.srv.SetActive(deactivated.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SetMember(member.ID, group.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SetMember(outsider.ID, group.ID, true); err != nil {
		t.Fatal(err)
	}
	e.mustRun("sync", "-q")

	var d diffJSON
	diff := e.mustRun("diff", "--json").stdout
	lowerCamelKeys(t, "diff --json", []byte(diff))
	if err := json.Unmarshal([]byte(diff), &d); err != nil {
		t.Fatal(err)
	}
	ids := func(list []diffUserJSON) []string {
		var out []string
		for _, u := range list {
			out = append(out, u.ID)
		}
		return out
	}
	keys := func(list []diffMembershipJSON) []string {
		var out []string
		for _, m := range list {
			out = append(out, m.UserID+"/"+m.GroupID)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(ids(d.Added), []string{added}) || !slices.Equal(ids(d.Removed), []string{gone.ID}) ||
		!slices.Equal(ids(d.Deactivated), []string{deactivated.ID}) || len(d.Reactivated) != 0 {
		t.Fatalf("users: %+v", d)
	}
	wantGranted := []string{added + "/" + group.ID, outsider.ID + "/" + group.ID}
	slices.Sort(wantGranted)
	if !slices.Equal(keys(d.Granted), wantGranted) {
		t.Fatalf("granted %v, want %v", keys(d.Granted), wantGranted)
	}
	var wantRevoked []string
	for _, g := range gone.Groups {
		wantRevoked = append(wantRevoked, gone.ID+"/"+g.Value)
	}
	wantRevoked = append(wantRevoked, member.ID+"/"+group.ID)
	slices.Sort(wantRevoked)
	if !slices.Equal(keys(d.Revoked), wantRevoked) {
		t.Fatalf("revoked %v, want %v", keys(d.Revoked), wantRevoked)
	}

	text := e.mustRun("diff").stdout
	for _, want := range []string{"users added (1)", "users removed (1)", "users deactivated (1)", "memberships granted (2)", "new.hire@acme.test"} {
		if !strings.Contains(text, want) {
			t.Fatalf("diff lacks %q:\n%s", want, text)
		}
	}
	// A review started now marks the recent grants.
	e.mustRun("review", "start", "--name", "recent", "--filter", "new.hire")
	show := e.mustRun("review", "show", "recent").stdout
	if !strings.Contains(show, "new") || !strings.Contains(show, "new.hire@acme.test") {
		t.Fatalf("review of a new hire: %s", show)
	}
}

func TestFindReviewItem(t *testing.T) {
	r := &tenant.Review{Name: "Q4", Items: []tenant.ReviewItem{
		{UserID: "u1", UserEmail: "ana@acme.com", UserLabel: "ana@acme.com", GroupID: "r1:o1", Role: "Site Admin", Org: "Legal"},
		{UserID: "u1", UserEmail: "ana@acme.com", UserLabel: "ana@acme.com", GroupID: "r1:o2", Role: "Site Admin", Org: "EMEA - Legal"},
		{UserID: "u1", UserEmail: "ana@acme.com", UserLabel: "ana@acme.com", GroupID: "r2:o1", Role: "Auditor", Org: "Legal"},
		{UserID: "u1", UserEmail: "ana@acme.com", UserLabel: "ana@acme.com", GroupID: "everyone", Group: "Everyone"},
		{UserID: "u2", UserLabel: "svc-bot", Hints: tenant.HintNoRole},
	}}
	cases := []struct {
		user, role, org string
		want            int // -1: an error
	}{
		{"ana@acme.com", "site admin", "legal", 0}, // exact beats "EMEA - Legal"
		{"u1", "Site Admin", "EMEA", 1},
		{"ANA@acme.com", "audit", "leg", 2},
		{"u1", "r2:o1", "Legal", 2},
		{"u1", "r2", "o1", 2}, // role and org ids, as grant takes them
		{"u1", "r1", "o2", 1},
		{"u1", "R1", "Legal", 0},
		{"u1", "r1", "o3", -1},
		{"ana@acme.com", "Everyone", "-", 3},
		{"svc-bot", "-", "-", 4},
		{"ana@acme.com", "admin", "legal", 0}, // both Site Admin memberships contain "legal"; the exact org wins
		{"ana@acme.com", "admin", "e", -1},    // ambiguous
		{"ana@acme.com", "Admin", "o", -1},
		{"nobody", "Auditor", "Legal", -1},
		{"svc-bot", "Auditor", "Legal", -1},
	}
	for _, tc := range cases {
		got, err := findReviewItem(r, tc.user, tc.role, tc.org)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("%v: item %d, want an error", tc, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v: item %d, %v; want %d", tc, got, err, tc.want)
		}
	}
}
