package scimtest

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

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

// TestAccessPageEncoding: Users V2 and user group member pages built from
// cached encodings are byte for byte what encoding the page in one go
// gives, and a write through either API (SCIM or the access APIs) shows
// on the next read: the cache follows the tenant.
func TestAccessPageEncoding(t *testing.T) {
	ts := newTS(t, Config{Users: 60, Roles: 3, Orgs: 2, Seed: 7, UserGroups: 3})
	wantV2 := func(page, size int) []byte {
		ts.mu.RLock()
		defer ts.mu.RUnlock()
		order, err := ts.sortedUsersV2("")
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		writeAccessJSON(rec, 200, pageOf(len(order), page, size, true, func(i int) userV2Wire { return ts.renderUserV2(order[i]) }))
		return rec.Body.Bytes()
	}
	group := ts.UserGroups()[0]
	wantMembers := func(page, size int) []byte {
		ts.mu.RLock()
		defer ts.mu.RUnlock()
		g := ts.userGroupIdx[group.ID]
		rec := httptest.NewRecorder()
		writeAccessJSON(rec, 200, pageOf(len(g.members), page, size, false, func(i int) memberWire { return renderMember(g.members[i]) }))
		return rec.Body.Bytes()
	}
	check := func(round int) {
		t.Helper()
		for _, pg := range [][2]int{{0, 25}, {1, 25}, {2, 25}, {9, 25}, {0, 2000}} {
			got := do(t, ts, "GET", fmt.Sprintf("/api/access/v2/users?page=%d&size=%d", pg[0], pg[1]), nil)
			if w := wantV2(pg[0], pg[1]); !bytes.Equal(got.body, w) {
				t.Fatalf("round %d, Users V2 page %v differs from a direct encoding:\n got %s\nwant %s", round, pg, got.body, w)
			}
			got = do(t, ts, "GET", fmt.Sprintf("/api/access/v2/user-groups/%s/members?page=%d&size=%d", group.ID, pg[0], pg[1]), nil)
			if w := wantMembers(pg[0], pg[1]); !bytes.Equal(got.body, w) {
				t.Fatalf("round %d, members page %v differs from a direct encoding:\n got %s\nwant %s", round, pg, got.body, w)
			}
		}
	}
	// A member of the group (its member item shows active) and a user
	// who is not one yet.
	var member, outsider string
	for _, u := range ts.Users() {
		switch in := slices.Contains(group.Members, u.ID); {
		case in && member == "":
			member = u.ID
		case !in && outsider == "":
			outsider = u.ID
		}
	}
	for round := range 4 {
		check(round)
		// A write between rounds, through each API in turn: the next pages
		// must show it (the checks compare with encodings made now).
		var err error
		switch round {
		case 0:
			err = ts.SetActive(member, false) // SCIM: active, disabledDateTime, the member's enabled
		case 1:
			err = ts.SetUserGroupMember(group.ID, outsider, true)
		case 2:
			err = ts.SetLogin(member, ts.LoginAnchor().Add(-time.Hour), 0)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	body := string(do(t, ts, "GET", "/api/access/v2/user-groups/"+group.ID+"/members?size=2000", nil).body)
	if !strings.Contains(body, outsider) {
		t.Fatalf("the member added is not listed: %s", body)
	}
}
