package scimtest

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
)

func TestFaultStatus(t *testing.T) {
	ts := newTS(t, Config{Users: 5})
	ts.InjectFault(Fault{Kind: FaultStatus, Status: 429, RetryAfter: 1500 * time.Millisecond, Path: "/Users", Times: 2})
	for range 2 {
		r := do(t, ts, "GET", "/Users", nil)
		expectSCIMError(t, r, 429, "")
		if r.header.Get("Retry-After") != "2" || r.header.Get("ot-period") != "MINUTE" {
			t.Errorf("headers %v", r.header)
		}
	}
	expectStatus(t, do(t, ts, "GET", "/Users", nil), 200)
	if ts.FaultsFired() != 2 {
		t.Errorf("fired %d", ts.FaultsFired())
	}
	ts.ClearFaults()

	for _, st := range []int{500, 502, 503, 401, 403} {
		ts.InjectFault(Fault{Kind: FaultStatus, Status: st, Times: 1})
		expectSCIMError(t, do(t, ts, "GET", "/Groups", nil), st, "")
		expectStatus(t, do(t, ts, "GET", "/Groups", nil), 200)
	}
	// 429 without Retry-After; a non-SCIM (HTML) body from a proxy.
	ts.InjectFault(Fault{Kind: FaultStatus, Status: 429, Times: 1})
	if r := do(t, ts, "GET", "/Users", nil); r.status != 429 || r.header.Get("Retry-After") != "" {
		t.Errorf("429 without Retry-After: %d %v", r.status, r.header)
	}
	ts.InjectFault(Fault{Kind: FaultStatus, Status: 502, Body: "<html>Bad Gateway</html>", Times: 1})
	if r := do(t, ts, "GET", "/Users", nil); r.status != 502 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || string(r.body) != "<html>Bad Gateway</html>" {
		t.Errorf("HTML 502: %d %q", r.status, r.body)
	}
}

func TestFaultMatching(t *testing.T) {
	ts := newTS(t, Config{Users: 5})
	u := ts.Users()[0]
	g := ts.Groups()[4]
	// After skips the first matching request; method and path must match.
	ts.InjectFault(Fault{Kind: FaultStatus, Status: 500, Method: "PATCH", Path: "/Groups/", After: 1, Times: 1})
	expectStatus(t, do(t, ts, "GET", "/Groups/"+g.ID, nil), 200)
	expectStatus(t, do(t, ts, "PATCH", "/Users/"+u.ID, patch(client.PatchOperation{Op: "replace", Path: "title", Value: "x"})), 200)
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.RemoveMemberOp(u.ID))), 204) // skipped by After
	expectSCIMError(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.AddMemberOp(u.ID))), 500, "")
	if ts.IsMember(u.ID, g.ID) {
		t.Error("a request answered by a status fault was applied")
	}
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.AddMemberOp(u.ID))), 204)
	if !ts.IsMember(u.ID, g.ID) {
		t.Error("not applied after the fault")
	}
}

func TestParseFaults(t *testing.T) {
	cases := []struct {
		spec string
		want []Fault
	}{
		{"429:3,retry-after=1;500:2", []Fault{
			{Kind: FaultStatus, Status: 429, Times: 3, RetryAfter: time.Second},
			{Kind: FaultStatus, Status: 500, Times: 2},
		}},
		{" 503 , path=/Groups , method=get ", []Fault{{Kind: FaultStatus, Status: 503, Path: "/Groups", Method: "GET"}}},
		{"502:1,body=<html>oops</html>", []Fault{{Kind: FaultStatus, Status: 502, Times: 1, Body: "<html>oops</html>"}}},
		{"429,retry-after=1500ms", []Fault{{Kind: FaultStatus, Status: 429, RetryAfter: 1500 * time.Millisecond}}},
		{"delay:1,delay=45s,method=GET", []Fault{{Kind: FaultDelay, Delay: 45 * time.Second, Times: 1, Method: "GET"}}},
		{"delay", []Fault{{Kind: FaultDelay, Delay: 5 * time.Second}}},
		{"cut:2;disconnect", []Fault{{Kind: FaultDisconnect, Times: 2}, {Kind: FaultDisconnect}}},
		{"malformed;truncate:1", []Fault{{Kind: FaultMalformedJSON}, {Kind: FaultTruncatedJSON, Times: 1}}},
		{"shift:1,shift=-2,path=/Users,after=1", []Fault{{Kind: FaultShiftWindow, Shift: -2, Times: 1, Path: "/Users", After: 1}}},
		{"total,delta=-5", []Fault{{Kind: FaultTotalResults, TotalDelta: -5}}},
		{"drop:1,method=PATCH,path=/Groups/", []Fault{{Kind: FaultDropResponse, Times: 1, Method: "PATCH", Path: "/Groups/"}}},
		{"500,times=4", []Fault{{Kind: FaultStatus, Status: 500, Times: 4}}},
		{"", nil},
		{";;", nil},
	}
	for _, c := range cases {
		got, err := ParseFaults(c.spec)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %+v, %v\nwant %+v", c.spec, got, err, c.want)
		}
	}
	for _, bad := range []string{"999", "boom", "429:x", "429:-1", "429,retry-after=soon", "delay,delay=5", "shift,shift=a", "500,path=Users", "500,color=red", "500,method"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// The composed example behaves as documented.
	ts := newTS(t, Config{})
	fs, _ := ParseFaults("429:3,retry-after=1;500:2")
	for _, f := range fs {
		ts.InjectFault(f)
	}
	var got []int
	for range 6 {
		got = append(got, do(t, ts, "GET", "/Groups", nil).status)
	}
	if want := []int{429, 429, 429, 500, 500, 200}; !reflect.DeepEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

func TestFaultDelay(t *testing.T) {
	ts := newTS(t, Config{Users: 3})
	u := ts.Users()[0]
	g := ts.Groups()[9]
	// A delay far past anything the test waits: the client's timeout, not
	// the fault, ends the request, and the handler must end with it (the
	// request is logged when the handler returns; a handler that slept the
	// hour out would hang the test, not pass it).
	ts.InjectFault(Fault{Kind: FaultDelay, Delay: time.Hour, Method: "PATCH", Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	body, _ := json.Marshal(patch(client.AddMemberOp(u.ID)))
	req, _ := http.NewRequestWithContext(ctx, "PATCH", ts.URL+"/Groups/"+g.ID, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+testToken)
	if _, err := ts.Client().Do(req); err == nil {
		t.Fatal("no timeout")
	}
	waitLogged(t, ts, "PATCH")
	// The server did the work although the client gave up.
	if !ts.IsMember(u.ID, g.ID) {
		t.Error("delayed write not applied")
	}
	// A short delay is just slow.
	ts.InjectFault(Fault{Kind: FaultDelay, Delay: 60 * time.Millisecond, Times: 1})
	t0 := time.Now()
	expectStatus(t, do(t, ts, "GET", "/Users", nil), 200)
	if time.Since(t0) < 60*time.Millisecond {
		t.Error("not delayed")
	}
}

// TestFaultDelayOnAClock: with a DelayClock the delay moves the clock on
// instead of taking time, so a client timing out on that clock gives up
// at once, while the server did the work; a delay within the client's
// timeout is only slow on the clock.
func TestFaultDelayOnAClock(t *testing.T) {
	clock := NewManualClock(time.Unix(1_700_000_000, 0))
	ts := NewTestServer(t, Config{Users: 3, Token: testToken, DelayClock: clock})
	c := ts.NewClient(t, client.Options{Timeout: time.Minute, MaxRetries: -1, Clock: clock})
	u := ts.Users()[0]
	g := ts.Groups()[9]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	ts.InjectFault(Fault{Kind: FaultDelay, Delay: time.Hour, Method: "PATCH", Times: 1})
	t0 := clock.Now()
	err := c.AddMember(ctx, g.ID, u.ID)
	if err == nil || !strings.Contains(err.Error(), "timed out: no complete answer within 1m0s") {
		t.Fatalf("a PATCH held an hour on the clock: %v", err)
	}
	if got := clock.Now().Sub(t0); got != time.Hour {
		t.Errorf("the clock moved %s, want the delay (1h)", got)
	}
	if !ts.IsMember(u.ID, g.ID) {
		t.Error("delayed write not applied")
	}

	ts.InjectFault(Fault{Kind: FaultDelay, Delay: 59 * time.Second, Method: "GET", Times: 1})
	if _, err := c.GetUser(ctx, u.ID); err != nil {
		t.Fatalf("a GET held within the timeout: %v", err)
	}
	if n := ts.FaultsFired(); n != 2 {
		t.Errorf("faults fired: %d, want 2", n)
	}
}

func TestFaultDisconnect(t *testing.T) {
	ts := newTS(t, Config{Users: 30})
	ts.InjectFault(Fault{Kind: FaultDisconnect, Path: "/Users", Times: 1})
	_, err := send(ts, "GET", "/Users?count=30", "Bearer "+testToken, nil)
	if err == nil {
		t.Fatal("no error from a cut connection")
	}
	// The next request works.
	expectStatus(t, do(t, ts, "GET", "/Users", nil), 200)
	// A response without a body (204) is cut as a dropped connection.
	ts.InjectFault(Fault{Kind: FaultDisconnect, Times: 1})
	if _, err := send(ts, "PATCH", "/Groups/"+ts.Groups()[0].ID, "Bearer "+testToken, patch(client.AddMemberOp(ts.Users()[0].ID))); err == nil {
		t.Error("no error")
	}
}

func TestFaultMalformedAndTruncated(t *testing.T) {
	ts := newTS(t, Config{Users: 10})
	ts.InjectFault(Fault{Kind: FaultMalformedJSON, Times: 1})
	r := do(t, ts, "GET", "/Users", nil)
	var v any
	if r.status != 200 || json.Unmarshal(r.body, &v) == nil || !strings.HasPrefix(string(r.body), "{") {
		t.Errorf("malformed: %d %q", r.status, trunc(r.body))
	}
	full := do(t, ts, "GET", "/Users", nil)
	ts.InjectFault(Fault{Kind: FaultTruncatedJSON, Times: 1})
	r = do(t, ts, "GET", "/Users", nil)
	if r.status != 200 || json.Unmarshal(r.body, &v) == nil || len(r.body) != len(full.body)/2 || !strings.HasPrefix(string(full.body), string(r.body)) {
		t.Errorf("truncated: %d, %d of %d bytes", r.status, len(r.body), len(full.body))
	}
	// Malformed on a 204 gives a 200 with a broken body.
	ts.InjectFault(Fault{Kind: FaultMalformedJSON, Times: 1})
	r = do(t, ts, "PATCH", "/Groups/"+ts.Groups()[0].ID, patch(client.AddMemberOp(ts.Users()[0].ID)))
	if r.status != 200 || json.Unmarshal(r.body, &v) == nil {
		t.Errorf("malformed 204: %d %q", r.status, r.body)
	}
}

func TestFaultListWindow(t *testing.T) {
	ts := newTS(t, Config{Users: 30, Roles: 10, Orgs: 3})
	all := ts.Users()
	// Page 2 shifted back by 2 repeats the last two users of page 1.
	ts.InjectFault(Fault{Kind: FaultShiftWindow, Shift: -2, Path: "/Users", Times: 1})
	page := decode[userList](t, do(t, ts, "GET", "/Users?startIndex=11&count=10", nil))
	if page.StartIndex != 11 || page.Resources[0].ID != all[8].ID || len(page.Resources) != 10 {
		t.Errorf("shift -2: start %d first %s", page.StartIndex, page.Resources[0].ID)
	}
	// Shifted forward, items are skipped.
	ts.InjectFault(Fault{Kind: FaultShiftWindow, Shift: 3, Path: "/Groups", Times: 1})
	groups := ts.Groups()
	gp := decode[groupList](t, do(t, ts, "GET", "/Groups?startIndex=1&count=5", nil))
	if gp.StartIndex != 1 || gp.Resources[0].ID != groups[3].ID {
		t.Errorf("shift +3: first %s", gp.Resources[0].ID)
	}
	// totalResults grows and shrinks.
	ts.InjectFault(Fault{Kind: FaultTotalResults, TotalDelta: 5, Times: 1})
	ts.InjectFault(Fault{Kind: FaultTotalResults, TotalDelta: -100, Times: 1})
	if n := decode[userList](t, do(t, ts, "GET", "/Users", nil)).TotalResults; n != 35 {
		t.Errorf("grown total %d", n)
	}
	if n := decode[userList](t, do(t, ts, "GET", "/Users", nil)).TotalResults; n != 0 {
		t.Errorf("shrunk total %d", n)
	}
	if n := decode[userList](t, do(t, ts, "GET", "/Users", nil)).TotalResults; n != 30 {
		t.Errorf("total after faults %d", n)
	}
}

func TestFaultDropResponse(t *testing.T) {
	ts := newTS(t, Config{Users: 5})
	u := ts.Users()[1]
	g := ts.Groups()[6]
	ts.SetMember(u.ID, g.ID, false)
	ts.InjectFault(Fault{Kind: FaultDropResponse, Method: "PATCH", Path: "/Groups/", Times: 1})
	_, err := send(ts, "PATCH", "/Groups/"+g.ID, "Bearer "+testToken, patch(client.AddMemberOp(u.ID)))
	if err == nil {
		t.Fatal("no error from a dropped response")
	}
	if !ts.IsMember(u.ID, g.ID) {
		t.Fatal("the write was not applied")
	}
	// The handler records the request when it returns, which can be just
	// after the client saw the connection close.
	log := waitLogged(t, ts, "PATCH")
	if last := log[len(log)-1]; last.Method != "PATCH" || last.Status != 0 {
		t.Errorf("log %+v", last)
	}
	// User writes too.
	ts.InjectFault(Fault{Kind: FaultDropResponse, Method: "PATCH", Path: "/Users/", Times: 1})
	if _, err := send(ts, "PATCH", "/Users/"+u.ID, "Bearer "+testToken, patch(client.PatchOperation{Op: "replace", Path: "active", Value: false})); err == nil {
		t.Fatal("no error")
	}
	if got, _ := ts.User(u.ID); got.Active {
		t.Error("deactivation not applied")
	}
}

// waitLogged waits until the last logged request has method: a handler logs
// it when it returns, which may be after its client saw the answer (or gave
// up). It waits as long as that takes; a handler that never returns fails
// the test by its timeout.
func waitLogged(t *testing.T, ts *TestServer, method string) []RequestRecord {
	t.Helper()
	for {
		if log := ts.RequestLog(); len(log) > 0 && log[len(log)-1].Method == method {
			return log
		}
		time.Sleep(time.Millisecond)
	}
}
