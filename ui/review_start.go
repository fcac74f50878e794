package ui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
)

// Starting a review: a dialog asks for its name and scope.

// Fields of the start dialog.
const (
	startName = iota
	startRole
	startOrg
	startFilter
	startFields
)

var startLabels = [startFields]string{"name", "role", "org", "users"}

// reviewStartDialog asks for a name and a scope, prefilled with the Users
// screen's filter.
type reviewStartDialog struct {
	list   *reviewListScreen
	inputs [startFields]textinput.Model
	focus  int
	busy   bool
	err    string
}

func (a *Model) openReviewStart(list *reviewListScreen) tea.Cmd {
	if a.snap == nil {
		return a.setFlash(flashErr, markFail+" no snapshot yet: sync first ("+keyName(a.keys.Sync)+")")
	}
	d := &reviewStartDialog{list: list}
	hints := [startFields]string{"e.g. Q4-" + a.opts.Now().Format("2006"), "all roles (or a name, or part of one)", "all organizations", "all users (filter, e.g. status:inactive)"}
	for i := range d.inputs {
		d.inputs[i] = newTextInput(&a.st, "", hints[i], 200)
	}
	if us, ok := a.roots[tabUsers].(*usersScreen); ok {
		d.inputs[startFilter].SetValue(us.filter.value())
	}
	a.openDialog(d)
	return d.inputs[startName].Focus()
}

// form: typed-ahead text is the answer being typed, not an accident, so
// the dialog takes keys at once (no grace period).
func (d *reviewStartDialog) form() {}

func (d *reviewStartDialog) setFocus(i int) tea.Cmd {
	d.inputs[d.focus].Blur()
	d.focus = (i + startFields) % startFields
	return d.inputs[d.focus].Focus()
}

func (d *reviewStartDialog) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	if d.busy {
		return nil, false
	}
	if km, ok := m.(tea.KeyPressMsg); ok {
		k := a.keys.Input
		switch {
		case matches(km, k.Cancel):
			return nil, true
		case matches(km, k.NextField):
			return d.setFocus(d.focus + 1), false
		case matches(km, k.PrevField):
			return d.setFocus(d.focus - 1), false
		case matches(km, k.Submit):
			return d.submit(a), false
		}
	}
	var cmd tea.Cmd
	d.inputs[d.focus], cmd = d.inputs[d.focus].Update(m)
	d.err = ""
	return cmd, false
}

func (d *reviewStartDialog) submit(a *Model) tea.Cmd {
	name := strings.TrimSpace(d.inputs[startName].Value())
	if name == "" {
		d.err = "give the review a name"
		return d.setFocus(startName)
	}
	svc := a.svc
	if svc == nil {
		d.err = "reviews need the cache"
		return nil
	}
	sc := access.ReviewScope{
		Role:   strings.TrimSpace(d.inputs[startRole].Value()),
		Org:    strings.TrimSpace(d.inputs[startOrg].Value()),
		Filter: strings.TrimSpace(d.inputs[startFilter].Value()),
	}
	d.busy = true
	ctx := a.ctx
	return func() tea.Msg {
		r, err := svc.StartReview(ctx, name, sc)
		return reviewOpenedMsg{list: d.list, r: r, err: err, started: d}
	}
}

func (d *reviewStartDialog) view(a *Model, maxW, maxH int) []string {
	st := &a.st
	inner := min(64, maxW-4)
	body := []string{"Freeze the memberships in scope against this snapshot.", ""}
	for i := range d.inputs {
		label := fit(startLabels[i], 6)
		if i == d.focus {
			label = st.Bold.Render(label)
		} else {
			label = st.Muted.Render(label)
		}
		d.inputs[i].SetWidth(max(4, inner-8))
		body = append(body, label+"  "+d.inputs[i].View())
	}
	body = append(body, "")
	switch {
	case d.busy:
		body = append(body, st.Pending.Render("starting the review…"))
	case d.err != "":
		body = append(body, st.Error.Render(markFail+" "+safe(d.err)))
	default:
		k := a.keys.Input
		body = append(body, st.Muted.Render(keyName(k.NextField)+"/↑/↓ field · "+keyName(k.Submit)+" "+k.Submit.Help().Desc+" · "+keyName(k.Cancel)+" "+k.Cancel.Help().Desc))
	}
	return box(st, "Start a review", body, maxW, inner+4)
}

func (d *reviewStartDialog) hints(a *Model) []Binding {
	k := a.keys.Input
	return []Binding{k.NextField, k.Submit, k.Cancel}
}
