package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/otaccess/otaccess/access"
)

// TestRateLimitCountdown: a sync refused for an hour shows one line that
// counts down to when the limit lifts (not a stack of retries), then says
// a sync may go again.
func TestRateLimitCountdown(t *testing.T) {
	start := time.Date(2026, 12, 1, 13, 57, 0, 0, time.Local)
	now := start
	m := New(Options{})
	m.clock = func() time.Time { return now }
	m.noTimers = true
	rl := &access.RateLimitError{Period: "hour", OneTrust: true, Until: start.Add(35 * time.Minute)}
	m.Update(syncDoneMsg{err: fmt.Errorf("sync failed, the previous snapshot is unchanged: reading users: %w", rl)})
	line := func() string { return ansi.Strip(m.flashLine(200)) }
	if got := line(); !strings.Contains(got, "OneTrust's hourly request limit is used up; try again at 14:32 (in 35 min)") {
		t.Fatalf("flash %q", got)
	}
	now = now.Add(10 * time.Minute)
	m.Update(rateTickMsg{id: m.flash.id})
	if got := line(); !strings.Contains(got, "(in 25 min)") {
		t.Fatalf("after 10 minutes: %q", got)
	}
	now = rl.Until.Add(time.Second)
	m.Update(rateTickMsg{id: m.flash.id})
	if got := line(); !strings.Contains(got, "the request limit has lifted; press r to sync") {
		t.Fatalf("after it lifted: %q", got)
	}
}
