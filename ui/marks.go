package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
)

// Marking users (v on Users and Members) and acting on them at once:
// D deprovisions every marked user, + grants and - revokes one role x
// organization. One confirmation counts exactly the requests it will
// send; the run shows ✓/✗ per step (each audited, as one user's are).
// esc clears the marks. Marks are user ids: they survive filtering,
// sorting and a sync.

// markedUsers is the set of marked users, by id.
type markedUsers map[string]bool

// markable is a list of users whose cursor user can be marked.
type markable interface{ cursorUser() int }

func (s *usersScreen) cursorUser() int   { return s.selectedUser() }
func (s *membersScreen) cursorUser() int { return s.selected() }

// markPrefix starts a marked user's name in a list.
func (a *Model) markPrefix(id string) string {
	if a.marked[id] {
		return markMarked + " "
	}
	return ""
}

// markMarked is the sign before a marked user's name.
const markMarked = "✓"

// markedIndexes are the marked users still in the snapshot, in its order.
func (a *Model) markedIndexes() []int {
	var out []int
	for i := range a.snap.Users {
		if a.marked[a.snap.Users[i].ID] {
			out = append(out, i)
		}
	}
	return out
}

// markKey handles the marking keys on the lists of users; ok reports
// that it used the key.
func (a *Model) markKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	l, ok := a.top().(markable)
	if !ok || a.top().typing() || a.snap == nil {
		return nil, false
	}
	k := a.keys
	switch {
	case matches(msg, k.Mark):
		u := l.cursorUser()
		if u < 0 {
			return nil, true
		}
		id := a.snap.Users[u].ID
		if a.marked == nil {
			a.marked = markedUsers{}
		}
		if a.marked[id] {
			delete(a.marked, id)
		} else {
			a.marked[id] = true
		}
		cmd, _ := a.top().update(a, keyPress(k.Down))
		return cmd, true
	case len(a.marked) == 0:
		if matches(msg, k.BatchGrant, k.BatchRevoke) {
			return a.setFlash(flashInfo, "mark users with "+keyName(k.Mark)+" first"), true
		}
		return nil, false
	case matches(msg, k.Back):
		a.marked = nil
		return nil, true
	case matches(msg, k.Deprovision):
		return a.batchDeprovision(false), true
	case matches(msg, k.BatchGrant):
		return a.openGroupPicker(true), true
	case matches(msg, k.BatchRevoke):
		return a.openGroupPicker(false), true
	}
	return nil, false
}

// marksInfo is what the hint line says of the marks ("" without).
func (a *Model) marksInfo() string {
	if len(a.marked) == 0 {
		return ""
	}
	if _, ok := a.top().(markable); !ok {
		return ""
	}
	return numfmt.Count(len(a.marked), "marked", "marked")
}

// ---- deprovision ----

// batchDeprovision confirms deactivating (strip: and stripping) every
// marked user, counting the requests.
func (a *Model) batchDeprovision(strip bool) tea.Cmd {
	if !a.requireOnline("deprovision") {
		return nil
	}
	users := a.markedIndexes()
	var plans []access.Plan
	var steps []string
	skipped := 0
	for _, u := range users {
		p := access.PlanDeprovision(a.snap, u, strip, false)
		if p.Empty() {
			skipped++
			continue
		}
		plans = append(plans, p)
		for _, st := range p.Steps() {
			steps = append(steps, p.UserLabel+": "+st)
		}
	}
	what := "Deactivate"
	other := keyName(a.keys.Dialog.Pick[optStrip]) + " also removes every membership"
	if strip {
		what = "Deactivate and remove every membership of"
		other = keyName(a.keys.Dialog.Pick[optDeactivate]) + " deactivates only"
	}
	body := []string{fmt.Sprintf("%s %s:", what, numfmt.Count(len(users), "marked user", "marked users")), ""}
	for _, p := range plans {
		body = append(body, fmt.Sprintf("  %s — %s", safe(p.UserLabel), numfmt.Count(len(p.Steps()), "request", "requests")))
	}
	if skipped > 0 {
		body = append(body, a.st.Muted.Render(fmt.Sprintf("  %s: nothing to do (inactive, nothing to remove)", numfmt.Count(skipped, "user", "users"))))
	}
	body = append(body, "", a.st.Bold.Render(fmt.Sprintf("%s in all", numfmt.Count(len(steps), "request", "requests"))), a.st.Muted.Render(other))
	if len(steps) == 0 {
		return a.setFlash(flashInfo, "nothing to do: the marked users are inactive and hold nothing to remove")
	}
	d := &stepsDialog{
		title: "Deprovision " + numfmt.Count(len(plans), "user", "users"), yes: "Yes, deprovision",
		verb: "deprovisioned", who: numfmt.Count(len(plans), "user", "users"), body: body, steps: steps,
		run: func(ctx context.Context, svc *access.Service, report func(access.StepResult)) stepsOutcome {
			var out stepsOutcome
			off := 0
			for _, p := range plans {
				res := svc.Deprovision(ctx, p, func(r access.StepResult) {
					r.Index, r.Name = off+r.Index, p.UserLabel+": "+r.Name
					report(r)
				})
				for _, r := range res.Steps {
					r.Name = p.UserLabel + ": " + r.Name
					out.steps = append(out.steps, r)
				}
				if res.User != nil {
					out.users = append(out.users, res.User)
				}
				off += len(p.Steps())
			}
			return out
		},
	}
	d.onPick = func(a *Model, i int) tea.Cmd {
		if i == optDeactivate || i == optStrip {
			a.closeDialog(d)
			return a.batchDeprovision(i == optStrip)
		}
		return nil
	}
	a.openDialog(d)
	return nil
}

// ---- grant and revoke ----

// groupPicker picks the role x organization to grant to (or revoke from)
// the marked users: type to filter by role and organization.
type groupPicker struct {
	grant  bool
	input  textinput.Model
	groups []int
	cursor int
}

func (a *Model) openGroupPicker(grant bool) tea.Cmd {
	verb := "grant"
	if !grant {
		verb = "revoke"
	}
	if !a.requireOnline(verb) {
		return nil
	}
	p := &groupPicker{grant: grant, input: newTextInput(&a.st, "/ ", "role or organization", 200)}
	p.refilter(a)
	a.openDialog(p)
	return p.input.Focus()
}

func (p *groupPicker) form() {}

func (p *groupPicker) refilter(a *Model) {
	terms := strings.Fields(strings.ToLower(p.input.Value()))
	p.groups = p.groups[:0]
	for g := range a.snap.Groups {
		grp := &a.snap.Groups[g]
		if grp.Plain() {
			continue
		}
		label := strings.ToLower(access.MembershipLabel(a.snap, g))
		ok := true
		for _, t := range terms {
			ok = ok && strings.Contains(label, t)
		}
		if ok {
			p.groups = append(p.groups, g)
		}
	}
	p.cursor = clamp(p.cursor, 0, max(0, len(p.groups)-1))
}

func (p *groupPicker) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	if km, ok := m.(tea.KeyPressMsg); ok {
		in := a.keys.Input
		switch {
		case matches(km, in.Cancel):
			return nil, true
		case matches(km, in.Submit):
			if len(p.groups) == 0 {
				return nil, false
			}
			return a.batchChange(p.groups[p.cursor], p.grant), true
		case matches(km, in.NextField):
			p.cursor = min(p.cursor+1, max(0, len(p.groups)-1))
			return nil, false
		case matches(km, in.PrevField):
			p.cursor = max(p.cursor-1, 0)
			return nil, false
		}
	}
	var cmd tea.Cmd
	before := p.input.Value()
	p.input, cmd = p.input.Update(m)
	if p.input.Value() != before {
		p.refilter(a)
	}
	return cmd, false
}

func (p *groupPicker) view(a *Model, maxW, maxH int) []string {
	st := &a.st
	verb := "Grant to"
	if !p.grant {
		verb = "Revoke from"
	}
	// Sized to what it shows: the placeholder whole (an input without a
	// width showed "/ r" of "role or organization"), the lines as wide as
	// the widest label in view, not the terminal (200 cells of frame).
	p.input.SetWidth(max(20, min(maxW-12, 50)))
	body := []string{fmt.Sprintf("%s %s:", verb, numfmt.Count(len(a.marked), "marked user", "marked users")), "", p.input.View()}
	first := max(0, p.cursor-pickerRows+1)
	lw := 10
	for i := first; i < len(p.groups) && i < first+pickerRows; i++ {
		lw = max(lw, ansi.StringWidth(safe(access.MembershipLabel(a.snap, p.groups[i]))))
	}
	lw = min(lw, max(10, maxW-10))
	for i := first; i < len(p.groups) && i < first+pickerRows; i++ {
		line := fit(safe(access.MembershipLabel(a.snap, p.groups[i])), lw)
		if i == p.cursor {
			line = st.ButtonOn.Render(markCursor + " " + line)
		} else {
			line = "  " + line
		}
		body = append(body, line)
	}
	body = append(body, st.Muted.Render(numfmt.Count(len(p.groups), "role x organization matches", "roles x organizations match")))
	return box(st, "Role x organization", limitLines(body, maxH-2), maxW, 60)
}

func (p *groupPicker) hints(a *Model) []Binding {
	in := a.keys.Input
	return []Binding{in.Submit, in.NextField, in.PrevField, in.Cancel}
}

// batchChange confirms granting (or revoking) group g to every marked
// user who lacks (or holds) it directly, one PATCH each.
func (a *Model) batchChange(g int, grant bool) tea.Cmd {
	users := a.markedIndexes()
	label := access.MembershipLabel(a.snap, g)
	var todo []int
	var same, viaOnly int
	for _, u := range users {
		direct, via := a.snap.Holds(u, g)
		switch {
		case grant && direct, !grant && !direct && len(via) == 0:
			same++
		case !grant && !direct:
			viaOnly++
		default:
			todo = append(todo, u)
		}
	}
	verb, past, prep := "Grant", "granted", "to"
	if !grant {
		verb, past, prep = "Revoke", "revoked", "from"
	}
	if len(todo) == 0 {
		return a.setFlash(flashInfo, fmt.Sprintf("nothing to send: no marked user needs %s %s", strings.ToLower(verb), safe(label)))
	}
	body := []string{fmt.Sprintf("%s %s %s %s:", verb, safe(label), prep, numfmt.Count(len(todo), "user", "users")), ""}
	steps := make([]string, len(todo))
	changes := make([]access.Change, len(todo))
	for i, u := range todo {
		changes[i] = access.NewChange(a.snap, u, g, grant)
		steps[i] = changes[i].Describe()
		body = append(body, "  "+safe(a.snap.Users[u].Label()))
	}
	if same > 0 {
		held := "already hold it"
		if !grant {
			held = "do not hold it"
		}
		body = append(body, a.st.Muted.Render(fmt.Sprintf("  %s %s: skipped", numfmt.Count(same, "user", "users"), held)))
	}
	if viaOnly > 0 {
		body = append(body, a.st.Muted.Render(fmt.Sprintf("  %s hold it only through a user group: not touched", numfmt.Count(viaOnly, "user", "users"))))
	}
	body = append(body, "", a.st.Bold.Render(numfmt.Count(len(todo), "PATCH", "PATCHes")+" /Groups/"+shortID(a.snap.Groups[g].ID)))
	a.openDialog(&stepsDialog{
		title: verb + " " + safe(label), yes: "Yes, " + strings.ToLower(verb), verb: past + " " + label + " " + prep,
		who: numfmt.Count(len(todo), "user", "users"), body: body, steps: steps,
		run: func(ctx context.Context, svc *access.Service, report func(access.StepResult)) stepsOutcome {
			var out stepsOutcome
			for i, ch := range changes {
				res := svc.ChangeAll(ctx, ch.UserID, ch.UserLabel, []access.Change{ch}, func(r access.StepResult) {
					r.Index, r.Name = i, ch.Describe()
					report(r)
				})
				for _, r := range res.Steps {
					r.Index, r.Name = i, ch.Describe()
					out.steps = append(out.steps, r)
				}
				if res.User != nil {
					out.users = append(out.users, res.User)
				}
			}
			return out
		},
	})
	return nil
}
