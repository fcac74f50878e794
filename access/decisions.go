package access

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// ErrChangedMeanwhile: an item's decision changed between writing a
// decision file and reading it back; the file's decision was not recorded.
var ErrChangedMeanwhile = cache.ErrChangedMeanwhile

// DecisionSource says how to read a decision file against its review.
type DecisionSource struct {
	// Written are the items as the file was written with them (review
	// edit): a line that asks for an item's state then changes nothing, an
	// item whose state is no longer that was decided meanwhile, and an item
	// no line names was deleted. nil: the review's current state is the
	// baseline and lines left out are not reported (a file from elsewhere:
	// --from-file, a reviewer's file).
	Written []tenant.ReviewItem
	// Slice, when non-nil, is the Seqs the file may decide (a reviewer's
	// file): a line for another item is refused.
	Slice map[int]bool
	// Reviewer is recorded as each decision's reviewer ("" the service's
	// actor).
	Reviewer string
	// Moved, by Seq, says why an item of the file is this reviewer's
	// rather than its org approver's (ReviewSlice.Moved): recorded with its
	// decision as the item's ReviewerReason.
	Moved map[int]string
	// Unordered skips the check for moved lines (a CSV names each item by
	// its ids, in any order).
	Unordered bool
}

// DecisionPlan is what a decision file asks to record, and what it asks
// that cannot be.
type DecisionPlan struct {
	Decisions []tenant.Decision
	Items     []int // index in the review of each decision's item
	Problems  []tenant.LineProblem
	Unchanged int // item lines that ask for what the item already has
}

// Counts tallies the plan's decisions by verdict.
func (p *DecisionPlan) Counts() tenant.ReviewCounts {
	var c tenant.ReviewCounts
	for _, d := range p.Decisions {
		it := tenant.ReviewItem{Decision: d.Verdict}
		c.Items++
		switch it.Decision {
		case tenant.Keep:
			c.Keep++
		case tenant.Revoke:
			c.Revoke++
		case tenant.Skip:
			c.Skip++
		default:
			c.Undecided++
		}
	}
	return c
}

// PlanDecisions reads file f against review r (as loaded now): every item
// line whose decision or note differs from the baseline becomes a decision,
// and every line that cannot be recorded — an unknown word, a key of no
// item, a changed text, a moved or duplicated line, a line outside the
// slice, an item already revoked on the tenant or decided meanwhile — is a
// problem that changes nothing, as is each written line that was deleted.
func PlanDecisions(r *tenant.Review, f *tenant.DecisionFile, src DecisionSource) *DecisionPlan {
	lines := f.Lines
	p := &DecisionPlan{Problems: slices.Clone(f.Bad), Decisions: make([]tenant.Decision, 0, len(lines)), Items: make([]int, 0, len(lines))}
	expect := make([]tenant.ItemState, 0, len(lines)) // the Expect of each decision, in one allocation
	bySeq := seqIndex(r)
	bad := make([]string, len(lines)) // why line i changes nothing, "" when it may
	// Per item (by index in r): the line naming it first (+1), the
	// baseline, whether it was written.
	first := make([]int, len(r.Items))
	var base []tenant.ItemState
	var written []bool
	if src.Written != nil {
		base, written = make([]tenant.ItemState, len(r.Items)), make([]bool, len(r.Items))
		for i := range src.Written {
			if k, ok := bySeq(src.Written[i].Seq); ok {
				base[k], written[k] = src.Written[i].State(), true
			}
		}
	}
	for i := range lines {
		k, ok := bySeq(lines[i].Seq)
		if !ok {
			continue
		}
		if first[k] == 0 {
			first[k] = i + 1
			continue
		}
		j := first[k] - 1
		bad[i] = fmt.Sprintf("lists item %s again (first on line %d): neither line is recorded", lines[i].Token(), lines[j].Line)
		if bad[j] == "" {
			bad[j] = fmt.Sprintf("its item %s is listed again on line %d: neither line is recorded", lines[j].Token(), lines[i].Line)
		}
	}
	if !src.Unordered {
		for _, i := range movedLines(lines, bad) {
			bad[i] = fmt.Sprintf("was moved: the file lists items in the review's order, and item %s belongs elsewhere; move it back to record it", lines[i].Token())
		}
	}
	seen := make([]bool, len(r.Items))
	for i := range lines {
		dl := &lines[i]
		k, ok := bySeq(dl.Seq)
		if !ok || !dl.KeyMatches(&r.Items[k]) {
			p.problem(dl, fmt.Sprintf("key %s names no item of review %s (was it edited, or copied from another review?)", dl.Token(), textsafe.Line(r.Name)))
			continue
		}
		seen[k] = true
		it := &r.Items[k]
		dl.SplitRest(it)
		why := bad[i]
		switch {
		case src.Slice != nil && !src.Slice[dl.Seq]:
			why = "is outside this file's slice: " + describeItem(it) + " is not this reviewer's to decide"
		case why != "":
		case src.Reviewer != "" && (strings.EqualFold(src.Reviewer, it.UserLabel) || strings.EqualFold(src.Reviewer, it.UserEmail)):
			why = "is the reviewer's own access (" + describeItem(it) + "): a reviewer cannot decide it"
		case !dl.TextOK:
			why = fmt.Sprintf("was edited past its decision: item %s is %s", dl.Token(), describeItem(it))
		case dl.Rest != "":
			why = fmt.Sprintf("has text after the membership that is not a note: %s (write note: TEXT)", strconv.Quote(textsafe.Line(dl.Rest)))
		case !dl.WordOK:
			why = fmt.Sprintf("unknown word %s: want keep, revoke, skip or undecided", strconv.Quote(textsafe.Line(dl.Word)))
		}
		if why != "" {
			p.problem(dl, why)
			continue
		}
		was := it.State()
		if written != nil && written[k] {
			was = base[k]
		}
		want := tenant.ItemState{Verdict: dl.Verdict, Note: was.Note}
		if dl.Note != nil {
			want.Note = *dl.Note
		}
		if want == was {
			p.Unchanged++
			continue
		}
		switch now := it.State(); {
		case now != was:
			by := ""
			if it.Reviewer != "" {
				by = " by " + textsafe.Line(it.Reviewer)
			}
			p.problem(dl, fmt.Sprintf("%s was decided meanwhile (now %s%s): not overwritten", describeItem(it), now.Verdict, by))
			continue
		case it.ApplyStatus == tenant.Applied && want.Verdict != now.Verdict:
			p.problem(dl, describeItem(it)+" was already revoked on the tenant: its decision can no longer change")
			continue
		case it.NoRole() && want.Verdict == tenant.Revoke:
			p.problem(dl, describeItem(it)+" holds no role: there is nothing to revoke (deprovision the user instead)")
			continue
		}
		expect = append(expect, was)
		d := tenant.Decision{Key: it.Key(), Verdict: want.Verdict, Reviewer: src.Reviewer, ReviewerReason: src.Moved[it.Seq], Expect: &expect[len(expect)-1]}
		if want.Note != was.Note {
			note := want.Note
			d.Note = &note
		}
		p.Decisions = append(p.Decisions, d)
		p.Items = append(p.Items, k)
	}
	for k := range written {
		if written[k] && !seen[k] {
			it := &r.Items[k]
			p.Problems = append(p.Problems, tenant.LineProblem{Key: tenant.ItemToken(it),
				Why: fmt.Sprintf("the line of item %s (%s) was deleted: it keeps its decision (%s)", tenant.ItemToken(it), describeItem(it), it.Decision)})
		}
	}
	slices.SortStableFunc(p.Problems, func(a, b tenant.LineProblem) int {
		if a.Line == 0 || b.Line == 0 {
			return b.Line - a.Line // lines first, deleted ones after
		}
		return a.Line - b.Line
	})
	return p
}

func (p *DecisionPlan) problem(dl *tenant.DecisionLine, why string) {
	p.Problems = append(p.Problems, tenant.LineProblem{Line: dl.Line, Key: dl.Token(), Why: why})
}

func describeItem(it *tenant.ReviewItem) string {
	return textsafe.Line(it.UserLabel) + " — " + textsafe.Line(it.Membership())
}

// seqIndex finds an item by its Seq (items are loaded in Seq order, so
// normally Seq is the index).
func seqIndex(r *tenant.Review) func(int) (int, bool) {
	contiguous := true
	for i := range r.Items {
		if r.Items[i].Seq != i {
			contiguous = false
			break
		}
	}
	if contiguous {
		return func(seq int) (int, bool) { return seq, seq >= 0 && seq < len(r.Items) }
	}
	m := make(map[int]int, len(r.Items))
	for i := range r.Items {
		m[r.Items[i].Seq] = i
	}
	return func(seq int) (int, bool) { k, ok := m[seq]; return k, ok }
}

// movedLines returns the lines (indexes) out of the review's order: those
// outside one longest in-order run of Seqs. Moving one line past others
// makes that line the moved one, not all it passed; when two runs are as
// long (two lines swapped), the earlier line stays and the later one is
// reported. Lines already bad (duplicates) take no part.
func movedLines(lines []tenant.DecisionLine, bad []string) []int {
	// A longest increasing run, found from the end: tails[k] is the line
	// with the largest Seq that starts a run of k+1 (so that, of equal
	// runs, the one keeping earlier lines wins).
	var tails []int
	next := make([]int, len(lines))
	for i := len(lines) - 1; i >= 0; i-- {
		if bad[i] != "" {
			continue
		}
		s := lines[i].Seq
		// the first k whose head is not above s: s can start a run of k+1
		k, _ := slices.BinarySearchFunc(tails, s, func(j, s int) int { return s - lines[j].Seq })
		next[i] = -1
		if k > 0 {
			next[i] = tails[k-1]
		}
		if k == len(tails) {
			tails = append(tails, i)
		} else {
			tails[k] = i
		}
	}
	in := make([]bool, len(lines))
	if len(tails) > 0 {
		for i := tails[len(tails)-1]; i >= 0; i = next[i] {
			in[i] = true
		}
	}
	var out []int
	for i := range lines {
		if bad[i] == "" && !in[i] {
			out = append(out, i)
		}
	}
	return out
}

// RecordDecisions records a plan's decisions; those the cache refuses
// (decided meanwhile by another process, applied meanwhile) are returned
// as problems and change nothing.
func (s *Service) RecordDecisions(ctx context.Context, r *tenant.Review, p *DecisionPlan) (recorded int, problems []tenant.LineProblem, err error) {
	ds := p.Decisions
	for i := range ds {
		if ds[i].Reviewer == "" {
			ds[i].Reviewer = s.Actor
		}
		if ds[i].At.IsZero() {
			ds[i].At = s.now()
		}
	}
	failed, err := s.store.DecideMany(ctx, r.ID, ds)
	for i, ferr := range failed {
		if ferr == nil {
			recorded++
			continue
		}
		it := &r.Items[p.Items[i]]
		problems = append(problems, tenant.LineProblem{Key: tenant.ItemToken(it), Why: describeItem(it) + ": " + ferr.Error()})
	}
	if err != nil {
		return 0, problems, fmt.Errorf("%w (decisions before the failed batch of %d are recorded: read the file back again to record the rest)", err, 2000)
	}
	return recorded, problems, nil
}

// ReadDecisionCSV reads a review export's CSV (the columns EvidenceColumns,
// in any order; review, user_id, group_id and decision are needed, note is
// optional) as decision lines for review r. Rows of another review, and
// rows naming no item, are problems. Cells are read as exported: a leading
// "'" the formula guard added is dropped, and a note equal to the stored
// one as exported counts as unchanged.
func ReadDecisionCSV(rd io.Reader, r *tenant.Review) (*tenant.DecisionFile, error) {
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	col := map[string]int{}
	for i, c := range head {
		col[strings.TrimPrefix(strings.TrimSpace(c), "\ufeff")] = i
	}
	for _, need := range []string{"review", "user_id", "group_id", "decision"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("CSV: no %q column (the columns of `otaccess review export --csv` are %s)", need, strings.Join(EvidenceColumns, ","))
		}
	}
	byKey := make(map[tenant.ItemKey]int, len(r.Items))
	for i := range r.Items {
		byKey[r.Items[i].Key()] = i
	}
	f := &tenant.DecisionFile{Header: tenant.DecisionHeader{Review: r.Name}}
	cell := func(rec []string, name string) (string, bool) {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return "", false
		}
		return rec[i], true
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("CSV: %w", err)
		}
		review, _ := cell(rec, "review")
		if !strings.EqualFold(unguard(review), r.Name) {
			f.Bad = append(f.Bad, tenant.LineProblem{Line: row, Why: fmt.Sprintf("is a row of review %s, not %s", strconv.Quote(textsafe.Line(review)), textsafe.Line(r.Name))})
			continue
		}
		uid, _ := cell(rec, "user_id")
		gid, _ := cell(rec, "group_id")
		k, ok := byKey[tenant.ItemKey{UserID: unguard(uid), GroupID: unguard(gid)}]
		if !ok {
			f.Bad = append(f.Bad, tenant.LineProblem{Line: row, Why: fmt.Sprintf("user %s, group %s is not an item of review %s", strconv.Quote(textsafe.Line(uid)), strconv.Quote(textsafe.Line(gid)), textsafe.Line(r.Name))})
			continue
		}
		it := &r.Items[k]
		word, _ := cell(rec, "decision")
		dl := csvLine(row, word, it)
		if note, ok := cell(rec, "note"); ok && note != textsafe.CSVCell(it.Note) {
			n := unguard(note)
			dl.Note = &n
		}
		f.Lines = append(f.Lines, dl)
	}
	return f, nil
}

func csvLine(row int, word string, it *tenant.ReviewItem) tenant.DecisionLine {
	tok := tenant.ItemToken(it)
	seqText, hash, _ := strings.Cut(tok, ".")
	seq, _ := strconv.Atoi(seqText)
	dl := tenant.DecisionLine{Line: row, Word: strings.TrimSpace(word), Seq: seq, Hash: hash}
	if v, err := tenant.ParseVerdict(dl.Word); err == nil && dl.Word != "" {
		dl.Verdict, dl.WordOK = v, true
	}
	return dl
}

// unguard drops the "'" textsafe.CSVCell puts before a cell a spreadsheet
// would read as a formula.
func unguard(s string) string {
	if rest, ok := strings.CutPrefix(s, "'"); ok && textsafe.CSVCell(rest) == s {
		return rest
	}
	return s
}
