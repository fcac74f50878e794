package client

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// pace waits until the pacer lets a request to key go, telling the walk's
// progress what it waits for, or returns a RateLimitError when that is
// further off than this client waits.
func (c *Client) pace(ctx context.Context, key string) error {
	for {
		now := c.clock.Now()
		ok, at, lim := c.pacer.reserve(key, now)
		if ok {
			return nil
		}
		if rl := c.tooLong(ctx, at, lim); rl != nil {
			return rl
		}
		if err := c.sleepReporting(ctx, at.Sub(now), lim.name(c.speaksOneTrust())); err != nil {
			return err
		}
	}
}

// learn applies an answer's rate headers to the pacer; see pacer.learn.
func (c *Client) learn(key string, h http.Header, blockFor time.Duration) (time.Time, limitInfo) {
	rh := parseRateHeaders(h)
	if rh.period != "" {
		c.otHeaders.Store(true)
	} else if blockFor <= 0 {
		return time.Time{}, limitInfo{}
	}
	return c.pacer.learn(key, rh, c.clock.Now(), blockFor)
}

// speaksOneTrust: the limits are OneTrust's, by its host or its headers.
func (c *Client) speaksOneTrust() bool { return c.oneTrust || c.otHeaders.Load() }

// tooLong returns the RateLimitError to give up with when until is further
// off than this client waits: past MaxRetryAfter, or past ctx's deadline
// (on the wall clock only: a test's clock may sleep in no time at all).
func (c *Client) tooLong(ctx context.Context, until time.Time, lim limitInfo) *RateLimitError {
	now := c.clock.Now()
	d := until.Sub(now)
	if d <= c.maxRateWait {
		dl, ok := ctx.Deadline()
		if _, wall := c.clock.(wallClock); !ok || !wall || time.Until(dl) > d {
			return nil
		}
	}
	return &RateLimitError{Period: lim.period, Endpoint: lim.endpoint, Allowed: lim.allowed, Until: until, OneTrust: c.speaksOneTrust(), At: now}
}

// reportAfter is the shortest wait worth telling progress about.
const reportAfter = time.Second

// sleepReporting sleeps d on the client's clock; a wait long enough to
// notice is shown in the walk's progress while it lasts.
func (c *Client) sleepReporting(ctx context.Context, d time.Duration, what string) error {
	if b := boardOf(ctx); b != nil && d >= reportAfter {
		now := c.clock.Now()
		defer b.begin(Wait{For: what, Since: now, Until: now.Add(d)})()
	}
	return c.clock.Sleep(ctx, d)
}

// watchAnswer tells the walk's progress, once an answer has been awaited
// for c.slowAnswer and again every c.slowAnswer after, that it is
// waiting for one. stop ends the watch.
func (c *Client) watchAnswer(ctx context.Context) (stop func()) {
	b := boardOf(ctx)
	if b == nil {
		return func() {}
	}
	var (
		mu      sync.Mutex
		end     func()
		stopped bool
		t       *time.Timer
	)
	w := Wait{For: "an answer from the server", Since: time.Now()}
	mu.Lock() // the callback may run before t is set
	defer mu.Unlock()
	t = time.AfterFunc(c.slowAnswer, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		if end == nil {
			end = b.begin(w)
		} else {
			b.report(w)
		}
		t.Reset(c.slowAnswer)
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
		if end != nil {
			end()
		}
	}
}

// waitBoard gathers a walk's waits: the latest is reported, and the zero
// Wait once none is left.
type waitBoard struct {
	mu     sync.Mutex
	n      int
	notify func(Wait)
}

type boardKey struct{}

func boardOf(ctx context.Context) *waitBoard {
	b, _ := ctx.Value(boardKey{}).(*waitBoard)
	return b
}

func (b *waitBoard) begin(w Wait) (end func()) {
	b.mu.Lock()
	b.n++
	b.notify(w)
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.n--; b.n == 0 {
			b.notify(Wait{})
		}
	}
}

func (b *waitBoard) report(w Wait) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.notify(w)
}
