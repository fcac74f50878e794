package main

import (
	"encoding/csv"
	"encoding/json"
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
