package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
)

// oauthEnv is a tenant that takes the test client credentials, and the
// environment that connects with them (no API key).
func oauthEnv(t *testing.T, cfg scimtest.Config) (*env, []string) {
	t.Helper()
	cfg.ClientID, cfg.ClientSecret = scimtest.TestClientID, scimtest.TestClientSecret
	e := newEnv(t, cfg)
	return e, []string{"OTACCESS_URL=" + e.srv.URL, "OTACCESS_CLIENT_ID=" + scimtest.TestClientID, "OTACCESS_CLIENT_SECRET=" + scimtest.TestClientSecret}
}

// TestSyncWithClientCredentials: sync connects with the client credentials,
// says which scopes the token has, records the tenant's GUID in the
// snapshot, and says nothing of a sub-organization at the root.
func TestSyncWithClientCredentials(t *testing.T) {
	t.Parallel()
	e, creds := oauthEnv(t, scimtest.Config{})
	r := e.runEnv(creds, "sync")
	if r.code != 0 {
		t.Fatalf("sync: %+v", r)
	}
	if !strings.Contains(r.stdout, "credential: OAuth client "+scimtest.TestClientID+", scopes ORGANIZATION,SCIM,USER\n") {
		t.Errorf("sync's output does not name the credential and scopes:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "sub-organization") || strings.Contains(r.stdout, "sees only") {
		t.Errorf("a root credential is said to be limited:\n%s", r.stdout)
	}
	if n := e.srv.TokensIssued(); n != 1 {
		t.Errorf("%d tokens issued for one sync, want 1", n)
	}
	svc, err := access.Open(nil, e.cache, "t")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	snap, err := svc.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Info.TenantID != e.srv.TenantGUID() {
		t.Errorf("snapshot tenant id %q, want the token's tenantGuid %q", snap.Info.TenantID, e.srv.TenantGUID())
	}
}

// TestSyncSaysWhenTheCredentialIsInAChildOrg: a credential made in a child
// organization is named as such in sync's output.
func TestSyncSaysWhenTheCredentialIsInAChildOrg(t *testing.T) {
	t.Parallel()
	e, creds := oauthEnv(t, scimtest.Config{ClientOrg: "Legal"})
	r := e.runEnv(creds, "sync")
	if r.code != 0 {
		t.Fatalf("sync: %+v", r)
	}
	if !strings.Contains(r.stdout, "credential of organization Legal: it sees only that organization and its sub-organizations, not the whole tenant") {
		t.Errorf("sync's output does not say the credential is limited to Legal:\n%s", r.stdout)
	}
	// Without the ORGANIZATION scope the tree cannot be read: the sync
	// still works and claims nothing.
	e2, creds2 := oauthEnv(t, scimtest.Config{ClientOrg: "Legal", Scopes: []string{"SCIM", "USER"}})
	r = e2.runEnv(creds2, "sync")
	if r.code != 0 || !strings.Contains(r.stdout, "scopes SCIM,USER\n") {
		t.Fatalf("sync without ORGANIZATION: %+v", r)
	}
}

// TestClientCredentialErrors: a wrong secret, half-set credentials and an
// API key beside client credentials each end in one clear line.
func TestClientCredentialErrors(t *testing.T) {
	t.Parallel()
	e, _ := oauthEnv(t, scimtest.Config{})
	u := "OTACCESS_URL=" + e.srv.URL
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"wrong secret", []string{u, "OTACCESS_CLIENT_ID=" + scimtest.TestClientID, "OTACCESS_CLIENT_SECRET=" + scimtest.TestClientSecret + "x"},
			"OneTrust refused the client credentials (client id " + scimtest.TestClientID + ")"},
		{"no secret", []string{u, "OTACCESS_CLIENT_ID=" + scimtest.TestClientID}, "OTACCESS_CLIENT_ID is set but OTACCESS_CLIENT_SECRET is not"},
		{"no id", []string{u, "OTACCESS_CLIENT_SECRET=" + scimtest.TestClientSecret}, "OTACCESS_CLIENT_SECRET is set but OTACCESS_CLIENT_ID is not"},
		{"both", []string{u, "OTACCESS_TOKEN=" + testToken, "OTACCESS_CLIENT_ID=" + scimtest.TestClientID, "OTACCESS_CLIENT_SECRET=" + scimtest.TestClientSecret},
			"both an API key"},
	} {
		r := e.runEnv(tc.env, "sync")
		noCrash(t, tc.name, r)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", tc.name, r.code, r.stderr, tc.want)
		}
		if strings.Contains(r.stdout+r.stderr, scimtest.TestClientSecret) {
			t.Errorf("%s: the secret is printed: %s", tc.name, r.stderr)
		}
	}
}

// TestProfileClientSecretSources: a profile's client_id takes its secret
// from client_secret_file or client_secret_command; neither is in the
// config file.
func TestProfileClientSecretSources(t *testing.T) {
	t.Parallel()
	e, _ := oauthEnv(t, scimtest.Config{})
	secrets := t.TempDir() // outside HOME
	secretFile := filepath.Join(secrets, "secret")
	if err := os.WriteFile(secretFile, []byte(scimtest.TestClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, line := range map[string]string{
		"file":    "client_secret_file = " + quoteTOML(secretFile),
		"command": "client_secret_command = " + quoteTOML("cat "+secretFile),
	} {
		cfg := filepath.Join(e.home, name+".toml")
		body := "[profiles.t]\nurl = " + quoteTOML(e.srv.URL) + "\nclient_id = " + quoteTOML(scimtest.TestClientID) + "\n" + line + "\n"
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		before := e.srv.TokensIssued()
		r := e.runEnv([]string{"OTACCESS_CONFIG=" + cfg}, "--profile", "t", "sync")
		if r.code != 0 || !strings.Contains(r.stdout, "credential: OAuth client") {
			t.Fatalf("%s: %+v", name, r)
		}
		if e.srv.TokensIssued() != before+1 {
			t.Errorf("%s: no token fetched", name)
		}
	}
	bad := filepath.Join(e.home, "bad.toml")
	os.WriteFile(bad, []byte("[profiles.t]\nurl = "+quoteTOML(e.srv.URL)+"\nclient_id = \"x\"\n"), 0o600)
	if r := e.runEnv([]string{"OTACCESS_CONFIG=" + bad}, "--profile", "t", "sync"); r.code == 0 || !strings.Contains(r.stderr, "client_id needs client_secret_command or client_secret_file") {
		t.Errorf("client_id alone: %+v", r)
	}
}

func quoteTOML(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

// TestClientSecretNeverLeaks is TestTokenNeverLeaks for client
// credentials: a full session, and failures that quote the secret and the
// access token back, then a search of everything printed and every file
// written (cache, WAL, spool, audit exports, evidence) for the secret and
// every access token the tenant issued.
func TestClientSecretNeverLeaks(t *testing.T) {
	t.Parallel()
	e, creds := oauthEnv(t, scimtest.Config{})
	var printed []result
	run := func(extra []string, args ...string) result {
		t.Helper()
		r := e.runEnv(extra, args...)
		noCrash(t, strings.Join(args, " "), r)
		printed = append(printed, r)
		return r
	}
	must := func(args ...string) {
		t.Helper()
		if r := run(creds, args...); r.code != 0 {
			t.Fatalf("otaccess %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	must("sync")
	member, group, outsider := e.pick()
	gi := strings.Index(group.DisplayName, " - ")
	role, org := group.DisplayName[:gi], group.DisplayName[gi+3:]
	must("users", "--json")
	must("user", member.ID)
	must("grant", outsider.PrimaryEmail(), role, org, "--yes")
	must("revoke", outsider.PrimaryEmail(), role, org, "--yes")
	must("deactivate", member.PrimaryEmail(), "--strip-roles", "--yes")
	must("review", "start", "--name", "leak-check", "--org", org)
	evidence := t.TempDir()
	must("review", "export", "leak-check", "--csv", filepath.Join(evidence, "e.csv"), "--json", filepath.Join(evidence, "e.json"))

	// A server that quotes the secret and Authorization headers back: the
	// current one and those of earlier runs, which this run never held.
	echo := "bad request from " + scimtest.TestClientSecret + " " + url.QueryEscape(scimtest.TestClientSecret)
	for _, tok := range e.srv.IssuedTokens() {
		echo += ", Authorization: Bearer " + tok
	}
	e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 500, Body: echo, Method: http.MethodGet, Path: "/Users"})
	if r := run(creds, "sync"); r.code == 0 || !strings.Contains(r.stderr, "500") {
		t.Fatalf("sync against a failing server: %+v", r)
	}
	e.srv.ClearFaults()
	e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 401, Body: echo, Method: http.MethodPatch})
	if r := run(creds, "grant", member.PrimaryEmail(), role, org, "--yes"); r.code == 0 || !strings.Contains(r.stderr, "401") {
		t.Fatalf("grant refused with 401: %+v", r)
	}
	e.srv.ClearFaults()
	e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultDropResponse, Method: http.MethodPatch, Times: 1})
	e.srv.InjectFault(scimtest.Fault{Kind: scimtest.FaultStatus, Status: 503, Body: echo, Method: http.MethodGet})
	run(creds, "revoke", member.PrimaryEmail(), role, org, "--yes")
	e.srv.ClearFaults()
	// A wrong secret (the right one plus a suffix) is quoted nowhere.
	wrong := []string{"OTACCESS_URL=" + e.srv.URL, "OTACCESS_CLIENT_ID=" + scimtest.TestClientID, "OTACCESS_CLIENT_SECRET=" + scimtest.TestClientSecret + "-wrong"}
	if r := run(wrong, "sync"); r.code == 0 {
		t.Fatalf("a wrong secret synced: %+v", r)
	}
	must("audit", "--json", "-n", "0")
	must("audit", "--csv", "-n", "0")

	secrets := append([]string{scimtest.TestClientSecret, url.QueryEscape(scimtest.TestClientSecret)}, e.srv.IssuedTokens()...)
	if len(secrets) < 4 {
		t.Fatalf("only %d access tokens issued: the session did not use client credentials", len(secrets)-2)
	}
	for _, r := range printed {
		for _, s := range secrets {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("%q printed:\nstdout: %s\nstderr: %s", s, r.stdout, r.stderr)
			}
		}
	}
	var files int
	for _, root := range []string{e.home, evidence} {
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return nil
			}
			files++
			data, _ := os.ReadFile(p)
			for _, s := range secrets {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%q found in %s", s, p)
				}
			}
			return nil
		})
	}
	if files < 3 {
		t.Fatalf("only %d files looked at", files)
	}
}
