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
	return newFilterInputWith(a, "to filter: name, email, role:auditor, org:\"EMEA - Sales\", status:inactive")
}

// newFilterInputWith makes a filter line; placeholder says what typing the
// filter key does ("to filter members"), and is prefixed with that key.
func newFilterInputWith(a *Model, placeholder string) filterInput {
	placeholder = keyName(a.keys.Filter) + " " + placeholder
	in := newTextInput(&a.st, keyName(a.keys.Filter)+" ", "", 200)
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
		switch {
		case matches(km, a.keys.Input.Keep):
			f.in.Blur()
			return nil, false
		case matches(km, a.keys.Input.Clear):
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
	if !f.in.Focused() && f.in.Value() == "" {
		return " " + st.Muted.Render(fit(f.placeholder, max(0, w-1)))
	}
	f.in.SetWidth(max(4, w-3))
	return padLine(" "+f.in.View(), w)
}

// errLines is how many lines the query's error takes under the filter
// line at width w: screens give the table that many rows less.
func (f *filterInput) errLines(w int) int { return len(f.errText(w)) }

// errText is the query's error wrapped to w cells, in two lines at most.
func (f *filterInput) errText(w int) []string {
	if f.err == nil || w < 8 {
		return nil
	}
	// Drop the sentinel's generic prefix: the line is already a filter.
	msg := strings.TrimPrefix(f.err.Error(), "invalid filter: ")
	text := markFail + " " + safe(msg) + " — the list shows the last result"
	lines := strings.Split(ansi.Wordwrap(text, w-4, " "), "\n")
	if len(lines) > 2 {
		lines = lines[:2]
		lines[1] = ansi.Truncate(lines[1], w-5, "") + ellipsis
	}
	return lines
}

// errView is the query's error under the filter line (nil when none):
// the whole message (valid keys, the closest names) needs the width. The
// list under it keeps the last query's result.
func (f *filterInput) errView(a *Model, w int) []string {
	lines := f.errText(w)
	for i, l := range lines {
		lines[i] = "   " + a.st.Error.Render(clip(l, w-4))
	}
	return lines
}

// listKeys handles what every filterable table does with a message: typing
// into the focused filter (the arrows still move the cursor), moving through
// the table, `/` to focus the filter and esc to clear it; refilter re-applies
// the query. When stop is true the screen returns (cmd, handled) as they
// are; otherwise km is a key press for the screen's own bindings.
func listKeys(a *Model, msg tea.Msg, f *filterInput, t *vtable, n, h int, refilter func()) (km tea.KeyPressMsg, cmd tea.Cmd, handled, stop bool) {
	km, isKey := msg.(tea.KeyPressMsg)
	if f.focused() {
		if isKey {
			if matches(km, a.keys.Input.Move) {
				t.handleKey(a.keys, km, n, h)
				return km, nil, true, true
			}
		}
		cmd, changed := f.update(a, msg)
		if changed {
			refilter()
			t.cursor, t.offset = 0, 0
		}
		return km, cmd, true, true
	}
	if !isKey {
		return km, nil, false, true
	}
	if t.handleKey(a.keys, km, n, h) {
		return km, nil, true, true
	}
	switch {
	case matches(km, a.keys.Filter):
		return km, f.focus(), true, true
	case matches(km, a.keys.Back):
		if f.value() == "" {
			return km, nil, false, true // esc goes back a screen
		}
		f.clear()
		refilter()
		t.cursor, t.offset = 0, 0
		return km, nil, true, true
	}
	return km, nil, false, false
}
