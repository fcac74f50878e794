package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadRefusesShapesThatExplode: nesting and dotted keys that make the
// TOML decoder's memory grow with their square are refused before it runs,
// with the line, whatever else the file says.
func TestLoadRefusesShapesThatExplode(t *testing.T) {
	n := 200 // far below what hurts, far above what a config needs
	for name, tc := range map[string]struct{ body, want string }{
		"inline tables": {"[profiles.a]\ndomain = \"a\"\nx = " + strings.Repeat("{a=", n) + "1" + strings.Repeat("}", n), "line 3: arrays or tables nested more than 16 deep"},
		"arrays":        {"x = " + strings.Repeat("[", n) + strings.Repeat("]", n), "nested more than 16 deep"},
		"dotted key":    {"# a comment.\n" + strings.Repeat("a.", n) + "a = 1", "line 2: a key with more than 16 dotted parts"},
		"dotted header": {"[" + strings.Repeat("p.", n) + "p]", "dotted parts"},
		"inside inline": {"x = {" + strings.Repeat("a.", n) + "a = 1}", "dotted parts"},
	} {
		t.Run(name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want it to name the file and say %q", err, tc.want)
			}
		})
	}
}

// TestLoadCountsOnlyStructure: dots and brackets inside strings and
// comments are not structure.
func TestLoadCountsOnlyStructure(t *testing.T) {
	dots := strings.Repeat(".", 40)
	brackets := strings.Repeat("[{", 40)
	body := "# " + dots + brackets + "\n" +
		"[profiles.a] # [[[[" + dots + "\n" +
		"url = \"https://a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.onetrust.com/api/scim/v2\"\n" +
		"token_command = 'pass show \"x\" " + dots + brackets + "'\n" +
		"[profiles.b]\n" +
		"domain = \"b\"\n" +
		"token_command = \"\"\"\nprintf '%s' \\\"" + brackets + dots + "\\\"\n\"\"\"\n" +
		"[profiles.c]\n" +
		"domain = \"c\"\n" +
		"token_command = '''" + brackets + "\n" + dots + "'''\n"
	f, err := Load(writeConfig(t, body))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Profiles) != 3 || !strings.Contains(f.Profiles["c"].TokenCommand, dots) {
		t.Fatalf("profiles = %+v", f.Profiles)
	}
}

// TestLoadRefusesNonUTF8: a config saved as Latin-1 or UTF-16 is an error
// that says so, not a profile with mangled values.
func TestLoadRefusesNonUTF8(t *testing.T) {
	for name, body := range map[string]string{
		"latin-1": "[profiles.a]\ndomain = \"acm\xe9\"\n",
		"utf-16":  "\xff\xfe[\x00p\x00]\x00\n\x00",
		"comment": "# caf\xe9\n[profiles.a]\ndomain = \"a\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := writeConfig(t, body)
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), "not UTF-8 text") || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestLoadRefusesHugeFiles: a config path naming a huge file is refused
// after reading a bounded amount.
func TestLoadRefusesHugeFiles(t *testing.T) {
	path := writeConfig(t, "# "+strings.Repeat("x", maxConfigBytes)+"\n")
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("err = %v", err)
	}
}

// TestTildeExpands: token_file and cache in a profile may start with ~.
func TestTildeExpands(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "tok"), []byte("tilde-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(writeConfig(t, "[profiles.a]\ndomain = \"a\"\ntoken_file = \"~/tok\"\ncache = \"~/caches/a.db\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Resolve(Flags{Profile: "a"}, env(map[string]string{"HOME": home}), f)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, "caches", "a.db"); s.Cache != want {
		t.Errorf("cache = %q, want %q", s.Cache, want)
	}
	tok, err := s.Token(context.Background())
	if err != nil || tok != "tilde-token" {
		t.Fatalf("token = %q, %v", tok, err)
	}
	// Only a leading ~ is the home directory.
	s, err = Resolve(Flags{Profile: "a", Cache: "/srv/~/x.db"}, env(map[string]string{"HOME": home}), f)
	if err != nil || s.Cache != "/srv/~/x.db" {
		t.Fatalf("cache = %q, %v", s.Cache, err)
	}
}
