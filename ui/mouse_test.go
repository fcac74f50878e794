package ui

import (
	"strings"

	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/client/scimtest"
)

func click(x, y int) tea.MouseClickMsg {
	return tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft}
}

func TestMouseClicksARowThenOpensIt(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 80, 24)
	s := d.m.roots[tabUsers].(*usersScreen)
	// Title bar (0), filter line (1), table header (2): row 0 is on line 3.
	d.send(click(10, 3+4))
	if s.tbl.cursor != 4 {
		t.Fatalf("click on the 5th row: cursor %d", s.tbl.cursor)
	}
	if _, ok := d.m.top().(*usersScreen); !ok {
		t.Fatal("a first click opened the row")
	}
	// The header, the filter line, the title bar and the hint line do nothing.
	for _, y := range []int{0, 1, 2, 22, 23} {
		d.send(click(10, y))
		if s.tbl.cursor != 4 || len(d.m.stack) != 1 {
			t.Fatalf("a click on line %d moved the cursor to %d or opened something", y, s.tbl.cursor)
		}
	}
	// A second click on the row opens it.
	d.send(click(10, 3+4))
	dt, ok := d.m.top().(*detailScreen)
	if !ok || dt.userID != tn.snap.Users[s.rows[4]].ID {
		t.Fatalf("the second click did not open the user:\n%s", d.screen())
	}

	// The wheel moves the cursor, a page of it at a time.
	d.key("esc")
	d.send(tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
	if s.tbl.cursor != 4+wheelStep {
		t.Fatalf("the wheel moved the cursor to %d", s.tbl.cursor)
	}
	d.send(tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelUp})
	if s.tbl.cursor != 4 {
		t.Fatalf("the wheel up moved the cursor to %d", s.tbl.cursor)
	}

	// With a dialog open, the mouse does nothing.
	d.key("e")
	d.send(click(10, 3+6))
	if s.tbl.cursor != 4 {
		t.Fatal("a click under a dialog moved the cursor")
	}
}

func TestMouseClicksAMatrixCell(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 120, 30)
	d.key("2")
	s := d.m.roots[tabMatrix].(*matrixScreen)
	spec := s.spec(d.m)
	dims := gridLayout(120, d.m.bodyHeight()-1, spec)
	ws := dims.widths(spec, 0, dims.lastCol(0))
	// Third column, second row: x past the label and the two first columns.
	x := dims.labelW + 2 + ws[0] + 1 + ws[1] + 1 + ws[2]/2
	y := 1 + 1 + 1 + 1 // title bar, grid title, column headers, row 0: row 1
	d.send(click(x, y))
	if s.g.row != 1 || s.g.col != 2 {
		t.Fatalf("click at %d,%d: cursor on row %d col %d, want 1, 2\n%s", x, y, s.g.row, s.g.col, d.screen())
	}
	// The row labels and the column headers are no cells.
	d.send(click(3, y))
	d.send(click(x, y-2))
	if s.g.row != 1 || s.g.col != 2 {
		t.Fatalf("a click on a label moved the cursor to %d, %d", s.g.row, s.g.col)
	}
	// A second click opens the cell's members.
	d.send(click(x, y))
	if _, ok := d.m.top().(*membersScreen); !ok {
		t.Fatalf("the second click did not open the members:\n%s", d.screen())
	}
	d.key("esc")
	// Sideways wheel moves the columns.
	d.send(tea.MouseWheelMsg{X: x, Y: y, Button: tea.MouseWheelDown, Mod: tea.ModShift})
	if s.g.col != 2+wheelStep {
		t.Fatalf("shift+wheel moved to column %d", s.g.col)
	}
}

// At 80 columns the hint line has no room for the cursor cell's name: the
// idle flash line shows it whole, and hands it back to the hint line while
// it has a message.
func TestDetailNamesTheCursorCellInFullAt80(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	d := tn.model(t, 80, 24)
	long := 0
	for i := range tn.snap.Roles {
		if len(tn.snap.Roles[i].Name) > len(tn.snap.Roles[long].Name) {
			long = i
		}
	}
	d.openUser(tn.snap.Users[3].Email)
	s := d.m.top().(*detailScreen)
	for i, r := range s.m.Roles {
		if r == long {
			s.g.row = i
		}
	}
	_, role, org := s.cursorGroup()
	name := tn.snap.Roles[role].Name + " — " + tn.snap.Orgs[org].Name
	lines := strings.Split(d.screen(), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, name) {
		t.Fatalf("the flash line does not name %q in full:\n%s", name, d.screen())
	}
	if hint := lines[len(lines)-2]; !strings.Contains(hint, "esc back") {
		t.Fatalf("the hint line lost its main keys: %q", hint)
	}
}
