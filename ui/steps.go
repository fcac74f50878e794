package ui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// stepsDialog confirms a write of several steps (activate, restore, grant
// like another user, create, edit) — it says what will be sent and
// defaults to No — then runs it in the background and shows ✓/✗ per step,
// as the deprovision dialog does.
type stepsDialog struct {
	title string
	body  []string // safe lines: the plan
	yes   string   // "Yes, restore"
	verb  string   // "restore", for the flash line
	who   string   // the user's label
	steps []string
	// run does the work; report sends each step as it ends.
	run func(ctx context.Context, svc *access.Service, report func(access.StepResult)) stepsOutcome
	// onPick, when set, answers the option keys (1, 2) before the run:
	// another plan (marks.go: deactivate only, or strip too).
	onPick func(a *Model, i int) tea.Cmd

	choice            int
	running, finished bool
	results           []*access.StepResult
	out               stepsOutcome
}

// stepsOutcome is what a run leaves: the steps, the user as the server has
// them now (nil: unknown), whether it is gone, and a note.
type stepsOutcome struct {
	steps   []access.StepResult
	user    *tenant.ReadUser
	users   []*tenant.ReadUser // a run over several users: each re-read
	deleted string             // id of a user found gone
	note    string
}

func outcomeOf(r access.StepsResult) stepsOutcome {
	return stepsOutcome{steps: r.Steps, user: r.User, note: r.Note}
}

type stepsStepMsg struct {
	d *stepsDialog
	r access.StepResult
}

type stepsDoneMsg struct {
	d   *stepsDialog
	out stepsOutcome
}

func (d *stepsDialog) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	km, ok := m.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := a.keys
	switch {
	case d.finished:
		return nil, matches(km, k.Dialog.Close)
	case d.running:
		return nil, false
	case d.onPick != nil && matches(km, k.Dialog.Pick[:]...):
		for i, p := range k.Dialog.Pick {
			if matches(km, p) {
				return d.onPick(a, i), false
			}
		}
	case matches(km, k.Dialog.Yes):
		return d.start(a), false
	case matches(km, k.Dialog.No):
		return nil, true
	case matches(km, k.Dialog.Switch):
		d.choice = 1 - d.choice
	case matches(km, k.Dialog.Choose):
		if d.choice == 1 {
			return d.start(a), false
		}
		return nil, true
	}
	return nil, false
}

func (d *stepsDialog) start(a *Model) tea.Cmd {
	if !a.requireOnline(d.verb) {
		return nil
	}
	a.flash = flash{}
	d.running = true
	d.results = make([]*access.StepResult, len(d.steps))
	a.deprov++ // keeps the spinner turning
	svc, ctx := a.svc, a.ctx
	return tea.Batch(a.startSpinner(), startStream(ctx, len(d.steps)+2, func(s *stream) result {
		out := d.run(ctx, svc, func(r access.StepResult) { s.send(stepsStepMsg{d: d, r: r}) })
		return stepsDoneMsg{d: d, out: out}
	}))
}

func (msg stepsStepMsg) apply(a *Model) tea.Cmd {
	d, r := msg.d, msg.r
	if r.Index >= 0 && r.Index < len(d.results) {
		d.results[r.Index] = &r
		d.steps[r.Index] = r.Name // the create step names the default role once known
	} else {
		d.steps = append(d.steps, r.Name)
		d.results = append(d.results, &r)
	}
	return nil
}

// apply folds what the server holds after the run into the snapshot.
func (msg stepsDoneMsg) apply(a *Model) tea.Cmd {
	d, out := msg.d, msg.out
	d.running, d.finished, d.out = false, true, out
	a.deprov--
	if a.snap != nil {
		switch {
		case out.deleted != "":
			a.snap.RemoveUser(out.deleted)
		case out.user != nil:
			i := a.snap.ReplaceUser(*out.user)
			a.index.Update(i)
		}
		for _, u := range out.users {
			a.index.Update(a.snap.ReplaceUser(*u))
		}
		a.dataChanged()
	}
	failed := 0
	for _, s := range out.steps {
		a.noteReach(s.Err)
		if s.Err != nil {
			failed++
		}
	}
	note := ""
	if out.note != "" {
		note = "; " + out.note
	}
	switch {
	case failed > 0:
		return a.setFlash(flashErr, fmt.Sprintf("%s %s %s: %d of %d steps failed%s", markFail, d.verb, d.who, failed, len(out.steps), note))
	case out.note != "":
		return a.setFlash(flashErr, markFail+" "+out.note)
	}
	return a.setFlash(flashOK, fmt.Sprintf("%s %s %s (%s)", markOK, d.verb, d.who, numfmt.Count(len(out.steps), "step", "steps")))
}

func (d *stepsDialog) view(a *Model, maxW, maxH int) []string {
	st := &a.st
	if !d.running && !d.finished {
		body := limitLines(append([]string{}, d.body...), maxH-5)
		body = append(body, "")
		return box(st, d.title, withButtons(body, buttons(st, d.choice, "No", d.yes, true), maxW), maxW, 50)
	}
	var body []string
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
		if d.out.note != "" {
			body = append(body, "", st.Error.Render(safe(d.out.note)))
		}
		if u := d.out.user; u != nil {
			body = append(body, "", st.Muted.Render(fmt.Sprintf("the server now has the user %s with %s", activeWord(u.Active), numfmt.Count(len(u.Groups), "membership", "memberships"))))
		}
		body = append(body, "", st.ButtonOn.Render("[ Close ]")+st.Muted.Render("  "+keyName(a.keys.Dialog.Close)))
	}
	return box(st, d.title, body, maxW, 50)
}

func (d *stepsDialog) hints(a *Model) []Binding {
	switch {
	case d.running:
		return nil
	case d.finished:
		return []Binding{a.keys.Dialog.Close}
	}
	return []Binding{a.keys.Dialog.Yes, a.keys.Dialog.No, a.keys.Dialog.Switch}
}

// ---- the writes that open it ----

// openActivate confirms and runs activating the user.
func (a *Model) openActivate(id string) tea.Cmd {
	if !a.requireOnline("activate") {
		return nil
	}
	u, ok := a.snap.UserIndex(id)
	if !ok {
		return nil
	}
	usr := &a.snap.Users[u]
	if usr.Active {
		return a.setFlash(flashInfo, safe(usr.Label())+" is already active")
	}
	label := usr.Label()
	a.openDialog(&stepsDialog{
		title: "Activate " + safe(label), yes: "Yes, activate", verb: "activated", who: label,
		body:  []string{"Set " + safe(label) + " active again", a.st.Muted.Render("PATCH /Users/" + shortID(id) + " (replace active: true)")},
		steps: []string{"activate the user"},
		run: func(ctx context.Context, svc *access.Service, report func(access.StepResult)) stepsOutcome {
			u, err := svc.Activate(ctx, id, label)
			r := access.StepResult{Name: "activate the user", Err: err}
			report(r)
			return stepsOutcome{steps: []access.StepResult{r}, user: u}
		},
	})
	return nil
}

// restoreAuditMsg carries the audit log, read off the update goroutine
// (it reads the cache) for a restore of user id.
type restoreAuditMsg struct {
	id      string
	entries []tenant.AuditEntry
	err     error
}

// planRestore reads the audit log; its message plans the undo of the
// user's latest deprovisioning and opens the restore dialog.
func (a *Model) planRestore(id string) tea.Cmd {
	if !a.requireOnline("restore") {
		return nil
	}
	svc, ctx := a.svc, a.ctx
	return func() tea.Msg {
		entries, err := svc.Audit(ctx, 0)
		return restoreAuditMsg{id: id, entries: entries, err: err}
	}
}

func (m restoreAuditMsg) apply(a *Model) tea.Cmd {
	if m.err != nil {
		return a.setFlash(flashErr, markFail+" restore: reading the audit log: "+m.err.Error())
	}
	u, ok := a.snap.UserIndex(m.id)
	if !ok {
		return a.setFlash(flashErr, markFail+" restore: the user is no longer in the snapshot")
	}
	p, err := access.PlanRestore(a.snap, m.entries, u, 0)
	if err != nil {
		return a.setFlash(flashErr, markFail+" restore: "+err.Error())
	}
	if p.Empty() {
		return a.setFlash(flashInfo, fmt.Sprintf("nothing to restore: %s holds everything its deprovisioning of %s removed and is active", p.UserLabel, p.At.Local().Format("2006-01-02 15:04")))
	}
	body := []string{fmt.Sprintf("Undo the deprovisioning of %s", safe(p.UserLabel)),
		a.st.Muted.Render(fmt.Sprintf("at %s (audit row %d):", p.At.Local().Format("2006-01-02 15:04:05"), p.FromID)), ""}
	steps := p.Steps()
	for i, s := range steps {
		body = append(body, fmt.Sprintf("  %d. %s", i+1, safe(s)))
	}
	for _, h := range p.Held {
		body = append(body, a.st.Muted.Render("  held again, skipped: "+safe(h)))
	}
	a.openDialog(&stepsDialog{
		title: "Restore " + safe(p.UserLabel), yes: "Yes, restore", verb: "restored", who: p.UserLabel,
		body: body, steps: steps,
		run: func(ctx context.Context, svc *access.Service, report func(access.StepResult)) stepsOutcome {
			return outcomeOf(svc.Restore(ctx, p, report))
		},
	})
	return nil
}
