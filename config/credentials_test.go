package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClientCredentialProfileErrors(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"id alone", "[profiles.a]\ndomain = \"a\"\nclient_id = \"c\"\n", "client_id needs client_secret_command or client_secret_file"},
		{"secret alone", "[profiles.a]\ndomain = \"a\"\nclient_secret_file = \"/x\"\n", "need client_id"},
		{"two secrets", "[profiles.a]\ndomain = \"a\"\nclient_id = \"c\"\nclient_secret_file = \"/x\"\nclient_secret_command = \"pass x\"\n", "both client_secret_command and client_secret_file"},
		{"key and client", "[profiles.a]\ndomain = \"a\"\ntoken_command = \"pass k\"\nclient_id = \"c\"\nclient_secret_file = \"/x\"\n", "both an API token"},
		{"secret in the file", "[profiles.a]\ndomain = \"a\"\nclient_id = \"c\"\nclient_secret = \"s\"\n", "unknown key(s) profiles.a.client_secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load(writeConfig(t, tt.body)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestClientCredentialSources(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "s")
	os.WriteFile(secretFile, []byte("file-secret\n"), 0o600)
	f, err := Load(writeConfig(t, "[profiles.f]\ndomain = \"a\"\nclient_id = \"cf\"\nclient_secret_file = \""+secretFile+"\"\n"+
		"[profiles.c]\ndomain = \"a\"\nclient_id = \"cc\"\nclient_secret_command = \"echo cmd-secret\"\n"+
		"[profiles.k]\ndomain = \"a\"\ntoken_command = \"echo key\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		profile  string
		env      map[string]string
		id, want string
	}{
		{"f", nil, "cf", "file-secret"},
		{"c", nil, "cc", "cmd-secret"},
		{"k", map[string]string{EnvClientID: "ce", EnvClientSecret: "env-secret"}, "ce", "env-secret"},
		{"c", map[string]string{EnvClientSecret: "env-secret"}, "cc", "env-secret"},
		{"k", nil, "", ""},
	} {
		s, err := Resolve(Flags{Profile: tc.profile}, env(tc.env), f)
		if err != nil {
			t.Fatalf("%s %v: %v", tc.profile, tc.env, err)
		}
		sec, err := s.ClientSecret(ctx)
		if err != nil || s.ClientID() != tc.id || sec != tc.want || s.HasClientCredentials() != (tc.id != "") || !s.HasToken() {
			t.Errorf("%s %v: id %q secret %q err %v", tc.profile, tc.env, s.ClientID(), sec, err)
		}
		if strings.Contains(s.TokenSource()+strings.Join([]string{s.URL, s.Profile}, ""), "secret") {
			t.Errorf("%s: the source names the secret: %s", tc.profile, s.TokenSource())
		}
	}
	for _, e := range []map[string]string{
		{EnvClientID: "x"},
		{EnvClientSecret: "x"},
		{EnvToken: "k", EnvClientID: "x", EnvClientSecret: "y"},
	} {
		if _, err := Resolve(Flags{}, env(e), nil); err == nil {
			t.Errorf("%v: no error", e)
		}
	}
}
