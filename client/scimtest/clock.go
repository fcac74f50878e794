package scimtest

import (
	"sync/atomic"
	"time"
)

// ManualClock is a clock that moves only when told to. Pass its Now as
// Config.RateClock so rate windows open and close on the test's word rather
// than on the machine's speed.
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
