package ui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// dialog is a modal on top of the screens. The app keeps a stack of them;
// the top one gets every key.
type dialog interface {
	// update handles a key; close removes the dialog from the stack.
	update(a *Model, msg tea.Msg) (cmd tea.Cmd, close bool)
	// view renders the whole box, at most maxW wide and maxH tall.
	view(a *Model, maxW, maxH int) []string
}

// defaultGrace is how long a new dialog ignores keys, so a key held down or
// typed ahead cannot answer a question the user has not yet read.
const defaultGrace = 150 * time.Millisecond

// confirmDialog asks a yes/no question about one action. It defaults to No.
type confirmDialog struct {
	title  string
	body   []string // safe lines
	yes    string   // the Yes button, naming the action: "Yes, revoke"
	choice int      // 0 No, 1 Yes
	opened time.Time
	onYes  func(a *Model) tea.Cmd
}

func (a *Model) newConfirm(title string, body []string, yes string, onYes func(a *Model) tea.Cmd) *confirmDialog {
	return &confirmDialog{title: title, body: body, yes: yes, opened: a.clock(), onYes: onYes}
}

func (d *confirmDialog) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	msg, ok := m.(tea.KeyPressMsg)
	if !ok || a.clock().Sub(d.opened) < a.grace {
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

// overlay places box lines centered over base (which has w-wide lines).
func overlay(base, boxLines []string, w int) []string {
	if len(boxLines) == 0 {
		return base
	}
	bw := 0
	for _, l := range boxLines {
		bw = max(bw, ansi.StringWidth(l))
	}
	bw = min(bw, w)
	x0 := max(0, (w-bw)/2)
	y0 := max(0, (len(base)-len(boxLines))/2)
	out := append([]string{}, base...)
	for i, l := range boxLines {
		y := y0 + i
		if y >= len(out) {
			break
		}
		bl := padLine(out[y], w)
		left := ansi.Truncate(bl, x0, "")
		right := ansi.TruncateLeft(bl, x0+bw, "")
		// Resets keep a style open in the base line from bleeding into the
		// box, and the box's from bleeding out.
		out[y] = left + "\x1b[m" + padLine(l, bw) + "\x1b[m" + right
	}
	return out
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
