package config

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzConfig: any config file and environment either resolve to settings
// otaccess can use, or fail with an error that names the config file (for
// file problems); nothing panics.
func FuzzConfig(f *testing.F) {
	f.Add("default_profile = \"acme\"\n[profiles.acme]\ndomain = \"acme\"\ntoken_command = \"pass show x\"\nconcurrency = 4\n", "", "")
	f.Add("[profiles.a]\nurl = \"https://u:p@a.onetrust.com/api/scim/v2\"\n", "", "a")
	f.Add("[profiles.a]\nurl = 7\n", "not a url", "")
	f.Add("[profiles.\"../x\"]\ndomain = \"x\"\n", "", "../x")
	f.Add("[profiles.a]\nconcurrency = -1\ncache = \"/dev/null\"\n", "http://[::1]:8089/api/scim/v2", "a")
	f.Add("default_profile = \"\\u001b[2J\"\n", "", "")
	f.Add("[[profiles]]\n", "ftp://x", "nope")
	path := filepath.Join(f.TempDir(), "config.toml")
	f.Fuzz(func(t *testing.T, content, envURL, profile string) {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := Load(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("config error %q does not name the file", err)
			}
			return
		}
		env := map[string]string{EnvURL: envURL, EnvProfile: profile}
		s, err := Resolve(Flags{}, func(k string) string { return env[k] }, file)
		if err != nil {
			return
		}
		if s.Profile == "" || s.Concurrency < 0 || s.Concurrency > 64 {
			t.Fatalf("resolved %+v", s)
		}
		if s.URL != "" {
			u, perr := url.Parse(s.URL)
			if perr != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
				t.Fatalf("resolved an unusable URL %q", s.URL)
			}
		}
	})
}
