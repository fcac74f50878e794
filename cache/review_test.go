package cache

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

func reviewItems() []tenant.ReviewItem {
	return []tenant.ReviewItem{
		{UserID: "u1", GroupID: "admin:emea", UserName: "anna Berg", UserEmail: "anna@example.com", UserLabel: "anna@example.com", UserActive: true,
			Role: "Site Admin", Org: "EMEA - Sales", Group: "Site Admin - EMEA - Sales", Hints: tenant.HintAdmin | tenant.HintNew | tenant.HintStale,
			UserGroups: []tenant.UserGroupRef{{ID: "ug-1", Name: "Sales \"Admins\""}}, // both ways
			LoginKnown: true, LastLogin: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), DaysSinceLogin: 153},
		{UserID: "u1", GroupID: "everyone", UserName: "anna Berg", UserEmail: "anna@example.com", UserLabel: "anna@example.com", UserActive: true, Group: "Everyone"},
		{UserID: "u4", GroupID: "ghost:emea", UserName: "svc-robot", UserLabel: "svc-robot", Role: "Ghost Role", Org: "EMEA - Sales", Hints: tenant.HintInactive | tenant.HintNeverLoggedIn,
			UserGroups: []tenant.UserGroupRef{{ID: "ug-2", Name: "Robots"}, {ID: "ug-3", Name: "Legal Team"}}, ViaOnly: true, LoginKnown: true},
		{UserID: "u5", UserName: "Nobody", UserEmail: "n@example.com", UserLabel: "n@example.com", UserActive: true, Hints: tenant.HintNoRole},
	}
}

func startTestReview(t *testing.T, st *Store, name string) *tenant.Review {
	t.Helper()
	r, err := st.StartReview(context.Background(), tenant.Review{
		Name: name, CreatedBy: "alice", Profile: "acme", Tenant: "https://acme.onetrust.com/api/scim/v2?token=x",
		SnapshotID: 7, SnapshotAt: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC), Scope: "org: EMEA - Sales",
	}, reviewItems())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReviewStartAndLoad(t *testing.T) {
	ctx := context.Background()
	st, _ := openTemp(t)
	r := startTestReview(t, st, "Q4-2026")
	if r.ID == 0 || r.Counts.Items != 4 || r.Counts.Undecided != 4 || r.Tenant != "https://acme.onetrust.com/api/scim/v2" {
		t.Fatalf("started %+v", r)
	}
	got, err := st.Review(ctx, "Q4-2026")
	if err != nil {
		t.Fatal(err)
	}
	want := reviewItems()
	for i := range want {
		want[i].Seq = i
	}
	if !reflect.DeepEqual(got.Items, want) {
		t.Fatalf("items\n got %+v\nwant %+v", got.Items, want)
	}
	if got.Scope != r.Scope || !got.SnapshotAt.Equal(r.SnapshotAt) || got.CreatedBy != "alice" || got.SnapshotID != 7 {
		t.Fatalf("review %+v", got)
	}

	if _, err := st.StartReview(ctx, tenant.Review{Name: "Q4-2026"}, nil); !errors.Is(err, ErrReviewExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	// Names match in any case, like roles and orgs (issue 14.6).
	if _, err := st.StartReview(ctx, tenant.Review{Name: "q4-2026"}, reviewItems()); !errors.Is(err, ErrReviewExists) {
		t.Fatalf("a name differing only in case: %v", err)
	}
	if lower, err := st.Review(ctx, "q4-2026"); err != nil || lower.ID != r.ID || lower.Name != "Q4-2026" {
		t.Fatalf("review by lowercase name: %v %+v", err, lower)
	}
	for _, bad := range []string{"", " x", "a\x1b[2Jb"} {
		if _, err := st.StartReview(ctx, tenant.Review{Name: bad}, nil); err == nil {
			t.Fatalf("name %q accepted", bad)
		}
	}
	if _, err := st.StartReview(ctx, tenant.Review{Name: "dup"}, append(reviewItems(), reviewItems()[0])); err == nil {
		t.Fatal("an item listed twice was accepted")
	}
	if _, err := st.Review(ctx, "dup"); !errors.Is(err, ErrNoReview) {
		t.Fatalf("a failed start left a review behind: %v", err)
	}
	if _, err := st.Review(ctx, "nope"); !errors.Is(err, ErrNoReview) {
		t.Fatalf("missing review: %v", err)
	}
}

func TestReviewDecisionsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r := startTestReview(t, st, "Q4")
	at := time.Date(2026, 10, 2, 10, 0, 0, 0, time.UTC)
	note := "left the team in May"
	steps := []tenant.Decision{
		{Key: tenant.ItemKey{UserID: "u1", GroupID: "admin:emea"}, Verdict: tenant.Revoke, Note: &note, Reviewer: "bob", At: at},
		{Key: tenant.ItemKey{UserID: "u1", GroupID: "everyone"}, Verdict: tenant.Keep, Reviewer: "bob", At: at},
		{Key: tenant.ItemKey{UserID: "u4", GroupID: "ghost:emea"}, Verdict: tenant.Skip, Reviewer: "bob", At: at},
		{Key: tenant.ItemKey{UserID: "u4", GroupID: "ghost:emea"}, Verdict: tenant.Undecided, Reviewer: "bob", At: at}, // changed their mind
		{Key: tenant.ItemKey{UserID: "u5", GroupID: ""}, Verdict: tenant.Keep, Reviewer: "carol", At: at},
	}
	for _, d := range steps {
		if err := st.Decide(ctx, r.ID, d); err != nil {
			t.Fatalf("decide %+v: %v", d, err)
		}
	}
	if err := st.SetNote(ctx, r.ID, tenant.ItemKey{UserID: "u1", GroupID: "everyone"}, "needed for SSO"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Review(ctx, "Q4")
	if err != nil {
		t.Fatal(err)
	}
	it := got.Items
	if it[0].Decision != tenant.Revoke || it[0].Note != note || it[0].Reviewer != "bob" || !it[0].DecidedAt.Equal(at) {
		t.Fatalf("item 0 %+v", it[0])
	}
	if it[1].Decision != tenant.Keep || it[1].Note != "needed for SSO" {
		t.Fatalf("item 1 %+v", it[1])
	}
	if it[2].Decision != tenant.Undecided || it[2].Reviewer != "" || !it[2].DecidedAt.IsZero() {
		t.Fatalf("item 2 (cleared) %+v", it[2])
	}
	if it[3].Decision != tenant.Keep || it[3].Reviewer != "carol" {
		t.Fatalf("item 3 %+v", it[3])
	}
	want := tenant.ReviewCounts{Items: 4, Undecided: 1, Keep: 2, Revoke: 1}
	if got.Counts != want || got.Counts.Decided() != 3 {
		t.Fatalf("counts %+v", got.Counts)
	}
	list, err := st.Reviews(ctx)
	if err != nil || len(list) != 1 || list[0].Counts != want || list[0].Items != nil {
		t.Fatalf("Reviews: %+v, %v", list, err)
	}
}

func TestReviewDecideRules(t *testing.T) {
	ctx := context.Background()
	st, _ := openTemp(t)
	r := startTestReview(t, st, "Q4")
	revokeKey := tenant.ItemKey{UserID: "u1", GroupID: "admin:emea"}
	cases := []struct {
		name string
		d    tenant.Decision
		want error
	}{
		{"unknown item", tenant.Decision{Key: tenant.ItemKey{UserID: "u1", GroupID: "nope"}, Verdict: tenant.Keep}, ErrNoItem},
		{"revoke a user without roles", tenant.Decision{Key: tenant.ItemKey{UserID: "u5", GroupID: ""}, Verdict: tenant.Revoke}, ErrNothingToRevoke},
		{"bad verdict", tenant.Decision{Key: revokeKey, Verdict: "maybe"}, nil},
	}
	for _, tc := range cases {
		err := st.Decide(ctx, r.ID, tc.d)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := st.Decide(ctx, r.ID, tenant.Decision{Key: revokeKey, Verdict: tenant.Revoke}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordApply(ctx, r.ID, revokeKey, tenant.Applied, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, r.ID, tenant.Decision{Key: revokeKey, Verdict: tenant.Keep}); !errors.Is(err, ErrItemApplied) {
		t.Fatalf("changing an applied decision: %v", err)
	}
	note := "done"
	if err := st.Decide(ctx, r.ID, tenant.Decision{Key: revokeKey, Verdict: tenant.Revoke, Note: &note}); err != nil {
		t.Fatalf("a note on an applied item: %v", err)
	}
	got, _ := st.Review(ctx, "Q4")
	if it := got.Items[0]; it.ApplyStatus != tenant.Applied || it.AppliedAt.IsZero() || it.Note != "done" || it.Pending() {
		t.Fatalf("applied item %+v", it)
	}
	if got.Counts.Applied != 1 {
		t.Fatalf("counts %+v", got.Counts)
	}
	if err := st.RecordApply(ctx, r.ID, revokeKey, "weird", "", time.Time{}); err == nil {
		t.Fatal("unknown apply status accepted")
	}
}

func TestReviewOutlivesSnapshots(t *testing.T) {
	ctx := context.Background()
	st, _ := openTemp(t)
	users, groups := smallTenant()
	for range 3 {
		if _, err := st.SaveSnapshot(ctx, input(users, groups)); err != nil {
			t.Fatal(err)
		}
	}
	startTestReview(t, st, "Q4")
	for range 3 { // the review's snapshot is pruned by now
		if _, err := st.SaveSnapshot(ctx, input(users, groups)); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := st.Review(ctx, "Q4"); err != nil || len(r.Items) != 4 {
		t.Fatalf("review after later syncs: %v", err)
	}
}

// A cache written before reviews existed is migrated in place, its
// snapshot intact.
func TestReviewMigrationFromV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, _ := writeV1Cache(t, path)
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if snap, err := st.Load(ctx); err != nil || len(snap.Users) != len(old.Users) {
		t.Fatalf("snapshot after migration: %v", err)
	}
	startTestReview(t, st, "after-migration")
}
