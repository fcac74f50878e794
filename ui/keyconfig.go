package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/otaccess/otaccess/config"
	"github.com/otaccess/otaccess/tenant"
)

// KeySetting is one line of config.toml's [keys]: an action, the keys it
// gets instead of its defaults, and the line (0: unknown) for errors.
type KeySetting struct {
	Action string
	Keys   []string
	Line   int
}

// Action is a binding as [keys] names it. The names are part of the
// config file's format: keep them stable.
type Action struct {
	Name string
	// Where are the help screen's sections the binding is listed under.
	Where   []string
	Binding *Binding
}

// actions names every binding the config file may rebind, in the help
// screen's order. Move and Dialog.Option are left out: they only name the
// arrows in hint lines (after Up, Down, Left and Right).
// TestEveryBindingHasAnAction keeps the list complete.
func (k *KeyMap) actions() []Action {
	r, in, dl, gr := &k.Review, &k.Input, &k.Dialog, &k.Grid
	named := []struct {
		name string
		b    *Binding
	}{
		// Everywhere
		{"users_tab", &k.UsersTab}, {"matrix_tab", &k.MatrixTab}, {"matrix", &k.Matrix},
		{"groups_tab", &k.GroupsTab}, {"next_tab", &k.NextTab}, {"prev_tab", &k.PrevTab}, {"orgs", &k.Orgs},
		{"sync", &k.Sync}, {"reviews", &r.Reviews}, {"changes", &r.Changes}, {"palette", &k.Palette},
		{"back", &k.Back}, {"back_twice", &k.DoubleEsc}, {"help", &k.Help}, {"messages", &k.Messages},
		{"quit", &k.Quit}, {"force_quit", &k.ForceQuit},
		// Move
		{"up", &k.Up}, {"down", &k.Down}, {"left", &k.Left}, {"right", &k.Right},
		{"first", &k.Home}, {"last", &k.End}, {"page_up", &k.PageUp}, {"page_down", &k.PageDown},
		// The lists and matrices
		{"open", &k.Open}, {"filter", &k.Filter}, {"sort", &k.Sort}, {"reverse", &k.Reverse},
		{"deprovision", &k.Deprovision}, {"new_user", &k.NewUser}, {"copy_email", &k.CopyEmail},
		{"copy_id", &k.CopyID}, {"copy_name", &k.CopyName}, {"export", &k.Export}, {"mark", &k.Mark},
		{"batch_grant", &k.BatchGrant}, {"batch_revoke", &k.BatchRevoke},
		{"toggle", &k.Toggle}, {"history", &k.History}, {"logins", &k.Logins},
		{"hide_empty", &k.HideEmpty}, {"edit", &k.Edit}, {"like", &k.Like}, {"activate", &k.Activate},
		{"restore", &k.Restore}, {"export_user", &k.ExportUser}, {"undo", &k.Undo}, {"revoke", &k.Revoke},
		{"with_suborgs", &k.WithSuborgs}, {"compare_with", &r.CompareWith}, {"compare_sections", &k.CompareSections},
		{"columns_left", &gr.PageLeft}, {"columns_right", &gr.PageRight}, {"detail_columns_right", &gr.DetailPageRight},
		{"first_column", &gr.FirstCol}, {"last_column", &gr.LastCol},
		// Reviews
		{"review_open", &r.OpenReview}, {"review_start", &r.Start},
		{"review_keep", &r.Keep}, {"review_revoke", &r.Revoke}, {"review_skip", &r.Skip},
		{"review_undecide", &r.Clear}, {"review_note", &r.Note}, {"review_next_undecided", &r.NextOpen},
		{"review_prev_undecided", &r.PrevOpen}, {"review_group", &r.Group}, {"review_user", &r.OpenUser},
		{"review_apply", &r.Apply},
		// Text inputs
		{"input_keep", &in.Keep}, {"input_clear", &in.Clear}, {"input_move", &in.Move},
		{"input_next_field", &in.NextField}, {"input_prev_field", &in.PrevField}, {"input_submit", &in.Submit},
		{"input_cancel", &in.Cancel}, {"input_save", &in.Save}, {"input_suggest", &in.Suggest},
		{"input_toggle", &in.Toggle}, {"input_complete", &in.Complete},
		// Dialogs
		{"dialog_yes", &dl.Yes}, {"dialog_no", &dl.No}, {"dialog_switch", &dl.Switch},
		{"dialog_choose", &dl.Choose}, {"dialog_next_focus", &dl.NextFocus}, {"dialog_prev_focus", &dl.PrevFocus},
		{"dialog_pick_1", &dl.Pick[0]}, {"dialog_pick_2", &dl.Pick[1]}, {"dialog_pick_3", &dl.Pick[2]},
		{"dialog_stop", &dl.Stop}, {"dialog_close", &dl.Close},
	}
	secs := k.helpSections()
	out := make([]Action, len(named))
	for i, n := range named {
		out[i] = Action{Name: n.name, Binding: n.b}
		for _, s := range secs {
			if slices.Contains(s.binds, n.b) {
				out[i].Where = append(out[i].Where, s.where)
			}
		}
	}
	return out
}

// Actions lists every action [keys] may rebind, with its current binding
// (otaccess config keys prints them).
func (k KeyMap) Actions() []Action {
	acts := k.actions()
	for i := range acts {
		b := *acts[i].Binding
		acts[i].Binding = &b
	}
	return acts
}

// typedWhere is the section whose keys reach a focused text input, where
// a printable key would be typed instead.
const typedWhere = "Filter line and forms"

// Rebind returns k with the settings' keys in place of the defaults. Every
// mistake is reported (joined), each with its line: an unknown action or
// key name, an action given twice, or a key that another action of the
// same screen already has.
func (k KeyMap) Rebind(settings []KeySetting) (KeyMap, error) {
	defaults := k
	out := k
	acts := out.actions()
	byName := map[string]Action{}
	names := make([]string, len(acts))
	for i, a := range acts {
		byName[a.Name] = a
		names[i] = a.Name
	}
	var errs []error
	fail := func(s KeySetting, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s[keys] %s: %s", config.AtLine(s.Line), s.Action, fmt.Sprintf(format, args...)))
	}
	rebound := map[*Binding]KeySetting{}
	for _, s := range settings {
		act, ok := byName[s.Action]
		if !ok {
			msg := "no such action"
			if near := tenant.Closest(s.Action, names, 2); len(near) > 0 {
				msg += "; closest: " + strings.Join(near, ", ")
			}
			fail(s, "%s (otaccess config keys lists them all)", msg)
			continue
		}
		if prev, dup := rebound[act.Binding]; dup {
			fail(s, "given twice (also %sabove)", config.AtLine(prev.Line))
			continue
		}
		if len(s.Keys) == 0 {
			fail(s, "no keys given: give one or more, e.g. %s = %q", s.Action, act.Binding.Keys()[0])
			continue
		}
		var keys []string
		bad := false
		for _, raw := range s.Keys {
			kn, err := normalizeKey(raw)
			if err != nil {
				fail(s, "%v", err)
				bad = true
				break
			}
			if slices.Contains(act.Where, typedWhere) && utf8.RuneCountInString(kn) == 1 {
				fail(s, "%q would be typed into the text field: use a named key (enter, tab, esc, …) or ctrl+/alt+", kn)
				bad = true
				break
			}
			if !slices.Contains(keys, kn) {
				keys = append(keys, kn)
			}
		}
		if bad {
			continue
		}
		act.Binding.SetKeys(keys...)
		act.Binding.SetHelp(helpLabel(keys), act.Binding.Help().Desc)
		rebound[act.Binding] = s
	}
	if len(errs) == 0 {
		errs = append(errs, out.collisions(&defaults, rebound)...)
	}
	if len(errs) > 0 {
		return k, errors.Join(errs...)
	}
	out.deriveMoveNames()
	return out, nil
}

// global are the help sections whose keys work on every screen.
var global = []string{"Everywhere", "Move"}

// collisions finds a rebound action sharing a key with another action of
// a screen where both work. Pairs whose defaults already share a key are
// made to (d opens Changes and, on it, picks the baseline; ctrl+c quits
// either way; the dialogs' keys belong to different dialogs), so only
// keys that newly meet are reported.
func (k *KeyMap) collisions(defaults *KeyMap, rebound map[*Binding]KeySetting) []error {
	acts, defActs := k.actions(), defaults.actions()
	def := map[*Binding]*Binding{}
	name := map[*Binding]string{}
	for i, a := range acts {
		def[a.Binding] = defActs[i].Binding
		name[a.Binding] = a.Name
	}
	// Each screen's keys are its own and the global ones; a text input
	// and a dialog get the keys before the app does.
	secs := k.helpSections()
	var everywhere []*Binding
	for _, s := range secs {
		if slices.Contains(global, s.where) {
			everywhere = append(everywhere, s.binds...)
		}
	}
	type context struct {
		where string
		binds []*Binding
	}
	contexts := []context{{"every screen", everywhere}}
	for _, s := range secs {
		switch {
		case slices.Contains(global, s.where):
		case s.where == typedWhere || s.where == "Dialogs":
			contexts = append(contexts, context{"the " + s.where, s.binds})
		default:
			contexts = append(contexts, context{"the " + s.where + " screen", append(slices.Clone(s.binds), everywhere...)})
		}
	}
	designed := func(a, b *Binding) bool {
		return slices.ContainsFunc(def[a].Keys(), func(x string) bool { return slices.Contains(def[b].Keys(), x) })
	}
	var errs []error
	reported := map[string]bool{}
	for _, ctx := range contexts {
		for _, a := range ctx.binds {
			s, ok := rebound[a]
			if !ok {
				continue
			}
			for _, b := range ctx.binds {
				if a == b || name[b] == "" || designed(a, b) {
					continue
				}
				for _, x := range a.Keys() {
					pair := min(name[a], name[b]) + "|" + max(name[a], name[b])
					if !slices.Contains(b.Keys(), x) || reported[pair] {
						continue
					}
					reported[pair] = true
					other := name[b]
					if bs, ok := rebound[b]; ok && bs.Line > 0 {
						other += fmt.Sprintf(" (line %d)", bs.Line)
					}
					errs = append(errs, fmt.Errorf("%s[keys] %s: %q is also %s on %s; give one of them another key",
						config.AtLine(s.Line), s.Action, x, other, ctx.where))
				}
			}
		}
	}
	return errs
}

// deriveMoveNames renames the arrow hints (Move, Dialog.Option) after
// Up, Down, Left and Right, which may have been rebound.
func (k *KeyMap) deriveMoveNames() {
	first := func(b Binding) string { return helpLabel(b.Keys()[:1]) }
	k.Move.SetKeys(k.Left.Keys()[0], k.Up.Keys()[0], k.Down.Keys()[0], k.Right.Keys()[0])
	k.Move.SetHelp(first(k.Left)+first(k.Up)+first(k.Down)+first(k.Right), k.Move.Help().Desc)
	k.Dialog.Option.SetKeys(k.Up.Keys()[0], k.Down.Keys()[0])
	k.Dialog.Option.SetHelp(first(k.Up)+"/"+first(k.Down), k.Dialog.Option.Help().Desc)
}

// keyGlyphs are how hints name keys shorter than Bubble Tea does.
var keyGlyphs = map[string]string{
	"up": "↑", "down": "↓", "left": "←", "right": "→",
	"shift+left": "⇧←", "shift+right": "⇧→", "pgdown": "pgdn",
}

// helpLabel names keys in a hint: "ctrl+p/↑".
func helpLabel(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k
		if g, ok := keyGlyphs[k]; ok {
			out[i] = g
		}
	}
	return strings.Join(out, "/")
}

// namedKeys are the key names Bubble Tea gives a key press (and some
// spellings people write for them).
var namedKeys = map[string]string{
	"enter": "enter", "return": "enter", "tab": "tab", "backspace": "backspace",
	"esc": "esc", "escape": "esc", "space": "space", "up": "up", "down": "down",
	"left": "left", "right": "right", "insert": "insert", "delete": "delete", "del": "delete",
	"home": "home", "end": "end", "pgup": "pgup", "pageup": "pgup", "pgdown": "pgdown",
	"pgdn": "pgdown", "pagedown": "pgdown",
}

// modifierOrder is the order Bubble Tea writes modifiers in.
var modifierOrder = []string{"ctrl", "alt", "shift", "meta", "hyper", "super"}

const keyNameHelp = `a single character ("/", "D") or a name (enter, esc, tab, space, backspace, delete, insert, ` +
	`home, end, pgup, pgdown, up, down, left, right, f1-f24), optionally after ctrl+, alt+ or shift+`

// normalizeKey turns a key as written in the config file into the name
// Bubble Tea gives its press ("Ctrl+C" → "ctrl+c", "escape" → "esc"),
// or says why it names no key.
func normalizeKey(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf(`"" is no key: use %s`, keyNameHelp)
	}
	if raw == " " {
		return "space", nil
	}
	if raw == "+" {
		return "+", nil
	}
	parts := strings.Split(raw, "+")
	if strings.HasSuffix(raw, "++") { // ctrl++
		parts = append(parts[:len(parts)-2], "+")
	}
	base := parts[len(parts)-1]
	mods := map[string]bool{}
	for _, m := range parts[:len(parts)-1] {
		lm := strings.ToLower(strings.TrimSpace(m))
		if !slices.Contains(modifierOrder, lm) {
			return "", fmt.Errorf("%q: %q is no modifier (ctrl, alt, shift, meta, hyper, super)", raw, m)
		}
		mods[lm] = true
	}
	var name string
	switch {
	case utf8.RuneCountInString(base) == 1:
		r, _ := utf8.DecodeRuneInString(base)
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return "", fmt.Errorf("%q is no key: use %s", raw, keyNameHelp)
		}
		name = base
		if len(mods) > 0 {
			// With a modifier a letter arrives as its key, lower case
			// ("Ctrl+D" is ctrl+d); shift is written as its own modifier.
			name = strings.ToLower(base)
		}
	case namedKeys[strings.ToLower(base)] != "":
		name = namedKeys[strings.ToLower(base)]
	case isFunctionKey(strings.ToLower(base)):
		name = strings.ToLower(base)
	default:
		return "", fmt.Errorf("%q is no key: use %s", raw, keyNameHelp)
	}
	var b strings.Builder
	for _, m := range modifierOrder {
		if mods[m] {
			b.WriteString(m + "+")
		}
	}
	return b.String() + name, nil
}

func isFunctionKey(s string) bool {
	var n int
	if _, err := fmt.Sscanf(s, "f%d", &n); err != nil || fmt.Sprintf("f%d", n) != s {
		return false
	}
	return n >= 1 && n <= 24
}
