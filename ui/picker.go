package ui

import (
	"context"
	"fmt"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
)

// likePicker picks the user whose access the user userID should get
// (L on the user detail): type to filter, as on the Users screen, move,
// enter. Then the grant-like dialog shows the difference.
type likePicker struct {
	userID  string
	input   textinput.Model
	matches []int32
	cursor  int
	err     error
}

// pickerRows is how many matches the picker lists.
const pickerRows = 8

func (a *Model) openLikePicker(id string) tea.Cmd {
	if !a.requireOnline("grant like another user") {
		return nil
	}
	if _, ok := a.snap.UserIndex(id); !ok {
		return nil
	}
	p := &likePicker{userID: id, input: newTextInput(&a.st, "/ ", "name, email or role:…", 200)}
	p.refilter(a)
	a.openDialog(p)
	return p.input.Focus()
}

// form marks the picker as a dialog that takes keys at once (it types).
func (p *likePicker) form() {}

func (p *likePicker) refilter(a *Model) {
	m, err := a.index.Filter(p.input.Value(), nil)
	p.err = err
	if err != nil {
		return
	}
	// The user themself is no model for their own access.
	self, _ := a.snap.UserIndex(p.userID)
	p.matches = p.matches[:0]
	for _, u := range m {
		if int(u) != self {
			p.matches = append(p.matches, u)
		}
	}
	p.cursor = clamp(p.cursor, 0, max(0, len(p.matches)-1))
}

func (p *likePicker) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	if km, ok := m.(tea.KeyPressMsg); ok {
		in := a.keys.Input
		switch {
		case matches(km, in.Cancel):
			return nil, true
		case matches(km, in.Submit):
			if len(p.matches) == 0 {
				return nil, false
			}
			return a.openLike(p.userID, int(p.matches[p.cursor])), true
		case matches(km, in.NextField):
			p.cursor = min(p.cursor+1, max(0, len(p.matches)-1))
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

func (p *likePicker) view(a *Model, maxW, maxH int) []string {
	st := &a.st
	u, _ := a.snap.UserIndex(p.userID)
	p.input.SetWidth(max(20, min(maxW-12, 50))) // else the placeholder shows one letter
	body := []string{"Give " + safe(a.snap.Users[u].Label()) + " the access of:", "", p.input.View()}
	if p.err != nil {
		body = append(body, st.Error.Render(safe(p.err.Error())))
	}
	first := max(0, p.cursor-pickerRows+1)
	for i := first; i < len(p.matches) && i < first+pickerRows; i++ {
		usr := &a.snap.Users[p.matches[i]]
		line := fmt.Sprintf("%s  %s  %s", fit(safe(usr.Name()), 20), fit(safe(usr.Label()), 28), numfmt.Count(len(usr.Groups), "membership", "memberships"))
		if i == p.cursor {
			line = st.ButtonOn.Render(markCursor + " " + line)
		} else {
			line = "  " + line
		}
		body = append(body, line)
	}
	body = append(body, st.Muted.Render(numfmt.Count(len(p.matches), "user matches", "users match")))
	return box(st, "Grant like another user", limitLines(body, maxH-2), maxW, 60)
}

func (p *likePicker) hints(a *Model) []Binding {
	in := a.keys.Input
	return []Binding{in.Submit, in.NextField, in.PrevField, in.Cancel}
}

// openLike shows what user other holds that user id lacks, and grants it
// after one confirmation, one PATCH each.
func (a *Model) openLike(id string, other int) tea.Cmd {
	u, ok := a.snap.UserIndex(id)
	if !ok {
		return nil
	}
	p := access.PlanLike(a.snap, u, other)
	if len(p.Grants) == 0 {
		return a.setFlash(flashInfo, fmt.Sprintf("nothing to grant: %s already holds everything %s holds", p.UserLabel, p.OtherLabel))
	}
	body := []string{fmt.Sprintf("Grant %s what %s holds:", safe(p.UserLabel), safe(p.OtherLabel)), ""}
	steps := make([]string, len(p.Grants))
	for i, c := range p.Grants {
		body = append(body, a.st.FlashOK.Render("  + ")+safe(c.Group))
		steps[i] = "grant " + c.Group
	}
	for _, g := range p.Shared {
		body = append(body, a.st.Muted.Render("    "+safe(g)+" (both)"))
	}
	for _, g := range p.Extra {
		body = append(body, a.st.Muted.Render("    "+safe(g)+" (only this user; kept)"))
	}
	body = append(body, "", a.st.Muted.Render(numfmt.Count(len(p.Grants), "PATCH", "PATCHes")+" /Groups/{roleId:orgId} (add 1 member)"))
	a.openDialog(&stepsDialog{
		title: "Grant like " + safe(p.OtherLabel), yes: "Yes, grant", verb: "granted like " + p.OtherLabel + " to", who: p.UserLabel,
		body: body, steps: steps,
		run: func(ctx context.Context, svc *access.Service, report func(access.StepResult)) stepsOutcome {
			return outcomeOf(svc.GrantAll(ctx, p.UserID, p.UserLabel, p.Grants, report))
		},
	})
	return nil
}
