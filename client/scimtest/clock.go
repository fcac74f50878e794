package scimtest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// ManualClock is a clock that moves only when told to. Pass its Now as
// Config.RateClock so rate windows open and close on the test's word rather
// than on the machine's speed; pass it as client.Options.Clock too and the
// client's pacing sleeps move it instead of taking time, so a client and
// the fake share one clock. As Config.DelayClock it is what a delay fault
// moves on instead of waiting, so a client's per-request timeout (an
// AfterFunc on the same clock) fires at once.
type ManualClock struct {
	ns atomic.Int64

	mu     sync.Mutex
	timers []*manualTimer
}

type manualTimer struct {
	at   int64
	f    func()
	done bool // fired or stopped
}

// NewManualClock starts a clock at t.
func NewManualClock(t time.Time) *ManualClock {
	c := &ManualClock{}
	c.ns.Store(t.UnixNano())
	return c
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time { return time.Unix(0, c.ns.Load()) }

// Advance moves the clock forward by d and runs the AfterFunc callbacks
// now due, before it returns.
func (c *ManualClock) Advance(d time.Duration) {
	c.ns.Add(int64(d))
	c.fire()
}

// Sleep moves the clock on to at least d after now and returns at once
// (a client.Clock). Sleepers at once wake at the latest of their times,
// not the sum. Callbacks that come due run before it returns.
func (c *ManualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	wake := c.ns.Load() + int64(max(d, 0))
	for {
		now := c.ns.Load()
		if now >= wake || c.ns.CompareAndSwap(now, wake) {
			break
		}
	}
	c.fire()
	return nil
}

// AfterFunc calls f once the clock has moved d on from now (a
// client.Clock): in the goroutine of the Advance or Sleep that moves it
// there, so the call has happened when that returns (d <= 0: before
// AfterFunc returns). stop reports whether it cancelled the call.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	t := &manualTimer{at: c.ns.Load() + int64(max(d, 0)), f: f}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	if d <= 0 {
		c.fire() // due already
	}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		stopped := !t.done
		t.done = true
		return stopped
	}
}

// fire runs the callbacks due by now and forgets every timer done.
func (c *ManualClock) fire() {
	now := c.ns.Load()
	var due []func()
	c.mu.Lock()
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.done && t.at <= now {
			t.done = true
			due = append(due, t.f)
		}
		if !t.done {
			kept = append(kept, t)
		}
	}
	clear(c.timers[len(kept):])
	c.timers = kept
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}
