package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const okUser = `{"id":"u1","userName":"a@b.c","active":true}`

// waits is a Clock that sleeps in no time: it records each wait and moves
// on by it, firing the timers (per-request timeouts) it passes.
type waits struct {
	mu     sync.Mutex
	ds     []time.Duration
	now    time.Time
	timers []*waitTimer
}

type waitTimer struct {
	at   time.Time
	f    func()
	done bool
}

func (w *waits) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nowLocked()
}

func (w *waits) nowLocked() time.Time {
	if w.now.IsZero() {
		w.now = time.Unix(1_700_000_000, 0)
	}
	return w.now
}

func (w *waits) Sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.ds = append(w.ds, d)
	w.mu.Unlock()
	w.advance(d)
	return ctx.Err()
}

// advance moves the clock on by d and runs the timers now due.
func (w *waits) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.nowLocked().Add(d)
	var due []func()
	for _, t := range w.timers {
		if !t.done && !t.at.After(w.now) {
			t.done = true
			due = append(due, t.f)
		}
	}
	w.mu.Unlock()
	for _, f := range due {
		f()
	}
}

func (w *waits) AfterFunc(d time.Duration, f func()) func() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := &waitTimer{at: w.nowLocked().Add(d), f: f}
	w.timers = append(w.timers, t)
	return func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		stopped := !t.done
		t.done = true
		return stopped
	}
}

func (w *waits) first() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.ds) == 0 {
		return -1
	}
	return w.ds[0]
}

func TestRetries(t *testing.T) {
	fail := func(status int, hdr map[string]string) step {
		return step{status: status, header: hdr, body: `{"status":"x"}`}
	}
	ok := step{status: 200, body: okUser}
	noContent := step{status: 204}
	tests := []struct {
		name       string
		steps      []step
		maxRetries int
		maxWait    time.Duration
		call       func(ctx context.Context, c *Client) error
		wantReqs   int
		wantErr    string // "" = success
		firstWait  time.Duration
		approxWait bool // firstWait is a backoff bound, not exact
	}{
		{
			name:  "429 with Retry-After seconds",
			steps: []step{fail(429, map[string]string{"Retry-After": "2"}), ok}, wantReqs: 2, firstWait: 2 * time.Second,
			call: getU1,
		},
		{
			name:  "429 with Retry-After date",
			steps: []step{fail(429, map[string]string{"Retry-After": time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)}), ok}, wantReqs: 2,
			firstWait: 5 * time.Second, approxWait: true, call: getU1,
		},
		{
			name:  "429 with a Retry-After past MaxRetryAfter says when to try again",
			steps: []step{fail(429, map[string]string{"Retry-After": "2135"}), ok}, wantReqs: 1,
			wantErr: "The server's request limit is used up; try again at ", call: getU1,
		},
		{
			name:  "408 resent",
			steps: []step{fail(408, nil), ok}, wantReqs: 2, call: getU1,
		},
		{name: "no retry on 400", steps: []step{fail(400, nil), ok}, wantReqs: 1, wantErr: "400 from", call: getU1},
		{name: "no retry on 409", steps: []step{fail(409, nil), ok}, wantReqs: 1, wantErr: "409 from", call: getU1},
		{
			name:  "429 without Retry-After backs off",
			steps: []step{fail(429, nil), fail(429, nil), ok}, wantReqs: 3, firstWait: 500 * time.Millisecond, approxWait: true,
			call: getU1,
		},
		{name: "500 then ok", steps: []step{fail(500, nil), ok}, wantReqs: 2, call: getU1},
		{name: "502 503 then ok", steps: []step{fail(502, nil), fail(503, nil), ok}, wantReqs: 3, call: getU1},
		{name: "504 on list then ok", steps: []step{fail(504, nil), {status: 200, body: `{"totalResults":0}`}}, wantReqs: 2,
			call: func(ctx context.Context, c *Client) error { _, err := c.ListUsers(ctx, ListParams{}); return err }},
		{
			name: "bounded retries fail clearly", steps: []step{fail(503, nil)}, maxRetries: 2, wantReqs: 3,
			wantErr: "503 from GET", call: getU1,
		},
		{
			name: "bounded 429 says rate limited", steps: []step{fail(429, map[string]string{"Retry-After": "1"})}, maxRetries: 1, wantReqs: 2,
			wantErr: "rate limited by the server", call: getU1,
		},
		{name: "no retry on 501", steps: []step{fail(501, nil), ok}, wantReqs: 1, wantErr: "501 from", call: getU1},
		{name: "no retry on 404", steps: []step{fail(404, nil), ok}, wantReqs: 1, wantErr: "404 from", call: getU1},
		{name: "no retry on 401", steps: []step{fail(401, nil), ok}, wantReqs: 1, wantErr: "the API key was refused", call: getU1},
		{
			name: "POST not resent after 500", steps: []step{fail(500, nil), ok}, wantReqs: 1, wantErr: "500 from POST",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateUser(ctx, &User{UserName: "x"})
				return err
			},
		},
		{
			name: "POST resent after 429", steps: []step{fail(429, nil), {status: 201, body: okUser}}, wantReqs: 2,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateUser(ctx, &User{UserName: "x"})
				return err
			},
		},
		{
			name: "DELETE not resent after 502", steps: []step{fail(502, nil), noContent}, wantReqs: 1, wantErr: "502 from DELETE",
			call: func(ctx context.Context, c *Client) error { return c.DeleteUser(ctx, "u1") },
		},
		{
			name: "member add resent after 500", steps: []step{fail(500, nil), noContent}, wantReqs: 2,
			call: func(ctx context.Context, c *Client) error { return c.AddMember(ctx, groupID, "u1") },
		},
		{
			name: "member remove resent after 503", steps: []step{fail(503, nil), {status: 200, body: `{"id":"g"}`}}, wantReqs: 2,
			call: func(ctx context.Context, c *Client) error { return c.RemoveMember(ctx, groupID, "u1") },
		},
		{
			name: "SetActive resent after 500", steps: []step{fail(500, nil), noContent}, wantReqs: 2,
			call: func(ctx context.Context, c *Client) error { _, err := c.SetActive(ctx, "u1", false); return err },
		},
		{
			name: "PATCH adding an email not resent after 500", steps: []step{fail(500, nil), noContent}, wantReqs: 1, wantErr: "500 from PATCH",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.PatchUser(ctx, "u1", PatchOperation{Op: "add", Path: "emails", Value: []MultiValue{{Value: "x@y.z"}}})
				return err
			},
		},
		{name: "retries disabled", steps: []step{fail(503, nil), ok}, maxRetries: -1, wantReqs: 1, wantErr: "503", call: getU1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq := &sequence{steps: tt.steps}
			w := &waits{}
			c, _ := newTestClient(t, seq, func(o *Options) {
				o.Clock = w
				o.MaxRetries = tt.maxRetries
				if tt.maxWait > 0 {
					o.MaxBackoff = tt.maxWait
				}
				if tt.firstWait > 0 {
					o.BaseBackoff = 0 // the default, so the first backoff is known
					if tt.maxWait == 0 {
						o.MaxBackoff = 0
					}
				}
			})
			err := tt.call(ctxT(t), c)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Fatalf("token in %v", err)
			}
			if got := seq.count(); got != tt.wantReqs {
				t.Errorf("server got %d requests, want %d", got, tt.wantReqs)
			}
			if tt.firstWait > 0 {
				got := w.first()
				if tt.approxWait {
					if got < tt.firstWait/2-time.Second || got > tt.firstWait {
						t.Errorf("first wait = %v, want about %v", got, tt.firstWait)
					}
				} else if got != tt.firstWait {
					t.Errorf("first wait = %v, want %v", got, tt.firstWait)
				}
			}
		})
	}
}

func getU1(ctx context.Context, c *Client) error {
	_, err := c.GetUser(ctx, "u1")
	return err
}

func TestErrorAttemptsAndRetryAfter(t *testing.T) {
	seq := &sequence{steps: []step{{status: 429, header: map[string]string{"Retry-After": "1"}}}}
	c, _ := newTestClient(t, seq, func(o *Options) { o.MaxRetries = 2; o.Clock = &waits{} })
	_, err := c.GetUser(ctxT(t), "u1")
	var e *Error
	if !errors.As(err, &e) || e.Attempts != 3 || e.RetryAfter != time.Second || !IsRateLimited(err) {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "Retry-After 1s") {
		t.Fatalf("err = %v", err)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	seq := &sequence{steps: []step{{status: 503}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _ := newTestClient(t, seq, func(o *Options) {
		// An hour: a wait that ignored the cancellation would hang the
		// test, not pass it, on any machine.
		o.BaseBackoff = time.Hour
		o.MaxBackoff = time.Hour
		// The context is cancelled once the client waits to retry, not
		// after some wall time: on a busy machine a timer could fire
		// before the first answer and test something else.
		o.Clock = cancelOnWait{cancel: cancel}
	})
	_, err := c.GetUser(ctx, "u1")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "waiting to retry after a 503") {
		t.Errorf("err = %v", err)
	}
	if seq.count() != 1 {
		t.Errorf("requests = %d, want 1", seq.count())
	}
}

// cancelOnWait is the wall clock, except that a wait of a second or more
// (a backoff, never the pacing of a single request) first cancels the
// request's context.
type cancelOnWait struct {
	wallClock
	cancel func()
}

func (c cancelOnWait) Sleep(ctx context.Context, d time.Duration) error {
	if d >= time.Second {
		c.cancel()
	}
	return c.wallClock.Sleep(ctx, d)
}

func TestCancelDuringRetryAfterHoldsOtherRequests(t *testing.T) {
	// After a 429 with Retry-After, other requests of the same client wait
	// too, and cancelling their context releases them.
	var n atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(429)
			return
		}
		_, _ = w.Write([]byte(okUser))
	})
	c, _ := newTestClient(t, h, func(o *Options) { o.MaxBackoff = time.Minute; o.MaxRetries = -1 })
	if _, err := c.GetUser(ctxT(t), "u1"); !IsRateLimited(err) {
		t.Fatalf("err = %v", err)
	}
	// A pause that outlasts the context's deadline is not waited for: the
	// request says when to try again without being sent.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.GetUser(ctx, "u1")
	if rl, ok := AsRateLimit(err); !ok || rl.Err != nil || n.Load() != 1 {
		t.Fatalf("err = %v, requests = %d: the second request should have been held back by the pause", err, n.Load())
	}
	// One that fits is waited for, and cancelling releases it.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := c.GetUser(ctx, "u1"); !errors.Is(err, context.Canceled) || n.Load() != 1 {
		t.Fatalf("err = %v, requests = %d: the request should have waited for the pause", err, n.Load())
	}
}

func TestTransientNetworkErrorRetriedForGET(t *testing.T) {
	var n atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			// Cut the connection without an answer.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		_, _ = w.Write([]byte(okUser))
	})
	c, _ := newTestClient(t, h)
	u, err := c.GetUser(ctxT(t), "u1")
	if err != nil || u.ID != "u1" || n.Load() != 3 {
		t.Fatalf("u = %+v, err = %v, requests = %d", u, err, n.Load())
	}

	n.Store(0)
	_, err = c.CreateUser(ctxT(t), &User{UserName: "x"})
	var e *Error
	if !errors.As(err, &e) || e.Status != 0 || n.Load() != 1 {
		t.Fatalf("POST after a cut connection: err = %v, requests = %d (must not be resent)", err, n.Load())
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	var n atomic.Int32
	clock := &waits{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			// Just short of the timeout: the answer is in time.
			clock.advance(time.Minute - time.Millisecond)
		case 2:
			// Past it: the client gives up, whatever it hears after.
			clock.advance(time.Minute)
			<-r.Context().Done()
			return
		case 3:
			// Past it, and the answer is sent at once: still too late.
			clock.advance(time.Minute)
		}
		_, _ = w.Write([]byte(okUser))
	})
	// The timeout is the clock's: no attempt here waits a wall minute.
	c, _ := newTestClient(t, h, func(o *Options) { o.Timeout = time.Minute; o.Clock = clock })
	ctx := ctxT(t)
	if _, err := c.GetUser(ctx, "u1"); err != nil {
		t.Fatalf("an answer within the timeout: %v", err)
	}
	if _, err := c.GetUser(ctx, "u1"); err != nil {
		t.Fatalf("a timed-out GET should be retried: %v", err)
	}
	if n.Load() != 4 {
		t.Fatalf("requests = %d, want 4 (one, then three for the two timed out and the retry)", n.Load())
	}
	// Without retries the timeout is the error, named as such.
	n.Store(1)
	c, _ = newTestClient(t, h, func(o *Options) { o.Timeout = time.Minute; o.Clock = clock; o.MaxRetries = -1 })
	_, err := c.GetUser(ctx, "u1")
	if err == nil || !strings.Contains(err.Error(), "timed out: no complete answer within 1m0s") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timed out without retries: %v", err)
	}
}

func TestTransientClassification(t *testing.T) {
	if transient(&net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}) {
		t.Error("an unknown host is not transient")
	}
	if !transient(&net.OpError{Op: "dial", Err: errors.New("connection refused")}) {
		t.Error("a refused connection is transient")
	}
	if transient(&tooLargeError{limit: 1}) {
		t.Error("an oversized body is not transient")
	}
}
