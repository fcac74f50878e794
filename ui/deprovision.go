package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
)

// Deprovisioning options, in the order the dialog lists them.
const (
	optDeactivate = iota
	optStrip
	optDelete
	optCount
)

// Focus areas of the deprovision dialog.
const (
	focusOptions = iota
	focusInput
	focusButtons
)

// deprovDialog shows a deprovisioning plan, asks for confirmation (delete
// needs the user's email typed in full), then runs the plan and shows each
// step's result as it finishes.
type deprovDialog struct {
	userID string
	label  string // email or userName: what must be typed to delete
	name   string
	// noDelete says why the delete option sends nothing (OneTrust's SCIM
	// has no DELETE /Users); nil where delete works.
	noDelete error
	option   int
	focus    int
	choice   int // 0 No, 1 Yes
	input    textinput.Model

	running, finished bool
	stop              context.CancelFunc // cancels the steps not yet sent
	stopping          bool
	steps             []string
	results           []*access.StepResult
	res               access.DeprovisionResult
}

type deprovStepMsg struct {
	d *deprovDialog
	r access.StepResult
}

type deprovDoneMsg struct {
	d   *deprovDialog
	res access.DeprovisionResult
}

// openDeprovision opens the dialog for user u.
func (a *Model) openDeprovision(u int) tea.Cmd {
	if !a.requireOnline("deprovision") {
		return nil
	}
	usr := &a.snap.Users[u]
	d := &deprovDialog{userID: usr.ID, label: usr.Label(), name: usr.Name(), noDelete: a.svc.DeleteUnavailable()}
	if len(usr.Groups) > 0 {
		d.option = optStrip
	}
	// No placeholder: a grey email in the field looks typed already (and
	// cannot be told from typed text under NO_COLOR); the email is shown
	// above the field instead.
	d.input = newTextInput(&a.st, "> ", "", 320)
	a.openDialog(d)
	return nil
}

// plan is the plan for the chosen option against the current snapshot.
func (d *deprovDialog) plan(a *Model) (access.Plan, bool) {
	u, ok := a.snap.UserIndex(d.userID)
	if !ok {
		return access.Plan{}, false
	}
	return access.PlanDeprovision(a.snap, u, d.option == optStrip, d.option == optDelete), true
}

func (d *deprovDialog) yesEnabled(a *Model) bool {
	p, ok := d.plan(a)
	if !ok || p.Empty() {
		return false
	}
	if d.option == optDelete {
		return d.noDelete == nil && p.ConfirmsDelete(d.input.Value())
	}
	return true
}

func (d *deprovDialog) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	if d.finished {
		if km, ok := m.(tea.KeyPressMsg); ok {
			switch {
			case matches(km, a.keys.Dialog.Close):
				return nil, true
			case matches(km, a.keys.Undo) && d.undoable():
				return a.planRestore(d.userID), true
			}
		}
		return nil, false
	}
	if d.running {
		// esc stops the run: steps not yet sent are skipped, the request in
		// flight is abandoned, and the final re-read of the user shows what
		// the server holds, so the snapshot stays true.
		if km, ok := m.(tea.KeyPressMsg); ok && matches(km, a.keys.Dialog.Stop) && !d.stopping {
			d.stopping = true
			d.stop()
		}
		return nil, false
	}
	if _, paste := m.(tea.PasteMsg); paste && d.focus == focusInput {
		var cmd tea.Cmd
		d.input, cmd = d.input.Update(m)
		return cmd, false
	}
	msg, ok := m.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := a.keys
	if matches(msg, k.Back) {
		return nil, true
	}
	if matches(msg, k.Dialog.NextFocus, k.Dialog.PrevFocus) {
		d.cycleFocus(matches(msg, k.Dialog.NextFocus))
		return d.focusCmd(), false
	}
	switch d.focus {
	case focusInput:
		if matches(msg, k.Dialog.Choose) {
			d.focus = focusButtons
			d.input.Blur()
			return nil, false
		}
		var cmd tea.Cmd
		d.input, cmd = d.input.Update(msg)
		if !d.yesEnabled(a) {
			d.choice = 0
		}
		return cmd, false
	case focusOptions:
		switch {
		case matches(msg, k.Up):
			d.option = (d.option + optCount - 1) % optCount
			d.choice = 0
			return nil, false
		case matches(msg, k.Down):
			d.option = (d.option + 1) % optCount
			d.choice = 0
			return nil, false
		case matches(msg, k.Dialog.Pick[:]...):
			for i, p := range k.Dialog.Pick {
				if matches(msg, p) {
					d.option = i
				}
			}
			d.choice = 0
			return nil, false
		case matches(msg, k.Dialog.Choose):
			d.cycleFocus(true)
			return d.focusCmd(), false
		}
	case focusButtons:
		switch {
		case matches(msg, k.Up):
			d.focus = focusOptions
			return nil, false
		case matches(msg, k.Dialog.Switch):
			if d.choice == 0 && d.yesEnabled(a) {
				d.choice = 1
			} else {
				d.choice = 0
			}
			return nil, false
		case matches(msg, k.Dialog.Choose):
			if d.choice == 1 && d.yesEnabled(a) {
				return d.start(a), false
			}
			return nil, true
		}
	}
	switch {
	case matches(msg, k.Dialog.Yes):
		if d.yesEnabled(a) {
			return d.start(a), false
		}
		return nil, false
	case matches(msg, k.Dialog.No):
		return nil, true
	}
	return nil, false
}

func (d *deprovDialog) cycleFocus(forward bool) {
	order := []int{focusOptions, focusButtons}
	if d.option == optDelete && d.noDelete == nil {
		order = []int{focusOptions, focusInput, focusButtons}
	}
	i := 0
	for k, f := range order {
		if f == d.focus {
			i = k
		}
	}
	if forward {
		i = (i + 1) % len(order)
	} else {
		i = (i + len(order) - 1) % len(order)
	}
	d.focus = order[i]
}

func (d *deprovDialog) focusCmd() tea.Cmd {
	if d.focus == focusInput {
		return d.input.Focus()
	}
	d.input.Blur()
	return nil
}

// start runs the plan in the background; each step comes back as a message.
func (d *deprovDialog) start(a *Model) tea.Cmd {
	p, ok := d.plan(a)
	if !ok || !a.requireOnline("deprovision") {
		return nil
	}
	a.flash = flash{}
	d.running = true
	d.input.Blur()
	d.steps = p.Steps()
	d.results = make([]*access.StepResult, len(d.steps))
	a.deprov++
	// Stopping cancels the steps, not the delivery of their results.
	ctx, stop := context.WithCancel(a.ctx)
	d.stop = stop
	svc := a.svc
	return tea.Batch(a.startSpinner(), startStream(a.ctx, len(d.steps)+2, func(s *stream) result {
		defer stop()
		res := svc.Deprovision(ctx, p, func(r access.StepResult) { s.send(deprovStepMsg{d: d, r: r}) })
		return deprovDoneMsg{d: d, res: res}
	}))
}

func (msg deprovStepMsg) apply(a *Model) tea.Cmd {
	d, r := msg.d, msg.r
	if r.Index >= 0 && r.Index < len(d.results) {
		d.results[r.Index] = &r
	} else {
		d.steps = append(d.steps, r.Name)
		d.results = append(d.results, &r)
	}
	return nil
}

// done applies what the server holds after the plan to the snapshot.
func (msg deprovDoneMsg) apply(a *Model) tea.Cmd {
	d := msg.d
	d.running, d.finished = false, true
	d.res = msg.res
	a.deprov--
	if a.snap != nil {
		switch {
		case msg.res.Deleted:
			a.snap.RemoveUser(d.userID)
		case msg.res.User != nil:
			i := a.snap.ReplaceUser(*msg.res.User)
			a.index.Update(i)
		}
		a.dataChanged()
	}
	failed := 0
	for _, s := range msg.res.Steps {
		a.noteReach(s.Err)
		if s.Err != nil {
			failed++
		}
	}
	note := ""
	if msg.res.Note != "" {
		note = "; " + msg.res.Note
	}
	if failed > 0 {
		return a.setFlash(flashErr, fmt.Sprintf("%s deprovisioning %s: %d of %d steps failed%s", markFail, d.label, failed, len(msg.res.Steps), note))
	}
	if msg.res.Note != "" {
		return a.setFlash(flashErr, markFail+" "+msg.res.Note)
	}
	return a.setFlash(flashOK, fmt.Sprintf("%s deprovisioned %s (%s)", markOK, d.label, numfmt.Count(len(msg.res.Steps), "step", "steps")))
}

func (d *deprovDialog) view(a *Model, maxW, maxH int) []string {
	st := &a.st
	title := "Deprovision " + safe(d.label)
	var body []string
	u, ok := a.snap.UserIndex(d.userID)
	if ok {
		usr := &a.snap.Users[u]
		status := "active"
		if !usr.Active {
			status = "inactive"
		}
		body = append(body, safe(d.name)+" · "+status+" · "+numfmt.Count(len(usr.Groups), "membership", "memberships"))
	} else if !d.finished {
		body = append(body, st.Error.Render("this user is no longer in the snapshot"))
	}
	body = append(body, "")

	if d.running || d.finished {
		for i, name := range d.steps {
			mark := a.spin.View()
			line := safe(name)
			if r := d.results[i]; r != nil {
				if r.Err != nil {
					mark = st.FlashErr.Render(markFail)
					line += st.Error.Render(" — " + safe(r.Err.Error()))
				} else {
					mark = st.FlashOK.Render(markOK)
				}
			} else if d.finished {
				mark = st.Muted.Render("-")
			}
			body = append(body, mark+" "+line)
		}
		body = limitLines(body, maxH-4-4*boolInt(d.finished))
		if d.finished {
			if d.res.Note != "" {
				body = append(body, "", st.Error.Render(safe(d.res.Note)))
			}
			state := "the user is gone from the tenant"
			if d.res.User != nil {
				state = fmt.Sprintf("the server now has the user %s with %s", activeWord(d.res.User.Active), numfmt.Count(len(d.res.User.Groups), "membership", "memberships"))
			}
			closeLine := st.ButtonOn.Render("[ Close ]") + st.Muted.Render("  "+keyName(a.keys.Dialog.Close))
			if d.undoable() {
				closeLine += st.Muted.Render("   " + keyName(a.keys.Undo) + " undo (restore)")
			}
			body = append(body, "", st.Muted.Render(state), "", closeLine)
		}
		return box(st, title, body, maxW, 50)
	}

	// The form squeezes to the height available: blank lines go first, then
	// plan details, then the summary and the unselected options; the chosen
	// option, the email input and the buttons always stay.
	var form []prioLine
	add := func(prio int, text string) { form = append(form, prioLine{text: text, prio: prio}) }
	if len(body) > 0 {
		add(3, body[0])
	}
	add(5, "")
	options := [optCount]string{"deactivate only", "deactivate and remove every membership", "delete the user"}
	if d.noDelete != nil {
		options[optDelete] = "delete the user (not available on OneTrust)"
	}
	if ok {
		n := len(a.snap.Users[u].Groups)
		options[optStrip] = "deactivate and remove " + numfmt.Count(n, "membership", "memberships")
	}
	for i, o := range options {
		radio := "( ) "
		if i == d.option {
			radio = "(•) "
		}
		prefix := "  "
		if i == d.option && d.focus == focusOptions {
			prefix = markCursor + " "
			o = st.Bold.Render(o)
		}
		prio := 2
		if i == d.option {
			prio = 0
		}
		add(prio, prefix+radio+o)
	}
	add(5, "")
	p, _ := d.plan(a)
	steps := p.Steps()
	switch {
	case d.option == optDelete && d.noDelete != nil:
		// Said before anything is sent, with what to do instead.
		add(0, st.Error.Render(markFail+" "+safe(d.noDelete.Error())))
		add(0, "Press "+keyName(a.keys.Dialog.Pick[optStrip])+" to deactivate and remove every membership instead.")
	case p.Empty():
		add(1, st.Muted.Render("nothing to do: the user is inactive and holds no memberships"))
	default:
		add(1, "Plan ("+numfmt.Count(len(steps), "step", "steps")+"):")
		// A long step wraps under itself: cut, the delete's step lost the
		// request it sends ("DELETE /Users/4623d468-3" at 80 columns).
		for i, s := range steps {
			num := fmt.Sprintf("  %d. ", i+1)
			indent := strings.Repeat(" ", len(num))
			for j, l := range wrapText(safe(s), max(10, maxW-4-len(num))) {
				if j == 0 {
					add(4, num+l)
				} else {
					add(4, indent+l)
				}
			}
		}
	}
	if d.option == optDelete && d.noDelete == nil {
		add(5, "")
		add(0, "Type the email to confirm the delete:")
		add(3, "  "+st.Bold.Render(safe(d.label)))
		d.input.SetWidth(max(10, min(maxW-12, 50)))
		add(0, d.input.View())
		add(0, d.matchLine(a))
	}
	add(5, "")
	lines := squeeze(form, maxH-3) // border (2) and the button row
	yes := "Yes, deprovision"
	if d.option == optDelete {
		yes = "Yes, delete" // the button says what it does, as the others do
	}
	return box(st, title, withButtons(lines, buttons(st, d.choice, "No", yes, d.yesEnabled(a)), maxW), maxW, 50)
}

// matchLine says, under the email field, why "Yes" does nothing yet, or
// that it will delete.
func (d *deprovDialog) matchLine(a *Model) string {
	st, yes := &a.st, keyName(a.keys.Dialog.Yes)
	typed := d.input.Value()
	switch {
	case d.yesEnabled(a) && d.focus == focusInput:
		// y in the field is typed, not pressed: say how to get to it.
		return st.FlashOK.Render(markOK + " matches: " + keyName(a.keys.Dialog.Choose) + ", then " + yes + " deletes the user")
	case d.yesEnabled(a):
		return st.FlashOK.Render(markOK + " matches: " + yes + " deletes the user")
	case typed == "" && d.focus == focusInput:
		return st.Muted.Render(yes + " does nothing until the email above is typed in full")
	case typed == "":
		return st.Muted.Render(yes + " does nothing until the email above is typed in full (" + keyName(a.keys.Dialog.NextFocus) + " to the field)")
	}
	return st.Error.Render(markFail + " does not match the email yet: " + yes + " does nothing until it does")
}

// prioLine is a dialog line with how readily it is dropped (higher first).
type prioLine struct {
	text string
	prio int
}

// squeeze drops lines until at most n remain: the highest priority first,
// from the end. Dropped plan steps (priority 4) are summarized in the last
// kept one.
func squeeze(ls []prioLine, n int) []string {
	dropped := 0
	for len(ls) > max(n, 0) {
		worst := -1
		for i := len(ls) - 1; i >= 0; i-- {
			if ls[i].prio > 0 && (worst < 0 || ls[i].prio > ls[worst].prio) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		if ls[worst].prio == 4 {
			dropped++
		}
		ls = append(ls[:worst:worst], ls[worst+1:]...)
	}
	out := make([]string, 0, len(ls))
	lastStep := -1
	for i, l := range ls {
		out = append(out, l.text)
		if l.prio == 4 {
			lastStep = i
		}
	}
	if dropped > 0 && lastStep >= 0 {
		out[lastStep] = fmt.Sprintf("     … and %d more", dropped+1)
	}
	return out
}

func (d *deprovDialog) hints(a *Model) []Binding {
	switch {
	case d.running && !d.stopping:
		return []Binding{a.keys.Dialog.Stop}
	case d.running:
		return nil
	case d.finished && d.undoable():
		return []Binding{a.keys.Dialog.Close, a.keys.Undo}
	case d.finished:
		return []Binding{a.keys.Dialog.Close}
	case d.focus == focusInput:
		// Letters are typed into the field: y and n are no keys here.
		return []Binding{a.keys.Dialog.Choose, a.keys.Dialog.NextFocus, a.keys.Back}
	}
	return []Binding{
		a.keys.Dialog.Option, a.keys.Dialog.NextFocus,
		a.keys.Dialog.Yes, a.keys.Dialog.No,
	}
}

// undoable reports a finished deprovisioning that a restore can undo: the
// user still exists and some step went through.
func (d *deprovDialog) undoable() bool {
	if !d.finished || d.res.Deleted || d.res.User == nil || d.option == optDelete {
		return false
	}
	for _, s := range d.res.Steps {
		if s.Err == nil {
			return true
		}
	}
	return false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func activeWord(active bool) string {
	if active {
		return "active"
	}
	return "inactive"
}

// limitLines keeps at most n lines, noting how many were left out.
func limitLines(ls []string, n int) []string {
	if n < 2 || len(ls) <= n {
		return ls
	}
	return append(ls[:n-1:n-1], fmt.Sprintf("… %d more", len(ls)-n+1))
}
