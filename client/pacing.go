package client

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock is the time the client paces itself on. Tests pass one they move
// themselves (scimtest.ManualClock), so no assertion about pacing depends
// on how fast the machine runs.
//
// The per-request timeout runs on it too (AfterFunc), so a test can make
// a request time out by moving its clock past the timeout, without
// waiting for it.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
	// AfterFunc calls f in its own goroutine once d has passed on this
	// clock. stop cancels the call; like time.Timer.Stop it reports
	// whether it did (false: f has run or is running, or stop was called
	// before).
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type wallClock struct{}

func (wallClock) Now() time.Time                                   { return time.Now() }
func (wallClock) Sleep(ctx context.Context, d time.Duration) error { return sleepCtx(ctx, d) }
func (wallClock) AfterFunc(d time.Duration, f func()) func() bool  { return time.AfterFunc(d, f).Stop }

// budget allows at most limit requests in any span of period: a sliding
// window, so a full window is available at once (a sync of 180 requests
// never waits on itself) and the count can never pass what a server
// counting in fixed or sliding windows allows.
type budget struct {
	name   string // "hour", or the endpoint of a per-minute budget
	limit  int
	period time.Duration
	sent   []time.Time // the latest sends, oldest at next once full
	next   int
	until  time.Time // the server said this budget is used up until then
	// unnamed: the 429 that set until named no period, so it holds back
	// every request (on the account's budget), for an unknown reason.
	unnamed bool
}

// span is the period plus a margin: requests sent a period apart can
// arrive closer together when the network's delay varies.
func (b *budget) span() time.Duration { return b.period + b.period/30 }

// freeAt is the earliest time at or after now when one more request fits.
func (b *budget) freeAt(now time.Time) time.Time {
	t := now
	if b.until.After(t) {
		t = b.until
	}
	if len(b.sent) >= b.limit {
		if at := b.sent[b.next].Add(b.span()); at.After(t) {
			t = at
		}
	}
	return t
}

func (b *budget) add(now time.Time) {
	if len(b.sent) < b.limit {
		b.sent = append(b.sent, now)
		return
	}
	b.sent[b.next] = now
	b.next = (b.next + 1) % b.limit
}

// used counts the requests sent within the last span. The sends are in
// time order from next on, so it is a binary search.
func (b *budget) used(now time.Time) int {
	n := len(b.sent)
	at := func(i int) time.Time { return b.sent[(b.next+i)%n] }
	return n - sort.Search(n, func(i int) bool { return now.Sub(at(i)) < b.span() })
}

// learn takes a server's word for the limit and for how many requests it
// has counted (other clients may share the account): only ever downwards,
// so a wrong header cannot make this client send more.
func (b *budget) learn(now time.Time, allowed, made int) {
	if allowed > 0 && allowed < b.limit {
		ordered := append(append([]time.Time(nil), b.sent[b.next:]...), b.sent[:b.next]...)
		b.sent, b.next, b.limit = ordered[max(0, len(ordered)-allowed):], 0, allowed
	}
	for extra := min(made, b.limit) - b.used(now); extra > 0; extra-- {
		b.add(now)
	}
}

// pacer holds a budget per endpoint (first path segment: Users, Groups,
// ...) per minute and one per account per hour, as OneTrust counts.
type pacer struct {
	mu        sync.Mutex
	perMinute int
	endpoints map[string]*budget
	account   *budget
}

func newPacer(perMinute, perHour int) *pacer {
	return &pacer{
		perMinute: perMinute,
		endpoints: map[string]*budget{},
		account:   &budget{name: "hour", limit: perHour, period: time.Hour},
	}
}

func (p *pacer) endpoint(key string) *budget {
	b := p.endpoints[key]
	if b == nil {
		b = &budget{name: key, limit: p.perMinute, period: time.Minute}
		p.endpoints[key] = b
	}
	return b
}

// limitInfo names the budget that holds requests back, for errors and waits.
type limitInfo struct {
	period   string // "minute", "hour", or "" when the server did not say
	endpoint string // of a per-minute limit, e.g. "Users"
	allowed  int    // requests per period, when known
}

func (b *budget) info(until time.Time) limitInfo {
	switch {
	case b.period == time.Minute:
		return limitInfo{period: "minute", endpoint: b.name, allowed: b.limit}
	case !b.until.Before(until) && b.unnamed:
		return limitInfo{}
	}
	return limitInfo{period: "hour", allowed: b.limit}
}

// reserve counts a request to key and returns true when every budget
// allows it now; otherwise it says when the budget that holds it back
// allows one.
func (p *pacer) reserve(key string, now time.Time) (bool, time.Time, limitInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ep := p.endpoint(key)
	at, by := ep.freeAt(now), ep
	if t := p.account.freeAt(now); t.After(at) {
		at, by = t, p.account
	}
	if at.After(now) {
		return false, at, by.info(at)
	}
	ep.add(now)
	p.account.add(now)
	return true, now, limitInfo{}
}

// rateHeaders are OneTrust's rate headers on an answer.
type rateHeaders struct {
	period        string // "MINUTE", "HOUR" or "" when absent
	allowed, made int
}

func parseRateHeaders(h http.Header) rateHeaders {
	num := func(k string) int {
		n, err := strconv.Atoi(strings.TrimSpace(h.Get(k)))
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	r := rateHeaders{period: strings.ToUpper(strings.TrimSpace(h.Get("ot-period"))), allowed: num("ot-requests-allowed"), made: num("ot-request-made")}
	if r.period != "MINUTE" && r.period != "HOUR" {
		r.period = ""
	}
	return r
}

// learn applies what an answer's headers say to the budget they name.
// After a 429 (blockFor > 0) that budget is used up for blockFor; a 429
// that names no period holds back every request. It returns when the
// budget allows a request again and which it is.
func (p *pacer) learn(key string, rh rateHeaders, now time.Time, blockFor time.Duration) (time.Time, limitInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.account
	if rh.period == "MINUTE" {
		b = p.endpoint(key)
	}
	if rh.period != "" {
		made := rh.made
		if blockFor > 0 {
			made = 0 // the block says when the server's count starts over
		}
		b.learn(now, rh.allowed, made)
	}
	if blockFor > 0 {
		if until := now.Add(blockFor); until.After(b.until) {
			b.until, b.unnamed = until, rh.period == ""
		}
	}
	at := b.freeAt(now)
	return at, b.info(at)
}
