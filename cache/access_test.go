package cache

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

func sampleAccess() *tenant.AccessData {
	last := time.Date(2026, 11, 20, 8, 14, 0, 123000000, time.UTC)
	return &tenant.AccessData{
		Info: tenant.AccessInfo{Logins: tenant.APIState{Read: true}, UserGroups: tenant.APIState{Why: "the key lacks the USER scope (403)"}, BadDates: 2, BadDate: `"31/12/2025"`},
		Logins: map[string]tenant.Login{
			"u1": {Last: last, Expires: last.AddDate(1, 0, 0)},
			"u2": {DisabledAt: last, DisabledBy: "Alice Admin, ops:lead"},
		},
	}
}

// checkAccessRoundTrip: a snapshot's access data survives the cache, a
// user-group write-through changes it, and prune removes it with its
// snapshot (saved by another store on the file at path, which keeps only
// two).
func checkAccessRoundTrip(t *testing.T, st *Store, path string) {
	t.Helper()
	ctx := context.Background()
	users, groups := smallTenant()
	groups = append(groups, tenant.LevelGroup("priv", "Privacy Officer", "legal", "Legal"))
	in := input(users, groups)
	in.Access = sampleAccess()
	in.Access.Info.UserGroups = tenant.APIState{Read: true}
	in.Access.UserGroups = []tenant.UserGroup{{ID: "ug1", Name: "Privacy: team, 1", Description: "d", Levels: []string{"priv:legal", "aud:apac"}, Members: []string{"u1", "u3"}}}
	if _, err := st.SaveSnapshot(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i1, _ := got.UserIndex("u1")
	i2, _ := got.UserIndex("u2")
	i3, _ := got.UserIndex("u3")
	u1, u2 := &got.Users[i1], &got.Users[i2]
	if !u1.InUsersV2 || !u1.LastLogin.Equal(in.Access.Logins["u1"].Last) || u1.Expires.Year() != 2027 || u2.DisabledBy != "Alice Admin, ops:lead" || !u2.LastLogin.IsZero() {
		t.Fatalf("logins after a load: %+v / %+v", u1, u2)
	}
	if got.Users[i3].InUsersV2 || got.Access.BadDates != 2 || got.Access.BadDate != `"31/12/2025"` || !got.Access.Logins.Read {
		t.Fatalf("access %+v", got.Access)
	}
	g, _ := got.GroupIndex("priv:legal")
	if len(got.UserGroups) != 1 || !got.HoldsEffectively(i3, g) || got.IsMember(i3, g) {
		t.Fatalf("user groups after a load: %+v", got.UserGroups)
	}
	if err := st.SetUserGroupMember(ctx, "ug1", "u3", false); err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserGroupMember(ctx, "ug1", "u2", true); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Load(ctx)
	i2, _ = got.UserIndex("u2")
	i3, _ = got.UserIndex("u3")
	if got.HoldsEffectively(i3, g) || !got.HoldsEffectively(i2, g) {
		t.Fatalf("after the write-through: %+v", got.UserGroups)
	}
	// Two more syncs without access data: the first's row is pruned.
	st, err = Open(path, keepOnly(2))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for range 2 {
		if _, err := st.SaveSnapshot(ctx, input(users, groups)); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := st.db.QueryRow("SELECT count(*) FROM snapshot_access").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d access rows after the prune (%v)", n, err)
	}
	got, _ = st.Load(ctx)
	if got.Access.Logins.Read || len(got.UserGroups) != 0 {
		t.Fatalf("a snapshot saved without access data: %+v", got.Access)
	}
}

func TestAccessDataRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkAccessRoundTrip(t, st, path)
}

func TestUnpackAccessRejectsDamage(t *testing.T) {
	status, logins, groups := packAccess(sampleAccess())
	if _, err := unpackAccess(status, logins, groups); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][3]string{{"x", logins, groups}, {status, logins[:len(logins)-3], groups}, {status, "2:u13:1,0,0,0:xyz", groups}, {status, logins, "9:abc"}} {
		if _, err := unpackAccess(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("damaged %q accepted", bad)
		}
	}
}
