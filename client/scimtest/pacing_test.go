package scimtest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client"
)

// TestClientPacingMatchesTheLimits: a client paced for the fake's limits,
// on the fake's clock, reads a list that needs five minutes' worth of
// requests twice in a row without a single 429 and without a request
// more than the pages; its waits, not the machine, move the clock.
//
// One request at a time: on a clock that jumps, a request reserved just
// before another's wait moves the clock a minute on would arrive a minute
// late, which on the wire is a matter of milliseconds (the budget's margin
// is two seconds a minute).
func TestClientPacingMatchesTheLimits(t *testing.T) {
	clock := NewManualClock(time.Unix(1_700_000_000, 0))
	ts := newTS(t, Config{Users: 1000, Roles: 4, Orgs: 10, RateLimitPerMinute: 20, RateLimitPerHour: 500, RateClock: clock.Now})
	c, err := client.New(client.Options{BaseURL: ts.URL, Token: testToken, RequestsPerMinute: 20, RequestsPerHour: 500, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	for run := range 2 {
		before := ts.Requests()
		us, err := c.AllUsers(ctxT(t), client.PageOptions{PageSize: 10, Concurrency: 1})
		if err != nil || len(us) != 1000 {
			t.Fatalf("run %d: %d users, %v", run+1, len(us), err)
		}
		gs, err := c.AllGroups(ctxT(t), client.PageOptions{Concurrency: 1})
		if err != nil || len(gs) != 40 {
			t.Fatalf("run %d: %d groups, %v", run+1, len(gs), err)
		}
		if n := ts.Requests() - before; n != 100+2 {
			t.Errorf("run %d: %d requests, want exactly 102 pages", run+1, n)
		}
	}
	for _, r := range ts.RequestLog() {
		if r.Status == http.StatusTooManyRequests {
			t.Fatalf("a 429: %+v", r)
		}
	}
	// 200 requests to /Users at 20 a minute: 9 full windows waited for.
	if d := clock.Now().Sub(start); d < 9*time.Minute || d > 11*time.Minute {
		t.Fatalf("the client's waits moved the clock %v", d)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
