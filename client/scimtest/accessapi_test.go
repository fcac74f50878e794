package scimtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

var testAnchor = time.Date(2026, time.December, 1, 12, 0, 0, 0, time.UTC)

// doRoot sends to the tenant's host, outside the SCIM base path.
func doRoot(t *testing.T, ts *TestServer, method, p string, body any) response {
	t.Helper()
	saved := ts.URL
	ts.URL = ts.HTTPServer.URL
	defer func() { ts.URL = saved }()
	return do(t, ts, method, p, body)
}

type page[T any] struct {
	Content          []T   `json:"content"`
	Empty            bool  `json:"empty"`
	First            bool  `json:"first"`
	Last             bool  `json:"last"`
	Number           int   `json:"number"`
	NumberOfElements int   `json:"numberOfElements"`
	Size             int   `json:"size"`
	TotalElements    int64 `json:"totalElements"`
	TotalPages       int   `json:"totalPages"`
}

type v2User struct {
	UserID           string            `json:"userId"`
	Email            string            `json:"email"`
	Active           bool              `json:"active"`
	LastLoginDate    *string           `json:"lastLoginDate"`
	DisabledDateTime *string           `json:"disabledDateTime"`
	DisabledBy       *string           `json:"disabledBy"`
	CreatedDate      *string           `json:"createdDate"`
	AccessLevels     []accessLevelWire `json:"accessLevels"`
}

func walkPages[T any](t *testing.T, ts *TestServer, p string, size int) ([]T, []page[T]) {
	t.Helper()
	var all []T
	var pages []page[T]
	sep := "?"
	if strings.Contains(p, "?") {
		sep = "&"
	}
	for n := 0; n < 1000; n++ {
		r := doRoot(t, ts, "GET", fmt.Sprintf("%s%spage=%d&size=%d", p, sep, n, size), nil)
		expectStatus(t, r, http.StatusOK)
		pg := decode[page[T]](t, r)
		pages = append(pages, pg)
		all = append(all, pg.Content...)
		if pg.Last {
			return all, pages
		}
	}
	t.Fatal("no last page")
	return nil, nil
}

func TestUsersV2PagingAndConsistency(t *testing.T) {
	ts := newTS(t, Config{Users: 4500, Orgs: 5, Seed: 3, LoginAnchor: testAnchor})
	users, pages := walkPages[v2User](t, ts, "/api/access/v2/users", 2000)
	if len(pages) != 3 || !pages[0].First || pages[0].Last || !pages[2].Last || pages[2].NumberOfElements != 500 ||
		pages[1].TotalElements != 4500 || pages[1].TotalPages != 3 || pages[1].Number != 1 || pages[1].Size != 2000 {
		t.Fatalf("envelopes: %+v", []any{pages[0].First, pages[0].Last, pages[2].Last, pages[2].NumberOfElements, pages[1]})
	}
	scim := ts.Users()
	if len(users) != len(scim) {
		t.Fatalf("%d users in V2, %d in SCIM", len(users), len(scim))
	}
	byID := map[string]v2User{}
	for _, u := range users {
		byID[u.UserID] = u
	}
	for _, u := range scim {
		v, ok := byID[u.ID]
		if !ok || v.Email != u.PrimaryEmail() || v.Active != u.Active || len(v.AccessLevels) != len(u.Groups) {
			t.Fatalf("user %s: V2 %+v, SCIM %+v", u.ID, v, u)
		}
		for i, l := range v.AccessLevels {
			if l.RoleID+":"+l.OrganizationID != u.Groups[i].Value {
				t.Fatalf("user %s level %d %+v, SCIM group %s", u.ID, i, l, u.Groups[i].Value)
			}
		}
		if !u.Active && v.DisabledDateTime == nil {
			t.Fatalf("inactive user %s without disabledDateTime", u.ID)
		}
	}
	// Spring's page rules: above the maximum is the maximum, below 1 the default.
	if pg := decode[page[v2User]](t, doRoot(t, ts, "GET", "/api/access/v2/users?size=5000", nil)); pg.Size != 2000 || len(pg.Content) != 2000 {
		t.Fatalf("size=5000 gave %d/%d", pg.Size, len(pg.Content))
	}
	if pg := decode[page[v2User]](t, doRoot(t, ts, "GET", "/api/access/v2/users?size=0&page=-1", nil)); pg.Size != 20 || pg.Number != 0 {
		t.Fatalf("size=0 gave size %d page %d", pg.Size, pg.Number)
	}
	if pg := decode[page[v2User]](t, doRoot(t, ts, "GET", "/api/access/v2/users?page=99&size=2000", nil)); !pg.Empty || !pg.Last || len(pg.Content) != 0 {
		t.Fatalf("past the end: %+v", pg)
	}
	expectStatus(t, doRoot(t, ts, "GET", "/api/access/v2/users?page=x", nil), http.StatusBadRequest)

	// A write through SCIM shows in Users V2: a revoke and a deactivation.
	u := scim[0]
	for _, g := range scim {
		if g.Active && len(g.Groups) > 0 {
			u = g
			break
		}
	}
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+u.Groups[0].Value, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "remove", "path": "members", "value": []any{map[string]string{"value": u.ID}}}}}), http.StatusNoContent)
	expectStatus(t, do(t, ts, "PATCH", "/Users/"+u.ID, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}), http.StatusOK)
	v := decode[v2User](t, doRoot(t, ts, "GET", "/api/access/v2/users/"+u.ID, nil))
	if len(v.AccessLevels) != len(u.Groups)-1 || v.Active || v.DisabledDateTime == nil || v.DisabledBy == nil || *v.DisabledBy != "Api Key User" {
		t.Fatalf("after the SCIM writes V2 says %+v", v)
	}
	expectStatus(t, doRoot(t, ts, "GET", "/api/access/v2/users/nobody", nil), http.StatusNotFound)
}

func TestUserGroupsGenerated(t *testing.T) {
	ts := newTS(t, Config{Users: 3000, Orgs: 4, Seed: 5, LoginAnchor: testAnchor})
	type ug struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	groups, _ := walkPages[ug](t, ts, "/api/access/v2/user-groups", 4)
	if len(groups) != 6 || len(ts.UserGroups()) != 6 {
		t.Fatalf("%d user groups for 3,000 users, want 6 (one per 500)", len(groups))
	}
	if !slices.IsSortedFunc(groups, func(a, b ug) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }) {
		t.Errorf("not sorted by name: %v", groups)
	}
	onlyVia, both := 0, 0
	for _, g := range ts.UserGroups() {
		var lv []accessLevelWire
		if r := doRoot(t, ts, "GET", "/api/access/v2/user-groups/"+g.ID+"/access-levels", nil); r.status != 200 || json.Unmarshal(r.body, &lv) != nil || len(lv) != len(g.Levels) || len(lv) == 0 {
			t.Fatalf("access levels of %s: %d %s", g.Name, r.status, trunc(r.body))
		}
		type member struct {
			MemberID string `json:"memberId"`
		}
		members, _ := walkPages[member](t, ts, "/api/access/v2/user-groups/"+g.ID+"/members", 50)
		if len(members) != len(g.Members) {
			t.Fatalf("%s: %d members paged, %d held", g.Name, len(members), len(g.Members))
		}
		for _, m := range members {
			direct := false
			for _, l := range g.Levels {
				direct = direct || ts.IsMember(m.MemberID, l)
			}
			if direct {
				both++
			} else {
				onlyVia++
			}
		}
	}
	if onlyVia < 20 || both < 5 {
		t.Errorf("memberships held only through a group %d, held both ways %d: want plenty of each", onlyVia, both)
	}
	expectStatus(t, doRoot(t, ts, "GET", "/api/access/v2/user-groups?filters=name==Privacy%20Team", nil), http.StatusOK)
	if pg := decode[page[ug]](t, doRoot(t, ts, "GET", "/api/access/v2/user-groups?filters=name==privacy%20team", nil)); len(pg.Content) != 1 || pg.Content[0].Name != "Privacy Team" {
		t.Errorf("filters name==: %+v", pg.Content)
	}
}

func TestUserGroupMembersWrites(t *testing.T) {
	ts := newTS(t, Config{Users: 4500, Orgs: 3, Seed: 9, UserGroups: -1, LoginAnchor: testAnchor})
	users := ts.Users()
	var ids []string
	for _, u := range users[:4100] {
		ids = append(ids, u.ID)
	}
	gid, err := ts.AddUserGroup("Everyone", []string{ts.DefaultGroupID()}, ids)
	if err != nil {
		t.Fatal(err)
	}
	type member struct {
		MemberID string `json:"memberId"`
	}
	members, pages := walkPages[member](t, ts, "/api/access/v2/user-groups/"+gid+"/members", 5000)
	if len(members) != 4100 || len(pages) != 3 || pages[0].Size != 2000 {
		t.Fatalf("%d members in %d pages", len(members), len(pages))
	}
	outsider := users[4200].ID
	p := "/api/access/v2/user-groups/" + gid + "/members/"
	expectStatus(t, doRoot(t, ts, "DELETE", p+outsider, nil), http.StatusNotFound)
	expectStatus(t, doRoot(t, ts, "POST", p+outsider, nil), http.StatusCreated)
	expectStatus(t, doRoot(t, ts, "DELETE", p+ids[0], nil), http.StatusNoContent)
	expectStatus(t, doRoot(t, ts, "DELETE", p+"no-such-user", nil), http.StatusNotFound)
	expectStatus(t, doRoot(t, ts, "POST", "/api/access/v2/user-groups/nope/members/"+ids[1], nil), http.StatusNotFound)
	if got := ts.UserGroupsOf(outsider); len(got) != 1 || got[0].ID != gid {
		t.Errorf("outsider's groups after POST: %+v", got)
	}
	if got := ts.UserGroupsOf(ids[0]); len(got) != 0 {
		t.Errorf("removed member still in %+v", got)
	}
	// A deleted user leaves its user groups.
	expectStatus(t, do(t, ts, "DELETE", "/Users/"+ids[1], nil), http.StatusNoContent)
	g := ts.UserGroups()[0]
	if len(g.Members) != 4099 || slices.Contains(g.Members, ids[1]) {
		t.Errorf("after a delete the group has %d members", len(g.Members))
	}
	expectStatus(t, doRoot(t, ts, "POST", "/api/access/v2/user-groups/"+gid+"/members", map[string]any{"members": []string{}}), http.StatusBadRequest)
	expectStatus(t, doRoot(t, ts, "DELETE", "/api/access/v2/user-groups/"+gid+"/members", map[string]any{"members": []string{ids[2], ids[3]}}), http.StatusNoContent)
	if len(ts.UserGroups()[0].Members) != 4097 {
		t.Errorf("bulk delete left %d", len(ts.UserGroups()[0].Members))
	}
}

func TestLoginsSpreadAndHistory(t *testing.T) {
	ts := newTS(t, Config{Users: 3000, Seed: 11, LoginAnchor: testAnchor})
	var recent, months, never, failing int
	day := 24 * time.Hour
	for _, u := range ts.Users() {
		l, _ := ts.LoginOf(u.ID)
		switch age := testAnchor.Sub(l.Last); {
		case l.Last.IsZero():
			never++
		case age < 30*day:
			recent++
		case age > 90*day:
			months++
		}
		if l.FailedAfter > 0 {
			failing++
		}
	}
	if recent < 900 || months < 400 || never < 150 || failing < 50 {
		t.Fatalf("recent %d, months ago %d, never %d, failing %d of 3,000", recent, months, never, failing)
	}
	type rec struct {
		UserID, UserName, IPAddress, UserAgentString, CreateDT, Status string
	}
	checked := 0
	for _, u := range ts.Users() {
		l, _ := ts.LoginOf(u.ID)
		if l.FailedAfter == 0 || l.Last.IsZero() || testAnchor.Sub(l.Last) > 300*day {
			continue
		}
		hist, _ := walkPages[rec](t, ts, "/api/access/v1/login-history?userId="+u.ID, 7)
		if len(hist) < l.FailedAfter+1 {
			t.Fatalf("history of %s: %d records", u.ID, len(hist))
		}
		for i, h := range hist[:l.FailedAfter] {
			if h.Status != "Failure" {
				t.Fatalf("record %d of %s is %s, want the failures after the last success first: %+v", i, u.ID, h.Status, hist[:l.FailedAfter+1])
			}
		}
		first := hist[l.FailedAfter]
		at, err := time.Parse(time.RFC3339, first.CreateDT)
		if first.Status != "Success" || err != nil || !at.Equal(l.Last) || first.IPAddress == "" || first.UserAgentString == "" || first.UserName != u.UserName {
			t.Fatalf("newest success of %s: %+v, lastLogin %s", u.ID, first, l.Last)
		}
		if checked++; checked == 5 {
			break
		}
	}
	if checked == 0 {
		t.Fatal("no user whose latest attempts failed")
	}
	expectStatus(t, doRoot(t, ts, "GET", "/api/access/v1/login-history?startDate=2020-01-01T00:00:00Z&endDate=2026-12-01T00:00:00Z", nil), http.StatusBadRequest)
	all := decode[page[rec]](t, doRoot(t, ts, "GET", "/api/access/v1/login-history?size=2000", nil))
	if all.TotalElements < 100 {
		t.Errorf("last 7 days of everyone: %d records", all.TotalElements)
	}
}

func TestAccessEndpointsHaveTheirOwnBudget(t *testing.T) {
	clk := NewManualClock(testAnchor)
	ts := newTS(t, Config{Users: 50, Seed: 1, RateLimitPerMinute: 2, RateClock: clk.Now, LoginAnchor: testAnchor})
	for range 2 {
		expectStatus(t, doRoot(t, ts, "GET", "/api/access/v2/users?size=10", nil), http.StatusOK)
	}
	r := doRoot(t, ts, "GET", "/api/access/v2/users?size=10", nil)
	expectStatus(t, r, http.StatusTooManyRequests)
	if r.header.Get("ot-period") != "MINUTE" || r.header.Get("Retry-After") == "" {
		t.Errorf("429 headers %v", r.header)
	}
	g := ts.UserGroups()[0].ID
	for _, p := range []string{"/api/access/v2/user-groups", "/api/access/v2/user-groups/" + g + "/members", "/api/access/v2/user-groups/" + g + "/access-levels", "/api/access/v1/login-history"} {
		expectStatus(t, doRoot(t, ts, "GET", p, nil), http.StatusOK)
	}
	expectStatus(t, do(t, ts, "GET", "/Users?count=1", nil), http.StatusOK)
	clk.Advance(time.Minute)
	expectStatus(t, doRoot(t, ts, "GET", "/api/access/v2/users?size=10", nil), http.StatusOK)
	for p, want := range map[string]string{
		"/api/access/v2/users":                   "access/v2/users",
		"/api/access/v2/user-groups/x/members":   "access/v2/user-groups/{id}/members",
		"/api/access/v2/user-groups/x/members/y": "access/v2/user-groups/{id}/members/{id}",
		"/Users/abc":                             "Users",
	} {
		if got := endpointKey(p); got != want {
			t.Errorf("endpointKey(%s) = %s, want %s", p, got, want)
		}
	}
}

func TestNoAccessAPIs(t *testing.T) {
	ts := newTS(t, Config{Users: 10, NoAccessAPIs: true})
	expectStatus(t, doRoot(t, ts, "GET", "/api/access/v2/users", nil), http.StatusNotFound)
	expectStatus(t, doRoot(t, ts, "GET", "/api/access/v2/user-groups", nil), http.StatusNotFound)
	expectStatus(t, do(t, ts, "GET", "/Users", nil), http.StatusOK)
}
