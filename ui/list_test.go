package ui

import (
	"slices"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

type testRows []bool // true: a header

func (r testRows) len() int          { return len(r) }
func (r testRows) header(i int) bool { return r[i] }

// The cursor never rests on a header: moving onto one goes on past it, or
// back when there is nothing past it; the header just above the cursor
// stays in view.
func TestSectionList(t *testing.T) {
	rows := testRows{true, false, false, true, false, true}
	var l sectionList
	for _, c := range []struct{ to, dir, want int }{
		{0, 1, 1}, {3, 1, 4}, {3, -1, 2}, {5, 1, 4}, {9, 1, 4}, {-3, -1, 1},
	} {
		l.moveTo(rows, c.to, c.dir)
		if l.cursor != c.want {
			t.Errorf("moveTo(%d, %d): cursor %d, want %d", c.to, c.dir, l.cursor, c.want)
		}
	}
	l.cursor, l.offset = 4, 4
	if from, to := l.window(rows, 2); from != 3 || to != 5 {
		t.Errorf("window [%d,%d), want [3,5): the header above the cursor in view", from, to)
	}
	var empty sectionList
	empty.moveTo(testRows{}, 3, 1)
	if empty.cursor != 0 {
		t.Errorf("empty list: cursor %d", empty.cursor)
	}
}

// The cursor follows its item through a re-sort, and stays in range when
// the item is gone.
func TestKeepCursor(t *testing.T) {
	list := []string{"a", "b", "c", "d"}
	n := func() int { return len(list) }
	at := func(i int) string { return list[i] }
	if got := keepCursor(1, n, at, func() { slices.Reverse(list) }); list[got] != "b" {
		t.Errorf("after reversing, cursor on %q, want b", list[got])
	}
	if got := keepCursor(3, n, at, func() { list = list[:2] }); got != 1 {
		t.Errorf("item gone: cursor %d, want the last row 1", got)
	}
	var g grid
	g.row, g.col = 0, 2
	rows, cols := []int{10, 20, 30}, []int{7, 8, 9}
	keepGridCursor(&g, func() int { return len(rows) }, func(i int) int { return rows[i] },
		func() int { return len(cols) }, func(j int) int { return cols[j] },
		func() { rows, cols = []int{5, 10}, []int{9, 7} })
	if g.row != 1 || g.col != 0 {
		t.Errorf("grid cursor (%d,%d), want (1,0): still on row 10, column 9", g.row, g.col)
	}
}

// A section scrolled past its header keeps the header pinned on the first
// line, with the cursor still in view.
func TestSectionHeaderPinned(t *testing.T) {
	rows := testRows{true, false, false, false, false, false, true, false}
	var l sectionList
	l.moveTo(rows, 5, 1)
	got := l.visible(rows, 3)
	if !slices.Equal(got, []int{0, 4, 5}) {
		t.Fatalf("visible %v, want [0 4 5]: header 0 pinned over rows 4-5", got)
	}
	l.moveTo(rows, 7, 1)
	got = l.visible(rows, 3)
	if !slices.Equal(got, []int{5, 6, 7}) {
		t.Fatalf("visible %v, want [5 6 7]: the window starts before header 6, nothing to pin", got)
	}
	l.moveTo(rows, 1, -1)
	if got := l.visible(rows, 3); !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("visible %v at the top", got)
	}
}

// A count column before a text column is two spaces from it: one ran
// them together ("ORGS TYPE" over "3 Internal", "MEMBERS CATEGORY"); the
// org tree's two counts are apart too.
func TestTableTextApartFromCounts(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 120, 35)
	d.contains("ORGS  TYPE")
	d.send(resize(80, 24))
	d.contains("ORGS  LAST LOGIN")
	d.key("3")
	d.contains("MEMBERS  CATEGORY")
	d.key("O")
	d.lacks("MEMBERS WITH")
	d.contains("WITH SUBORGS")
}
