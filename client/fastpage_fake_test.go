package client_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestFakePagesReadFast: the Users V2 and member pages the fake tenant
// serves (shaped as OneTrust's reference, "&" escaped as encoding/json
// writes it) are read by the hand-written reader itself, as jsonv2 reads
// them: a sync does not fall back to reflection on every page.
func TestFakePagesReadFast(t *testing.T) {
	ts := scimtest.NewTestServer(t, scimtest.Config{Users: 2500, Roles: 6, Orgs: 50, Seed: 3, Token: scimtest.TestToken})
	get := func(path string) []byte { return getRoot(t, ts, path) }

	for _, path := range []string{client.PathUsersV2 + "?page=0&size=2000", client.PathUsersV2 + "?page=1&size=2000"} {
		body := get(path)
		if fast, same := client.FastReadsAccessPage(body, false); !fast || !same {
			t.Errorf("%s: read fast %v, as jsonv2 %v", path, fast, same)
		}
		if !bytes.Contains(body, []byte(`\u0026`)) {
			t.Errorf("%s: no escaped '&': the test no longer covers escapes", path)
		}
	}
	groups := ts.UserGroups()
	if len(groups) == 0 {
		t.Fatal("no user groups")
	}
	path := client.PathUserGroups + "/" + groups[0].ID + "/members?page=0&size=2000"
	if fast, same := client.FastReadsAccessPage(get(path), true); !fast || !same {
		t.Errorf("%s: read fast %v, as jsonv2 %v", path, fast, same)
	}
}

// getRoot reads path on the fake's host as a sync would.
func getRoot(tb testing.TB, ts *scimtest.TestServer, path string) []byte {
	tb.Helper()
	req, _ := http.NewRequest("GET", ts.Root()+path, nil)
	req.Header.Set("Authorization", "Bearer "+scimtest.TestToken)
	resp, err := ts.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %v: %.200s", path, resp.StatusCode, err, b)
	}
	return b
}

// BenchmarkUsersV2Page: one Users V2 page of 2,000 users, read as a sync
// reads it and with jsonv2's reflection.
func BenchmarkUsersV2Page(b *testing.B) {
	ts := scimtest.NewTestServer(b, scimtest.Config{Users: 2000, Roles: 40, Orgs: 50, Seed: 1, Token: scimtest.TestToken})
	body := getRoot(b, ts, client.PathUsersV2+"?page=0&size=2000")
	for _, reflect := range []bool{false, true} {
		b.Run(map[bool]string{false: "sync", true: "reflect"}[reflect], func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if n, err := client.DecodeUserLoginPage(body, reflect); err != nil || n != 2000 {
					b.Fatal(n, err)
				}
			}
		})
	}
}
