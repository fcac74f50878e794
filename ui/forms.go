package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/tenant"
)

// The create (n on Users) and edit (e on the user detail) forms are huh
// forms inside a dialog: huh moves between the fields and refuses to leave
// one whose value is wrong; the dialog adds a line under the fields that
// checks every value as it is typed (the email's shape, the names, an
// email the snapshot already has, the manager), so the operator sees what
// is wrong before reaching the end. Submitting opens the confirmation,
// which says exactly what will be sent.

// userFormValues are the fields both forms edit.
type userFormValues struct {
	email, given, family, userType, externalID, title, department, manager string
	like                                                                   string // create: grant what this user holds
	activate                                                               bool   // create
}

// userForm is the dialog around the huh form.
type userForm struct {
	create bool
	userID string // edit: the user
	v      *userFormValues
	f      *huh.Form
	// The form's fields in order, each with its value and check (nil for
	// the yes/no field): the dialog moves between them itself (see update).
	fields []huh.Field
	vals   []*string
	checks []func(string) error
}

// input adds a text field to the form being built.
func (d *userForm) input(title string, v *string, check func(string) error) *huh.Input {
	in := huh.NewInput().Title(title).Value(v).Validate(check).Inline(true)
	d.fields, d.vals, d.checks = append(d.fields, in), append(d.vals, v), append(d.checks, check)
	return in
}

// focused is the index of the focused field, or -1.
func (d *userForm) focused() int {
	f := d.f.GetFocusedField()
	for i, x := range d.fields {
		if x == f {
			return i
		}
	}
	return -1
}

// form marks the dialog as one that takes keys at once (it types).
func (d *userForm) form() {}

func (a *Model) openCreateForm() tea.Cmd {
	if !a.requireOnline("create a user") {
		return nil
	}
	d := &userForm{create: true, v: &userFormValues{userType: "Internal"}}
	v := d.v
	act := huh.NewConfirm().Title("activate    ").Value(&v.activate).Inline(true)
	fields := []huh.Field{
		d.input("email       ", &v.email, d.checkEmail(a)),
		d.input("given       ", &v.given, fieldCheck(access.FieldGiven)),
		d.input("family      ", &v.family, fieldCheck(access.FieldFamily)),
		d.input("userType    ", &v.userType, userTypeCheck).Suggestions(access.UserTypes),
		d.input("title       ", &v.title, fieldCheck(access.FieldTitle)),
		d.input("department  ", &v.department, fieldCheck(access.FieldDepartment)),
		d.input("manager     ", &v.manager, d.checkUser(a, "manager")),
		d.input("externalId  ", &v.externalID, fieldCheck(access.FieldExternalID)),
		d.input("access like ", &v.like, d.checkUser(a, "like")),
		act,
	}
	d.fields, d.vals, d.checks = append(d.fields, act), append(d.vals, nil), append(d.checks, nil)
	d.f = a.newForm(fields...)
	a.openDialog(d)
	return d.f.Init()
}

func (a *Model) openEditForm(id string) tea.Cmd {
	if !a.requireOnline("edit") {
		return nil
	}
	u, ok := a.snap.UserIndex(id)
	if !ok {
		return nil
	}
	usr := &a.snap.Users[u]
	mgr := ""
	if usr.ManagerID != "" {
		mgr = usr.ManagerID
		if m, ok := a.snap.UserIndex(usr.ManagerID); ok {
			mgr = a.snap.Users[m].Label()
		}
	}
	d := &userForm{userID: id, v: &userFormValues{
		given: usr.GivenName, family: usr.FamilyName, userType: usr.UserType, externalID: usr.ExternalID,
		title: usr.Title, department: usr.Department, manager: mgr,
	}}
	v := d.v
	d.f = a.newForm(
		d.input("given       ", &v.given, fieldCheck(access.FieldGiven)),
		d.input("family      ", &v.family, fieldCheck(access.FieldFamily)),
		d.input("title       ", &v.title, fieldCheck(access.FieldTitle)),
		d.input("department  ", &v.department, fieldCheck(access.FieldDepartment)),
		d.input("manager     ", &v.manager, d.checkUser(a, "manager")),
		d.input("externalId  ", &v.externalID, fieldCheck(access.FieldExternalID)),
		d.input("userType    ", &v.userType, userTypeCheck).Suggestions(access.UserTypes),
	)
	a.openDialog(d)
	return d.f.Init()
}

// newForm is a huh form of one group with the KeyMap's keys, no help of
// its own (the hint line lists the keys) and a plain theme.
func (a *Model) newForm(fields ...huh.Field) *huh.Form {
	return huh.NewForm(huh.NewGroup(fields...)).
		WithKeyMap(a.keys.formKeyMap()).
		WithShowHelp(false).
		WithShowErrors(false). // the dialog's check line shows them
		WithTheme(huh.ThemeFunc(formTheme)).
		WithWidth(60)
}

// formTheme is huh's plain theme with one field per line, so that the
// create form's ten fields fit at 80x24.
func formTheme(dark bool) *huh.Styles {
	t := huh.ThemeBase(dark)
	t.FieldSeparator = t.FieldSeparator.SetString("\n")
	return t
}

func fieldCheck(f access.Field) func(string) error {
	return func(v string) error { return access.ValidField(f, strings.TrimSpace(v)) }
}

func userTypeCheck(v string) error {
	return access.ValidField(access.FieldUserType, access.NormalUserType(strings.TrimSpace(v)))
}

// checkEmail refuses what is no address, and an email or userName the
// snapshot already has (the tenant would answer 409).
func (d *userForm) checkEmail(a *Model) func(string) error {
	return func(v string) error {
		v = strings.TrimSpace(v)
		if err := access.ValidEmail(v); err != nil {
			return err
		}
		if i, taken := access.UserNameTaken(a.snap, v); taken {
			return fmt.Errorf("%s is taken: %s already has it", v, a.snap.Users[i].Name())
		}
		return nil
	}
}

// checkUser resolves a user field (manager, like): empty, or one cached user.
func (d *userForm) checkUser(a *Model, what string) func(string) error {
	return func(v string) error {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil
		}
		i, err := access.ResolveUser(a.snap, v)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if !d.create && a.snap.Users[i].ID == d.userID {
			return fmt.Errorf("%s: not the user themself", what)
		}
		return nil
	}
}

// problem is the first value that is wrong now, checked as it is typed.
func (d *userForm) problem(a *Model) error {
	v := d.v
	checks := []struct {
		f func(string) error
		v string
	}{
		{fieldCheck(access.FieldGiven), v.given}, {fieldCheck(access.FieldFamily), v.family},
		{userTypeCheck, v.userType}, {fieldCheck(access.FieldTitle), v.title},
		{fieldCheck(access.FieldDepartment), v.department}, {fieldCheck(access.FieldExternalID), v.externalID},
		{d.checkUser(a, "manager"), v.manager},
	}
	if d.create {
		checks = append([]struct {
			f func(string) error
			v string
		}{{d.checkEmail(a), v.email}}, checks...)
		checks = append(checks, struct {
			f func(string) error
			v string
		}{d.checkUser(a, "like"), v.like})
	}
	for _, c := range checks {
		if err := c.f(c.v); err != nil {
			return err
		}
	}
	return nil
}

func (d *userForm) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	// huh moves to another field through a command, so keys typed right
	// after tab would land in the field being left; the dialog moves
	// between fields itself, at once, checking the value first as huh
	// would. Leaving the last field (submit) is huh's.
	if km, ok := msg.(tea.KeyPressMsg); ok {
		in := a.keys.Input
		i := d.focused()
		switch {
		case i < 0:
		case matches(km, in.PrevField) && i > 0:
			return d.f.PrevField(), false
		case i == len(d.fields)-1:
		case matches(km, in.NextField, in.Submit):
			if c := d.checks[i]; c != nil && c(*d.vals[i]) != nil {
				return nil, false // the check line says why
			}
			return d.f.NextField(), false
		}
	}
	m, cmd := d.f.Update(msg)
	if f, ok := m.(*huh.Form); ok {
		d.f = f
	}
	switch d.f.State {
	case huh.StateAborted:
		return nil, true
	case huh.StateCompleted:
		return tea.Batch(cmd, d.submit(a)), true
	}
	return cmd, false
}

// submit turns the values into a plan and opens its confirmation.
func (d *userForm) submit(a *Model) tea.Cmd {
	if err := d.problem(a); err != nil {
		return a.setFlash(flashErr, markFail+" "+err.Error())
	}
	if d.create {
		return a.confirmCreate(*d.v)
	}
	return a.confirmEdit(d.userID, *d.v)
}

func (d *userForm) view(a *Model, maxW, maxH int) []string {
	st := &a.st
	title := "New user"
	if !d.create {
		if u, ok := a.snap.UserIndex(d.userID); ok {
			title = "Edit " + safe(a.snap.Users[u].Label())
		}
	}
	body := strings.Split(d.f.View(), "\n")
	for len(body) > 0 && strings.TrimSpace(ansi.Strip(body[len(body)-1])) == "" {
		body = body[:len(body)-1] // huh pads the group to its height
	}
	body = append(body, "")
	if err := d.problem(a); err != nil {
		body = append(body, st.Error.Render(markFail+" "+safe(err.Error())))
	} else if d.create {
		body = append(body, st.FlashOK.Render(markOK+" ready: enter on the last field to review the plan"))
	} else {
		body = append(body, st.FlashOK.Render(markOK+" ready: enter on the last field to review the changes"))
	}
	return box(st, title, limitLines(body, maxH-2), maxW, 64)
}

func (d *userForm) hints(a *Model) []Binding {
	in := a.keys.Input
	return []Binding{in.NextField, in.PrevField, in.Submit, in.Cancel, in.Toggle}
}

// confirmCreate shows the create plan and runs it after a yes.
func (a *Model) confirmCreate(v userFormValues) tea.Cmd {
	p := access.CreatePlan{User: access.NewUser{Email: v.email, Given: v.given, Family: v.family, UserType: v.userType,
		ExternalID: strings.TrimSpace(v.externalID), Title: strings.TrimSpace(v.title), Department: strings.TrimSpace(v.department)},
		Activate: v.activate}
	if m := strings.TrimSpace(v.manager); m != "" {
		i, err := access.ResolveUser(a.snap, m)
		if err != nil {
			return a.setFlash(flashErr, markFail+" manager: "+err.Error())
		}
		p.User.Manager, p.User.ManagerLabel = a.snap.Users[i].ID, a.snap.Users[i].Label()
	}
	if err := p.Validate(a.snap); err != nil {
		return a.setFlash(flashErr, markFail+" "+err.Error())
	}
	if l := strings.TrimSpace(v.like); l != "" {
		o, err := access.ResolveUser(a.snap, l)
		if err != nil {
			return a.setFlash(flashErr, markFail+" like: "+err.Error())
		}
		for _, g := range a.snap.Users[o].Groups {
			p.Grants = append(p.Grants, access.Change{Grant: true, GroupID: a.snap.Groups[g].ID, Group: access.MembershipLabel(a.snap, int(g))})
		}
	}
	steps := p.Steps()
	body := []string{"Create " + safe(p.User.Email) + ":", ""}
	for i, s := range steps {
		body = append(body, fmt.Sprintf("  %d. %s", i+1, safe(s)))
	}
	if p.User.Manager != "" {
		body = append(body, a.st.Muted.Render("  manager "+safe(p.User.ManagerLabel)))
	}
	a.openDialog(&stepsDialog{
		title: "Create user", yes: "Yes, create", verb: "created", who: p.User.Email, body: body, steps: steps,
		run: func(ctx context.Context, svc *access.Service, report func(access.StepResult)) stepsOutcome {
			res := svc.Create(ctx, p, report)
			return outcomeOf(res.StepsResult)
		},
	})
	return nil
}

// confirmEdit shows each changed field before → after and the PATCH.
func (a *Model) confirmEdit(id string, v userFormValues) tea.Cmd {
	u, ok := a.snap.UserIndex(id)
	if !ok {
		return nil
	}
	want := map[access.Field]string{
		access.FieldGiven: v.given, access.FieldFamily: v.family, access.FieldTitle: v.title,
		access.FieldDepartment: v.department, access.FieldExternalID: v.externalID, access.FieldUserType: v.userType,
	}
	// The manager is shown by label: unchanged when the label still names them.
	usr := &a.snap.Users[u]
	if m := strings.TrimSpace(v.manager); m == "" || !managerIs(a.snap, usr, m) {
		want[access.FieldManager] = m
	}
	e, err := access.PlanEdit(a.snap, u, want)
	if err != nil {
		return a.setFlash(flashErr, markFail+" "+err.Error())
	}
	if e.Empty() {
		return a.setFlash(flashInfo, "nothing changed")
	}
	body := []string{"Change " + safe(e.UserLabel) + " (before → after):", ""}
	for _, c := range e.Changes {
		body = append(body, "  "+safe(c.Describe()))
	}
	body = append(body, "", a.st.Muted.Render(safe(e.Request())),
		a.st.Muted.Render("stops if the user changed on the server since the snapshot"))
	step := fmt.Sprintf("edit %d field(s)", len(e.Changes))
	a.openDialog(&stepsDialog{
		title: "Edit " + safe(e.UserLabel), yes: "Yes, change", verb: "edited", who: e.UserLabel, body: body, steps: []string{step},
		run: func(ctx context.Context, svc *access.Service, report func(access.StepResult)) stepsOutcome {
			res := svc.Edit(ctx, e)
			r := access.StepResult{Name: step, Err: res.Err}
			report(r)
			out := stepsOutcome{steps: []access.StepResult{r}, user: res.User, note: strings.Join(res.Notes, "; ")}
			if res.User == nil && errors.Is(res.Err, access.ErrConflict) {
				out.note = "the user changed on the server: look again and retry"
			}
			return out
		},
	})
	return nil
}

// managerIs reports whether typed names u's current manager.
func managerIs(snap *tenant.Snapshot, u *tenant.User, typed string) bool {
	if u.ManagerID == "" {
		return false
	}
	if strings.EqualFold(typed, u.ManagerID) {
		return true
	}
	i, err := access.ResolveUser(snap, typed)
	return err == nil && snap.Users[i].ID == u.ManagerID
}
