package ui

import (
	"charm.land/bubbles/v2/key"
)

// KeyMap is every key binding of the UI, defined once so that the help
// screen and the hint line are generated from the same source as the
// handlers. Screens pick the subset that applies to them for the hint line.
type KeyMap struct {
	Up, Down, Left, Right key.Binding
	Home, End             key.Binding
	PageUp, PageDown      key.Binding

	Open, Back, Filter key.Binding
	Sort, Reverse      key.Binding

	UsersTab, MatrixTab, GroupsTab key.Binding
	NextTab, PrevTab               key.Binding
	Matrix                         key.Binding

	Toggle, Revoke, Deprovision key.Binding
	Sync, HideEmpty, CopyID     key.Binding

	Help, Quit key.Binding

	// Dialog keys.
	Yes, No, Switch, Choose key.Binding

	// Review and diff screens.
	Review reviewKeyMap
}

// DefaultKeyMap follows terminal-browser habits (k9s, lazygit, less).
func DefaultKeyMap() KeyMap {
	b := func(keys []string, helpKey, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
	}
	return KeyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		Left:     b([]string{"left", "h"}, "←/h", "left"),
		Right:    b([]string{"right", "l"}, "→/l", "right"),
		Home:     b([]string{"home", "g"}, "g/home", "first"),
		End:      b([]string{"end", "G"}, "G/end", "last"),
		PageUp:   b([]string{"pgup", "ctrl+b", "ctrl+u"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+f", "ctrl+d"}, "pgdn", "page down"),

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

		Toggle:      b([]string{"space"}, "space", "grant/revoke"),
		Revoke:      b([]string{"x", "delete"}, "x", "revoke"),
		Deprovision: b([]string{"D"}, "D", "deprovision"),
		Sync:        b([]string{"r"}, "r", "sync"),
		HideEmpty:   b([]string{"z"}, "z", "hide empty"),
		CopyID:      b([]string{"y"}, "y", "copy id"),

		Help: b([]string{"?"}, "?", "help"),
		Quit: b([]string{"q", "ctrl+c"}, "q", "quit"),

		Yes:    b([]string{"y", "Y"}, "y", "yes"),
		No:     b([]string{"n", "N", "esc"}, "n/esc", "no"),
		Switch: b([]string{"tab", "shift+tab", "left", "right", "h", "l"}, "tab/←/→", "switch"),
		Choose: b([]string{"enter"}, "enter", "choose"),

		Review: defaultReviewKeys(),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Filter, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap: the groups shown by the help screen.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right, k.Home, k.End, k.PageUp, k.PageDown},
		{k.Open, k.Back, k.Filter, k.Sort, k.Reverse, k.HideEmpty, k.CopyID},
		{k.UsersTab, k.MatrixTab, k.GroupsTab, k.NextTab},
		{k.Toggle, k.Revoke, k.Deprovision, k.Sync},
		{k.Review.Reviews, k.Review.Changes, k.Review.Keep, k.Review.Revoke, k.Review.Skip, k.Review.Clear, k.Review.Note, k.Review.NextOpen, k.Review.Group, k.Review.Apply},
		{k.Help, k.Quit},
	}
}

// helpSections names FullHelp's groups for the help screen.
var helpSections = []string{"Move", "Browse", "Views", "Change the tenant", "Access review", "General"}

// reviewKeyMap holds the bindings of the review and diff screens.
type reviewKeyMap struct {
	Reviews, Changes           key.Binding // app-wide
	Keep, Revoke, Skip, Clear  key.Binding
	Note, Apply, Group         key.Binding
	NextOpen, PrevOpen, Start  key.Binding
	OpenUser, OpenReview, Save key.Binding
}

func defaultReviewKeys() reviewKeyMap {
	b := func(keys []string, helpKey, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
	}
	return reviewKeyMap{
		Reviews:    b([]string{"R"}, "R", "reviews"),
		Changes:    b([]string{"d"}, "d", "changes"),
		Keep:       b([]string{"a"}, "a", "keep"),
		Revoke:     b([]string{"x"}, "x", "revoke"),
		Skip:       b([]string{"s"}, "s", "skip"),
		Clear:      b([]string{"u"}, "u", "undecide"),
		Note:       b([]string{"n"}, "n", "note"),
		Apply:      b([]string{"A"}, "A", "apply revocations"),
		Group:      b([]string{"o"}, "o", "by user/role"),
		NextOpen:   b([]string{"]"}, "]", "next undecided"),
		PrevOpen:   b([]string{"["}, "[", "previous undecided"),
		Start:      b([]string{"n"}, "n", "new review"),
		OpenUser:   b([]string{"enter"}, "enter", "user"),
		OpenReview: b([]string{"enter"}, "enter", "open"),
		Save:       b([]string{"enter"}, "enter", "save"),
	}
}
