package client

import (
	"errors"
	"fmt"
	"time"
)

// RateLimitError says a request limit is used up for longer than the
// client waits on its own (Options.MaxRetryAfter, or past the context's
// deadline): OneTrust's hourly block answers Retry-After in the thousands
// of seconds. Until is when requests may be sent again, so a UI can count
// down to it.
type RateLimitError struct {
	Period   string // "minute", "hour", or "" when the server did not say
	Endpoint string // of a per-minute limit, e.g. "Users"
	Allowed  int    // requests per period, when known
	Until    time.Time
	OneTrust bool   // the limit is OneTrust's (its ot-* headers, or its host)
	Err      *Error // the 429 that said so; nil when this client's own count did
	// At is when the client gave up, on its clock: Error counts from it.
	At time.Time
}

// Error is Message as of when the client gave up.
func (e *RateLimitError) Error() string { return e.Message(e.At) }

// Message says what is used up and when to try again, counted from now:
// "OneTrust's hourly request limit is used up; try again at 14:32 (in 35 min)".
func (e *RateLimitError) Message(now time.Time) string {
	what := limitInfo{period: e.Period, endpoint: e.Endpoint}.name(e.OneTrust)
	at := e.Until.Local().Format("15:04")
	left := e.Until.Sub(now)
	if left < 10*time.Minute {
		at = e.Until.Local().Format("15:04:05")
	}
	return fmt.Sprintf("%s is used up; try again at %s (in %s)", capitalize(what), at, roughly(left))
}

// Unwrap is the 429 answer, when there was one.
func (e *RateLimitError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// roughly prints a wait as a person reads it: "45 s", "35 min", "1 h 5 min".
func roughly(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 s"
	case d < time.Minute:
		return fmt.Sprintf("%d s", int((d+time.Second-1)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int((d+time.Minute-1)/time.Minute))
	}
	m := int((d + time.Minute - 1) / time.Minute)
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

// AsRateLimit returns the RateLimitError in err's chain, if any.
func AsRateLimit(err error) (*RateLimitError, bool) {
	var e *RateLimitError
	ok := errors.As(err, &e)
	return e, ok
}

// Wait is a pause a walk's progress should mention: requests held back by
// a rate limit or before a retry, or an answer slow to come. The zero Wait
// says the pause is over.
type Wait struct {
	For   string    // "OneTrust's per-minute request limit for /Users", "a retry after a 503", "an answer"
	Since time.Time // when the wait began
	Until time.Time // when it ends; zero when unknown (an answer)
}

// Waiting reports whether w is a pause (not the zero Wait).
func (w Wait) Waiting() bool { return w.For != "" }

// Describe says what is awaited, counted from now: "waiting 40 s for
// OneTrust's per-minute request limit for /Users", "waiting for an answer
// (25 s so far)".
func (w Wait) Describe(now time.Time) string {
	switch {
	case !w.Waiting():
		return ""
	case w.Until.IsZero():
		return fmt.Sprintf("waiting for %s (%s so far)", w.For, roughly(now.Sub(w.Since)))
	}
	return fmt.Sprintf("waiting %s for %s", roughly(w.Until.Sub(now)), w.For)
}

// name is what the limit is called in messages: "OneTrust's hourly
// request limit", "the server's per-minute request limit for /Users".
func (l limitInfo) name(oneTrust bool) string {
	who := "the server's"
	if oneTrust {
		who = "OneTrust's"
	}
	switch l.period {
	case "hour":
		return who + " hourly request limit"
	case "minute":
		if l.endpoint != "" {
			return who + " per-minute request limit for /" + l.endpoint
		}
		return who + " per-minute request limit"
	}
	return who + " request limit"
}
