package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// Need is what a binding needs to do its work. The hint line and the help
// screen mark a binding whose need is unmet, saying why (as lazygit's
// bindings carry their own disabled reason).
type Need int

const (
	// NeedNothing: browsing works on any snapshot.
	NeedNothing Need = iota
	// NeedCache: reviews and decisions live in the cache; they work offline.
	NeedCache
	// NeedTenant: writes and syncs need a connection to the tenant.
	NeedTenant
)

// Binding is a key binding and what it needs.
type Binding struct {
	key.Binding
	Needs Need
}

// matches reports whether msg is one of the bindings' keys. Every handler
// matches keys through it, so every key comes from the KeyMap.
func matches(msg tea.KeyPressMsg, bs ...Binding) bool {
	for _, b := range bs {
		if key.Matches(msg, b.Binding) {
			return true
		}
	}
	return false
}

// keyName is how text names a binding's key: "press " + keyName(b).
func keyName(b Binding) string { return b.Help().Key }

// KeyMap is every key binding of the UI, defined once so that the help
// screen and the hint line are generated from the same source as the
// handlers. Screens pick the subset that applies to them for the hint line.
type KeyMap struct {
	Up, Down, Left, Right Binding
	Home, End             Binding
	PageUp, PageDown      Binding
	// Move names the arrows in hint lines of the grids.
	Move Binding

	Open, Back, Filter Binding
	Sort, Reverse      Binding

	UsersTab, MatrixTab, GroupsTab Binding
	NextTab, PrevTab               Binding
	Matrix                         Binding

	Toggle, Revoke, Deprovision Binding
	Sync, HideEmpty, CopyID     Binding
	// CopyEmail copies a user's email, CopyName a group's name.
	CopyEmail, CopyName Binding
	// History reads who granted the membership under the cursor, from
	// OneTrust's audit trail (user detail).
	History Binding
	// Logins reads the user's recent login attempts (user detail).
	Logins Binding
	// Orgs opens OneTrust's organization tree (from any screen).
	Orgs Binding
	// WithSuborgs lists an organization's members with its suborgs' (org tree).
	WithSuborgs Binding

	// Onboarding: create a user (Users), edit, activate, restore a
	// deprovisioning, grant like another user (user detail), and undo a
	// deprovisioning from its result.
	NewUser, Edit, Activate, Restore, Like, Undo Binding

	Help, Quit Binding
	// Messages opens the log of every flash of the session.
	Messages Binding
	// Palette opens the `:` command line (palette.go).
	Palette Binding
	// Export writes the view to a CSV or JSON file (export.go); on the
	// user detail, where e edits, ExportUser does.
	Export, ExportUser Binding
	// Mark marks users on the lists; with marks, BatchGrant and
	// BatchRevoke change one role x organization of them all (marks.go).
	Mark, BatchGrant, BatchRevoke Binding
	// ForceQuit quits from anywhere, even a focused text input.
	ForceQuit Binding
	// DoubleEsc is two quick escapes, which terminals send as one key.
	DoubleEsc Binding

	// Grid: sideways paging in the user detail and tenant matrix.
	Grid gridKeyMap
	// Text inputs: the filter line and the forms.
	Input inputKeyMap
	// Dialog keys.
	Dialog dialogKeyMap
	// Review and diff screens.
	Review reviewKeyMap
	// CompareSections switch the comparison's sections (compare.go): its
	// first key the first section, and so on.
	CompareSections Binding
}

// gridKeyMap holds the keys that move a matrix sideways by pages. They
// work only on the matrix screens (user detail, tenant matrix): elsewhere
// the same letters may mean something else.
type gridKeyMap struct {
	PageLeft, PageRight Binding
	FirstCol, LastCol   Binding
	// DetailPageRight pages right on the user detail, where L grants
	// like another user: shift+→ only.
	DetailPageRight Binding
}

// inputKeyMap holds the keys of a focused text input.
type inputKeyMap struct {
	Keep, Clear Binding // the filter line: keep the query, clear it
	// Move: the keys that still move a list's cursor while its filter has
	// the focus (letters are typed, not moves).
	Move                 Binding
	NextField, PrevField Binding // a form's fields
	Submit, Cancel       Binding
	Save                 Binding // a note
	// Suggest accepts a form field's suggestion (a manager's email).
	Suggest Binding
	// Toggle flips a form's yes/no field.
	Toggle Binding
	// Complete completes the command palette's word or name.
	Complete Binding
}

// dialogKeyMap holds the keys of the modal dialogs.
type dialogKeyMap struct {
	Yes, No, Switch, Choose Binding
	// Focus moves between a dialog's areas (options, input, buttons).
	NextFocus, PrevFocus Binding
	// Option names the arrows that choose an option; Pick chooses by number.
	Option Binding
	Pick   [3]Binding
	Stop   Binding // stops a run in progress
	Close  Binding // closes a finished dialog
}

// reviewKeyMap holds the bindings of the review and diff screens.
type reviewKeyMap struct {
	Reviews, Changes          Binding // app-wide
	Keep, Revoke, Skip, Clear Binding
	Note, Apply, Group        Binding
	NextOpen, PrevOpen, Start Binding
	OpenUser, OpenReview      Binding
	CompareWith               Binding // the Changes screen: pick the baseline
}

// bind makes a binding: its keys, how help names them, what it does.
func bind(keys []string, helpKey, desc string) Binding {
	return Binding{Binding: key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))}
}

// needs returns b marked as needing n.
func (b Binding) needs(n Need) Binding {
	b.Needs = n
	return b
}

// DefaultKeyMap follows terminal-browser habits (k9s, lazygit, less).
func DefaultKeyMap() KeyMap {
	b := bind
	return KeyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		Left:     b([]string{"left", "h"}, "←/h", "left"),
		Right:    b([]string{"right", "l"}, "→/l", "right"),
		Home:     b([]string{"home", "g"}, "g/home", "first"),
		End:      b([]string{"end", "G"}, "G/end", "last"),
		PageUp:   b([]string{"pgup", "ctrl+b", "ctrl+u"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+f", "ctrl+d"}, "pgdn", "page down"),
		Move:     b([]string{"up", "down", "left", "right"}, "←↑↓→", "move"),

		Open:    b([]string{"enter"}, "enter", "open"),
		Back:    b([]string{"esc"}, "esc", "back"),
		Filter:  b([]string{"/"}, "/", "filter"),
		Sort:    b([]string{"s"}, "s", "sort"),
		Reverse: b([]string{"S"}, "S", "reverse"),

		UsersTab:  b([]string{"1"}, "1", "users"),
		MatrixTab: b([]string{"2"}, "2", "matrix"),
		GroupsTab: b([]string{"3"}, "3", "groups"),
		NextTab:   b([]string{"tab"}, "tab", "next view"),
		PrevTab:   b([]string{"shift+tab"}, "shift+tab", "previous view"),
		Matrix:    b([]string{"m"}, "m", "matrix"),

		Toggle:      b([]string{"space"}, "space", "grant/revoke").needs(NeedTenant),
		Revoke:      b([]string{"x", "delete"}, "x", "revoke now").needs(NeedTenant),
		Deprovision: b([]string{"D"}, "D", "deprovision").needs(NeedTenant),
		Sync:        b([]string{"r"}, "r", "sync").needs(NeedTenant),
		HideEmpty:   b([]string{"z"}, "z", "hide empty"),
		CopyID:      b([]string{"Y"}, "Y", "copy id"),
		CopyEmail:   b([]string{"y"}, "y", "copy email"),
		CopyName:    b([]string{"y"}, "y", "copy name"),
		History:     b([]string{"w"}, "w", "who granted it").needs(NeedTenant),
		Logins:      b([]string{"i"}, "i", "login history").needs(NeedTenant),
		Orgs:        b([]string{"O"}, "O", "org tree"),
		WithSuborgs: b([]string{"a"}, "a", "members with suborgs"),

		NewUser:  b([]string{"n"}, "n", "new user").needs(NeedTenant),
		Edit:     b([]string{"e"}, "e", "edit").needs(NeedTenant),
		Activate: b([]string{"a"}, "a", "activate").needs(NeedTenant),
		Restore:  b([]string{"u"}, "u", "restore access").needs(NeedTenant),
		Like:     b([]string{"L"}, "L", "grant like…").needs(NeedTenant),
		Undo:     b([]string{"u"}, "u", "undo (restore)").needs(NeedTenant),

		Help:        b([]string{"?"}, "?", "help"),
		Messages:    b([]string{"!"}, "!", "messages"),
		Palette:     b([]string{":"}, ":", "go to (:user ana, :org Legal)"),
		Export:      b([]string{"e"}, "e", "export CSV/JSON"),
		ExportUser:  b([]string{"E"}, "E", "export CSV/JSON"),
		Mark:        b([]string{"v"}, "v", "mark"),
		BatchGrant:  b([]string{"+"}, "+", "grant the marked a role").needs(NeedTenant),
		BatchRevoke: b([]string{"-"}, "-", "revoke it from the marked").needs(NeedTenant),
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
		ForceQuit:   b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		DoubleEsc:   b([]string{"alt+esc"}, "esc esc", "back twice"),

		Grid: gridKeyMap{
			PageLeft:  b([]string{"H", "shift+left"}, "H/⇧←", "columns left"),
			PageRight: b([]string{"L", "shift+right"}, "L/⇧→", "columns right"),
			FirstCol:  b([]string{"0"}, "0", "first column"),
			LastCol:   b([]string{"$"}, "$", "last column"),

			DetailPageRight: b([]string{"shift+right"}, "⇧→", "columns right"),
		},
		Input: inputKeyMap{
			Keep:      b([]string{"enter"}, "enter", "keep filter"),
			Clear:     b([]string{"esc"}, "esc", "clear"),
			Move:      b([]string{"up", "down", "pgup", "pgdown"}, "↑/↓", "move"),
			NextField: b([]string{"tab", "down"}, "tab", "next field"),
			PrevField: b([]string{"shift+tab", "up"}, "shift+tab", "previous field"),
			Submit:    b([]string{"enter"}, "enter", "start"),
			Cancel:    b([]string{"esc"}, "esc", "cancel"),
			Save:      b([]string{"enter"}, "enter", "save"),
			Suggest:   b([]string{"ctrl+e"}, "ctrl+e", "take the suggestion"),
			Toggle:    b([]string{"left", "right", "space"}, "←/→", "yes/no"),
			Complete:  b([]string{"tab"}, "tab", "complete"),
		},
		Dialog: dialogKeyMap{
			Yes:       b([]string{"y", "Y"}, "y", "yes"),
			No:        b([]string{"n", "N", "esc"}, "n/esc", "no"),
			Switch:    b([]string{"tab", "shift+tab", "left", "right", "h", "l"}, "tab/←/→", "switch"),
			Choose:    b([]string{"enter"}, "enter", "choose"),
			NextFocus: b([]string{"tab"}, "tab", "next field"),
			PrevFocus: b([]string{"shift+tab"}, "shift+tab", "previous field"),
			Option:    b([]string{"up", "down"}, "↑/↓", "option"),
			Pick: [3]Binding{
				b([]string{"1"}, "1", "first option"),
				b([]string{"2"}, "2", "second option"),
				b([]string{"3"}, "3", "third option"),
			},
			Stop:  b([]string{"esc"}, "esc", "stop"),
			Close: b([]string{"enter", "esc", "n", "N", "q"}, "enter/esc", "close"),
		},
		Review:          defaultReviewKeys(),
		CompareSections: b([]string{"1", "2", "3"}, "1-3", "section"),
	}
}

func defaultReviewKeys() reviewKeyMap {
	b := bind
	return reviewKeyMap{
		Reviews:    b([]string{"R"}, "R", "reviews").needs(NeedCache),
		Changes:    b([]string{"d"}, "d", "changes").needs(NeedCache),
		Keep:       b([]string{"a"}, "a", "decide keep").needs(NeedCache),
		Revoke:     b([]string{"x"}, "x", "decide revoke").needs(NeedCache),
		Skip:       b([]string{"s"}, "s", "decide skip").needs(NeedCache),
		Clear:      b([]string{"u"}, "u", "undecide").needs(NeedCache),
		Note:       b([]string{"n"}, "n", "note").needs(NeedCache),
		Apply:      b([]string{"A"}, "A", "apply revocations").needs(NeedTenant),
		Group:      b([]string{"o"}, "o", "by user/role"),
		NextOpen:   b([]string{"]"}, "]", "next undecided"),
		PrevOpen:   b([]string{"["}, "[", "previous undecided"),
		Start:      b([]string{"n"}, "n", "new review").needs(NeedCache),
		OpenUser:   b([]string{"enter"}, "enter", "user"),
		OpenReview: b([]string{"enter"}, "enter", "open"),
		// d again on the Changes screen: another stored snapshot as the baseline.
		CompareWith: b([]string{"d"}, "d", "compare with…").needs(NeedCache),
	}
}

// helpGroup is a section of the help screen: where its keys work, and them.
type helpGroup struct {
	where string
	binds []Binding
}

// helpSection is a help section's bindings by address, so that rebinding
// (keyconfig.go) knows which actions share a screen.
type helpSection struct {
	where string
	binds []*Binding
}

// helpGroups are the help screen's sections, one per screen (or area), so
// that a key meaning different things in different places says where.
func (k KeyMap) helpGroups() []helpGroup {
	secs := k.helpSections()
	out := make([]helpGroup, len(secs))
	for i, s := range secs {
		out[i].where = s.where
		for _, b := range s.binds {
			out[i].binds = append(out[i].binds, *b)
		}
	}
	return out
}

// helpSections lists the sections' bindings in k itself.
// TestHelpListsEveryKey keeps it complete.
func (k *KeyMap) helpSections() []helpSection {
	r, in, dl, gr := &k.Review, &k.Input, &k.Dialog, &k.Grid
	return []helpSection{
		{"Everywhere", []*Binding{&k.UsersTab, &k.MatrixTab, &k.Matrix, &k.GroupsTab, &k.NextTab, &k.PrevTab,
			&k.Orgs, &k.Sync, &r.Reviews, &r.Changes, &k.Palette, &k.Back, &k.DoubleEsc, &k.Help, &k.Messages, &k.Quit, &k.ForceQuit}},
		{"Move", []*Binding{&k.Up, &k.Down, &k.Left, &k.Right, &k.Move, &k.Home, &k.End, &k.PageUp, &k.PageDown}},
		{"Users", []*Binding{&k.Open, &k.Filter, &k.Sort, &k.Reverse, &k.Deprovision, &k.NewUser, &k.CopyEmail, &k.CopyID, &k.Export, &k.Mark, &k.BatchGrant, &k.BatchRevoke}},
		{"User detail", []*Binding{&k.Toggle, &k.History, &k.Logins, &k.HideEmpty, &k.CopyEmail, &k.CopyID, &k.Deprovision, &k.Edit, &k.Like, &k.Activate, &k.Restore,
			&gr.PageLeft, &gr.DetailPageRight, &gr.FirstCol, &gr.LastCol, &k.ExportUser}},
		{"Deprovision result", []*Binding{&k.Undo}},
		{"Tenant matrix", []*Binding{&k.Open, &k.Sort, &k.HideEmpty, &gr.PageLeft, &gr.PageRight, &gr.FirstCol, &gr.LastCol, &k.Export}},
		{"Members of a group", []*Binding{&k.Open, &k.Revoke, &k.Filter, &k.Deprovision, &k.CopyEmail, &k.CopyID, &k.Export, &k.Mark}},
		{"Org tree", []*Binding{&k.Open, &k.WithSuborgs}},
		{"Groups", []*Binding{&k.Open, &k.Filter, &k.Sort, &k.Reverse, &k.CopyName, &k.CopyID}},
		{"Changes", []*Binding{&k.Open, &r.CompareWith}},
		{"Compare", []*Binding{&k.CompareSections, &k.Filter, &k.Export}},
		{"Reviews list", []*Binding{&r.OpenReview, &r.Start}},
		{"Review", []*Binding{&r.Keep, &r.Revoke, &r.Skip, &r.Clear, &r.Note, &r.NextOpen, &r.PrevOpen, &r.Group,
			&r.OpenUser, &r.Apply, &k.Export}},
		{"Filter line and forms", []*Binding{&in.Keep, &in.Clear, &in.Move, &in.NextField, &in.PrevField, &in.Submit,
			&in.Cancel, &in.Save, &in.Suggest, &in.Toggle, &in.Complete}},
		{"Dialogs", []*Binding{&dl.Yes, &dl.No, &dl.Switch, &dl.Choose, &dl.NextFocus, &dl.PrevFocus, &dl.Option,
			&dl.Pick[0], &dl.Pick[1], &dl.Pick[2], &dl.Stop, &dl.Close}},
	}
}

// sharedKey is a key that means different things in different sections
// of the help, and each meaning with where it applies: "sort" in Users,
// Tenant matrix, Groups.
type sharedKey struct {
	name string
	uses []keyUse
}

// keyUse is one meaning of a shared key and the help sections it has it in.
type keyUse struct {
	desc  string
	where []string
}

func (u keyUse) String() string { return u.desc + " (" + strings.Join(u.where, ", ") + ")" }

// sharedKeys finds the keys whose meaning depends on the screen.
func (k KeyMap) sharedKeys() []sharedKey {
	uses := map[string][]keyUse{}
	var order []string
	for _, g := range k.helpGroups() {
		for _, b := range g.binds {
			for _, name := range b.Keys() {
				if len(name) != 1 {
					continue // letters and signs; named keys (enter, esc) are generic
				}
				us := uses[name]
				if len(us) == 0 {
					order = append(order, name)
				}
				found := false
				for i := range us {
					if us[i].desc == b.Help().Desc {
						us[i].where = append(us[i].where, g.where)
						found = true
					}
				}
				if !found {
					us = append(us, keyUse{b.Help().Desc, []string{g.where}})
				}
				uses[name] = us
			}
		}
	}
	// Two meanings in one section only are that screen's own business.
	inSeveral := func(us []keyUse) bool {
		for _, u := range us[1:] {
			if !slices.Equal(u.where, us[0].where) {
				return true
			}
		}
		return false
	}
	var out []sharedKey
	for _, name := range order {
		if us := uses[name]; len(us) >= 2 && inSeveral(us) {
			out = append(out, sharedKey{name: name, uses: us})
		}
	}
	return out
}

// disabledReason says why b cannot work now, or "" when it can.
func (a *Model) disabledReason(b Binding) string {
	switch {
	case b.Needs == NeedTenant && a.readOnly():
		return "offline"
	case b.Needs == NeedCache && a.svc == nil:
		return "no cache"
	}
	return ""
}

// markDisabled appends each disabled binding's reason to its description.
func (a *Model) markDisabled(bs []Binding) []Binding {
	out := make([]Binding, len(bs))
	for i, b := range bs {
		out[i] = b
		if why := a.disabledReason(b); why != "" {
			h := b.Help()
			out[i].SetHelp(h.Key, h.Desc+" ("+why+")")
		}
	}
	return out
}

// formKeyMap is huh's key map for the create and edit forms, made from
// the KeyMap's input bindings, so that the forms move, submit and cancel
// with the keys the help screen lists.
func (k KeyMap) formKeyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	in := k.Input
	km.Quit = in.Cancel.Binding
	km.Input = huh.InputKeyMap{
		AcceptSuggestion: in.Suggest.Binding,
		Next:             in.NextField.Binding,
		Prev:             in.PrevField.Binding,
		Submit:           in.Submit.Binding,
	}
	km.Confirm = huh.ConfirmKeyMap{
		Next:   in.NextField.Binding,
		Prev:   in.PrevField.Binding,
		Toggle: in.Toggle.Binding,
		Submit: in.Submit.Binding,
		Accept: k.Dialog.Yes.Binding,
		Reject: k.Dialog.No.Binding,
	}
	return km
}
