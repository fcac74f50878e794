package ui

import (
	"bytes"
	"image/color"
	"reflect"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/otaccess/otaccess/client/scimtest"
)

// Every binding of the KeyMap but the arrow names has exactly one action
// name, so that [keys] can rebind all of them.
func TestEveryBindingHasAnAction(t *testing.T) {
	km := DefaultKeyMap()
	named := map[*Binding]string{}
	seen := map[string]bool{}
	for _, a := range km.actions() {
		if seen[a.Name] {
			t.Errorf("action %s named twice", a.Name)
		}
		seen[a.Name] = true
		if prev, dup := named[a.Binding]; dup {
			t.Errorf("%s and %s name the same binding", prev, a.Name)
		}
		named[a.Binding] = a.Name
		if len(a.Where) == 0 {
			t.Errorf("%s is on no help section", a.Name)
		}
	}
	display := map[*Binding]bool{&km.Move: true, &km.Dialog.Option: true}
	eachBinding(&km, func(path string, b *Binding) {
		if _, ok := named[b]; !ok && !display[b] {
			t.Errorf("%s has no action name", path)
		}
	})
}

// Writing every action's defaults out is no error: keys that the defaults
// already share (ctrl+c in quit and force_quit, d for changes and
// compare_with, the dialogs' enter) are meant to.
func TestRebindToTheDefaults(t *testing.T) {
	km := DefaultKeyMap()
	var all []KeySetting
	for i, a := range km.Actions() {
		all = append(all, KeySetting{Action: a.Name, Keys: a.Binding.Keys(), Line: i + 1})
	}
	got, err := km.Rebind(all)
	if err != nil {
		t.Fatal(err)
	}
	if got.Quit.Help().Key != "q/ctrl+c" || !reflect.DeepEqual(got.Quit.Keys(), []string{"q", "ctrl+c"}) {
		t.Errorf("quit: %q %v", got.Quit.Help().Key, got.Quit.Keys())
	}
}

func TestRebindErrors(t *testing.T) {
	tests := []struct {
		name string
		set  []KeySetting
		want []string
	}{
		{"unknown action", []KeySetting{{Action: "deprovison", Keys: []string{"X"}, Line: 3}},
			[]string{"line 3: [keys] deprovison: no such action; closest: deprovision", "otaccess config keys"}},
		{"unknown key", []KeySetting{{Action: "filter", Keys: []string{"ctrl+slash"}, Line: 4}},
			[]string{"line 4: [keys] filter:", `"ctrl+slash" is no key`, "pgdown"}},
		{"unknown modifier", []KeySetting{{Action: "filter", Keys: []string{"cmd+f"}, Line: 5}},
			[]string{"line 5:", `"cmd" is no modifier`}},
		{"collides with a global key", []KeySetting{{Action: "filter", Keys: []string{"r"}, Line: 6}},
			[]string{`line 6: [keys] filter: "r" is also sync on the Users screen`}},
		{"collides on one screen", []KeySetting{{Action: "edit", Keys: []string{"D"}, Line: 7}},
			[]string{`line 7: [keys] edit: "D" is also deprovision on the User detail screen`}},
		{"both rebound", []KeySetting{{Action: "sort", Keys: []string{"o"}, Line: 2}, {Action: "reverse", Keys: []string{"o"}, Line: 9}},
			[]string{`line 2: [keys] sort: "o" is also reverse (line 9) on the Users screen`}},
		{"typed into a field", []KeySetting{{Action: "input_keep", Keys: []string{"k"}, Line: 8}},
			[]string{"line 8:", "typed into the text field"}},
		{"no keys", []KeySetting{{Action: "quit", Line: 2}}, []string{"line 2: [keys] quit: no keys given"}},
		{"twice", []KeySetting{{Action: "quit", Keys: []string{"Q"}, Line: 2}, {Action: "quit", Keys: []string{"x"}, Line: 5}},
			[]string{"line 5: [keys] quit: given twice (also line 2: above)"}},
		{"every mistake", []KeySetting{{Action: "nope", Keys: []string{"a"}, Line: 1}, {Action: "help", Keys: []string{"ctrl+"}, Line: 2}},
			[]string{"line 1:", "line 2:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			km := DefaultKeyMap()
			got, err := km.Rebind(tt.set)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if !reflect.DeepEqual(got.Filter.Keys(), km.Filter.Keys()) {
				t.Error("a failed rebinding changed the key map")
			}
		})
	}
}

// A key may mean something else on another screen (s sorts Users and
// skips in a Review), and names are written as people write them.
func TestRebindAccepts(t *testing.T) {
	km, err := DefaultKeyMap().Rebind([]KeySetting{
		{Action: "review_skip", Keys: []string{"z"}},
		{Action: "deprovision", Keys: []string{"X", "Ctrl+X"}},
		{Action: "back", Keys: []string{"Escape", "backspace"}},
		{Action: "up", Keys: []string{"ctrl+p", "up"}},
		{Action: "palette", Keys: []string{"alt+X"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		b        Binding
		keys     []string
		helpName string
	}{
		{km.Review.Skip, []string{"z"}, "z"},
		{km.Deprovision, []string{"X", "ctrl+x"}, "X/ctrl+x"},
		{km.Back, []string{"esc", "backspace"}, "esc/backspace"},
		{km.Up, []string{"ctrl+p", "up"}, "ctrl+p/↑"},
		{km.Palette, []string{"alt+x"}, "alt+x"},
	} {
		if !reflect.DeepEqual(c.b.Keys(), c.keys) || c.b.Help().Key != c.helpName {
			t.Errorf("%s: keys %v help %q, want %v %q", c.b.Help().Desc, c.b.Keys(), c.b.Help().Key, c.keys, c.helpName)
		}
	}
	if got := km.Move.Help().Key; got != "←ctrl+p↓→" {
		t.Errorf("the arrows' hint after rebinding up: %q", got)
	}
}

// A rebound key works, and the hint line and the help screen show it.
func TestReboundKeyInTheUI(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 40})
	km, err := DefaultKeyMap().Rebind([]KeySetting{{Action: "deprovision", Keys: []string{"X"}}, {Action: "help", Keys: []string{"f1"}}})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, New(Options{Snapshot: tn.snap, Service: tn.svc, Now: tn.now, Keys: &km}), 120, 24)
	d.contains("X deprovision", "f1 more")
	d.lacks("D deprovision", "? more")
	d.key("D")
	if len(d.m.dialogs) != 0 {
		t.Fatal("D still deprovisions after rebinding it to X")
	}
	d.key("X")
	if len(d.m.dialogs) != 1 {
		t.Fatal("X does not open the deprovision dialog")
	}
	d.key("esc")
	d.send(tea.WindowSizeMsg{Width: 200, Height: 60})
	d.send(f1Press())
	if !regexp.MustCompile(`\n +X +deprovision`).MatchString(d.screen()) || strings.Contains(d.screen(), " D     deprovision") {
		t.Errorf("the help screen does not list X for deprovision:\n%s", d.screen())
	}
}

func f1Press() tea.KeyPressMsg { return tea.KeyPressMsg{Code: tea.KeyF1} }

// A [theme] color reaches the rendered styles; NO_COLOR still drops it.
func TestThemeColors(t *testing.T) {
	st, err := ThemedStyles([]ColorSetting{{Name: "accent", Value: "#ff8800"}, {Name: "error", Value: "196"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.App.GetForeground(); !sameColor(got, color.RGBA{0xff, 0x88, 0x00, 0xff}) {
		t.Errorf("accent: %v", got)
	}
	tn := newTenant(t, scimtest.Config{Users: 20})
	d := newDriver(t, New(Options{Snapshot: tn.snap, Service: tn.svc, Now: tn.now, Styles: &st}), 100, 24)
	view := d.m.View().Content
	if !strings.Contains(view, "38;2;255;136;0") {
		t.Errorf("the title bar does not use the accent color: %q", view[:min(200, len(view))])
	}
	var plain bytes.Buffer
	w := colorprofile.NewWriter(&plain, []string{"TERM=xterm-256color", "COLORTERM=truecolor", "NO_COLOR=1"})
	if _, err := w.WriteString(view); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "38;") {
		t.Error("NO_COLOR: a color is still written")
	}
	if !strings.Contains(plain.String(), "otaccess") {
		t.Error("NO_COLOR dropped the text")
	}

	_, err = ThemedStyles([]ColorSetting{{Name: "accent", Value: "blue", Line: 4}, {Name: "warn", Value: "3", Line: 5}, {Name: "ok", Value: "256", Line: 6}})
	for _, w := range []string{`line 4: [theme] accent: "blue" is no color`, "line 5: [theme] warn: no such color", `line 6: [theme] ok: "256" is no color`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
}

func sameColor(a, b color.Color) bool {
	if a == nil || b == nil {
		return false
	}
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}
