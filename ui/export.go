package ui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/numfmt"
)

// `e` writes the current view to a CSV or JSON file, in the shapes the
// CLI prints (package export): the users as filtered and sorted, a group's
// members, the tenant matrix as shown, a user's matrix, a review's items
// (the review export's evidence rows). A small dialog takes the path, with
// a default in the current directory; an existing file is replaced only
// after a yes.

// exportable is a screen whose view can be exported.
type exportable interface {
	// exportName names the view in the default file name ("users").
	exportName(a *Model) string
	// exportData encodes the view as CSV or JSON (asJSON), and counts
	// what it wrote ("12 users").
	exportData(a *Model, asJSON bool) (data []byte, count string, err error)
}

// exportKey opens the export from any screen that did not use the key:
// e, or E on the user detail (where e edits).
func (a *Model) exportKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	_, detail := a.top().(*detailScreen)
	if matches(msg, a.keys.Export) || detail && matches(msg, a.keys.ExportUser) {
		return a.openExport(), true
	}
	return nil, false
}

// exportDialog asks where to write the export.
type exportDialog struct {
	what    string // the view, for the title
	input   textinput.Model
	confirm bool   // the file exists: overwrite?
	path    string // the path being confirmed
	data    []byte // the encoded view, while confirming
	count   string
	err     string
	writing bool
}

// openExport opens the export dialog for the top screen.
func (a *Model) openExport() tea.Cmd {
	x, ok := a.top().(exportable)
	if !ok || a.snap == nil && a.compare == nil {
		return a.setFlash(flashInfo, "nothing to export here")
	}
	name := x.exportName(a)
	def := "otaccess-" + name + "-" + a.opts.Now().Format("2006-01-02") + ".csv"
	d := &exportDialog{what: name, input: newTextInput(&a.st, "file ", "", 400)}
	d.input.SetValue(def)
	d.input.CursorEnd()
	a.openDialog(d)
	return d.input.Focus()
}

// form marks the dialog as one that takes keys at once (it types).
func (d *exportDialog) form() {}

// asJSON: the file name decides the format.
func asJSON(path string) bool { return strings.EqualFold(filepath.Ext(path), ".json") }

// switchFormat swaps the name's extension between .csv and .json.
func (d *exportDialog) switchFormat() {
	p := d.input.Value()
	ext := filepath.Ext(p)
	base := strings.TrimSuffix(p, ext)
	if !strings.EqualFold(ext, ".csv") && !strings.EqualFold(ext, ".json") {
		base = p
	}
	if asJSON(p) {
		d.input.SetValue(base + ".csv")
	} else {
		d.input.SetValue(base + ".json")
	}
	d.input.CursorEnd()
}

type exportDoneMsg struct {
	d      *exportDialog
	path   string // absolute
	count  string
	err    error
	exists bool   // nothing written: the file is there
	data   []byte // what to write once the overwrite is confirmed
}

func (d *exportDialog) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	km, isKey := m.(tea.KeyPressMsg)
	if d.writing {
		return nil, false
	}
	if d.confirm {
		if !isKey {
			return nil, false
		}
		switch {
		case matches(km, a.keys.Dialog.Yes):
			d.writing = true
			return writeExport(d, d.path, d.data, d.count, true), false
		case matches(km, a.keys.Dialog.No):
			d.confirm, d.data = false, nil
			return d.input.Focus(), false
		}
		return nil, false
	}
	if isKey {
		in := a.keys.Input
		switch {
		case matches(km, in.Cancel):
			return nil, true
		case matches(km, in.Complete):
			d.switchFormat()
			return nil, false
		case matches(km, in.Submit):
			return d.submit(a), false
		}
	}
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(m)
	d.err = ""
	return cmd, false
}

// submit encodes the view now (the snapshot is read on the update
// goroutine only) and writes it in the background.
func (d *exportDialog) submit(a *Model) tea.Cmd {
	path := strings.TrimSpace(d.input.Value())
	if path == "" {
		d.err = "give a file name"
		return nil
	}
	x, ok := a.top().(exportable)
	if !ok {
		d.err = "this view has nothing to export"
		return nil
	}
	data, count, err := x.exportData(a, asJSON(path))
	if err != nil {
		d.err = err.Error()
		return nil
	}
	d.writing = true
	return writeExport(d, path, data, count, false)
}

// writeExport writes data to path (~/ is the home directory): a new file
// only, unless overwrite.
func writeExport(d *exportDialog, path string, data []byte, count string, overwrite bool) tea.Cmd {
	return func() tea.Msg {
		if rest, ok := strings.CutPrefix(path, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				path = filepath.Join(home, rest)
			}
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		msg := exportDoneMsg{d: d, path: path, count: count}
		var err error
		if overwrite {
			err = export.WriteFile(path, data)
		} else if err = export.CheckPath(path); err == nil {
			err = export.WriteNewFile(path, data)
		}
		switch {
		case errors.Is(err, os.ErrExist):
			msg.exists, msg.data = true, data
		case err != nil:
			msg.err = err
		}
		return msg
	}
}

func (m exportDoneMsg) apply(a *Model) tea.Cmd {
	d := m.d
	d.writing = false
	switch {
	case m.exists:
		d.confirm, d.path, d.data, d.count = true, m.path, m.data, m.count
		d.input.Blur()
		return nil
	case m.err != nil:
		d.confirm, d.data = false, nil
		d.err = m.err.Error()
		return d.input.Focus()
	}
	a.closeDialog(d)
	format := "CSV"
	if asJSON(m.path) {
		format = "JSON"
	}
	return a.setFlash(flashOK, fmt.Sprintf("%s exported %s to %s (%s)", markOK, m.count, m.path, format))
}

func (d *exportDialog) view(a *Model, maxW, maxH int) []string {
	st := &a.st
	d.input.SetWidth(max(10, min(maxW-12, 70)))
	format := "CSV"
	if asJSON(d.input.Value()) {
		format = "JSON"
	}
	body := []string{"Write the " + safe(d.what) + " view, as shown, to a file.", "", d.input.View(),
		st.Muted.Render("format " + format + " (from the name: .csv or .json; " + keyName(a.keys.Input.Complete) + " switches)")}
	switch {
	case d.confirm:
		body = append(body, "", st.Error.Render(safe(d.path)+" exists."),
			"Replace it? "+st.Bold.Render(keyName(a.keys.Dialog.Yes))+" replace, "+st.Bold.Render(keyName(a.keys.Dialog.No))+" choose another name")
	case d.writing:
		body = append(body, "", a.spin.View()+" writing…")
	case d.err != "":
		body = append(body, "", st.Error.Render(markFail+" "+safe(d.err)))
	}
	return box(st, "Export "+safe(d.what), limitLines(body, maxH-2), maxW, 60)
}

func (d *exportDialog) hints(a *Model) []Binding {
	if d.confirm {
		return []Binding{a.keys.Dialog.Yes, a.keys.Dialog.No}
	}
	in := a.keys.Input
	write, format := in.Submit, in.Complete
	write.SetHelp(keyName(in.Submit), "export")
	format.SetHelp(keyName(in.Complete), "CSV/JSON")
	return []Binding{write, format, in.Cancel}
}

// fileSlug makes a name fit for a file name: letters, digits and dashes.
func fileSlug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) > 40 {
		out = strings.TrimSuffix(out[:40], "-")
	}
	return out
}

// encode runs write into a buffer.
func encode(write func(buf *bytes.Buffer) error) ([]byte, error) {
	var buf bytes.Buffer
	err := write(&buf)
	return buf.Bytes(), err
}

// ---- the views ----

func (s *usersScreen) exportName(*Model) string { return "users" }

func (s *usersScreen) exportData(a *Model, asJSON bool) ([]byte, string, error) {
	return exportUsers(a, s.rows, asJSON)
}

func (s *membersScreen) exportName(a *Model) string {
	return "members-" + fileSlug(s.label(a))
}

func (s *membersScreen) exportData(a *Model, asJSON bool) ([]byte, string, error) {
	return exportUsers(a, s.rows, asJSON)
}

func exportUsers(a *Model, rows []int32, asJSON bool) ([]byte, string, error) {
	data, err := encode(func(buf *bytes.Buffer) error {
		if asJSON {
			return export.UsersJSON(buf, a.snap, rows)
		}
		return export.UsersCSV(buf, a.snap, rows, a.opts.Now())
	})
	return data, numfmt.Count(len(rows), "user", "users"), err
}

func (s *matrixScreen) exportName(*Model) string { return "matrix" }

// exportData writes the matrix as shown: its rows and columns in their
// order (empty ones hidden when they are); JSON lists the cells' groups.
func (s *matrixScreen) exportData(a *Model, asJSON bool) ([]byte, string, error) {
	if asJSON {
		n := 0
		for _, i := range s.rows {
			for _, j := range s.cols {
				if s.m.Group[i][j] >= 0 {
					n++
				}
			}
		}
		data, err := encode(func(buf *bytes.Buffer) error { return export.MatrixGroupsJSON(buf, a.snap, s.m, s.rows, s.cols) })
		return data, numfmt.Count(n, "group", "groups"), err
	}
	header, rows := export.MatrixTable(a.snap, s.m, -1, s.rows, s.cols)
	data, err := encode(func(buf *bytes.Buffer) error { return export.MatrixCSV(buf, header, rows) })
	return data, numfmt.Count(len(rows), "role row", "role rows"), err
}

func (s *detailScreen) exportName(a *Model) string {
	return "matrix-" + fileSlug(a.snap.Users[s.user].Label())
}

// exportData writes the user's matrix (● direct, ○ through a user group,
// ◉ both, · not held) as CSV; JSON is the user with every membership, as
// `otaccess user --json` prints it.
func (s *detailScreen) exportData(a *Model, asJSON bool) ([]byte, string, error) {
	if asJSON {
		u := export.ToUser(a.snap, s.user)
		data, err := encode(func(buf *bytes.Buffer) error { return export.WriteJSON(buf, u) })
		return data, numfmt.Count(len(u.Memberships), "membership", "memberships"), err
	}
	header, rows := export.MatrixTable(a.snap, s.m, s.user, nil, nil)
	data, err := encode(func(buf *bytes.Buffer) error { return export.MatrixCSV(buf, header, rows) })
	return data, numfmt.Count(len(rows), "role row", "role rows"), err
}

func (s *reviewScreen) exportName(*Model) string { return "review-" + fileSlug(s.r.Name) }

// exportData writes the review's items as `otaccess review export` does
// (the evidence rows; JSON with the summary and the rows' hash).
func (s *reviewScreen) exportData(a *Model, asJSON bool) ([]byte, string, error) {
	ev, csvData, err := access.BuildEvidence(s.r, a.opts.Now(), a.reviewer())
	if err != nil {
		return nil, "", err
	}
	count := numfmt.Count(len(ev.Rows), "item", "items")
	if !asJSON {
		return csvData, count, nil
	}
	data, err := encode(func(buf *bytes.Buffer) error { return export.WriteJSON(buf, ev) })
	return data, count, err
}
