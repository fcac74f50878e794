package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
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

// helpBindings converts bindings for bubbles/help.
func helpBindings(bs []Binding) []key.Binding {
	out := make([]key.Binding, len(bs))
	for i, b := range bs {
		out[i] = b.Binding
	}
	return out
}

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

	Help, Quit Binding
	// Messages opens the log of every flash of the session.
	Messages Binding
	// ForceQuit quits from anywhere, even a focused text input.
	ForceQuit Binding
	// DoubleEsc is two quick escapes, which terminals send as one key.
	DoubleEsc Binding

	// Text inputs: the filter line and the forms.
	Input inputKeyMap
	// Dialog keys.
	Dialog dialogKeyMap
	// Review and diff screens.
	Review reviewKeyMap
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
		MatrixTab: b([]string{"2"}, "2/m", "matrix"),
		GroupsTab: b([]string{"3"}, "3", "groups"),
		NextTab:   b([]string{"tab"}, "tab", "next view"),
		PrevTab:   b([]string{"shift+tab"}, "shift+tab", "previous view"),
		Matrix:    b([]string{"m"}, "m", "matrix"),

		Toggle:      b([]string{"space"}, "space", "grant/revoke").needs(NeedTenant),
		Revoke:      b([]string{"x", "delete"}, "x", "revoke").needs(NeedTenant),
		Deprovision: b([]string{"D"}, "D", "deprovision").needs(NeedTenant),
		Sync:        b([]string{"r"}, "r", "sync").needs(NeedTenant),
		HideEmpty:   b([]string{"z"}, "z", "hide empty"),
		CopyID:      b([]string{"y"}, "y", "copy id"),

		Help:      b([]string{"?"}, "?", "help"),
		Messages:  b([]string{"!"}, "!", "messages"),
		Quit:      b([]string{"q", "ctrl+c"}, "q", "quit"),
		ForceQuit: b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		DoubleEsc: b([]string{"alt+esc"}, "esc esc", "back twice"),

		Input: inputKeyMap{
			Keep:      b([]string{"enter"}, "enter", "keep filter"),
			Clear:     b([]string{"esc"}, "esc", "clear"),
			Move:      b([]string{"up", "down", "pgup", "pgdown"}, "↑/↓", "move"),
			NextField: b([]string{"tab", "down"}, "tab", "next field"),
			PrevField: b([]string{"shift+tab", "up"}, "shift+tab", "previous field"),
			Submit:    b([]string{"enter"}, "enter", "start"),
			Cancel:    b([]string{"esc"}, "esc", "cancel"),
			Save:      b([]string{"enter"}, "enter", "save"),
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
		Review: defaultReviewKeys(),
	}
}

func defaultReviewKeys() reviewKeyMap {
	b := bind
	return reviewKeyMap{
		Reviews:    b([]string{"R"}, "R", "reviews").needs(NeedCache),
		Changes:    b([]string{"d"}, "d", "changes").needs(NeedCache),
		Keep:       b([]string{"a"}, "a", "keep").needs(NeedCache),
		Revoke:     b([]string{"x"}, "x", "revoke").needs(NeedCache),
		Skip:       b([]string{"s"}, "s", "skip").needs(NeedCache),
		Clear:      b([]string{"u"}, "u", "undecide").needs(NeedCache),
		Note:       b([]string{"n"}, "n", "note").needs(NeedCache),
		Apply:      b([]string{"A"}, "A", "apply revocations").needs(NeedTenant),
		Group:      b([]string{"o"}, "o", "by user/role"),
		NextOpen:   b([]string{"]"}, "]", "next undecided"),
		PrevOpen:   b([]string{"["}, "[", "previous undecided"),
		Start:      b([]string{"n"}, "n", "new review").needs(NeedCache),
		OpenUser:   b([]string{"enter"}, "enter", "user"),
		OpenReview: b([]string{"enter"}, "enter", "open"),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return helpBindings([]Binding{k.Open, k.Filter, k.Help, k.Quit})
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range k.helpGroups() {
		out = append(out, helpBindings(g))
	}
	return out
}

// helpGroups are the groups shown by the help screen, named by helpSections.
func (k KeyMap) helpGroups() [][]Binding {
	r := k.Review
	return [][]Binding{
		{k.Up, k.Down, k.Left, k.Right, k.Home, k.End, k.PageUp, k.PageDown},
		{k.Open, k.Back, k.Filter, k.Sort, k.Reverse, k.HideEmpty, k.CopyID},
		{k.UsersTab, k.MatrixTab, k.GroupsTab, k.NextTab},
		{k.Toggle, k.Revoke, k.Deprovision, k.Sync},
		{r.Reviews, r.Changes, r.Keep, r.Revoke, r.Skip, r.Clear, r.Note, r.NextOpen, r.Group, r.Apply},
		{k.Help, k.Messages, k.Quit},
	}
}

// helpSections names helpGroups for the help screen.
var helpSections = []string{"Move", "Browse", "Views", "Change the tenant", "Access review", "General"}

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
