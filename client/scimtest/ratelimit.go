package scimtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// OneTrust's documented limits, enforced by default.
const (
	OneTrustPerMinute = 1000    // requests per endpoint per minute
	OneTrustPerHour   = 200_000 // requests per account per hour
)

// limitOrDefault: 0 is OneTrust's limit, negative is none (stored as 0).
func limitOrDefault(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

type rateWindow struct {
	start time.Time
	n     int
}

// rateLimit counts the request against its endpoint's window and the account's
// hourly window; over a limit it answers 429 and returns the status.
func (s *Server) rateLimit(w http.ResponseWriter, rel string) int {
	if s.cfg.RateLimitPerMinute <= 0 && s.cfg.RateLimitPerHour <= 0 {
		return 0
	}
	seg := endpointKey(rel)
	now := time.Now()
	if s.cfg.RateClock != nil {
		now = s.cfg.RateClock()
	}
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	check := func(key string, limit int, period time.Duration, name string) bool {
		if limit <= 0 {
			return false
		}
		win := s.windows[key]
		if win == nil || now.Sub(win.start) >= period {
			win = &rateWindow{start: now}
			s.windows[key] = win
		}
		win.n++
		if win.n <= limit {
			return false
		}
		wait := win.start.Add(period).Sub(now)
		secs := int((wait + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		h := w.Header()
		h.Set("Retry-After", strconv.Itoa(secs))
		h.Set("ot-ratelimit-event-id", fmt.Sprintf("scimtest-%d", s.requests.Load()))
		h.Set("ot-requests-allowed", strconv.Itoa(limit))
		h.Set("ot-period", name)
		h.Set("ot-request-made", strconv.Itoa(win.n))
		writeError(w, http.StatusTooManyRequests, "", fmt.Sprintf("rate limit of %d requests per %s exceeded; retry after %d seconds", limit, strings.ToLower(name), secs))
		s.throttled.Add(1)
		return true
	}
	if check("hour", s.cfg.RateLimitPerHour, 60*s.cfg.RateWindow, "HOUR") ||
		check("endpoint:"+seg, s.cfg.RateLimitPerMinute, s.cfg.RateWindow, "MINUTE") {
		return http.StatusTooManyRequests
	}
	return 0
}

// Throttled is how many requests the rate limits have refused.
func (s *Server) Throttled() int64 { return s.throttled.Load() }

// ResetRateLimits starts every rate window afresh, as if an hour had
// passed without a request: a benchmark's runs each start as a user's
// first sync of the day would.
func (s *Server) ResetRateLimits() {
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	clear(s.windows)
}
