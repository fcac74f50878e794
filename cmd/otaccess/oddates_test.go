package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/export"
)

// TestSyncReadsOddDates: Users V2 answering dates in odd spellings (no
// zone, a space, epoch milliseconds) and one that is no date at all: the
// sync reads the odd ones, keeps the unreadable one as unknown and warns
// naming it, and users --json says the user's last login is unknown
// rather than never.
func TestSyncReadsOddDates(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 20})
	// The fake's own Users V2 page, its first four dates rewritten.
	host := strings.TrimSuffix(e.srv.URL, "/api/scim/v2")
	req, _ := http.NewRequest(http.MethodGet, host+client.PathUsersV2+"?page=0&size=2000", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var page map[string]any
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	content := page["content"].([]any)
	dates := []any{"31/12/2025", "2026-11-20 08:14:00", float64(1795162440000), "2026-11-20T08:14:00"}
	want := []string{"", "2026-11-20T08:14:00Z", "2026-11-20T08:14:00Z", "2026-11-20T08:14:00Z"}
	ids := make([]string, len(dates))
	for i, d := range dates {
		u := content[i].(map[string]any)
		u["lastLoginDate"] = d
		ids[i] = u["userId"].(string)
	}
	body, _ := json.Marshal(page)
	e.srv.InjectFault(scimtest.Fault{Path: client.PathUsersV2, Kind: scimtest.FaultStatus, Status: http.StatusOK, Body: string(body)})

	r := e.mustRun("sync")
	if !strings.Contains(r.stderr, `warning: 1 dates from Users V2 could not be read and are kept as unknown (e.g. lastLoginDate of user `+ids[0]) ||
		!strings.Contains(r.stderr, "31/12/2025") {
		t.Fatalf("sync: %s", r.stderr)
	}
	var users []export.User
	if err := json.Unmarshal([]byte(e.mustRun("users", "--json").stdout), &users); err != nil {
		t.Fatal(err)
	}
	byID := map[string]export.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	for i, id := range ids {
		u := byID[id]
		switch {
		case want[i] == "":
			if u.LastLogin != nil || !strings.Contains(u.LastLoginNote, "not available — Users V2 did not list this user, or sent a lastLoginDate otaccess could not read") {
				t.Errorf("user %s, date %v: lastLogin %v, note %q; want unknown", id, dates[i], u.LastLogin, u.LastLoginNote)
			}
		case u.LastLogin == nil || *u.LastLogin != want[i]:
			t.Errorf("user %s, date %v: lastLogin %v, want %s", id, dates[i], u.LastLogin, want[i])
		}
	}
}
