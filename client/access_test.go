package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseAccessTime(t *testing.T) {
	want := time.Date(2026, 11, 20, 8, 14, 0, 0, time.UTC)
	for _, s := range []string{
		"2026-11-20T08:14:00Z", "2026-11-20T08:14:00.000Z", "2026-11-20T09:14:00+01:00", "2026-11-20T09:14:00.000+0100",
		"2026-11-20T08:14:00", "2026-11-20T08:14:00.000", "2026-11-20 08:14:00", "2026-11-20T08:14", "1795162440000", "1795162440",
	} {
		got, err := ParseAccessTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseAccessTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "null", "  "} {
		if got, err := ParseAccessTime(s); err != nil || !got.IsZero() {
			t.Errorf("ParseAccessTime(%q) = %v, %v; want zero", s, got, err)
		}
	}
	for _, s := range []string{"20/11/2026", "yesterday", "2026-13-45T99:00:00Z", "-5", "1e300", strings.Repeat("9", 400)} {
		if _, err := ParseAccessTime(s); err == nil || !strings.Contains(err.Error(), "not a date-time") {
			t.Errorf("ParseAccessTime(%q): err %v", s, err)
		}
	}
}

func TestAccessTimeJSON(t *testing.T) {
	var u UserV2
	body := `{"userId":"u1","lastLoginDate":"31/12/2025","createdDate":"2025-06-02T09:30:00.123","disabledDateTime":null,
		"expirationDateTime":1795162440000,"lastModifiedDate":{"odd":true},"accessLevels":[{"roleId":"r","organizationId":"o"}]}`
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		t.Fatal(err)
	}
	if !u.LastLoginDate.Bad || u.LastLoginDate.Err() == nil || !strings.Contains(u.LastLoginDate.Err().Error(), "31/12/2025") {
		t.Errorf("lastLoginDate %+v", u.LastLoginDate)
	}
	if u.CreatedDate.Bad || u.CreatedDate.Time.Year() != 2025 || !u.DisabledDateTime.Time.IsZero() || u.DisabledDateTime.Bad {
		t.Errorf("created %+v disabled %+v", u.CreatedDate, u.DisabledDateTime)
	}
	if u.ExpirationDateTime.Time.Year() != 2026 || !u.LastModifiedDate.Bad || u.AccessLevels[0].GroupID() != "r:o" {
		t.Errorf("expiration %+v lastModified %+v", u.ExpirationDateTime, u.LastModifiedDate)
	}
}

func TestAccessEndpoint(t *testing.T) {
	for p, want := range map[string]string{
		"/api/access/v2/users":                       "access/v2/users",
		"/api/access/v2/users/abc":                   "access/v2/users/{id}",
		"/api/access/v2/user-groups":                 "access/v2/user-groups",
		"/api/access/v2/user-groups/g/access-levels": "access/v2/user-groups/{id}/access-levels",
		"/api/access/v2/user-groups/g/members":       "access/v2/user-groups/{id}/members",
		"/api/access/v2/user-groups/g/members/u":     "access/v2/user-groups/{id}/members/{id}",
		"/api/access/v1/login-history":               "access/v1/login-history",
		"/Users/abc":                                 "Users",
	} {
		if got := endpointOf(p); got != want {
			t.Errorf("endpointOf(%s) = %s, want %s", p, got, want)
		}
	}
}

// memberPages serves a user group of n members in Spring pages.
type memberPages struct {
	n     atomic.Int64
	grow  int // members added once page 0 has been served
	calls atomic.Int64
}

func (m *memberPages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/api/access/v2/user-groups/g1/members") {
		http.NotFound(w, r)
		return
	}
	m.calls.Add(1)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	size = min(size, 2000)
	n := int(m.n.Load())
	if page == 0 && m.grow > 0 {
		defer m.n.Add(int64(m.grow))
	}
	pages := (n + size - 1) / size
	var items []string
	for i := page * size; i < min(n, (page+1)*size); i++ {
		items = append(items, fmt.Sprintf(`{"memberId":"m%05d","fullName":"M %d","email":"m%d@x.test","enabled":true,"createdDate":"2025-01-0%dT10:00:00"}`, i, i, i, 1+i%9))
	}
	fmt.Fprintf(w, `{"content":[%s],"empty":%v,"first":%v,"last":%v,"number":%d,"numberOfElements":%d,"size":%d,"totalElements":%d,"totalPages":%d}`,
		strings.Join(items, ","), len(items) == 0, page == 0, page >= pages-1, page, len(items), size, n, pages)
}

func TestUserGroupWithThousandsOfMembers(t *testing.T) {
	h := &memberPages{}
	h.n.Store(4501)
	c, _ := newTestClient(t, h)
	members, err := c.AllUserGroupMembers(ctxT(t), "g1", AccessWalk{})
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 4501 || h.calls.Load() != 3 || members[4500].MemberID != "m04500" || members[2000].CreatedDate.Time.Day() != 3 {
		t.Fatalf("%d members in %d requests", len(members), h.calls.Load())
	}
}

func TestAccessWalkReadsOnWhenTheListGrows(t *testing.T) {
	// Page 0 announces 2 pages; by the time page 1 is read there are 3:
	// page 1 is not last, so the walk reads on, then sees its totals
	// disagree and reads the list again.
	h := &memberPages{grow: 2000}
	h.n.Store(3000)
	c, _ := newTestClient(t, h)
	_, err := c.AllUserGroupMembers(ctxT(t), "g1", AccessWalk{})
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("a list that grows on every read: %v", err)
	}
	h2 := &memberPages{}
	h2.n.Store(0)
	c2, _ := newTestClient(t, h2)
	if m, err := c2.AllUserGroupMembers(ctxT(t), "g1", AccessWalk{}); err != nil || len(m) != 0 {
		t.Fatalf("an empty group: %v %v", m, err)
	}
}

func TestAccessWalkRefusesAbsurdPageCounts(t *testing.T) {
	c, _ := newTestClient(t, &recorder{body: `{"content":[{"memberId":"a"}],"last":false,"totalPages":999999999,"totalElements":5}`})
	_, err := c.AllUserGroupMembers(ctxT(t), "g1", AccessWalk{})
	if err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("err %v", err)
	}
}

func TestAccessErrors(t *testing.T) {
	rc := &recorder{status: 403, body: `{"status":403,"error":"Forbidden","message":"missing scope USER"}`}
	c, srv := newTestClient(t, rc)
	_, err := c.AllUsersV2(ctxT(t), AccessWalk{})
	if !IsForbidden(err) || !strings.Contains(err.Error(), srv.URL+"/api/access/v2/users") {
		t.Fatalf("403: %v", err)
	}
	if q := rc.last(t).Query; !strings.Contains(q, "page=0") || !strings.Contains(q, "size=2000") {
		t.Errorf("query %q", q)
	}
	if rc.last(t).Header.Get("Authorization") != "Bearer "+testToken {
		t.Errorf("no bearer token on the access API")
	}
	c404, _ := newTestClient(t, http.NotFoundHandler())
	if _, err := c404.AllUserGroups(ctxT(t), AccessWalk{}); !IsNotFound(err) {
		t.Fatalf("404: %v", err)
	}
	if err := c404.RemoveUserGroupMember(ctxT(t), "", "u"); err == nil {
		t.Fatal("an empty group id was sent")
	}
	cbad, _ := newTestClient(t, &recorder{body: `<html>login</html>`})
	if _, err := cbad.UserGroupAccessLevels(ctxT(t), "g"); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Fatalf("HTML: %v", err)
	}
}
