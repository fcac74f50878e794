package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"encoding/csv"
	"encoding/json"
	"github.com/otaccess/otaccess/client"
	"strconv"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/export"
)

// fakeEffective is every (user, group) the fake tenant grants either way:
// SCIM membership or a user group's access level; the value says whether
// it is held directly.
func fakeEffective(srv *scimtest.TestServer) map[[2]string]bool {
	out := map[[2]string]bool{}
	for _, g := range srv.Groups() {
		for _, m := range g.Members {
			out[[2]string{m.Value, g.ID}] = true
		}
	}
	for _, ug := range srv.UserGroups() {
		for _, u := range ug.Members {
			for _, lv := range ug.Levels {
				k := [2]string{u, lv}
				out[k] = out[k] || false
			}
		}
	}
	return out
}

// `matrix` counts effective access: each cell is the fake's direct members
// united with the members of the user groups granting it.
func TestMatrixCountsEffectiveAccess(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync")
	var groups []export.Group
	if err := json.Unmarshal([]byte(e.mustRun("groups", "--json").stdout), &groups); err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]int{} // role, org -> effective holders
	direct := map[[2]string]int{}
	byID := map[string][2]string{}
	for _, g := range groups {
		if g.Role != "" {
			byID[g.GroupID] = [2]string{g.Role, g.Org}
		}
	}
	viaOnly := 0
	for k, d := range fakeEffective(e.srv) {
		if cell, ok := byID[k[1]]; ok {
			want[cell]++
			if d {
				direct[cell]++
			} else {
				viaOnly++
			}
		}
	}
	if viaOnly == 0 {
		t.Fatal("the fake grants nothing only through a user group")
	}
	r := e.mustRun("matrix", "--csv")
	if !strings.Contains(r.stderr, "effective access") || !strings.Contains(r.stderr, strconv.Itoa(viaOnly)+" memberships are held only through a user group") {
		t.Errorf("matrix stderr: %s (want %d via only)", r.stderr, viaOnly)
	}
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	differ := 0
	for _, row := range rows[1:] {
		for j, org := range rows[0][1:] {
			cell := [2]string{row[0], org}
			if row[j+1] != strconv.Itoa(want[cell]) {
				t.Errorf("%s / %s: %s, the fake grants it to %d", row[0], org, row[j+1], want[cell])
			}
			if want[cell] != direct[cell] {
				differ++
			}
		}
	}
	if differ == 0 {
		t.Fatal("no cell where effective and direct counts differ: the test proves nothing")
	}
}

// A review covers access held only through user groups, and the evidence
// says how each item is held, through which groups, and the user's last
// login, as the fake tenant has them.
func TestReviewEvidenceSaysHowAccessIsHeld(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync")
	e.mustRun("review", "start", "--name", "Q4")
	out := e.mustRun("review", "export", "Q4", "--csv", "-").stdout
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	for _, c := range []string{"held", "user_groups", "last_login", "days_since_login", "hints", "suggestion"} {
		if _, ok := col[c]; !ok {
			t.Fatalf("no %s column: %v", c, rows[0])
		}
	}
	eff := fakeEffective(e.srv)
	seen := map[string]int{}
	for _, row := range rows[1:] {
		uid, gid := row[col["user_id"]], row[col["group_id"]]
		if gid == "" {
			continue
		}
		direct, ok := eff[[2]string{uid, gid}]
		if !ok {
			t.Fatalf("item %s %s: the fake grants it neither way", uid, gid)
		}
		var names []string
		for _, ug := range e.srv.UserGroupsOf(uid) {
			if slices.Contains(ug.Levels, gid) {
				names = append(names, ug.Name)
			}
		}
		want := "direct"
		switch {
		case len(names) > 0 && direct:
			want = "both"
		case len(names) > 0:
			want = "via"
		}
		held := row[col["held"]]
		seen[held]++
		if held != want {
			t.Fatalf("item %s %s: held %q, the fake: %q through %v", uid, gid, held, want, names)
		}
		for _, n := range names {
			if !strings.Contains(row[col["user_groups"]], n) {
				t.Fatalf("item %s %s: user_groups %q lacks %q", uid, gid, row[col["user_groups"]], n)
			}
		}
		l, _ := e.srv.LoginOf(uid)
		switch at := row[col["last_login"]]; {
		case l.Last.IsZero():
			if at != "never" || row[col["days_since_login"]] != "never" || !strings.Contains(row[col["hints"]], "never logged in") {
				t.Fatalf("never logged in: %q %q %q", at, row[col["days_since_login"]], row[col["hints"]])
			}
		case !client.ParseTime(at).Equal(l.Last.Truncate(time.Second)):
			t.Fatalf("item %s: last_login %q, the fake %v", uid, at, l.Last)
		}
	}
	if seen["via"] == 0 || seen["direct"] == 0 {
		t.Fatalf("held values %v: want some of each", seen)
	}
	var ev struct {
		Rows []struct {
			Held           string   `json:"held"`
			UserGroups     []string `json:"userGroups"`
			LastLogin      string   `json:"lastLogin"`
			DaysSinceLogin *int     `json:"daysSinceLogin"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(e.mustRun("review", "export", "Q4", "--json", "-").stdout), &ev); err != nil {
		t.Fatal(err)
	}
	for _, r := range ev.Rows {
		if r.UserGroups == nil || (r.Held == "via" && len(r.UserGroups) == 0) {
			t.Fatalf("json row %+v", r)
		}
	}
}

// `diff` lists effective access: joining a user group is a grant of what
// it gives the user (marked via the group), leaving one a revocation.
func TestDiffCountsUserGroupChanges(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync")
	ugs := e.srv.UserGroups()
	eff := fakeEffective(e.srv)
	var joiner, leaver string
	var joined, left scimtest.UserGroup
	for _, ug := range ugs {
		for _, u := range e.srv.Users() {
			if joiner == "" && !slices.Contains(ug.Members, u.ID) && len(ug.Levels) > 0 {
				if _, held := eff[[2]string{u.ID, ug.Levels[0]}]; !held {
					joiner, joined = u.ID, ug
				}
			}
		}
	}
	for _, ug := range ugs {
		for _, m := range ug.Members {
			if leaver == "" && ug.ID != joined.ID && m != joiner && len(e.srv.UserGroupsOf(m)) == 1 && len(ug.Levels) > 0 && !e.srv.IsMember(m, ug.Levels[0]) {
				leaver, left = m, ug
			}
		}
	}
	if joiner == "" || leaver == "" {
		t.Fatal("no user to join or leave a user group")
	}
	if err := e.srv.SetUserGroupMember(joined.ID, joiner, true); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SetUserGroupMember(left.ID, leaver, false); err != nil {
		t.Fatal(err)
	}
	e.mustRun("sync")
	var d struct {
		Granted, Revoked []diffMembershipJSON
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(e.mustRun("diff", "--json").stdout), &raw); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(raw["membershipsGranted"], &d.Granted)
	_ = json.Unmarshal(raw["membershipsRevoked"], &d.Revoked)
	has := func(list []diffMembershipJSON, user, group, ug string) bool {
		return slices.ContainsFunc(list, func(m diffMembershipJSON) bool {
			return m.UserID == user && m.GroupID == group && m.Held == "via" && slices.Contains(m.UserGroups, ug)
		})
	}
	if !has(d.Granted, joiner, joined.Levels[0], joined.Name) {
		t.Errorf("granted %+v lacks %s %s via %q", d.Granted, joiner, joined.Levels[0], joined.Name)
	}
	if !has(d.Revoked, leaver, left.Levels[0], left.Name) {
		t.Errorf("revoked %+v lacks %s %s via %q", d.Revoked, leaver, left.Levels[0], left.Name)
	}
	if out := e.mustRun("diff").stdout; !strings.Contains(out, `(via user group "`+joined.Name+`")`) {
		t.Errorf("diff:\n%s", out)
	}
}

// accept-suggestions records the suggested revoke of every undecided
// stale item behind one confirmation that counts them; the decision file
// shows the hints and suggestions; a second review of the same scope marks
// what is new since the first.
func TestReviewAcceptSuggestions(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync")
	e.mustRun("review", "start", "--name", "Q4")
	plan := e.mustRun("review", "accept-suggestions", "Q4", "--hint", "stale", "--dry-run").stdout
	var n int
	if _, err := fmt.Sscanf(plan, "plan: record %d revoke", &n); err != nil || n == 0 {
		t.Fatalf("plan: %s", plan)
	}
	if r := e.run("review", "accept-suggestions", "Q4", "--hint", "outlier", "--yes"); r.code == 0 || !strings.Contains(r.stderr, "closer look") {
		t.Fatalf("outlier accepted: %d %s", r.code, r.stderr)
	}
	if out := e.mustRun("review", "accept-suggestions", "Q4", "--hint", "stale", "--yes").stdout; !strings.Contains(out, fmt.Sprintf("✓ recorded %d decisions", n)) {
		t.Fatalf("accept: %s", out)
	}
	rows, _ := csv.NewReader(strings.NewReader(e.mustRun("review", "export", "Q4", "--csv", "-").stdout)).ReadAll()
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	revoked := 0
	for _, row := range rows[1:] {
		stale := strings.Contains(row[col["hints"]], "stale ")
		if stale && strings.HasPrefix(row[col["suggestion"]], "revoke") != (row[col["decision"]] == "revoke") {
			t.Fatalf("stale row %v: decision %s", row[col["hints"]], row[col["decision"]])
		}
		if row[col["decision"]] == "revoke" {
			revoked++
			if !stale {
				t.Fatalf("a revoke recorded on an item that is not stale: %v", row)
			}
		}
	}
	if revoked != n {
		t.Fatalf("%d revokes recorded, the plan said %d", revoked, n)
	}
	if out := e.mustRun("review", "accept-suggestions", "Q4", "--hint", "stale", "--yes").stdout; !strings.Contains(out, "nothing to record") {
		t.Fatalf("second accept: %s", out)
	}
	// The decision file's comments carry the hints and the suggestion.
	dir := t.TempDir()
	if r := e.runEnv([]string{"EDITOR=cp -t " + dir, "VISUAL="}, "review", "edit", "Q4"); r.code != 0 {
		t.Fatalf("review edit: %d %s", r.code, r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 {
		t.Fatalf("the editor got %v", files)
	}
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(string(data), "[stale ") || !strings.Contains(string(data), "suggest: revoke (") || !strings.Contains(string(data), "via user group \"") {
		t.Fatalf("decision file lacks hints:\n%.1500s", data)
	}
}
