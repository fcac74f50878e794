package ui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// dialog is a modal on top of the screens. The app keeps a stack of them;
// the top one gets every key once its grace period is over.
type dialog interface {
	// update handles a key; close removes the dialog from the stack.
	update(a *Model, msg tea.Msg) (cmd tea.Cmd, close bool)
	// view renders the whole box, at most maxW wide and maxH tall.
	view(a *Model, maxW, maxH int) []string
}

// defaultGrace is how long a new dialog ignores keys, so a key held down or
// typed ahead cannot answer a question the user has not yet read. The
// dialog stack applies it (Model.topDialog).
const defaultGrace = 150 * time.Millisecond

// openDialog is a dialog on the stack and when it opened.
type openDialog struct {
	dialog
	opened time.Time
}

// confirmDialog asks a yes/no question about one action. It defaults to No.
type confirmDialog struct {
	title  string
	body   []string // safe lines
	yes    string   // the Yes button, naming the action: "Yes, revoke"
	choice int      // 0 No, 1 Yes
	onYes  func(a *Model) tea.Cmd
}

func (a *Model) newConfirm(title string, body []string, yes string, onYes func(a *Model) tea.Cmd) *confirmDialog {
	return &confirmDialog{title: title, body: body, yes: yes, onYes: onYes}
}

func (d *confirmDialog) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	msg, ok := m.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := a.keys
	switch {
	case matches(msg, k.Dialog.Yes):
		return d.onYes(a), true
	case matches(msg, k.Dialog.No):
		return nil, true
	case matches(msg, k.Dialog.Switch):
		d.choice = 1 - d.choice
	case matches(msg, k.Dialog.Choose):
		if d.choice == 1 {
			return d.onYes(a), true
		}
		return nil, true
	}
	return nil, false
}

func (d *confirmDialog) view(a *Model, maxW, maxH int) []string {
	body := append([]string{}, d.body...)
	body = append(body, "")
	return box(&a.st, d.title, withButtons(body, buttons(&a.st, d.choice, "No", d.yes, true), maxW), maxW, 44)
}

// buttons renders a No / Yes pair; the chosen one is bracketed and reversed
// so it reads without color.
func buttons(st *Styles, choice int, no, yes string, yesEnabled bool) string {
	render := func(label string, on, enabled bool) string {
		switch {
		case on:
			return st.ButtonOn.Render("[ " + label + " ]")
		case !enabled:
			return "  " + st.ButtonDisabled.Render(label) + "  "
		}
		return "  " + st.ButtonOff.Render(label) + "  "
	}
	return render(no, choice == 0, true) + "   " + render(yes, choice == 1, yesEnabled)
}

// box draws a rounded frame with a title around body lines. Lines are
// clipped to the frame; the frame is at least minW wide when space allows.
func box(st *Styles, title string, body []string, maxW, minW int) []string {
	inner := 0
	for _, l := range body {
		inner = max(inner, ansi.StringWidth(l))
	}
	inner = max(inner, ansi.StringWidth(title)+4, minW-4)
	inner = min(inner, maxW-4)
	if inner < 4 {
		inner = max(1, maxW-4)
	}
	bs := st.DialogBorder
	out := make([]string, 0, len(body)+2)
	t := fit(title, max(0, min(ansi.StringWidth(title), inner-1)))
	out = append(out, bs.Render("╭─ ")+st.DialogTitle.Render(t)+bs.Render(" "+strings.Repeat("─", max(0, inner-ansi.StringWidth(t)-1))+"╮"))
	for _, l := range body {
		out = append(out, bs.Render("│")+" "+padLine(l, inner)+" "+bs.Render("│"))
	}
	out = append(out, bs.Render("╰"+strings.Repeat("─", inner+2)+"╯"))
	return out
}

// centerCenter centers text lines in a box of w x h (for empty states).
func centerCenter(ls []string, w, h int) []string {
	width := 0
	for _, l := range ls {
		width = max(width, ansi.StringWidth(l))
	}
	left := max(0, (w-width)/2)
	top := max(0, (h-len(ls))/2)
	out := make([]string, 0, h)
	for i := 0; i < top; i++ {
		out = append(out, "")
	}
	pad := strings.Repeat(" ", left)
	for _, l := range ls {
		out = append(out, pad+l)
	}
	return out
}

// overlay places box lines centered over base (which has w-wide lines):
// the base and the box are two lipgloss layers, composed cell by cell, so a
// style open in the base cannot bleed into the box, nor the box's out.
func overlay(base, boxLines []string, w int) []string {
	h := len(base)
	if len(boxLines) == 0 || h == 0 {
		return base
	}
	bw := 0
	for _, l := range boxLines {
		bw = max(bw, ansi.StringWidth(l))
	}
	bw = min(bw, w)
	x0 := max(0, (w-bw)/2)
	y0 := max(0, (h-len(boxLines))/2)
	under := make([]string, h)
	for i, l := range base {
		under[i] = padLine(l, w)
	}
	over := make([]string, 0, len(boxLines))
	for _, l := range boxLines[:min(len(boxLines), h-y0)] {
		over = append(over, padLine(l, bw))
	}
	out := lipgloss.NewCompositor(
		lipgloss.NewLayer(strings.Join(under, "\n")),
		lipgloss.NewLayer(strings.Join(over, "\n")).X(x0).Y(y0).Z(1),
	).Render()
	lines := strings.Split(out, "\n")
	for len(lines) < h { // the canvas trims blank lines at the end
		lines = append(lines, "")
	}
	return lines[:h]
}

// withButtons appends the button row centered under the widest body line
// (within maxW, the widest a box can be).
func withButtons(body []string, row string, maxW int) []string {
	w := ansi.StringWidth(row)
	for _, l := range body {
		w = max(w, ansi.StringWidth(l))
	}
	w = min(w, maxW-4)
	pad := max(0, (w-ansi.StringWidth(row))/2)
	return append(body, strings.Repeat(" ", pad)+row)
}
