package ui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// filterInput is the `/` filter line: a text input that reports every
// change so the list refilters as the user types, with the query's syntax
// error (if any) shown inline beside it.
type filterInput struct {
	in          textinput.Model
	err         error
	placeholder string
}

func newFilterInput(a *Model) filterInput {
	return newFilterInputWith(a, "/ to filter: name, email, role:auditor, org:\"EMEA - Sales\", status:inactive")
}

func newFilterInputWith(a *Model, placeholder string) filterInput {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = ""
	sty := in.Styles()
	sty.Focused.Prompt = a.st.Bold
	sty.Blurred.Prompt = a.st.Muted
	sty.Focused.Text = a.st.ButtonOff
	sty.Blurred.Text = a.st.ButtonOff
	sty.Focused.Placeholder = a.st.Muted
	sty.Blurred.Placeholder = a.st.Muted
	sty.Cursor.Blink = false // a steady cursor: no redraw loop, no flicker
	in.SetStyles(sty)
	in.CharLimit = 200
	return filterInput{in: in, placeholder: placeholder}
}

func (f *filterInput) focused() bool { return f.in.Focused() }

func (f *filterInput) value() string { return f.in.Value() }

func (f *filterInput) focus() tea.Cmd { return f.in.Focus() }

func (f *filterInput) clear() {
	f.in.SetValue("")
	f.err = nil
}

// update feeds a key to the input: enter keeps the query and leaves the
// input, esc clears it. changed reports a new query.
func (f *filterInput) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	before := f.in.Value()
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch km.String() {
		case "enter":
			f.in.Blur()
			return nil, false
		case "esc":
			f.in.Blur()
			f.clear()
			return nil, before != ""
		}
	}
	var cmd tea.Cmd
	f.in, cmd = f.in.Update(msg)
	return cmd, f.in.Value() != before
}

// view renders the filter line in w cells.
func (f *filterInput) view(a *Model, w int) string {
	st := &a.st
	errText := ""
	if f.err != nil {
		msg := f.err.Error()
		// Drop the sentinel's generic prefix: the line is already a filter.
		msg = strings.TrimPrefix(msg, "invalid filter: ")
		errText = " " + markFail + " " + msg
	}
	if !f.in.Focused() && f.in.Value() == "" {
		return " " + st.Muted.Render(fit(f.placeholder, max(0, w-1)))
	}
	errW := 0
	if errText != "" {
		errW = min(ansi.StringWidth(errText), max(0, w/2))
	}
	inW := max(4, w-errW-1-2)
	f.in.SetWidth(inW)
	line := " " + f.in.View()
	line = padLine(line, max(0, w-errW))
	if errText != "" {
		line += st.Error.Render(fit(errText, errW))
	}
	return line
}
