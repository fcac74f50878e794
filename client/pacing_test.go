package client

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// limitServer answers every request 200 with okUser, unless rule (when
// set) answers it first; it counts requests by endpoint.
type limitServer struct {
	mu   sync.Mutex
	seen map[string]int
	rule func(w http.ResponseWriter, endpoint string, n int) bool // n: this endpoint's count, from 1
}

func (s *limitServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep := endpointOf(strings.TrimPrefix(r.URL.Path, "/api/scim/v2"))
	s.mu.Lock()
	if s.seen == nil {
		s.seen = map[string]int{}
	}
	s.seen[ep]++
	n := s.seen[ep]
	s.mu.Unlock()
	if s.rule != nil && s.rule(w, ep, n) {
		return
	}
	_, _ = w.Write([]byte(okUser))
}

func (s *limitServer) count(ep string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[ep]
}

func getGroup(ctx context.Context, c *Client) error {
	_, err := c.GetGroup(ctx, "g1")
	return err
}

// TestBudgetPerEndpoint: a minute's budget is all there at once, counted
// per endpoint; the request past it waits (on the test's clock) until the
// first has left the window, while another endpoint goes on.
func TestBudgetPerEndpoint(t *testing.T) {
	clock := &waits{}
	s := &limitServer{}
	c, _ := newTestClient(t, s, func(o *Options) { o.RequestsPerMinute = 10; o.Clock = clock })
	for range 10 {
		if err := getU1(ctxT(t), c); err != nil {
			t.Fatal(err)
		}
	}
	if err := getGroup(ctxT(t), c); err != nil {
		t.Fatal(err)
	}
	if len(clock.ds) != 0 {
		t.Fatalf("waited %v within the budget", clock.ds)
	}
	if err := getU1(ctxT(t), c); err != nil {
		t.Fatal(err)
	}
	// The window is a minute and a margin for the network's varying delay.
	if got, want := clock.first(), time.Minute+2*time.Second; got != want {
		t.Fatalf("the 11th request waited %v, want %v", got, want)
	}
	if s.count("Users") != 11 || s.count("Groups") != 1 {
		t.Fatalf("served %v", s.seen)
	}
}

// TestBudgetPerHour: the account's hourly budget spans endpoints; a wait
// for it longer than MaxRetryAfter is not waited for: the error says when
// to try again, and nothing is sent.
func TestBudgetPerHour(t *testing.T) {
	clock := &waits{}
	s := &limitServer{}
	c, _ := newTestClient(t, s, func(o *Options) { o.RequestsPerHour = 5; o.Clock = clock })
	for i := range 5 {
		call := getU1
		if i%2 == 1 {
			call = getGroup
		}
		if err := call(ctxT(t), c); err != nil {
			t.Fatal(err)
		}
	}
	err := getGroup(ctxT(t), c)
	rl, ok := AsRateLimit(err)
	if !ok || rl.Period != "hour" || rl.Err != nil || !IsRateLimited(err) {
		t.Fatalf("err = %#v", err)
	}
	if want := "hourly request limit is used up; try again at " + rl.Until.Local().Format("15:04") + " (in 1 h 2 min)"; !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %q, want it to contain %q", err, want)
	}
	if n := s.count("Users") + s.count("Groups"); n != 5 || len(clock.ds) != 0 {
		t.Fatalf("served %d, waited %v", n, clock.ds)
	}
}

// TestBudgetLearnedFromHeaders: the server's ot-* headers lower the
// budget and count what others sharing the account sent.
func TestBudgetLearnedFromHeaders(t *testing.T) {
	clock := &waits{}
	s := &limitServer{rule: func(w http.ResponseWriter, ep string, n int) bool {
		if n == 1 { // someone else sent one before us
			w.Header().Set("ot-period", "MINUTE")
			w.Header().Set("ot-requests-allowed", "3")
			w.Header().Set("ot-request-made", "2")
		}
		return false
	}}
	c, _ := newTestClient(t, s, func(o *Options) { o.Clock = clock })
	for range 2 {
		if err := getU1(ctxT(t), c); err != nil {
			t.Fatal(err)
		}
	}
	if len(clock.ds) != 0 {
		t.Fatalf("waited %v", clock.ds)
	}
	if err := getU1(ctxT(t), c); err != nil {
		t.Fatal(err)
	}
	if len(clock.ds) != 1 || clock.first() < time.Minute {
		t.Fatalf("the 3rd request (4th on the account) waited %v, want about a minute", clock.ds)
	}
	if err := getGroup(ctxT(t), c); err != nil || len(clock.ds) != 1 {
		t.Fatalf("groups: err %v, waits %v (a per-minute limit is per endpoint)", err, clock.ds)
	}
}

// TestMinute429HoldsItsEndpoint: a per-minute 429 holds back its endpoint
// for Retry-After, then the request goes again; other endpoints go on.
func TestMinute429HoldsItsEndpoint(t *testing.T) {
	clock := &waits{}
	s := &limitServer{rule: func(w http.ResponseWriter, ep string, n int) bool {
		if ep != "Users" || n > 1 {
			return false
		}
		h := w.Header()
		h.Set("Retry-After", "12")
		h.Set("ot-period", "MINUTE")
		h.Set("ot-requests-allowed", "1000")
		h.Set("ot-request-made", "1001")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}}
	c, _ := newTestClient(t, s, func(o *Options) { o.Clock = clock })
	var waited []Wait
	ctx := context.WithValue(ctxT(t), boardKey{}, &waitBoard{notify: func(w Wait) { waited = append(waited, w) }})
	if err := getU1(ctx, c); err != nil {
		t.Fatal(err)
	}
	if clock.first() != 12*time.Second || s.count("Users") != 2 {
		t.Fatalf("waits %v, served %v", clock.ds, s.seen)
	}
	if len(waited) != 2 || !strings.Contains(waited[0].Describe(waited[0].Since), "waiting 12 s for OneTrust's per-minute request limit for /Users") || waited[1].Waiting() {
		t.Fatalf("progress heard %+v", waited)
	}
	if err := getGroup(ctxT(t), c); err != nil || len(clock.ds) != 1 {
		t.Fatalf("groups: err %v, waits %v", err, clock.ds)
	}
}

// TestHourly429 is OneTrust's hourly block: Retry-After 2135 s ends the
// request at once with the line the user reads.
func TestHourly429(t *testing.T) {
	clock := &waits{}
	s := &limitServer{rule: func(w http.ResponseWriter, ep string, n int) bool {
		h := w.Header()
		h.Set("Retry-After", "2135")
		h.Set("ot-period", "HOUR")
		h.Set("ot-requests-allowed", "200000")
		h.Set("ot-request-made", "200001")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}}
	c, _ := newTestClient(t, s, func(o *Options) { o.Clock = clock })
	err := getU1(ctxT(t), c)
	rl, ok := AsRateLimit(err)
	if !ok || rl.Err == nil || rl.Err.Status != 429 || s.count("Users") != 1 {
		t.Fatalf("err = %v, served %v", err, s.seen)
	}
	want := "OneTrust's hourly request limit is used up; try again at " + rl.Until.Local().Format("15:04") + " (in 36 min)"
	if err.Error() != want {
		t.Fatalf("err = %q\nwant  %q", err, want)
	}
	// Later requests are not sent before then.
	if err := getGroup(ctxT(t), c); !IsRateLimited(err) || s.count("Groups") != 0 {
		t.Fatalf("groups: err %v, served %v", err, s.seen)
	}
}

func TestRateLimitMessage(t *testing.T) {
	now := time.Date(2026, 12, 1, 13, 57, 0, 0, time.Local)
	e := &RateLimitError{Period: "hour", OneTrust: true, Until: now.Add(35 * time.Minute)}
	if got, want := e.Message(now), "OneTrust's hourly request limit is used up; try again at 14:32 (in 35 min)"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	e = &RateLimitError{Period: "minute", Endpoint: "Groups", Until: now.Add(45 * time.Second)}
	if got, want := e.Message(now), "The server's per-minute request limit for /Groups is used up; try again at 13:57:45 (in 45 s)"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}
