package scimtest

import (
	"context"
	"sync/atomic"
	"time"
)

// ManualClock is a clock that moves only when told to. Pass its Now as
// Config.RateClock so rate windows open and close on the test's word rather
// than on the machine's speed; pass it as client.Options.Clock too and the
// client's pacing sleeps move it instead of taking time, so a client and
// the fake share one clock.
type ManualClock struct{ ns atomic.Int64 }

// NewManualClock starts a clock at t.
func NewManualClock(t time.Time) *ManualClock {
	c := &ManualClock{}
	c.ns.Store(t.UnixNano())
	return c
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time { return time.Unix(0, c.ns.Load()) }

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// Sleep moves the clock on to at least d after now and returns at once
// (a client.Clock). Sleepers at once wake at the latest of their times,
// not the sum.
func (c *ManualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	wake := c.ns.Load() + int64(max(d, 0))
	for {
		now := c.ns.Load()
		if now >= wake || c.ns.CompareAndSwap(now, wake) {
			return nil
		}
	}
}
