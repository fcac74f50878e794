package ui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/client/scimtest"
)

// At 80x24 the main actions of each screen fit, and "? more" says the rest
// exists.
func TestMainHintsFitAt80(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 80, 24)
	d.contains("enter open", "/ filter", "D deprovision", "n new user", "? more")
	d.openUser(tn.snap.Users[0].Email)
	d.contains("space grant/revoke", "D deprovision", "esc back", "? more")
	d.key("2")
	d.contains("enter open", "←↑↓→ move", "? more")
	d.m.width = 200
	d.contains("? help") // everything fits: no "more"
	d.lacks("? more")
}

// Every binding of the KeyMap is on the help screen, and keys that mean
// different things say where.
func TestHelpListsEveryKey(t *testing.T) {
	km := DefaultKeyMap()
	listed := map[string]bool{}
	for _, g := range km.helpGroups() {
		for _, b := range g.binds {
			listed[b.Help().Key+" "+b.Help().Desc] = true
		}
	}
	eachBinding(&km, func(path string, b *Binding) {
		if !listed[b.Help().Key+" "+b.Help().Desc] {
			t.Errorf("%s (%s %s) is not on the help screen", path, b.Help().Key, b.Help().Desc)
		}
	})

	shared := map[string][]string{}
	for _, sk := range km.sharedKeys() {
		for _, u := range sk.uses {
			shared[sk.name] = append(shared[sk.name], u.String())
		}
	}
	for name, want := range map[string][]string{
		"x": {"revoke now (Members of a group)", "decide revoke (Review)"},
		"s": {"sort (Users, Tenant matrix, Groups)", "decide skip (Review)"},
		"n": {"new review (Reviews list)", "note (Review)", "no (Dialogs)"},
	} {
		got := map[string]bool{}
		for _, u := range shared[name] {
			got[u] = true
		}
		for _, w := range want {
			if !got[w] {
				t.Errorf("%s: %v lacks %q", name, shared[name], w)
			}
		}
	}
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 200, 50)
	d.key("?")
	d.contains("User detail", "Review", "One key, several meanings", "previous undecided")
}

// The shared keys are a table at 200 columns: each meaning under the
// key's first, the screens in a column of their own (it was "key desc
// (where)" run together, the continuation lines shifted by the key), and
// no description says where else it works in words ("mark (also
// Members)": the help lists it under each screen, the hint line showed it).
func TestHelpSharedKeysTable(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	d := tn.model(t, 200, 50)
	d.key("?")
	lines := strings.Split(d.screen(), "\n")
	// at finds text in the shared table, the last column: line and cell.
	tableCol := -1
	at := func(text string) (line, col int) {
		for i, l := range lines {
			for k := 0; ; k++ {
				n := strings.Index(l[k:], text)
				if n < 0 {
					break
				}
				k += n
				if c := ansi.StringWidth(l[:k]); c >= tableCol {
					return i, c
				}
			}
		}
		t.Fatalf("help lacks %q right of column %d:\n%s", text, tableCol, d.screen())
		return 0, 0
	}
	_, tableCol = at("One key, several meanings")
	where := func(line, col int, text string) int {
		l := ansi.Strip(lines[line])
		for k := 0; k < len(l); k++ {
			if strings.HasPrefix(l[k:], text) && ansi.StringWidth(l[:k]) > col {
				return ansi.StringWidth(l[:k])
			}
		}
		return -1
	}
	sortL, sortC := at("sort      ") // the shared table pads its meanings
	skipL, skipC := at("decide skip   ")
	sortW, skipW := where(sortL, sortC, "Users, Tenant matrix"), where(skipL, skipC, "Review")
	if skipL != sortL+1 || skipC != sortC || sortW < 0 || skipW != sortW {
		t.Fatalf("s: sort at %d:%d (where at %d), decide skip at %d:%d (where at %d):\n%s",
			sortL, sortC, sortW, skipL, skipC, skipW, d.screen())
	}
	if key := where(sortL, tableCol, "s  sort"); key < 0 {
		t.Fatalf("s: the key is not before its first meaning: %q", lines[sortL])
	}
	d.lacks("(also", "decide skip (Review)")
	d.key("esc", "3", "enter")
	d.contains("v mark")
	d.lacks("(also")
}

// eachBinding calls fn with every Binding of km, wherever it is nested,
// and its path ("KeyMap.Review.Keep"): the tests that keep the help
// screen and the [keys] names complete walk the KeyMap by reflection, so
// that a binding added to it cannot be forgotten.
func eachBinding(km *KeyMap, fn func(path string, b *Binding)) {
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		if v.Type() == reflect.TypeOf(Binding{}) {
			fn(path, v.Addr().Interface().(*Binding))
			return
		}
		switch v.Kind() {
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		case reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), path)
			}
		}
	}
	walk(reflect.ValueOf(km).Elem(), "KeyMap")
}
