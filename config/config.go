package config

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/otaccess/otaccess/client"
)

// Environment variables read by Resolve.
const (
	EnvURL     = "OTACCESS_URL"
	EnvDomain  = "OTACCESS_DOMAIN"
	EnvToken   = "OTACCESS_TOKEN"
	EnvCache   = "OTACCESS_CACHE"
	EnvProfile = "OTACCESS_PROFILE"
	EnvConfig  = "OTACCESS_CONFIG"
	// OAuth 2.0 client credentials, instead of an API key.
	EnvClientID     = "OTACCESS_CLIENT_ID"
	EnvClientSecret = "OTACCESS_CLIENT_SECRET"
)

// Profile is one tenant in the config file.
type Profile struct {
	URL          string `toml:"url"`
	Domain       string `toml:"domain"`
	TokenCommand string `toml:"token_command"`
	TokenFile    string `toml:"token_file"`
	// ClientID with ClientSecretCommand or ClientSecretFile: OAuth client
	// credentials instead of an API key. The secret itself never goes in
	// the config file.
	ClientID            string `toml:"client_id"`
	ClientSecretCommand string `toml:"client_secret_command"`
	ClientSecretFile    string `toml:"client_secret_file"`
	Cache               string `toml:"cache"`
	Concurrency         int    `toml:"concurrency"`
}

// File is the config file: config.toml in os.UserConfigDir()/otaccess.
type File struct {
	DefaultProfile string             `toml:"default_profile"`
	Profiles       map[string]Profile `toml:"profiles"`
	History        History            `toml:"history"`
	// Keys ([keys]) rebinds the terminal UI's actions, Theme ([theme])
	// sets its colors; see KeySettings and ThemeSettings.
	Keys  map[string]any `toml:"keys"`
	Theme map[string]any `toml:"theme"`
	path  string
	keys  []Setting
	theme []Setting
}

// History says which snapshots each cache keeps ([history] in the file):
// every one synced in the last KeepDays days and at least the KeepMin
// newest (0: the defaults, 30 days and 10 snapshots; at least 2 are kept,
// the current one and the one diff compares it with).
type History struct {
	KeepDays int `toml:"keep_days"`
	KeepMin  int `toml:"keep_min"`
}

var profileName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// DefaultPath is where the config file lives unless OTACCESS_CONFIG says otherwise.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the config directory: %w", err)
	}
	return filepath.Join(dir, "otaccess", "config.toml"), nil
}

// Load reads the config file. A missing file is an empty config; unknown keys
// are an error, because a typo there would otherwise be silently ignored.
func Load(path string) (*File, error) {
	f := &File{path: path, Profiles: map[string]Profile{}}
	data, err := readConfig(path)
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err := checkText(data); err != nil {
		return nil, fmt.Errorf("config %s: %v", path, err)
	}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(f)
	if err != nil {
		return nil, fmt.Errorf("config %s: %v", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		keys := make([]string, len(undecoded))
		for i, k := range undecoded {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("config %s: unknown key(s) %s (known: default_profile, profiles.NAME.{url,domain,token_command,token_file,client_id,client_secret_command,client_secret_file,cache,concurrency}, history.{keep_days,keep_min}, keys.ACTION, theme.COLOR)", path, strings.Join(keys, ", "))
	}
	for name, p := range f.Profiles {
		if !profileName.MatchString(name) {
			return nil, fmt.Errorf("config %s: profile name %q: use letters, digits, '.', '_' or '-'", path, name)
		}
		if p.URL != "" && p.Domain != "" {
			return nil, fmt.Errorf("config %s: profile %q sets both url and domain; keep one", path, name)
		}
		if p.Concurrency < 0 || p.Concurrency > 64 {
			return nil, fmt.Errorf("config %s: profile %q: concurrency must be between 1 and 64", path, name)
		}
		if err := p.checkCredentials(); err != nil {
			return nil, fmt.Errorf("config %s: profile %q: %v", path, name, err)
		}
	}
	if h := f.History; h.KeepDays < 0 || h.KeepDays > 36500 || h.KeepMin < 0 || h.KeepMin > 100000 {
		return nil, fmt.Errorf("config %s: [history] keep_days (%d) and keep_min (%d) must be 0 (the defaults, 30 days and 10 snapshots) or more", path, h.KeepDays, h.KeepMin)
	}
	if err := f.readLook(data); err != nil {
		return nil, fmt.Errorf("config %s: %v", path, err)
	}
	if f.DefaultProfile != "" {
		if _, ok := f.Profiles[f.DefaultProfile]; !ok {
			return nil, fmt.Errorf("config %s: default_profile %q is not defined under [profiles]", path, f.DefaultProfile)
		}
	}
	return f, nil
}

// Flags are the command-line values that override the environment and profile.
type Flags struct {
	Profile     string
	URL         string
	Domain      string
	TokenFile   string
	Cache       string
	Concurrency int
	Offline     bool
}

// Settings is the resolved connection. It holds how to get the token, never
// the token itself, so a Settings value can be printed or logged safely.
type Settings struct {
	Profile string // profile name, or a name derived from the host
	URL     string // SCIM base URL; "" when nothing is configured
	Cache   string // cache file path; "" means cache.DefaultPath(CacheName)
	// CacheName names the default cache file: the profile when one is
	// chosen, else the whole base URL (see urlCacheName).
	CacheName   string
	Concurrency int
	Offline     bool
	History     History // which snapshots the cache keeps
	// The environment is kept as a function, not the token's value: a
	// Settings printed with %+v (a debug line, a panic) cannot show it.
	getenv       func(string) string
	tokenFromEnv bool
	tokenFile    string
	tokenCommand string
	// OAuth client credentials: the id, and where the secret comes from
	// (the environment, a file or a command), never the secret.
	clientID            string
	secretFromEnv       bool
	clientSecretFile    string
	clientSecretCommand string
}

// Resolve merges flags, environment (getenv) and the config file.
func Resolve(fl Flags, getenv func(string) string, f *File) (Settings, error) {
	if f == nil {
		f = &File{}
	}
	name := first(fl.Profile, getenv(EnvProfile), f.DefaultProfile)
	var p Profile
	if name != "" {
		var ok bool
		if p, ok = f.Profiles[name]; !ok {
			known := make([]string, 0, len(f.Profiles))
			for k := range f.Profiles {
				known = append(known, k)
			}
			sort.Strings(known)
			where := f.path
			if where == "" {
				where = "the config file"
			}
			if len(known) == 0 {
				return Settings{}, fmt.Errorf("profile %q not found: %s defines no profiles", name, where)
			}
			return Settings{}, fmt.Errorf("profile %q not found in %s (known: %s)", name, where, strings.Join(known, ", "))
		}
	}
	s := Settings{Profile: name, Offline: fl.Offline, History: f.History}
	if fl.URL != "" && fl.Domain != "" {
		return Settings{}, errors.New("--url and --domain both given; use one")
	}
	switch {
	case fl.URL != "":
		s.URL = fl.URL
	case fl.Domain != "":
		s.URL = client.DomainURL(fl.Domain)
	case getenv(EnvURL) != "":
		s.URL = getenv(EnvURL)
	case getenv(EnvDomain) != "":
		s.URL = client.DomainURL(getenv(EnvDomain))
	case p.URL != "":
		s.URL = p.URL
	case p.Domain != "":
		s.URL = client.DomainURL(p.Domain)
	}
	s.URL = strings.TrimRight(strings.TrimSpace(s.URL), "/")
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return Settings{}, fmt.Errorf("tenant URL %q is not an http(s) URL; expected e.g. https://acme.onetrust.com/api/scim/v2", s.URL)
		}
		if u.User != nil {
			return Settings{}, errors.New("tenant URL must not carry credentials; use OTACCESS_TOKEN or --token-file")
		}
		if s.Profile == "" {
			s.Profile = u.Hostname() // for messages and audit rows
			s.CacheName = urlCacheName(u)
		}
	}
	if s.Profile == "" {
		s.Profile = "default"
	}
	if s.CacheName == "" {
		s.CacheName = s.Profile
	}
	s.Cache = first(fl.Cache, getenv(EnvCache), p.Cache)
	s.Concurrency = fl.Concurrency
	if s.Concurrency == 0 {
		s.Concurrency = p.Concurrency
	}
	if s.Concurrency < 0 || s.Concurrency > 64 {
		return Settings{}, fmt.Errorf("concurrency %d: must be between 1 and 64", s.Concurrency)
	}
	s.getenv, s.tokenFromEnv = getenv, getenv(EnvToken) != ""
	s.tokenFile = first(fl.TokenFile, p.TokenFile)
	for _, path := range []*string{&s.Cache, &s.tokenFile} {
		var err error
		if *path, err = expandHome(*path, getenv); err != nil {
			return Settings{}, err
		}
	}
	s.tokenCommand = p.TokenCommand
	if err := s.resolveClient(fl, p, getenv); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// HasToken reports whether some credential is configured, an API key or
// OAuth client credentials (without reading it).
func (s Settings) HasToken() bool {
	return s.tokenFromEnv || s.tokenFile != "" || s.tokenCommand != "" || s.clientID != ""
}

// TokenSource names where the token comes from, for messages.
func (s Settings) TokenSource() string {
	switch {
	case s.clientID != "":
		return "OAuth client " + s.clientID
	case s.tokenFromEnv:
		return EnvToken
	case s.tokenFile != "":
		return "token file " + s.tokenFile
	case s.tokenCommand != "":
		return "the profile's token_command"
	}
	return "nowhere (set " + EnvToken + ", --token-file or a profile token_command)"
}

// Token returns the API token: OTACCESS_TOKEN, else the token file, else the
// profile's token_command. Errors never include the token or command output.
func (s Settings) Token(ctx context.Context) (string, error) {
	switch {
	case s.tokenFromEnv:
		// An all-blank value would otherwise reach the server as no token
		// and come back as a refused API key.
		tok := strings.TrimSpace(s.getenv(EnvToken))
		if tok == "" {
			return "", errors.New(EnvToken + " is set but blank: set it to the API key, or unset it to use --token-file or the profile's token_command")
		}
		return tok, nil
	case s.tokenFile != "":
		data, err := os.ReadFile(s.tokenFile)
		if err != nil {
			return "", fmt.Errorf("read token file: %w", err)
		}
		tok := strings.TrimSpace(string(data))
		if tok == "" {
			return "", fmt.Errorf("token file %s is empty", s.tokenFile)
		}
		return tok, nil
	case s.tokenCommand != "":
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", "-c", s.tokenCommand)
		cmd.Stderr = os.Stderr // a password manager may prompt
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("token_command failed: %v", err)
		}
		tok := strings.TrimSpace(string(out))
		if tok == "" {
			return "", errors.New("token_command printed nothing")
		}
		return tok, nil
	}
	return "", nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// urlCacheName names the default cache of a tenant chosen by URL alone, from
// the whole URL: two tenants on one host (another port, another path) never
// share a cache. It reads as the URL ("127.0.0.1_8443_api_scim_v2") and
// ends with a hash of it, since turning separators into '_' could make two
// URLs read alike.
func urlCacheName(u *url.URL) string {
	norm := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/")
	sum := sha256.Sum256([]byte(norm))
	var b strings.Builder
	for _, r := range strings.ToLower(u.Host) + u.EscapedPath() {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "_.")
	if len(name) > 80 {
		name = name[:80]
	}
	return name + "-" + hex.EncodeToString(sum[:4])
}
