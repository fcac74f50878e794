package scimtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
)

func TestAuth(t *testing.T) {
	ts := newTS(t, Config{Users: 3})
	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Basic dGVzdA==", testToken} {
		r := doAuth(t, ts, "GET", "/Users", auth, nil)
		expectSCIMError(t, r, http.StatusUnauthorized, "")
		if r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("auth %q: no WWW-Authenticate", auth)
		}
	}
	expectStatus(t, doAuth(t, ts, "GET", "/Users", "bearer "+testToken, nil), http.StatusOK)

	// An empty Config.Token accepts any bearer token but still requires one.
	open := NewTestServer(t, Config{Users: 1})
	expectStatus(t, doAuth(t, open, "GET", "/Users", "Bearer anything", nil), http.StatusOK)
	expectStatus(t, doAuth(t, open, "GET", "/Users", "", nil), http.StatusUnauthorized)
}

func TestUserPaging(t *testing.T) {
	ts := newTS(t, Config{Users: 250, Seed: 7, UserPageCap: 40})
	all := ts.Users()
	if len(all) != 250 {
		t.Fatalf("%d users", len(all))
	}
	// Walk the whole list with a page size above the cap.
	var got []string
	for start := 1; ; {
		r := do(t, ts, "GET", "/Users?startIndex="+itoa(start)+"&count=100", nil)
		expectStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "application/scim+json" {
			t.Fatalf("Content-Type %q", ct)
		}
		page := decode[userList](t, r)
		if page.TotalResults != 250 || page.StartIndex != start || page.ItemsPerPage != len(page.Resources) {
			t.Fatalf("page at %d: total %d start %d items %d/%d", start, page.TotalResults, page.StartIndex, page.ItemsPerPage, len(page.Resources))
		}
		if len(page.Resources) > 40 {
			t.Fatalf("page of %d exceeds the cap", len(page.Resources))
		}
		if len(page.Resources) == 0 {
			break
		}
		for _, u := range page.Resources {
			got = append(got, u.ID)
		}
		start += len(page.Resources)
	}
	if len(got) != 250 {
		t.Fatalf("paged %d users", len(got))
	}
	for i, u := range all {
		if got[i] != u.ID {
			t.Fatalf("order differs at %d", i)
		}
	}

	cases := []struct {
		query      string
		start, n   int
		firstIndex int
	}{
		{"", 1, 40, 0},                      // default count 100, capped at 40
		{"?count=0", 1, 0, 0},               // totals only
		{"?count=-5", 1, 0, 0},              // negative count is 0
		{"?startIndex=0&count=3", 1, 3, 0},  // startIndex < 1 is 1
		{"?startIndex=-9&count=3", 1, 3, 0}, // likewise
		{"?startIndex=249&count=10", 249, 2, 248},
		{"?startIndex=251&count=10", 251, 0, 0},
		{"?startIndex=1000", 1000, 0, 0},
	}
	for _, c := range cases {
		page := decode[userList](t, do(t, ts, "GET", "/Users"+c.query, nil))
		if page.StartIndex != c.start || len(page.Resources) != c.n || page.ItemsPerPage != c.n || page.TotalResults != 250 {
			t.Errorf("%q: start %d items %d/%d total %d", c.query, page.StartIndex, page.ItemsPerPage, len(page.Resources), page.TotalResults)
			continue
		}
		if c.n > 0 && page.Resources[0].ID != all[c.firstIndex].ID {
			t.Errorf("%q: first user %s, want %s", c.query, page.Resources[0].ID, all[c.firstIndex].ID)
		}
	}
	// count=0 still carries "Resources": [].
	r := do(t, ts, "GET", "/Users?count=0", nil)
	if !strings.Contains(string(r.body), `"Resources":[]`) {
		t.Errorf("count=0 body %s", r.body)
	}
	expectSCIMError(t, do(t, ts, "GET", "/Users?count=ten", nil), 400, "invalidValue")
	expectSCIMError(t, do(t, ts, "GET", "/Users?startIndex=x", nil), 400, "invalidValue")
}

func TestDefaultCountAndCap(t *testing.T) {
	ts := newTS(t, Config{Users: 1500})
	if n := len(decode[userList](t, do(t, ts, "GET", "/Users", nil)).Resources); n != 100 {
		t.Errorf("default page %d, want 100", n)
	}
	if n := len(decode[userList](t, do(t, ts, "GET", "/Users?count=5000", nil)).Resources); n != 1000 {
		t.Errorf("capped page %d, want 1000", n)
	}
}

// The accessors return exactly what a client decodes from GET.
func TestAccessorsMatchWire(t *testing.T) {
	ts := newTS(t, Config{Users: 60, Seed: 3})
	page := decode[userList](t, do(t, ts, "GET", "/Users?count=100", nil))
	for _, wu := range page.Resources {
		au, ok := ts.User(wu.ID)
		if !ok || !reflect.DeepEqual(au, wu) {
			t.Fatalf("accessor differs from wire:\n%+v\n%+v", au, wu)
		}
		one := decode[client.User](t, do(t, ts, "GET", "/Users/"+wu.ID, nil))
		if !reflect.DeepEqual(one, wu) {
			t.Fatalf("GET /Users/{id} differs from the list entry")
		}
	}
	for _, g := range ts.Groups()[:5] {
		wg := decode[client.Group](t, do(t, ts, "GET", "/Groups/"+g.ID, nil))
		if !reflect.DeepEqual(wg, g) {
			t.Fatalf("group accessor differs from wire:\n%+v\n%+v", g, wg)
		}
	}
}

// The wire form mirrors the documents: explicit nulls, core schema only,
// the enterprise extension always present.
func TestUserWireShape(t *testing.T) {
	ts := newTS(t, Config{Users: 200, Seed: 11})
	r := do(t, ts, "GET", "/Users?count=200", nil)
	var raw struct {
		Resources []map[string]json.RawMessage
	}
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	nullExternal, nullModified := 0, 0
	for _, u := range raw.Resources {
		for _, k := range []string{"id", "externalId", "meta", "schemas", "userName", "name", "userType", "active", "groups", "emails", client.SchemaEnterpriseUser} {
			if _, ok := u[k]; !ok {
				t.Fatalf("user without %q: %v", k, u)
			}
		}
		if string(u["externalId"]) == "null" {
			nullExternal++
		}
		if strings.Contains(string(u["meta"]), `"lastModified":null`) {
			nullModified++
		}
		if string(u["schemas"]) != `["`+client.SchemaUser+`"]` {
			t.Fatalf("schemas %s", u["schemas"])
		}
	}
	if nullExternal == 0 {
		t.Error("no user with externalId null")
	}
	_ = nullModified // ~1%: may be 0 in 200 users
	// Some locations lack /v2, as in the documents.
	short := 0
	for _, u := range ts.Users() {
		if !strings.Contains(u.Meta.Location, "/v2/") {
			short++
			if !strings.HasSuffix(u.Meta.Location, "/api/scim/"+u.ID) {
				t.Errorf("odd location %q", u.Meta.Location)
			}
		}
	}
	if short == 0 {
		t.Error("every location has /v2")
	}
}

func TestGroups(t *testing.T) {
	ts := newTS(t, Config{Users: 300, Roles: 12, Orgs: 6, Seed: 5})
	roles, orgs := ts.Roles(), ts.Orgs()
	var listed []client.Group
	for start := 1; ; {
		r := do(t, ts, "GET", "/Groups?startIndex="+itoa(start)+"&count=100&filter="+`displayName%20eq%20"x"`, nil)
		expectStatus(t, r, http.StatusOK)
		page := decode[groupList](t, r)
		if page.TotalResults != 72 {
			t.Fatalf("total %d (filter must be ignored)", page.TotalResults)
		}
		if len(page.Resources) > 25 {
			t.Fatalf("group page of %d", len(page.Resources))
		}
		if len(page.Resources) == 0 {
			break
		}
		if !strings.Contains(string(r.body), `"members":[]`) {
			t.Fatal(`list entries must show "members": []`)
		}
		listed = append(listed, page.Resources...)
		start += len(page.Resources)
	}
	if len(listed) != 72 {
		t.Fatalf("%d groups", len(listed))
	}
	if n := len(decode[groupList](t, do(t, ts, "GET", "/Groups", nil)).Resources); n != 25 {
		t.Errorf("default group page %d, want 25", n)
	}
	byID := map[string]client.Group{}
	mismatch := 0
	for _, g := range listed {
		byID[g.ID] = g
		if len(g.Members) != 0 {
			t.Fatalf("list shows members")
		}
		if !reflect.DeepEqual(g.Schemas, []string{client.SchemaGroup, client.SchemaOneTrustGroup}) {
			t.Fatalf("schemas %v", g.Schemas)
		}
		if g.OneTrust == nil || g.OneTrust.Category == "" || g.OneTrust.Description == "" {
			t.Fatalf("extension %+v", g.OneTrust)
		}
	}
	for _, role := range roles {
		for _, org := range orgs {
			g, ok := byID[role.ID+":"+org.ID]
			if !ok {
				t.Fatalf("missing group %s x %s", role.Name, org.Name)
			}
			if g.DisplayName != role.Name+" - "+org.Name {
				t.Errorf("displayName %q", g.DisplayName)
			}
			if g.OneTrust.Description != role.Name+" has access to this "+org.Name {
				t.Errorf("description %q", g.OneTrust.Description)
			}
			if g.OneTrust.Category != org.Name {
				mismatch++
			}
		}
	}
	if mismatch == 0 {
		t.Error("no group whose category differs from its org (the documents have some)")
	}
	// GET one group shows its members, consistent with User.groups.
	for _, g := range ts.Groups() {
		full := decode[client.Group](t, do(t, ts, "GET", "/Groups/"+g.ID, nil))
		for _, m := range full.Members {
			if !ts.IsMember(m.Value, g.ID) || m.Type != "User" || !strings.HasSuffix(m.Ref, "/Users/"+m.Value) {
				t.Fatalf("member %+v of %s", m, g.ID)
			}
			u, _ := ts.User(m.Value)
			found := false
			for _, ref := range u.Groups {
				found = found || (ref.Value == g.ID && ref.Display == g.DisplayName)
			}
			if !found {
				t.Fatalf("user %s lacks group %s in User.groups", m.Value, g.ID)
			}
		}
	}
	expectSCIMError(t, do(t, ts, "GET", "/Groups/nope:nope", nil), 404, "")
	// Ids with an escaped colon work too.
	g := ts.Groups()[0]
	expectStatus(t, do(t, ts, "GET", "/Groups/"+strings.Replace(g.ID, ":", "%3A", 1), nil), 200)
}

func TestNastyNames(t *testing.T) {
	s := NewServer(Config{Users: 2000, Roles: 40, Orgs: 50, Seed: 1})
	want := map[string]bool{"EMEA - Sales": false, "Data Mapping - Editor": false}
	for _, o := range s.Orgs() {
		if _, ok := want[o.Name]; ok {
			want[o.Name] = true
		}
	}
	for _, r := range s.Roles() {
		if _, ok := want[r.Name]; ok {
			want[r.Name] = true
		}
	}
	for n, ok := range want {
		if !ok {
			t.Errorf("%q missing", n)
		}
	}
	if _, ok := s.GroupID("Data Mapping - Editor", "EMEA - Sales"); !ok {
		t.Error("no Data Mapping - Editor - EMEA - Sales group")
	}
	var accents, apostrophes bool
	for _, u := range s.Users() {
		accents = accents || strings.ContainsAny(u.Name.GivenName+u.Name.FamilyName, "éüøñ")
		apostrophes = apostrophes || strings.Contains(u.Name.FamilyName, "'")
	}
	if !accents || !apostrophes {
		t.Errorf("accents %v apostrophes %v", accents, apostrophes)
	}
	// Beyond the lists, names are numbered and stay unique.
	big := NewServer(Config{Roles: 45, Orgs: 55})
	seen := map[string]bool{}
	for _, g := range big.Groups() {
		if seen[g.DisplayName] {
			t.Fatalf("duplicate group name %q", g.DisplayName)
		}
		seen[g.DisplayName] = true
	}
}

func TestDiscoveryAndRouting(t *testing.T) {
	ts := newTS(t, Config{})
	spc := decode[map[string]any](t, do(t, ts, "GET", "/ServiceProviderConfig", nil))
	if spc["patch"].(map[string]any)["supported"] != true || spc["filter"].(map[string]any)["maxResults"] != float64(1000) {
		t.Errorf("ServiceProviderConfig %v", spc)
	}
	schemas := decode[client.ListResponse[map[string]any]](t, do(t, ts, "GET", "/Schemas", nil))
	if schemas.TotalResults != 4 {
		t.Errorf("%d schemas", schemas.TotalResults)
	}
	one := decode[map[string]any](t, do(t, ts, "GET", "/Schemas/"+client.SchemaUser, nil))
	if one["id"] != client.SchemaUser {
		t.Errorf("schema %v", one["id"])
	}
	rts := decode[client.ListResponse[map[string]any]](t, do(t, ts, "GET", "/ResourceTypes", nil))
	if rts.TotalResults != 2 {
		t.Errorf("%d resource types", rts.TotalResults)
	}
	expectStatus(t, do(t, ts, "GET", "/ResourceTypes/User", nil), 200)
	expectSCIMError(t, do(t, ts, "GET", "/ResourceTypes/Nope", nil), 404, "")

	expectSCIMError(t, do(t, ts, "GET", "/Nope", nil), 404, "")
	expectSCIMError(t, do(t, ts, "GET", "/Users/a/b", nil), 404, "")
	expectSCIMError(t, doAuth(t, ts, "GET", "/../../other", "", nil), 404, "")
	r := do(t, ts, "DELETE", "/Users", nil)
	expectSCIMError(t, r, 405, "")
	if r.header.Get("Allow") == "" {
		t.Error("405 without Allow")
	}
	expectSCIMError(t, do(t, ts, "POST", "/Groups", "{}"), 405, "")
	expectSCIMError(t, do(t, ts, "DELETE", "/Groups/x", nil), 405, "")
	expectSCIMError(t, do(t, ts, "POST", "/ServiceProviderConfig", "{}"), 405, "")
	g := ts.Groups()[0]
	e := expectSCIMError(t, do(t, ts, "PUT", "/Groups/"+g.ID, map[string]any{"displayName": "x"}), 501, "")
	if !strings.Contains(e.Detail, "PATCH") {
		t.Errorf("PUT /Groups detail %q", e.Detail)
	}

	// Outside the base path.
	res, err := ts.Client().Get(ts.HTTPServer.URL + "/api/scim/v3/Users")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("outside base path: %d", res.StatusCode)
	}
	if ts.Requests() < 10 {
		t.Errorf("Requests() = %d", ts.Requests())
	}
	log := ts.RequestLog()
	if len(log) == 0 || log[0].Path != "/ServiceProviderConfig" || log[0].Status != 200 {
		t.Errorf("log %+v", log[:min(len(log), 2)])
	}
}

func TestCustomBasePath(t *testing.T) {
	ts := newTS(t, Config{Users: 2, BasePath: "/scim/"})
	if !strings.HasSuffix(ts.URL, "/scim") {
		t.Fatalf("URL %s", ts.URL)
	}
	expectStatus(t, do(t, ts, "GET", "/Users", nil), 200)
}

func TestLatency(t *testing.T) {
	ts := newTS(t, Config{Users: 1, Latency: 50 * time.Millisecond})
	t0 := time.Now()
	expectStatus(t, do(t, ts, "GET", "/Users", nil), 200)
	if d := time.Since(t0); d < 50*time.Millisecond {
		t.Errorf("answered in %v", d)
	}
	// A cancelled request does not wait the latency out: with an hour of
	// latency, a handler that did would hang the test rather than pass.
	slow := newTS(t, Config{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", slow.URL+"/Users", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if _, err := slow.Client().Do(req); err == nil {
		t.Fatal("no timeout")
	}
	waitLogged(t, slow, "GET")
}

func TestRateLimit(t *testing.T) {
	clock := NewManualClock(time.Unix(1_700_000_000, 0))
	ts := newTS(t, Config{Users: 1, RateLimitPerMinute: 3, RateClock: clock.Now})
	for i := range 3 {
		expectStatus(t, do(t, ts, "GET", "/Users", nil), 200)
		_ = i
	}
	// Another endpoint has its own budget.
	expectStatus(t, do(t, ts, "GET", "/Groups", nil), 200)
	r := do(t, ts, "GET", "/Users", nil)
	expectSCIMError(t, r, 429, "")
	if r.header.Get("Retry-After") != "60" || r.header.Get("ot-requests-allowed") != "3" ||
		r.header.Get("ot-period") != "MINUTE" || r.header.Get("ot-request-made") != "4" {
		t.Errorf("429 headers %v", r.header)
	}
	clock.Advance(59 * time.Second)
	expectSCIMError(t, do(t, ts, "GET", "/Users", nil), 429, "")
	clock.Advance(time.Second)
	expectStatus(t, do(t, ts, "GET", "/Users", nil), 200)

	hourly := newTS(t, Config{RateLimitPerHour: 2})
	do(t, hourly, "GET", "/Users", nil)
	do(t, hourly, "GET", "/Groups", nil)
	r = do(t, hourly, "GET", "/Schemas", nil)
	expectStatus(t, r, 429)
	if r.header.Get("ot-period") != "HOUR" {
		t.Errorf("ot-period %q", r.header.Get("ot-period"))
	}
}

// TestOneTrustLimitsByDefault: without a word about limits the fake counts
// as OneTrust does, 1,000 a minute per endpoint and 200,000 an hour per
// account, with the documented 429 headers; a negative limit is none.
func TestOneTrustLimitsByDefault(t *testing.T) {
	clock := NewManualClock(time.Unix(1_700_000_000, 0))
	get := func(s *Server, path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/api/scim/v2"+path, nil)
		r.Header.Set("Authorization", "Bearer "+testToken)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	s := NewServer(Config{Token: testToken, RateClock: clock.Now})
	if c := s.Config(); c.RateLimitPerMinute != 1000 || c.RateLimitPerHour != 200_000 {
		t.Fatalf("limits %d/min, %d/h", c.RateLimitPerMinute, c.RateLimitPerHour)
	}
	for i := range 1000 {
		if w := get(s, "/Groups?count=1"); w.Code != 200 {
			t.Fatalf("request %d: %d", i+1, w.Code)
		}
	}
	w := get(s, "/Groups?count=1")
	h := w.Result().Header
	if w.Code != 429 || h.Get("Retry-After") != "60" || h.Get("ot-period") != "MINUTE" || h.Get("ot-requests-allowed") != "1000" ||
		h.Get("ot-request-made") != "1001" || h.Get("ot-ratelimit-event-id") == "" {
		t.Fatalf("1,001st: %d %v", w.Code, h)
	}
	if w := get(s, "/Users?count=1"); w.Code != 200 {
		t.Fatalf("another endpoint: %d", w.Code)
	}
	// The hourly limit counts every endpoint together.
	hourly := NewServer(Config{Token: testToken, RateClock: clock.Now, RateLimitPerMinute: -1, RateLimitPerHour: 3})
	for range 3 {
		get(hourly, "/Users")
	}
	if w := get(hourly, "/Groups"); w.Code != 429 || w.Result().Header.Get("ot-period") != "HOUR" {
		t.Fatalf("hourly: %d %v", w.Code, w.Result().Header)
	}
	off := NewServer(Config{Token: testToken, RateClock: clock.Now, RateLimitPerMinute: -1, RateLimitPerHour: -1})
	for i := range 1100 {
		if w := get(off, "/Groups?count=1"); w.Code != 200 {
			t.Fatalf("limits off, request %d: %d", i+1, w.Code)
		}
	}
}
