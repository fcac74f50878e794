package cache

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/otaccess/otaccess/tenant"
)

// TestStoredOrder: a sync stores its users' sort order, and Load gives
// the sorted snapshot whether the stored order holds, is damaged, or went
// stale after a write-through added, renamed or removed a user.
func TestStoredOrder(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	users, groups := genTenant(5000, 4, 3, 2, 3)
	info, err := st.SaveSnapshot(ctx, input(users, groups)) // waits for tidy
	if err != nil {
		t.Fatal(err)
	}
	stored := func() []byte {
		var b []byte
		if err := st.db.QueryRow(`SELECT user_order FROM snapshots WHERE id = ?`, info.ID).Scan(&b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	if len(stored()) != 4+4*len(users) {
		t.Fatalf("stored order is %d bytes for %d users", len(stored()), len(users))
	}
	check := func(what string, mem *tenant.Snapshot) {
		t.Helper()
		got, err := st.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got.Info, mem.Info = tenant.SyncInfo{}, tenant.SyncInfo{}
		sameModel(t, got, mem)
		if t.Failed() {
			t.Fatalf("after %s", what)
		}
	}
	mem := tenant.NewSnapshot(info, users, groups)
	check("the sync", mem)

	good := stored()
	repeated := append([]byte(nil), good...)
	copy(repeated[4:8], good[8:12])
	outOfRange := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(outOfRange[12:], uint32(len(users)))
	otherVersion := append([]byte(nil), good...)
	otherVersion[0]++
	for name, b := range map[string][]byte{"repeated": repeated, "out of range": outOfRange, "another version's": otherVersion, "truncated": good[:len(good)-4], "empty": {}} {
		if _, err := st.db.Exec(`UPDATE snapshots SET user_order = ? WHERE id = ?`, b, info.ID); err != nil {
			t.Fatal(err)
		}
		check("a "+name+" order", mem)
	}
	if _, err := st.db.Exec(`UPDATE snapshots SET user_order = ? WHERE id = ?`, good, info.ID); err != nil {
		t.Fatal(err)
	}

	// A rename that moves the first user last; a new user; a removal.
	first := mem.Users[0]
	var renamed = users[0]
	for _, u := range users {
		if u.ID == first.ID {
			renamed = u
		}
	}
	renamed.DisplayName, renamed.GivenName = "Zzz Last", "Zzz"
	if err := st.PutUser(ctx, renamed, st.now(ctx)); err != nil {
		t.Fatal(err)
	}
	mem.ReplaceUser(renamed)
	check("a rename", mem)
	added := usr("new-user", "Aaron", "Aardvark", "a@a", groups[0].ID)
	if err := st.PutUser(ctx, added, st.now(ctx)); err != nil {
		t.Fatal(err)
	}
	mem.ReplaceUser(added)
	check("a new user", mem)
	if err := st.DeleteUser(ctx, "new-user"); err != nil {
		t.Fatal(err)
	}
	mem.RemoveUser("new-user")
	check("a removal", mem)
}
