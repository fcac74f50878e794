package cache

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// TestSnapshotWriterPages: users written page by page in any order, as a
// sync reads them, load as NewSnapshot builds them from the final lists:
// the groups' member lists add to the users' references, a group only
// users reference is added, and a user read twice or dropped between
// walks is stored as the final list has it.
func TestSnapshotWriterPages(t *testing.T) {
	base, groups := genTenant(900, 5, 4, 3, 7)
	// One membership only the group side knows of, one group only a
	// reference knows of.
	groups[0].Members = append(groups[0].Members, base[17].ID)
	base[3].Groups = append(base[3].Groups, tenant.GroupRef{ID: "only:ref", Name: "Ghost - Nowhere"})

	changed := base[40]
	changed.UserName = "changed@example.com"
	changed.Groups = nil
	dupRef := base[41]
	dupRef.Groups = []tenant.GroupRef{{ID: "dup:only", Name: "Dup - Only"}}
	tests := []struct {
		name  string
		pages func() [][]tenant.ReadUser // what the walk hands over
		final []tenant.ReadUser          // what it returns
	}{
		{"every page once, shuffled", func() [][]tenant.ReadUser { return shuffledPages(base, 100, 1) }, base},
		{"a page read twice, a user changed in between", func() [][]tenant.ReadUser {
			pages := shuffledPages(base, 100, 2)
			again := append([]tenant.ReadUser(nil), base[0:100]...)
			again[40] = changed
			return append(pages, again)
		}, append(append(append([]tenant.ReadUser(nil), base[:40]...), changed), base[41:]...)},
		{"a user gone from the final list", func() [][]tenant.ReadUser { return shuffledPages(base, 100, 3) }, append(append([]tenant.ReadUser(nil), base[:5]...), base[6:]...)},
		{"a user missing from the pages", func() [][]tenant.ReadUser { return shuffledPages(base[1:], 100, 4) }, base},
		{"duplicates in the final list: the first is kept", func() [][]tenant.ReadUser { return shuffledPages(base, 100, 5) }, append(append([]tenant.ReadUser(nil), base...), changed)},
		{"a dropped duplicate's group reference still names a group", func() [][]tenant.ReadUser { return shuffledPages(base, 100, 6) }, append(append([]tenant.ReadUser(nil), base...), dupRef)},
	}
	for _, tt := range tests {
		for _, refs := range []bool{false, true} {
			name := tt.name
			if refs {
				name += ", committed from stored refs"
			}
			t.Run(name, func(t *testing.T) {
				commitPagesAndCheck(t, tt.pages(), tt.final, groups, refs)
			})
		}
	}
}

// commitPagesAndCheck writes pages with AddUsers, commits final (with
// refs, each user a page held as tenant.StoredRef, or CommitRefs when
// pages held every user, as a sync gives them) and checks the snapshot stored is NewSnapshot(final, groups).
func commitPagesAndCheck(t *testing.T, pages [][]tenant.ReadUser, final []tenant.ReadUser, groups []tenant.ReadGroup, refs bool) {
	t.Helper()
	st, _ := openTemp(t)
	ctx := context.Background()
	in := input(final, groups)
	w, err := st.BeginSnapshot(ctx, in.Source, in.Profile, in.StartedAt)
	if err != nil {
		t.Fatal(err)
	}
	added := map[string]bool{}
	for _, p := range pages {
		if err := w.AddUsers(ctx, p); err != nil {
			t.Fatal(err)
		}
		for _, u := range p {
			added[u.ID] = true
		}
	}
	given := final
	all := true // every user of final was written: the sync's CommitRefs
	if refs {
		given = make([]tenant.ReadUser, len(final))
		for i, u := range final {
			given[i] = u
			if added[u.ID] {
				given[i] = tenant.StoredRef(u.ID, u.Groups)
			}
			all = all && added[u.ID]
		}
	}
	var info tenant.SyncInfo
	if refs && all {
		ids := make([]tenant.ReadRef, len(given))
		for i := range given {
			ids[i] = given[i].Ref()
		}
		info, err = w.CommitRefs(ctx, ids, groups)
	} else {
		info, err = w.Commit(ctx, given, groups)
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameModel(t, got, tenant.NewSnapshot(info, final, groups))
	checkSnapshot(t, got)
	if _, ok := got.GroupIndex("only:ref"); !ok {
		t.Error("the group only a reference names is missing")
	}
}

func shuffledPages(users []tenant.ReadUser, size int, seed uint64) [][]tenant.ReadUser {
	var pages [][]tenant.ReadUser
	for lo := 0; lo < len(users); lo += size {
		pages = append(pages, users[lo:min(lo+size, len(users))])
	}
	rand.New(rand.NewPCG(seed, 1)).Shuffle(len(pages), func(i, j int) { pages[i], pages[j] = pages[j], pages[i] })
	return pages
}

// TestSnapshotWriterAbandoned: a sync that fails or is cancelled after
// writing users leaves the previous snapshot current and intact, and the
// writer refuses to go on.
func TestSnapshotWriterAbandoned(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	users, groups := smallTenant()
	prev, err := st.SaveSnapshot(ctx, input(users, groups))
	if err != nil {
		t.Fatal(err)
	}
	more, moreGroups := genTenant(300, 3, 3, 2, 9)

	w, err := st.BeginSnapshot(ctx, "https://x", "acme", prev.StartedAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddUsers(ctx, more); err != nil {
		t.Fatal(err)
	}
	w.Rollback()
	if _, err := w.Commit(ctx, more, moreGroups); err == nil {
		t.Fatal("Commit after Rollback succeeded")
	}

	cctx, cancel := context.WithCancel(ctx)
	w, err = st.BeginSnapshot(cctx, "https://x", "acme", prev.StartedAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddUsers(cctx, more[:100]); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := w.AddUsers(cctx, more[100:]); !errors.Is(err, context.Canceled) {
		t.Fatalf("AddUsers after cancel: %v", err)
	}
	if _, err := w.Commit(cctx, more, moreGroups); err == nil {
		t.Fatal("Commit after a failed AddUsers succeeded")
	}

	got, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameModel(t, got, tenant.NewSnapshot(prev, users, groups))
	if list, _ := st.Snapshots(ctx); len(list) != 1 {
		t.Fatalf("%d snapshots stored, want the one committed", len(list))
	}
	var left int
	st.db.QueryRow(`SELECT count(*) FROM snapshots WHERE id <> ?`, prev.ID).Scan(&left)
	if left != 0 {
		t.Fatalf("%d snapshots left by abandoned syncs", left)
	}
	prunedRows(t, st, prev.ID)
	// The cache is not left locked: the next sync saves.
	if _, err := st.SaveSnapshot(ctx, input(more, moreGroups)); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotWriterLocksBriefly: while a sync is between pages, another
// process writes to the cache at once (the write lock is held a page at a
// time), and reads still see the previous snapshot.
func TestSnapshotWriterLocksBriefly(t *testing.T) {
	st, path := openTemp(t)
	ctx := context.Background()
	users, groups := smallTenant()
	prev, err := st.SaveSnapshot(ctx, input(users, groups))
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(path, WithBusyTimeout(100*time.Millisecond)) // fail fast if the lock were held
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	more, moreGroups := genTenant(1500, 3, 3, 2, 4)
	w, err := st.BeginSnapshot(ctx, "https://x", "acme", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w.ReplaceOther() // a generated tenant: nothing in common with the first
	if err := w.AddUsers(ctx, more[:700]); err != nil {
		t.Fatal(err)
	}
	if err := other.AppendAudit(ctx, tenant.AuditEntry{Action: "grant", Target: "u1", Result: "ok"}); err != nil {
		t.Fatalf("a write during a sync: %v", err)
	}
	if err := other.SetMembership(ctx, "u1", "aud:apac", true); err != nil {
		t.Fatalf("a write-through during a sync: %v", err)
	}
	if got, err := other.Load(ctx); err != nil || got.Info.ID != prev.ID {
		t.Fatalf("a read during a sync: %+v, %v", got.Info, err)
	}
	if err := w.AddUsers(ctx, more[700:]); err != nil {
		t.Fatal(err)
	}
	info, err := w.Commit(ctx, more, moreGroups)
	if err != nil {
		t.Fatal(err)
	}
	st.Settle()
	got, err := other.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameModel(t, got, tenant.NewSnapshot(info, more, moreGroups))
}

// TestPruneAbandonedSync: a snapshot left 'writing' by a sync that died is
// removed by a later sync once no page was written to it for an hour; a
// younger one may be another process's sync in progress and stays.
func TestPruneAbandonedSync(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	users, groups := smallTenant()
	for _, age := range []time.Duration{2 * time.Hour, time.Minute} {
		w, err := st.BeginSnapshot(ctx, "https://x", "acme", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddUsers(ctx, users); err != nil {
			t.Fatal(err)
		}
		if _, err := st.db.Exec(`UPDATE snapshots SET finished_at = ? WHERE id = ?`, fmtTime(time.Now().Add(-age)), w.info.ID); err != nil {
			t.Fatal(err)
		}
		w.release() // the process died: no Rollback
	}
	if _, err := st.SaveSnapshot(ctx, input(users, groups)); err != nil {
		t.Fatal(err)
	}
	var writing int
	var finished string
	st.db.QueryRow(`SELECT count(*), max(finished_at) FROM snapshots WHERE status = 'writing'`).Scan(&writing, &finished)
	if writing != 1 || time.Since(parseTime(finished)) > time.Hour {
		t.Fatalf("%d snapshots left writing (the last written to at %s), want the recent one", writing, finished)
	}
}

// TestPageHintsAreChecked: a Store remembers which page holds which user
// after its first write-through; when another process moves a user to
// another page, the hint is found wrong and the pages are scanned again.
func TestPageHintsAreChecked(t *testing.T) {
	st, path := openTemp(t)
	ctx := context.Background()
	users, groups := genTenant(2*pageUsers+10, 3, 3, 2, 6) // several blocks
	if _, err := st.SaveSnapshot(ctx, input(users, groups)); err != nil {
		t.Fatal(err)
	}
	other, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	u := users[3] // on the first block (ids sort as users are numbered)
	g := groups[len(groups)-1].ID
	if err := st.SetMembership(ctx, u.ID, g, true); err != nil { // builds st's hints
		t.Fatal(err)
	}
	if rid, ok := st.hints.lookup(st.hints.snap, u.ID); !ok || rid&0xffffffff != 1 {
		t.Fatalf("hint for %s: page %d, %v", u.ID, rid&0xffffffff, ok)
	}
	// Elsewhere: removed, then put back, which appends it to the last page.
	if err := other.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := other.PutUser(ctx, u, other.now(ctx)); err != nil {
		t.Fatal(err)
	}
	if err := st.SetMembership(ctx, u.ID, g, true); err != nil {
		t.Fatalf("write-through after the user moved page: %v", err)
	}
	got, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i, ok := got.UserIndex(u.ID)
	gi, _ := got.GroupIndex(g)
	if !ok || !got.IsMember(i, gi) {
		t.Fatal("the grant did not land on the user's new page")
	}
	var last int64
	if err := st.db.QueryRow(`SELECT max(rid) FROM snapshot_blocks WHERE rid >> 32 = ?`, st.hints.snap).Scan(&last); err != nil || last&0xffffffff < 2 {
		t.Fatalf("last block %d (%v)", last&0xffffffff, err)
	}
	if rid, _ := st.hints.lookup(st.hints.snap, u.ID); rid != last {
		t.Fatalf("hint not refreshed: page %d, want the last, %d", rid&0xffffffff, last&0xffffffff)
	}
}
