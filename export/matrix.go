package export

import (
	"io"
	"strconv"

	"github.com/otaccess/otaccess/tenant"
)

// Group is a group in `groups --json`: its membership fields and its
// member count.
type Group struct {
	GroupID string `json:"groupId"`
	Role    string `json:"role,omitempty"`
	Org     string `json:"org,omitempty"`
	Group   string `json:"group"`
	// Members counts effective access (direct or through a user group);
	// DirectMembers those holding it directly (SCIM's view).
	Members       int `json:"members"`
	DirectMembers int `json:"directMembers"`
}

// ToGroup is group g of snap in its JSON shape.
func ToGroup(snap *tenant.Snapshot, g int) Group {
	m := ToMembership(snap, g)
	return Group{m.GroupID, m.Role, m.Org, m.Group, len(snap.EffectiveMembers(g)), len(snap.Groups[g].Members)}
}

// HeldMark is a user's matrix cell: ● held directly, ○ only through user
// groups, ◉ both ways, · not held.
func HeldMark(direct bool, via []int32) string {
	switch {
	case direct && len(via) > 0:
		return "◉"
	case direct:
		return "●"
	case len(via) > 0:
		return "○"
	}
	return "·"
}

// MatrixTable is matrix m of snap as a header (the corner, then each org)
// and a row per role: member counts, or when user >= 0 that user's marks
// (HeldMark; "" where the tenant has no group). rows and cols choose and
// order m's rows and columns (nil: all, in m's order).
func MatrixTable(snap *tenant.Snapshot, m tenant.Matrix, user int, rows, cols []int) (header []string, table [][]string) {
	if rows == nil {
		rows = seq(len(m.Roles))
	}
	if cols == nil {
		cols = seq(len(m.Orgs))
	}
	cell := func(r, org int) string { return strconv.Itoa(m.Counts[r][org]) }
	if user >= 0 {
		cell = func(r, org int) string {
			g := m.Group[r][org]
			if g < 0 {
				return ""
			}
			return HeldMark(snap.Holds(user, int(g)))
		}
	}
	header = []string{"ROLE \\ ORG"}
	for _, j := range cols {
		header = append(header, snap.Orgs[m.Orgs[j]].Name)
	}
	table = make([][]string, 0, len(rows))
	for _, i := range rows {
		row := []string{snap.Roles[m.Roles[i]].Name}
		for _, j := range cols {
			row = append(row, cell(i, j))
		}
		table = append(table, row)
	}
	return header, table
}

// MatrixCSV writes a MatrixTable as CSV, its corner cell "role".
func MatrixCSV(w io.Writer, header []string, table [][]string) error {
	h := append([]string{"role"}, header[1:]...)
	c := NewCSV(w, h...)
	for _, row := range table {
		c.Row(row...)
	}
	return c.Flush()
}

// MatrixGroupsJSON writes the groups of matrix m's cells (rows x cols, nil
// all) with their member counts, a JSON array in row order.
func MatrixGroupsJSON(w io.Writer, snap *tenant.Snapshot, m tenant.Matrix, rows, cols []int) error {
	if rows == nil {
		rows = seq(len(m.Roles))
	}
	if cols == nil {
		cols = seq(len(m.Orgs))
	}
	list := []Group{}
	for _, i := range rows {
		for _, j := range cols {
			if g := m.Group[i][j]; g >= 0 {
				list = append(list, ToGroup(snap, int(g)))
			}
		}
	}
	return WriteJSON(w, list)
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
