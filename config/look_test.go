package config

import (
	"reflect"
	"strings"
	"testing"
)

// [keys] and [theme] come back in the file's order with their lines.
func TestLookSettings(t *testing.T) {
	f, err := Load(writeConfig(t, `default_profile = "a"
[profiles.a]
domain = "a"

[keys]
filter = "f"   # a comment
"deprovision" = ["X", "ctrl+x"]

[theme]
accent = "#5fafff"
warning = 214
`))
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := []Setting{{"filter", []string{"f"}, 6}, {"deprovision", []string{"X", "ctrl+x"}, 7}}
	if got := f.KeySettings(); !reflect.DeepEqual(got, wantKeys) {
		t.Errorf("keys %+v, want %+v", got, wantKeys)
	}
	wantTheme := []Setting{{"accent", []string{"#5fafff"}, 10}, {"warning", []string{"214"}, 11}}
	if got := f.ThemeSettings(); !reflect.DeepEqual(got, wantTheme) {
		t.Errorf("theme %+v, want %+v", got, wantTheme)
	}
	// The dotted form at the top finds its line too.
	f, err = Load(writeConfig(t, "keys.quit = [\"q\"]\n"))
	if err != nil || len(f.KeySettings()) != 1 || f.KeySettings()[0].Line != 1 {
		t.Fatalf("dotted: %+v %v", f, err)
	}
}

func TestLookErrors(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"a number for a key", "[keys]\n\nfilter = 3\n", `line 3: [keys] filter: expected a key ("/") or a list of keys`},
		{"a list with a number", "[keys]\nquit = [\"q\", 1]\n", "line 2: [keys] quit: expected"},
		{"a table", "[keys.filter]\nkey = \"/\"\n", "unknown key(s) keys.filter.key"},
		{"a list for a color", "[theme]\naccent = [\"#fff\"]\n", `line 2: [theme] accent: expected a color: "#rrggbb", "#rgb" or an ANSI color number`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "config.toml") {
				t.Fatalf("err = %v, want it to name the file and %q", err, tt.want)
			}
		})
	}
}
