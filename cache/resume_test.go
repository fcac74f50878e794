package cache

import (
	"context"
	"testing"
)

// TestCloseDoesNotWaitForTheOrder: storing a sync's sort order re-reads
// every user; Close stops it rather than wait (a hook holds it until its
// context ends, so a Close that waited would never return), and the next
// load stores the order instead.
func TestCloseDoesNotWaitForTheOrder(t *testing.T) {
	st, path := openTemp(t)
	ctx := context.Background()
	users, groups := genTenant(300, 4, 3, 2, 5)
	held := make(chan struct{}, 1)
	testHookSaveOrder = func(ctx context.Context) {
		select {
		case held <- struct{}{}:
		default:
		}
		<-ctx.Done()
	}
	w, err := st.BeginSnapshot(ctx, "https://acme.onetrust.com/api/scim/v2", "acme", input(users, groups).StartedAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddUsers(ctx, users); err != nil {
		t.Fatal(err)
	}
	info, err := w.Commit(ctx, users, groups)
	if err != nil {
		t.Fatal(err)
	}
	<-held // the order is being stored
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	testHookSaveOrder = nil

	again, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	order := func() int {
		var b []byte
		if err := again.db.QueryRow(`SELECT user_order FROM snapshots WHERE id = ?`, info.ID).Scan(&b); err != nil {
			t.Fatal(err)
		}
		return len(b)
	}
	if n := order(); n != 0 {
		t.Fatalf("an order of %d bytes was stored though Close stopped it", n)
	}
	if _, err := again.Load(ctx); err != nil {
		t.Fatal(err)
	}
	again.Settle()
	if n := order(); n != 4+4*len(users) {
		t.Fatalf("after a load the stored order is %d bytes, want %d", n, 4+4*len(users))
	}

	// An order a write cleared is not filled in from a load: the load may
	// have read before the write.
	tx, err := again.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := clearUserOrder(ctx, tx, info.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := again.Load(ctx); err != nil {
		t.Fatal(err)
	}
	again.Settle()
	if n := order(); n != 0 {
		t.Fatalf("a cleared order was filled in (%d bytes)", n)
	}
}
