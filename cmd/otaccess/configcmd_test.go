package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// config keys lists every action with its default and the config file's
// keys; the UI opens with them; a mistake is an error naming the line.
func TestConfigKeys(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 20, Roles: 3, Orgs: 2})
	e.mustRun("sync", "-q")
	cfg := filepath.Join(e.home, "cfg", "otaccess", "config.toml")
	writeFile(t, cfg, "[keys]\ndeprovision = [\"X\"]\n[theme]\naccent = \"#123456\"\n")

	var acts []actionJSON
	if err := json.Unmarshal([]byte(e.mustRun("config", "keys", "--json").stdout), &acts); err != nil {
		t.Fatal(err)
	}
	found := map[string]actionJSON{}
	for _, a := range acts {
		found[a.Action] = a
	}
	if d := found["deprovision"]; !slices.Equal(d.Keys, []string{"X"}) || !slices.Equal(d.Defaults, []string{"D"}) || !slices.Contains(d.Where, "Users") {
		t.Errorf("deprovision: %+v", d)
	}
	if q := found["quit"]; !slices.Equal(q.Keys, []string{"q", "ctrl+c"}) || len(acts) < 80 {
		t.Errorf("quit: %+v (%d actions)", q, len(acts))
	}
	if out := e.mustRun("config", "theme").stdout; !strings.Contains(out, "#123456") || !strings.Contains(out, "warning") {
		t.Errorf("config theme:\n%s", out)
	}

	a := invocation{home: e.home, env: e.tenantEnv()}.app(io.Discard, io.Discard)
	a.flags.Cache = e.cache
	defer a.close()
	opts, err := tuiOptions(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Keys == nil || !slices.Equal(opts.Keys.Deprovision.Keys(), []string{"X"}) || opts.Styles == nil {
		t.Fatalf("the UI opens without the config's keys: %+v", opts.Keys)
	}

	writeFile(t, cfg, "[keys]\nfilter = \"/\"\nsort = \"r\"\n")
	r := e.run("config", "keys")
	if r.code != 1 || !strings.Contains(r.stderr, cfg+": line 3: [keys] sort: \"r\" is also sync") {
		t.Errorf("a colliding key: exit %d, %s", r.code, r.stderr)
	}
	if r := e.run(); r.code != 1 || !strings.Contains(r.stderr, "line 3") {
		t.Errorf("the UI with a colliding key: exit %d, %s", r.code, r.stderr)
	}
}

// Every command that reads the config file reports a mistake in [keys] or
// [theme] as it does any other config error, with the file and the line
// (they went unnoticed until the TUI opened); a file without them, or
// with good ones, changes nothing for the CLI.
func TestConfigLookCheckedByEveryCommand(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 20, Roles: 3, Orgs: 2})
	e.mustRun("sync", "-q")
	cfg := filepath.Join(e.home, "cfg", "otaccess", "config.toml")
	for _, c := range []struct{ body, want string }{
		{"[keys]\nfiltr = \"/\"\n", cfg + ": line 2: [keys] filtr: no such action; closest: filter"},
		{"\n[theme]\naccent = \"blue\"\n", cfg + ": line 3: [theme] accent: \"blue\" is no color"},
		{"[theme]\naccnt = 4\n", cfg + ": line 2: [theme] accnt: no such color"},
	} {
		writeFile(t, cfg, c.body)
		for _, args := range [][]string{{"users"}, {"snapshots"}, {"sync", "-q"}, {"config", "keys"}} {
			r := e.run(args...)
			if r.code != 1 || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
				t.Errorf("%q with %q: exit %d, stdout %q, stderr %q; want %q", args, c.body, r.code, r.stdout, r.stderr, c.want)
			}
		}
	}
	writeFile(t, cfg, "[keys]\ndeprovision = \"X\"\n[theme]\naccent = 33\n")
	if out := e.mustRun("users").stdout; !strings.Contains(out, "@") {
		t.Errorf("users with good [keys] and [theme]:\n%s", out)
	}
}
