package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestSnapshotsHistory (issue 14.8): three syncs with changes between are
// all kept; snapshots lists them, diff --from/--to compares any two (the
// default stays the last two), and --as-of reads an older one.
func TestSnapshotsHistory(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 40})
	e.mustRun("sync", "-q")
	users := e.srv.Users()
	first := users[0]
	if err := e.srv.UpdateUser(first.ID, func(u *client.User) { u.Active = false }); err != nil {
		t.Fatal(err)
	}
	e.mustRun("sync", "-q")
	second := users[1]
	if !e.srv.RemoveUser(second.ID) {
		t.Fatal("no user to remove")
	}
	e.mustRun("sync", "-q")

	var list []snapshotJSON
	r := e.mustRun("snapshots", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 3 {
		t.Fatalf("snapshots --json: %v %s", err, r.stdout)
	}
	if !list[0].Current || list[1].Current || list[2].Users != 40 || list[0].Users != 39 || list[0].SyncedAt == "" || list[0].Memberships == 0 || list[0].Groups == 0 {
		t.Fatalf("snapshots: %+v", list)
	}
	if out := e.mustRun("snapshots").stdout; !strings.Contains(out, "MEMBERSHIPS") || strings.Count(out, "\n") != 4 {
		t.Fatalf("snapshots table:\n%s", out)
	}
	oldest, middle := fmt.Sprint(list[2].ID), fmt.Sprint(list[1].ID)

	// The default: the last two syncs (the removal only).
	if out := e.mustRun("diff").stdout; !strings.Contains(out, "users removed (1)") || strings.Contains(out, "deactivated") {
		t.Fatalf("diff:\n%s", out)
	}
	// From the first: both changes; from the first to the second: the deactivation only.
	if out := e.mustRun("diff", "--from", oldest).stdout; !strings.Contains(out, "users removed (1)") || !strings.Contains(out, "users deactivated (1)") {
		t.Fatalf("diff --from %s:\n%s", oldest, out)
	}
	if out := e.mustRun("diff", "--from", oldest, "--to", middle).stdout; strings.Contains(out, "removed") || !strings.Contains(out, "users deactivated (1)") {
		t.Fatalf("diff --from %s --to %s:\n%s", oldest, middle, out)
	}
	// A date names the last snapshot synced by then: today is the current one.
	today := list[0].SyncedAt[:10]
	if out := e.mustRun("diff", "--from", oldest, "--to", today).stdout; !strings.Contains(out, "users removed (1)") {
		t.Fatalf("diff --to %s:\n%s", today, out)
	}

	// --as-of reads the older snapshot: the removed user is there, active.
	r = e.mustRun("users", "--json", "--as-of", oldest)
	if !strings.Contains(r.stdout, second.ID) {
		t.Fatalf("users --as-of %s lacks the user removed since", oldest)
	}
	if strings.Contains(e.mustRun("users", "--json").stdout, second.ID) {
		t.Fatal("users shows the removed user")
	}
	if out := e.mustRun("user", first.ID, "--as-of", oldest).stdout; !strings.Contains(strings.ToLower(out), "active") || strings.Contains(strings.ToLower(out), "inactive") {
		t.Fatalf("user --as-of %s:\n%s", oldest, out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"users", "--as-of", "999"}, "no snapshot 999"},
		{[]string{"users", "--as-of", "2001-01-01"}, "no snapshot was synced by 2001-01-01"},
		{[]string{"diff", "--from", "yesterday-ish"}, "neither a snapshot id nor a date"},
		{[]string{"diff", "--to", oldest}, "--to needs --from"},
		{[]string{"deactivate", first.ID, "--as-of", oldest}, "unknown flag: --as-of"},
	} {
		if r := e.run(tc.args...); r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
