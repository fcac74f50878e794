package ui

import (
	"reflect"
	"testing"

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
		shared[sk.name] = sk.uses
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
	d.contains("User detail", "Review", "One key, several meanings", "previous undecided", "decide skip (Review)")
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
