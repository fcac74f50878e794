package cache

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// A kept history survives reopening the cache byte for byte (any content,
// a date that did not read), a fetch replaces it, and another tenant's
// snapshot does not see it.
func TestHistoryIsKept(t *testing.T) {
	ctx := context.Background()
	st, path := openTemp(t)
	users, groups := smallTenant()
	if _, err := st.SaveSnapshot(ctx, input(users, groups)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.History(ctx, "u1"); ok || err != nil {
		t.Fatalf("a history never kept: %v %v", ok, err)
	}
	at := time.Date(2026, 10, 27, 9, 0, 0, 123456000, time.UTC)
	h := tenant.UserHistory{UserID: "u1", FetchedAt: at.Add(time.Hour), Entries: []tenant.HistoryEntry{
		{At: at, AtText: "2026-10-27T09:00:00.123456Z", Event: "User Edit", Field: "Role", New: "Auditor - Legal, 1:2", Method: "User Management", UpdatedBy: "Alice Admin"},
		{AtText: "27/10/2026", Field: "Status", Old: "Active", New: "Inactive\x1b[2J"},
	}}
	if err := st.PutHistory(ctx, h); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, ok, err := st.History(ctx, "u1")
	if err != nil || !ok || !got.FetchedAt.Equal(h.FetchedAt) || !slices.EqualFunc(got.Entries, h.Entries, func(a, b tenant.HistoryEntry) bool {
		return a.At.Equal(b.At) && a.AtText == b.AtText && a.Event == b.Event && a.Field == b.Field && a.Old == b.Old && a.New == b.New && a.Method == b.Method && a.UpdatedBy == b.UpdatedBy
	}) {
		t.Fatalf("after reopening: %+v %v %v", got, ok, err)
	}
	h.Entries, h.FetchedAt = nil, at.Add(2*time.Hour)
	if err := st.PutHistory(ctx, h); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := st.History(ctx, "u1"); !ok || len(got.Entries) != 0 || !got.FetchedAt.Equal(h.FetchedAt) {
		t.Fatalf("a second fetch: %+v", got)
	}
	other := input(users, groups)
	other.Source = "https://other.example.com"
	if _, err := st.SaveSnapshot(ctx, other); err != nil {
		t.Fatal(err)
	}
	if all, err := st.Histories(ctx); err != nil || len(all) != 0 {
		t.Fatalf("another tenant sees %d kept histories (%v)", len(all), err)
	}
}
