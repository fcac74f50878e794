package access

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// synthReview is a review of n items without a cache: 8 memberships per
// user, names that need no escaping.
func synthReview(n int) *tenant.Review {
	r := &tenant.Review{ID: 1, Name: "Q4", CreatedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), SnapshotID: 7,
		SnapshotAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), Items: make([]tenant.ReviewItem, n)}
	for i := range r.Items {
		u := i / 8
		r.Items[i] = tenant.ReviewItem{Seq: i, UserID: fmt.Sprintf("u%06d", u), GroupID: fmt.Sprintf("r%02d:o%02d", i%8, u%50),
			UserLabel: fmt.Sprintf("user%06d@acme.example", u), Role: fmt.Sprintf("Role %d", i%8), Org: fmt.Sprintf("Org %d", u%50),
			Hints: tenant.Hints(i % 16)}
	}
	return r
}

func writeAll(t testing.TB, r *tenant.Review) []byte {
	var buf bytes.Buffer
	if err := tenant.WriteDecisionFile(&buf, tenant.HeaderFor(r), r.Items, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func baselineOf(items []tenant.ReviewItem) DecisionSource {
	return DecisionSource{Written: slices.Clone(items)}
}

func plan(t *testing.T, r *tenant.Review, text string, src DecisionSource) *DecisionPlan {
	t.Helper()
	return PlanDecisions(r, tenant.ParseDecisionFile([]byte(text)), src)
}

func problemsText(p *DecisionPlan) string {
	var b strings.Builder
	for _, x := range p.Problems {
		fmt.Fprintf(&b, "%d %s\n", x.Line, x.Why)
	}
	return b.String()
}

func TestPlanDecisions(t *testing.T) {
	r := synthReview(10)
	lines := strings.Split(strings.TrimSuffix(string(writeAll(t, r)), "\n"), "\n")
	head, items := lines[:0], []string{}
	for _, l := range lines {
		if strings.HasPrefix(l, "#") {
			head = append(head, l)
		} else {
			items = append(items, l)
		}
	}
	set := func(i int, word string) { items[i] = word + strings.TrimPrefix(items[i], "undecided") }
	edit := func(f func([]string) []string) string {
		cp := append([]string(nil), items...)
		return strings.Join(head, "\n") + "\n" + strings.Join(f(cp), "\n") + "\n"
	}
	src := baselineOf(r.Items)

	// Unchanged: nothing to record, nothing to report.
	if p := plan(t, r, edit(func(l []string) []string { return l }), src); len(p.Decisions) != 0 || len(p.Problems) != 0 || p.Unchanged != 10 {
		t.Fatalf("unchanged: %+v", p)
	}
	set(0, "revoke")
	set(1, "keep")
	items[1] = strings.Replace(items[1], "  #", "  note: a \\# b  #", 1)
	set(2, "maybe")
	set(3, "skip")
	items[4] = strings.Replace(items[4], "user", "someone", 1) // text edited
	set(5, "KEEP")
	text := edit(func(l []string) []string {
		// line 6 deleted, line 7 moved to the end (decided skip), line 8 twice
		l[7] = "skip" + strings.TrimPrefix(l[7], "undecided")
		return append(append(append(l[:6:6], l[8], l[8], l[9]), l[7]), "garbage line")
	})
	p := plan(t, r, text, src)
	got := problemsText(p)
	for _, want := range []string{`unknown word "maybe"`, "was edited past its decision", "listed again", "lists item 8.", "was moved", "item 7.", "6.", "was deleted", "not an item key"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	if len(p.Decisions) != 4 {
		t.Fatalf("%d decisions, want 4 (revoke, keep+note, skip, KEEP):\n%s", len(p.Decisions), got)
	}
	want := []struct {
		seq  int
		v    tenant.Verdict
		note string
	}{{0, tenant.Revoke, ""}, {1, tenant.Keep, "a # b"}, {3, tenant.Skip, ""}, {5, tenant.Keep, ""}}
	for i, w := range want {
		d := p.Decisions[i]
		if r.Items[p.Items[i]].Seq != w.seq || d.Verdict != w.v || (w.note != "") != (d.Note != nil) || (d.Note != nil && *d.Note != w.note) {
			t.Errorf("decision %d: %+v (item %d), want %+v", i, d, p.Items[i], w)
		}
	}

	// Decided meanwhile: the item's state is not the baseline any more.
	r2 := synthReview(10)
	r2.Items[0].Decision, r2.Items[0].Reviewer = tenant.Keep, "bob"
	r2.Items[3].Decision, r2.Items[3].ApplyStatus = tenant.Revoke, tenant.Applied
	src2 := baselineOf(synthReview(10).Items)
	src2.Written[3].Decision = tenant.Revoke
	p = plan(t, r2, edit(func(l []string) []string { return l[:6] }), src2)
	got = problemsText(p)
	if !strings.Contains(got, "decided meanwhile (now keep by bob)") || !strings.Contains(got, "already revoked on the tenant") {
		t.Fatalf("meanwhile:\n%s", got)
	}
	// A slice: a line outside it is refused.
	src3 := DecisionSource{Slice: map[int]bool{0: true}}
	p = plan(t, synthReview(10), edit(func(l []string) []string { return l[:4] }), src3)
	if len(p.Decisions) != 1 || !strings.Contains(problemsText(p), "outside this file's slice") {
		t.Fatalf("slice: %+v\n%s", p.Decisions, problemsText(p))
	}
	// A reviewer cannot decide their own access.
	all := edit(func(l []string) []string {
		for i := range l {
			l[i] = "keep" + strings.TrimPrefix(strings.TrimPrefix(l[i], "undecided"), "revoke")
		}
		return l[8:10]
	})
	p = plan(t, synthReview(10), all, DecisionSource{Reviewer: "USER000001@acme.example"})
	if len(p.Decisions) != 0 || strings.Count(problemsText(p), "reviewer's own access") != 2 {
		t.Fatalf("own access: %+v\n%s", p.Decisions, problemsText(p))
	}
	p = plan(t, synthReview(10), all, DecisionSource{Reviewer: "user000000@acme.example"})
	if len(p.Decisions) != 2 {
		t.Fatalf("another's access: %+v\n%s", p.Decisions, problemsText(p))
	}
}

// TestMovedLines: one longest in-order run stays; what is outside it was
// moved.
func TestMovedLines(t *testing.T) {
	for _, tc := range []struct {
		seqs  []int
		moved []int
	}{
		{[]int{0, 1, 2, 3}, nil},
		{[]int{3, 0, 1, 2}, []int{0}},
		{[]int{0, 2, 3, 1, 4}, []int{3}},
		{[]int{1, 0}, []int{1}},
	} {
		lines := make([]tenant.DecisionLine, len(tc.seqs))
		for i, s := range tc.seqs {
			lines[i].Seq = s
		}
		got := movedLines(lines, make([]string, len(lines)))
		if fmt.Sprint(got) != fmt.Sprint(tc.moved) && !(len(got) == 0 && len(tc.moved) == 0) {
			t.Errorf("%v: moved %v, want %v", tc.seqs, got, tc.moved)
		}
	}
}

// TestRecordDecisionsMeanwhile: the cache refuses a decision whose item
// changed after the plan was made (another process decided it).
func TestRecordDecisionsMeanwhile(t *testing.T) {
	svc, _, _ := newService(t, scimtest.Config{Users: 30})
	ctx := context.Background()
	r, err := svc.StartReview(ctx, "Q4", ReviewScope{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tenant.WriteDecisionFile(&buf, tenant.HeaderFor(r), r.Items[:3], nil)
	text := strings.ReplaceAll(buf.String(), "\nundecided ", "\nkeep      ")
	f := tenant.ParseDecisionFile([]byte(text))
	p := PlanDecisions(r, f, baselineOf(r.Items[:3]))
	if len(p.Decisions) != 3 {
		t.Fatalf("%d decisions: %s", len(p.Decisions), problemsText(p))
	}
	// Someone decides item 1 between the plan and the record.
	if err := svc.Decide(ctx, r.ID, tenant.Decision{Key: r.Items[1].Key(), Verdict: tenant.Skip, Reviewer: "bob"}); err != nil {
		t.Fatal(err)
	}
	n, refused, err := svc.RecordDecisions(ctx, r, p)
	if err != nil || n != 2 || len(refused) != 1 || !strings.Contains(refused[0].Why, "meanwhile") {
		t.Fatalf("recorded %d, refused %+v, %v", n, refused, err)
	}
	r, _ = svc.Review(ctx, "Q4")
	if r.Items[0].Decision != tenant.Keep || r.Items[1].Decision != tenant.Skip || r.Items[1].Reviewer != "bob" || r.Items[2].Decision != tenant.Keep {
		t.Fatalf("items %+v", r.Items[:3])
	}
	if !errors.Is(ErrChangedMeanwhile, ErrChangedMeanwhile) {
		t.Fatal()
	}
}

// TestDecisionCSV: an export's CSV, its decision column changed, is read
// back; another review's rows are refused.
func TestDecisionCSV(t *testing.T) {
	r := synthReview(6)
	r.Items[2].Note = "=1+1"
	_, data, err := BuildEvidence(r, time.Now(), "me")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	lines[1] = strings.Replace(lines[1], ",undecided,", ",revoke,", 1)
	lines[3] = strings.Replace(lines[3], ",undecided,", ",keep,", 1) // its guarded note unchanged
	lines[4] = strings.Replace(lines[4], "Q4,", "Q3,", 1)
	f, err := ReadDecisionCSV(strings.NewReader(strings.Join(lines, "\n")), r)
	if err != nil {
		t.Fatal(err)
	}
	p := PlanDecisions(r, f, DecisionSource{Unordered: true})
	if len(p.Decisions) != 2 || p.Decisions[0].Verdict != tenant.Revoke || p.Decisions[1].Note != nil || len(p.Problems) != 1 ||
		!strings.Contains(p.Problems[0].Why, `review "Q3"`) {
		t.Fatalf("plan %+v\n%s", p.Decisions, problemsText(p))
	}
}

// BenchmarkDecisionFile300k: at 300,000 review items, write the decision
// file, then read back the file with every line changed (parse, and check
// every line against its item, as `review edit` does once the editor
// closes). cpu-ms/op is the process's CPU time per op (GC included), which
// a loaded machine distorts less than ns/op.
func BenchmarkDecisionFile300k(b *testing.B) {
	r := synthReview(300_000)
	src := baselineOf(r.Items)
	edited := bytes.ReplaceAll(writeAll(b, r), []byte("\nundecided "), []byte("\nkeep      "))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		var buf bytes.Buffer
		buf.Grow(len(r.Items) * 96)
		if err := tenant.WriteDecisionFile(&buf, tenant.HeaderFor(r), r.Items, nil); err != nil {
			b.Fatal(err)
		}
		p := PlanDecisions(r, tenant.ParseDecisionFile(edited), src)
		if len(p.Decisions) != len(r.Items) || len(p.Problems) != 0 {
			b.Fatalf("%d decisions, %d problems", len(p.Decisions), len(p.Problems))
		}
	}
	b.ReportMetric(float64((processCPU()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(len(edited))/1e6, "MB/file")
}
