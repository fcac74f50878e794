package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"syntax", "default_profile = ", "config"},
		{"unknown key", "[profiles.a]\nurl = \"https://a.onetrust.com/api/scim/v2\"\ntokn = \"x\"\n", "unknown key(s) profiles.a.tokn"},
		{"bad name", "[profiles.\"a b\"]\ndomain = \"a\"\n", "profile name"},
		{"both", "[profiles.a]\ndomain = \"a\"\nurl = \"https://a\"\n", "both url and domain"},
		{"default missing", "default_profile = \"x\"\n", "default_profile \"x\""},
		{"concurrency", "[profiles.a]\ndomain = \"a\"\nconcurrency = 999\n", "concurrency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestLoadMissingIsEmpty(t *testing.T) {
	f, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if err != nil || len(f.Profiles) != 0 {
		t.Fatalf("Load missing = %v, %v", f, err)
	}
}

func TestResolvePrecedence(t *testing.T) {
	f, err := Load(writeConfig(t, `default_profile = "acme"
[profiles.acme]
domain = "acme"
token_command = "echo cmd-token"
[profiles.au]
url = "https://app-au.onetrust.com/api/scim/v2/"
cache = "/tmp/au.db"
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		fl               Flags
		env              map[string]string
		url, profile, tk string
	}{
		{"default profile", Flags{}, nil, "https://acme.onetrust.com/api/scim/v2", "acme", "cmd-token"},
		{"env profile", Flags{}, map[string]string{EnvProfile: "au"}, "https://app-au.onetrust.com/api/scim/v2", "au", ""},
		{"env url beats profile", Flags{}, map[string]string{EnvURL: "https://x.example.com/scim"}, "https://x.example.com/scim", "acme", "cmd-token"},
		{"flag beats env", Flags{Domain: "beta.my.onetrust.com"}, map[string]string{EnvURL: "https://x.example.com/scim"}, "https://beta.my.onetrust.com/api/scim/v2", "acme", "cmd-token"},
		{"env token beats command", Flags{}, map[string]string{EnvToken: " env-token\n"}, "https://acme.onetrust.com/api/scim/v2", "acme", "env-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Resolve(tt.fl, env(tt.env), f)
			if err != nil {
				t.Fatal(err)
			}
			if s.URL != tt.url || s.Profile != tt.profile {
				t.Fatalf("got url %q profile %q", s.URL, s.Profile)
			}
			tok, err := s.Token(context.Background())
			if err != nil || tok != tt.tk {
				t.Fatalf("token = %q, %v; want %q", tok, err, tt.tk)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	f := &File{Profiles: map[string]Profile{"a": {Domain: "a"}}}
	for _, tt := range []struct {
		name string
		fl   Flags
		want string
	}{
		{"unknown profile", Flags{Profile: "zz"}, `profile "zz" not found`},
		{"url and domain", Flags{URL: "https://a", Domain: "b"}, "use one"},
		{"not a url", Flags{URL: "ftp://x"}, "not an http(s) URL"},
		{"credentials in url", Flags{URL: "https://u:p@x.onetrust.com/api"}, "must not carry credentials"},
		{"concurrency", Flags{URL: "https://x", Concurrency: -1}, "concurrency"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(tt.fl, env(nil), f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), ":p@") {
				t.Fatalf("error leaks credentials: %v", err)
			}
		})
	}
}

func TestProfileFromHostWithoutConfig(t *testing.T) {
	s, err := Resolve(Flags{URL: "https://acme.my.onetrust.com/api/scim/v2"}, env(nil), nil)
	if err != nil || s.Profile != "acme.my.onetrust.com" {
		t.Fatalf("profile = %q, %v", s.Profile, err)
	}
	if s.HasToken() {
		t.Fatal("no token source configured, HasToken() = true")
	}
}

func TestTokenFileAndCommandErrorsDoNotLeak(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "tok")
	os.WriteFile(tf, []byte("file-SECRET\n"), 0o600)
	s, _ := Resolve(Flags{URL: "https://a.onetrust.com", TokenFile: tf}, env(nil), nil)
	if tok, err := s.Token(context.Background()); err != nil || tok != "file-SECRET" {
		t.Fatalf("token file: %q %v", tok, err)
	}
	f := &File{Profiles: map[string]Profile{"a": {Domain: "a", TokenCommand: "echo cmd-SECRET; exit 3"}}}
	s, _ = Resolve(Flags{Profile: "a"}, env(nil), f)
	_, err := s.Token(context.Background())
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("token_command failure: %v", err)
	}
}

// Without a profile the default cache is named after the whole base URL:
// another port or another path is another cache.
func TestCacheNameFromTheWholeURL(t *testing.T) {
	name := func(u string) string {
		t.Helper()
		s, err := Resolve(Flags{URL: u}, env(nil), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s.CacheName
	}
	a, b, c := name("http://127.0.0.1:4000/api/scim/v2"), name("http://127.0.0.1:4001/api/scim/v2"), name("http://127.0.0.1:4000/other/scim/v2")
	if a == b || a == c || b == c {
		t.Fatalf("names collide: %q %q %q", a, b, c)
	}
	if !strings.HasPrefix(a, "127.0.0.1_4000_api_scim_v2-") || a != name("http://127.0.0.1:4000/api/scim/v2/") {
		t.Fatalf("name %q", a)
	}
	if n := name("https://x.example/a_b"); n == name("https://x.example/a/b") {
		t.Fatalf("%q: '_' and '/' read alike but must not collide", n)
	}
	s, err := Resolve(Flags{Profile: "a"}, env(nil), &File{Profiles: map[string]Profile{"a": {Domain: "a"}}})
	if err != nil || s.CacheName != "a" {
		t.Fatalf("a profile names its cache: %q %v", s.CacheName, err)
	}
}

func TestHistoryRetention(t *testing.T) {
	f, err := Load(writeConfig(t, "[history]\nkeep_days = 7\nkeep_min = 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Resolve(Flags{}, env(nil), f)
	if err != nil || s.History != (History{KeepDays: 7, KeepMin: 3}) {
		t.Fatalf("history %+v, %v", s.History, err)
	}
	for _, bad := range []string{"[history]\nkeep_days = -1\n", "[history]\nkeep_mni = 3\n"} {
		if _, err := Load(writeConfig(t, bad)); err == nil || !strings.Contains(err.Error(), "keep_") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
