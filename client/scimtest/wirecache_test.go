package scimtest

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/otaccess/otaccess/client"
)

// TestUserPageEncoding: a /Users page built from cached encodings is byte
// for byte what encoding the page in one go gives, and a write is visible
// on the next page (the cache follows the tenant).
func TestUserPageEncoding(t *testing.T) {
	ts := newTS(t, Config{Users: 30, Roles: 3, Orgs: 2, Seed: 5})
	want := func() []byte {
		ts.mu.RLock()
		defer ts.mu.RUnlock()
		page := []userWire{}
		for _, u := range ts.users[4:14] {
			page = append(page, ts.renderUser(ts.accessorRoot(), u))
		}
		rec := httptest.NewRecorder()
		writeJSON(rec, 200, listWire[userWire]{Schemas: []string{client.SchemaListResponse}, TotalResults: len(ts.users), StartIndex: 5, ItemsPerPage: len(page), Resources: page})
		return rec.Body.Bytes()
	}
	for round := range 3 {
		got := do(t, ts, "GET", "/Users?startIndex=5&count=10", nil)
		if w := want(); !bytes.Equal(got.body, w) {
			t.Fatalf("round %d: page differs from a direct encoding:\n got %s\nwant %s", round, got.body, w)
		}
		// Change a listed user between rounds: its next encoding must show it.
		u := ts.Users()[6]
		if err := ts.SetMember(u.ID, ts.Groups()[round].ID, len(u.Groups) == 0 || round%2 == 0); err != nil {
			t.Fatal(err)
		}
		if err := ts.SetActive(u.ID, round%2 == 1); err != nil {
			t.Fatal(err)
		}
	}
	empty := do(t, ts, "GET", "/Users?startIndex=500&count=10", nil)
	if !bytes.Contains(empty.body, []byte(`"itemsPerPage":0,"Resources":[]}`)) {
		t.Fatalf("empty page: %s", empty.body)
	}
}
