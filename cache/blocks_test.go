package cache

import (
	"context"
	"slices"
	"testing"

	"github.com/otaccess/otaccess/tenant"
)

// TestCutBlocksIsLocal: a user added changes the block it falls in and no
// other (blocks are cut by id, not by position).
func TestCutBlocksIsLocal(t *testing.T) {
	users, _ := genTenant(5000, 2, 2, 1, 3)
	entries := func(us []tenant.ReadUser) []pageEntry {
		var es []pageEntry
		for i := range us {
			es = append(es, pageEntry{packUser(&us[i].User), packIDs(us[i].GroupIDs(nil))})
		}
		return es
	}
	hashes := func(es []pageEntry) map[string]bool {
		m := map[string]bool{}
		for _, b := range cutBlocks(es) {
			m[string(blockHash(b))] = true
		}
		return m
	}
	before := hashes(entries(users))
	if len(before) < 5000/blockUsers/2 {
		t.Fatalf("%d blocks for 5000 users", len(before))
	}
	added := append(slices.Clone(users[:2500]), usr("u-0002499-zzzz", "New", "User", "new@x"))
	added = append(added, users[2500:]...)
	after := hashes(entries(added))
	changed := 0
	for h := range after {
		if !before[h] {
			changed++
		}
	}
	if changed < 1 || changed > 2 {
		t.Fatalf("one user added changed %d of %d blocks", changed, len(after))
	}
}

// TestSnapshotsShareBlocks: a second sync with one user changed stores
// only the block that changed, both snapshots load as they were synced,
// and a write-through to the current one leaves the older one as it was.
func TestSnapshotsShareBlocks(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	users, groups := genTenant(3000, 3, 3, 2, 5)
	first, err := st.SaveSnapshot(ctx, input(users, groups))
	if err != nil {
		t.Fatal(err)
	}
	blocks := func() (n int) {
		st.db.QueryRow(`SELECT count(*) FROM user_blocks`).Scan(&n)
		return n
	}
	n1 := blocks()
	changed := slices.Clone(users)
	changed[1234].Title = "Chief Changer"
	second, err := st.SaveSnapshot(ctx, input(changed, groups))
	if err != nil {
		t.Fatal(err)
	}
	if n2 := blocks(); n2 != n1+1 {
		t.Fatalf("%d blocks after a sync that changed one user, %d before: want one more", n2, n1)
	}
	old, err := st.LoadSnapshot(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameModel(t, old, tenant.NewSnapshot(old.Info, users, groups))
	gid := groups[0].ID
	for k := 0; users[10].HasGroup(gid); k++ {
		gid = groups[k].ID
	}
	if err := st.SetMembership(ctx, users[10].ID, gid, true); err != nil {
		t.Fatal(err)
	}
	cur, err := st.Load(ctx)
	if err != nil || cur.Info.ID != second.ID {
		t.Fatal(err)
	}
	i, _ := cur.UserIndex(users[10].ID)
	g, _ := cur.GroupIndex(gid)
	if !cur.IsMember(i, g) {
		t.Fatal("the write-through did not land")
	}
	again, err := st.LoadSnapshot(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameModel(t, again, old)
}
