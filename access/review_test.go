package access

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

func patchCount(srv *scimtest.TestServer) int {
	n := 0
	for _, r := range srv.RequestLog() {
		if r.Method == "PATCH" {
			n++
		}
	}
	return n
}

func TestSelectScope(t *testing.T) {
	svc, srv, snap := newService(t, scimtest.Config{Users: 120})
	ctx := context.Background()

	all, err := SelectScope(snap, nil, ReviewScope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) < snap.Memberships() || all.Roles != nil || all.Description != "every membership of the tenant" {
		t.Fatalf("whole tenant: %d items for %d memberships, %q", len(all.Items), snap.Memberships(), all.Description)
	}
	again, _ := SelectScope(snap, nil, ReviewScope{})
	if !reflect.DeepEqual(all.Items, again.Items) {
		t.Fatal("the same scope gave two orders")
	}

	sc, err := SelectScope(snap, nil, ReviewScope{Role: "admin", Org: "Legal"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sc.Roles, []string{"Site Admin"}) || !reflect.DeepEqual(sc.Orgs, []string{"Legal"}) {
		t.Fatalf("roles %v orgs %v", sc.Roles, sc.Orgs)
	}
	gid, _ := srv.GroupID("Site Admin", "Legal")
	gi, _ := snap.GroupIndex(gid)
	if len(sc.Items) != len(snap.Groups[gi].Members) || len(sc.Items) == 0 {
		t.Fatalf("%d items, group has %d members", len(sc.Items), len(snap.Groups[gi].Members))
	}
	for _, it := range sc.Items {
		if it.GroupID != gid || !it.Hints.Has(tenant.HintAdmin) || it.Role != "Site Admin" || it.Org != "Legal" {
			t.Fatalf("item %+v", it)
		}
		if u, _ := snap.UserIndex(it.UserID); snap.Users[u].Active == it.Hints.Has(tenant.HintInactive) {
			t.Fatalf("inactive hint wrong on %+v", it)
		}
	}
	// A filter's org: term scopes the memberships, its other terms the
	// users: inactive users' memberships in Legal, nothing they hold
	// elsewhere (issue 14.6).
	inLegal, err := SelectScope(snap, nil, ReviewScope{Filter: "status:inactive org:legal"})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, u := range snap.Users {
		if u.Active {
			continue
		}
		for _, g := range u.Groups {
			if grp := &snap.Groups[g]; !grp.Plain() && snap.Orgs[grp.Org].Name == "Legal" {
				want++
			}
		}
	}
	if want == 0 || len(inLegal.Items) != want {
		t.Fatalf("status:inactive org:legal: %d items, want %d", len(inLegal.Items), want)
	}
	for _, it := range inLegal.Items {
		if it.Org != "Legal" || it.UserActive || it.NoRole() {
			t.Fatalf("status:inactive org:legal covers %+v", it)
		}
	}
	byFlag, _ := SelectScope(snap, nil, ReviewScope{Org: "Legal", Filter: "status:inactive"})
	if !reflect.DeepEqual(byFlag.Items, inLegal.Items) {
		t.Fatalf("--org Legal --filter status:inactive gave %d items, the filter org:legal %d", len(byFlag.Items), len(inLegal.Items))
	}
	if _, err := SelectScope(snap, nil, ReviewScope{Org: "Mars"}); err == nil || !strings.Contains(err.Error(), "Mars") {
		t.Fatalf("unknown org: %v", err)
	}
	if _, err := SelectScope(snap, nil, ReviewScope{Filter: `org:"open`}); err == nil {
		t.Fatal("bad filter accepted")
	}

	// The tenant changes: a new user without roles, a new grant. After a
	// re-sync the scope marks both.
	nobody := srv.AddUser(client.User{UserName: "nobody@acme.test", Active: true, Emails: []client.MultiValue{{Value: "nobody@acme.test", Primary: true}}})
	var grantee string
	for _, u := range srv.Users() {
		if !srv.IsMember(u.ID, gid) && u.ID != nobody {
			grantee = u.ID
			break
		}
	}
	if err := srv.SetMember(grantee, gid, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := svc.StartReview(ctx, "Q4-2026", ReviewScope{Filter: "acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Items) != 1 || !r.Items[0].NoRole() || r.Items[0].UserID != nobody || !r.Items[0].Hints.Has(tenant.HintNoRole) {
		t.Fatalf("no-role scope %+v", r.Items)
	}
	r, err = svc.StartReview(ctx, "admins", ReviewScope{Role: "Site Admin"})
	if err != nil {
		t.Fatal(err)
	}
	news := 0
	for _, it := range r.Items {
		if it.Hints.Has(tenant.HintNew) {
			news++
			if it.UserID != grantee || it.GroupID != gid {
				t.Fatalf("marked new: %+v", it)
			}
		}
		if it.NoRole() {
			t.Fatalf("a role-limited scope lists a user without roles: %+v", it)
		}
	}
	if news != 1 || r.Tenant != srv.URL || r.CreatedBy != "tester" || r.Scope != "role Site Admin" {
		t.Fatalf("%d new; review %+v", news, r)
	}
	if _, err := svc.StartReview(ctx, "empty", ReviewScope{Filter: "no-such-user-anywhere"}); err == nil || !strings.Contains(err.Error(), "nothing to review") {
		t.Fatalf("empty scope: %v", err)
	}
}

// decideAll sets verdicts on a review's items: the first n revoke, then
// keep, skip, and the rest undecided.
func decideAll(t *testing.T, st *cache.Store, r *tenant.Review, revoke int) {
	t.Helper()
	ctx := context.Background()
	for i := range r.Items {
		it := &r.Items[i]
		v := tenant.Undecided
		switch {
		case i < revoke && !it.NoRole():
			v = tenant.Revoke
		case i == revoke:
			v = tenant.Keep
		case i == revoke+1:
			v = tenant.Skip
		}
		if v == tenant.Undecided {
			continue
		}
		if err := st.Decide(ctx, r.ID, tenant.Decision{Key: it.Key(), Verdict: v, Reviewer: "rev-" + string(v), At: time.Date(2026, 11, 2, 10, 0, i, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReviewEvidence(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t, scimtest.Config{})
	r, err := svc.StartReview(ctx, "Q4", ReviewScope{Org: "Finance"})
	if err != nil {
		t.Fatal(err)
	}
	decideAll(t, svc.store, r, 2)
	evil := "=HYPERLINK(\"http://x\")"
	if err := svc.store.SetNote(ctx, r.ID, r.Items[0].Key(), evil); err != nil {
		t.Fatal(err)
	}
	r, _ = svc.store.Review(ctx, "Q4")
	at := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	ev, data, err := BuildEvidence(r, at, "auditor")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if ev.RowsSHA256 != hex.EncodeToString(sum[:]) {
		t.Fatal("the hash is not the CSV's")
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], EvidenceColumns) || len(rows) != len(r.Items)+1 {
		t.Fatalf("header %v, %d rows for %d items", rows[0], len(rows), len(r.Items))
	}
	col := func(name string) int {
		for i, c := range EvidenceColumns {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	first := rows[1]
	if first[col("note")] != "'"+evil || first[col("decision")] != "revoke" || first[col("reviewer")] != "rev-revoke" ||
		first[col("decided_at")] != "2026-11-02T10:00:00Z" || first[col("tenant_url")] != r.Tenant ||
		first[col("snapshot_time")] != r.SnapshotAt.UTC().Format(time.RFC3339) || first[col("org")] != "Finance" {
		t.Fatalf("first row %v", first)
	}
	if ev.Rows[0].Note != evil {
		t.Fatal("the JSON rows carry the raw note")
	}
	s := ev.Summary
	if s.Total != len(r.Items) || s.Revoke != 2 || s.Keep != 1 || s.Skip != 1 || s.Undecided != len(r.Items)-4 ||
		!reflect.DeepEqual(s.Reviewers, []string{"rev-keep", "rev-revoke", "rev-skip"}) {
		t.Fatalf("summary %+v", s)
	}
	// Deterministic: the same review exports the same bytes.
	_, again, _ := BuildEvidence(r, at.Add(time.Hour), "someone else")
	if !bytes.Equal(data, again) {
		t.Fatal("two exports of the same review differ")
	}
}

func TestApplyReviewPartialFailureAndRetry(t *testing.T) {
	ctx := context.Background()
	// Direct access only: every revocation is one PATCH (access through
	// user groups: TestApplyReviewLeavesUserGroups).
	svc, srv, _ := newService(t, scimtest.Config{UserGroups: -1})
	r, err := svc.StartReview(ctx, "Q4", ReviewScope{Org: "Legal"})
	if err != nil {
		t.Fatal(err)
	}
	const revoke = 5
	decideAll(t, svc.store, r, revoke)
	r, _ = svc.store.Review(ctx, "Q4")
	if n := len(PendingRevocations(r)); n != revoke {
		t.Fatalf("%d pending", n)
	}

	srv.InjectFault(scimtest.Fault{Method: "PATCH", Kind: scimtest.FaultStatus, Status: 403, Times: 2})
	var seen []ReviewApplyProgress
	res, err := svc.ApplyReview(ctx, r, ReviewApplyOptions{Progress: func(p ReviewApplyProgress) { seen = append(seen, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != revoke || res.Applied != revoke-2 || res.Failed != 2 || len(res.Failures) != 2 || len(seen) != revoke || seen[revoke-1].Done != revoke {
		t.Fatalf("first run %+v, %d progress calls", res, len(seen))
	}
	r, _ = svc.store.Review(ctx, "Q4")
	failed := map[tenant.ItemKey]bool{}
	for _, it := range r.Items[:revoke] {
		switch it.ApplyStatus {
		case tenant.Applied:
			if srv.IsMember(it.UserID, it.GroupID) {
				t.Fatalf("%+v applied but still a member", it)
			}
		case tenant.ApplyFailed:
			failed[it.Key()] = true
			if !strings.Contains(it.ApplyError, "403") || !srv.IsMember(it.UserID, it.GroupID) {
				t.Fatalf("failed item %+v", it)
			}
		default:
			t.Fatalf("item not attempted: %+v", it)
		}
	}
	for _, it := range r.Items[revoke:] {
		if it.ApplyStatus != tenant.NotApplied || !srv.IsMember(it.UserID, it.GroupID) {
			t.Fatalf("a non-revoke item was touched: %+v", it)
		}
	}

	// The re-run sends exactly the two that failed.
	before := patchCount(srv)
	res, err = svc.ApplyReview(ctx, r, ReviewApplyOptions{Progress: func(p ReviewApplyProgress) {
		if !failed[p.Item.Key()] {
			t.Errorf("re-run retried %+v, which had not failed", p.Item)
		}
	}})
	if err != nil || res.Applied != 2 || res.Failed != 0 || patchCount(srv)-before != 2 {
		t.Fatalf("re-run %+v, %v, %d PATCHes", res, err, patchCount(srv)-before)
	}
	r, _ = svc.store.Review(ctx, "Q4")
	if r.Counts.Applied != revoke || r.Counts.Failed != 0 {
		t.Fatalf("counts %+v", r.Counts)
	}
	before = patchCount(srv)
	if res, err := svc.ApplyReview(ctx, r, ReviewApplyOptions{}); err != nil || res.Total != 0 || patchCount(srv) != before {
		t.Fatalf("third run %+v %v", res, err)
	}
	// The cache followed every write, and the audit log has them all.
	snap, _ := svc.store.Load(ctx)
	for _, it := range r.Items[:revoke] {
		u, _ := snap.UserIndex(it.UserID)
		g, _ := snap.GroupIndex(it.GroupID)
		if snap.IsMember(u, g) {
			t.Fatalf("cache still lists %+v", it)
		}
	}
	entries, _ := svc.store.Audit(ctx, 0)
	var revokes, failures, summaries int
	for _, e := range entries {
		switch {
		case e.Action == "revoke" && e.Result == "ok":
			revokes++
		case e.Action == "revoke":
			failures++
		case e.Action == "review apply" && e.Target == "review Q4":
			summaries++
		}
	}
	if revokes != revoke || failures != 2 || summaries != 2 {
		t.Fatalf("audit: %d revokes, %d failures, %d summaries", revokes, failures, summaries)
	}
}

func TestApplyReviewCancelStopsCleanly(t *testing.T) {
	svc, srv, _ := newService(t, scimtest.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := svc.StartReview(ctx, "Q4", ReviewScope{Org: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	decideAll(t, svc.store, r, 4)
	r, _ = svc.store.Review(ctx, "Q4")
	res, err := svc.ApplyReview(ctx, r, ReviewApplyOptions{Concurrency: 1, Progress: func(ReviewApplyProgress) { cancel() }})
	if !errors.Is(err, context.Canceled) || res.Applied != 1 || res.Failed != 0 {
		t.Fatalf("cancelled run: %+v, %v", res, err)
	}
	r, _ = svc.store.Review(context.Background(), "Q4")
	if r.Counts.Applied != 1 || len(PendingRevocations(r)) != 3 {
		t.Fatalf("after cancel: %+v", r.Counts)
	}
	res, err = svc.ApplyReview(context.Background(), r, ReviewApplyOptions{})
	if err != nil || res.Applied != 3 {
		t.Fatalf("resumed run: %+v, %v", res, err)
	}
	for _, it := range r.Items[:4] {
		if srv.IsMember(it.UserID, it.GroupID) {
			t.Fatalf("%+v still a member", it)
		}
	}
}

func TestApplyReviewOffline(t *testing.T) {
	svc, _, _ := newService(t, scimtest.Config{Users: 30})
	ctx := context.Background()
	r, err := svc.StartReview(ctx, "Q4", ReviewScope{})
	if err != nil {
		t.Fatal(err)
	}
	decideAll(t, svc.store, r, 1)
	r, _ = svc.store.Review(ctx, "Q4")
	off := New(nil, svc.store, "test")
	if _, err := off.ApplyReview(ctx, r, ReviewApplyOptions{}); !errors.Is(err, ErrOffline) {
		t.Fatalf("offline apply: %v", err)
	}
	if _, err := off.StartReview(ctx, "offline-start", ReviewScope{}); err != nil {
		t.Fatalf("starting a review offline: %v", err)
	}
}

// A revocation the server carried out counts as applied even when the
// current snapshot no longer lists the user (a later sync dropped it).
func TestApplyReviewUserGoneFromSnapshot(t *testing.T) {
	ctx := context.Background()
	svc, srv, _ := newService(t, scimtest.Config{})
	r, err := svc.StartReview(ctx, "Q4", ReviewScope{Org: "Legal"})
	if err != nil {
		t.Fatal(err)
	}
	it := r.Items[0]
	if err := svc.store.Decide(ctx, r.ID, tenant.Decision{Key: it.Key(), Verdict: tenant.Revoke}); err != nil {
		t.Fatal(err)
	}
	if err := svc.store.DeleteUser(ctx, it.UserID); err != nil {
		t.Fatal(err)
	}
	r, _ = svc.store.Review(ctx, "Q4")
	res, err := svc.ApplyReview(ctx, r, ReviewApplyOptions{})
	if err != nil || res.Applied != 1 || srv.IsMember(it.UserID, it.GroupID) {
		t.Fatalf("apply %+v, %v; still a member: %v", res, err, srv.IsMember(it.UserID, it.GroupID))
	}
}
