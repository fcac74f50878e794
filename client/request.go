package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"
)

// call describes one logical request; do may send it several times.
type call struct {
	method string
	path   string     // appended to the base URL, already escaped
	query  url.Values // nil for none
	body   any        // JSON-encoded when non-nil
	// retry5xx: resending after a 5xx is safe (the request is idempotent in
	// effect). A 429 is always retried: the server refused it unprocessed.
	retry5xx bool
	// retryNet: resending after a transport error is safe (reads only).
	retryNet bool
	// retryMalformed: a 2xx answer that does not decode is asked for once
	// more (list pages).
	retryMalformed bool
	// origin: path is relative to the tenant's host (scheme://host), not
	// to the SCIM base: OneTrust's access APIs and its token endpoint live
	// beside /api/scim/v2, not under it.
	origin bool
	// noAuth sends no Authorization header (the token endpoint).
	noAuth bool
	// form is a body sent as is, with its content type, instead of body.
	form            []byte
	formContentType string
	// keepBody receives a 2xx body as sent, for callers that parse it
	// themselves (and say what is wrong with it in their own words).
	keepBody *[]byte
}

const (
	mediaSCIM = "application/scim+json"
	accept    = "application/scim+json, application/json"
)

func (c *Client) url(cl *call) string {
	u := c.base + cl.path
	if cl.origin {
		u = c.origin + cl.path
	}
	if len(cl.query) > 0 {
		// Encode spaces as %20: some SCIM servers do not decode '+' in a
		// filter. A literal '+' is already %2B here.
		u += "?" + strings.ReplaceAll(cl.query.Encode(), "+", "%20")
	}
	return u
}

// do sends cl with pacing and retries and decodes a 2xx body into out (when
// out is non-nil and the body is not empty). It reports whether a body was
// decoded, so callers can tell 204 No Content from 200.
func (c *Client) do(ctx context.Context, cl *call, out any) (decoded bool, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	target := c.url(cl)
	key := endpointOf(cl.path)
	var payload []byte
	if cl.body != nil {
		if payload, err = json.Marshal(cl.body); err != nil {
			return false, fmt.Errorf("%s %s: encoding the request: %w", cl.method, target, err)
		}
	}
	if cl.form != nil {
		payload = cl.form
	}
	malformedRetried, reauthed := false, false
	// reached: some attempt may have reached the server (it answered,
	// other than 429's refusal unprocessed, or failed after connecting).
	reached := false
	for attempt := 1; ; attempt++ {
		// The bearer is fetched before a slot is held: a walk's requests
		// all wait for one token fetch, which must not need a slot itself.
		bearer, err := c.bearer(ctx, cl)
		if err != nil {
			return false, err
		}
		release, err := c.hold(ctx, key)
		if err != nil {
			var rl *RateLimitError
			if errors.As(err, &rl) {
				return false, rl
			}
			return false, c.cancelled(ctx, cl.method, target, err, attempt-1, "before sending")
		}
		a := c.once(ctx, cl, target, bearer, payload)
		release()
		var wait time.Duration
		var last string
		switch {
		case a.err != nil:
			if ctx.Err() != nil {
				return false, c.cancelled(ctx, cl.method, target, ctx.Err(), attempt, "")
			}
			terr := c.newTransportError(cl.method, target, a.err)
			terr.Attempts = attempt
			reached = reached || !unsent(a.err)
			terr.NotSent = !reached
			if !cl.retryNet || !transient(a.err) || attempt > c.maxRetries {
				return false, terr
			}
			wait = c.backoff(attempt)
			last = "a network error"
		case a.status >= 200 && a.status < 300:
			reached = true
			c.learn(key, a.header, 0)
			if cl.keepBody != nil {
				*cl.keepBody = append([]byte(nil), a.body...)
				a.done()
				return true, nil
			}
			if out == nil || len(bytes.TrimSpace(a.body)) == 0 {
				a.done()
				return false, nil
			}
			if err := decodeJSON(a.body, out); err != nil {
				derr := &Error{Status: a.status, Method: cl.method, URL: c.redact(target), Attempts: attempt,
					Err: &redactedError{msg: "the response is not valid SCIM JSON (" + c.scrub(err.Error(), 120, false) + "): " + c.excerpt(a.body), cause: err}}
				a.done()
				// A page cut short or garbled on the way usually reads
				// fine the second time; a server that always answers so
				// does not get a third chance.
				if !cl.retryMalformed || malformedRetried || attempt > c.maxRetries {
					return false, derr
				}
				malformedRetried = true
				wait, last = c.backoff(attempt), "an answer that did not decode"
				break
			}
			recycle(a.body) // decoding copied what it kept
			a.done()
			return true, nil
		default:
			reached = reached || a.status != http.StatusTooManyRequests
			herr := c.newHTTPError(cl.method, target, &http.Response{StatusCode: a.status, Header: a.header}, a.body)
			a.done()
			herr.Attempts = attempt
			herr.cred, herr.scope = c.credName(), scopeOf(cl)
			if a.status == http.StatusUnauthorized && c.oauth != nil && !cl.noAuth && !reauthed {
				// An access token can be revoked or expire early: fetch
				// a new one, once, and send again.
				reauthed = true
				c.oauth.invalidate(bearer)
				continue
			}
			if a.status == http.StatusUnauthorized && reauthed {
				herr.refetched = true
			}
			if a.status == http.StatusTooManyRequests {
				// The server refused it unprocessed: hold the budget it
				// names back for as long as it asks (every request when it
				// names none), and send again when the pacer lets it, or
				// say when to try again if that is too far off.
				block := herr.RetryAfter
				if block <= 0 {
					block = c.backoff(attempt)
				}
				until, lim := c.learn(key, a.header, block)
				if rl := c.tooLong(ctx, until, lim); rl != nil {
					rl.Err = herr
					return false, rl
				}
				if attempt > c.maxRetries {
					return false, herr
				}
				continue
			}
			c.learn(key, a.header, 0)
			retryable := a.status == http.StatusRequestTimeout ||
				(cl.retry5xx && a.status >= 500 && a.status != http.StatusNotImplemented && a.status != http.StatusHTTPVersionNotSupported)
			if !retryable || attempt > c.maxRetries {
				return false, herr
			}
			wait = herr.RetryAfter
			if wait <= 0 {
				wait = c.backoff(attempt)
			}
			wait = min(wait, c.maxWait)
			last = fmt.Sprintf("a %d answer", a.status)
		}
		if err := c.sleepReporting(ctx, wait, "a retry after "+last); err != nil {
			return false, c.cancelled(ctx, cl.method, target, err, attempt, "while waiting to retry after "+last)
		}
	}
}

// endpointOf is the budget a request counts against: its path's first
// segment (Users, Groups, ...), as OneTrust counts per endpoint.
func endpointOf(path string) string {
	if strings.HasPrefix(path, "/api/") {
		return accessEndpoint(path)
	}
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return seg
}

// hold waits until one more request may be sent: for a slot when the
// context carries a pager's slots, then for pacing. A pager's slot is held
// until release, once the body is read: the bound is on requests in
// flight, and decoding a page happens outside it.
func (c *Client) hold(ctx context.Context, key string) (release func(), err error) {
	release = func() {}
	if slots, _ := ctx.Value(slotsKey{}).(*semaphore.Weighted); slots != nil {
		if err := slots.Acquire(ctx, 1); err != nil {
			return nil, err
		}
		release = func() { slots.Release(1) }
	}
	if err := c.pace(ctx, key); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// answer is one attempt's outcome. done gives back the room its body
// holds in the client's body budget.
type answer struct {
	status int
	header http.Header
	body   []byte
	done   func()
	err    error
}

// once sends one attempt and reads the (capped) body under the per-attempt
// timeout.
func (c *Client) once(ctx context.Context, cl *call, target, bearer string, payload []byte) answer {
	fail := func(err error) answer { return answer{err: err, done: func() {}} }
	// The timeout is the client's clock's, not a context deadline, so a
	// test moving its clock past it times the attempt out at once.
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopTimer := c.clock.AfterFunc(c.timeout, func() { cancel(errAttemptTimeout) })
	defer stopTimer()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, target, rd)
	if err != nil {
		return fail(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.userAgent)
	switch {
	case cl.form != nil:
		req.Header.Set("Content-Type", cl.formContentType)
	case payload != nil:
		req.Header.Set("Content-Type", mediaSCIM)
	}
	stopWatch := c.watchAnswer(ctx)
	c.sent.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		stopWatch()
		return fail(c.timedOut(ctx, actx, err))
	}
	defer resp.Body.Close()
	body, done, err := c.bodies.read(actx, resp.Body, resp.ContentLength, c.maxBody)
	stopWatch()
	if err != nil {
		return fail(fmt.Errorf("reading the response: %w", c.timedOut(ctx, actx, err)))
	}
	if int64(len(body)) > c.maxBody {
		done()
		return fail(&tooLargeError{limit: c.maxBody})
	}
	if !stopTimer() && ctx.Err() == nil {
		// The timeout fired before the answer was complete: the answer
		// came too late, whatever arrived in the meantime.
		done()
		return fail(&timeoutError{after: c.timeout})
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body, done: done}
}

// timedOut names the per-attempt timeout when it is what ended the attempt
// (the bare "context deadline exceeded" does not say which deadline).
func (c *Client) timedOut(ctx, attempt context.Context, err error) error {
	if ctx.Err() == nil && errors.Is(context.Cause(attempt), errAttemptTimeout) {
		return &timeoutError{after: c.timeout}
	}
	return err
}

// errAttemptTimeout is the cause an attempt's context is cancelled with
// when its timeout fires.
var errAttemptTimeout = errors.New("the per-request timeout passed")

// timeoutError unwraps to context.DeadlineExceeded only: the *url.Error it
// replaces would carry the URL a second time.
type timeoutError struct{ after time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("timed out: no complete answer within %s", e.after)
}
func (e *timeoutError) Unwrap() error { return context.DeadlineExceeded }

type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("the response is larger than %d MiB; refusing to read it", e.limit>>20)
}

// cancelled reports a context that ended before the request could finish,
// by its cause when it has one (the sync's deadline says which it was).
func (c *Client) cancelled(ctx context.Context, method, target string, err error, attempts int, when string) *Error {
	if cause := context.Cause(ctx); cause != nil && cause != err {
		err = cause
	}
	msg := err.Error()
	if when != "" {
		msg += " " + when
	}
	return &Error{Method: method, URL: c.redact(target), Attempts: attempts, Err: &redactedError{msg: msg, cause: err}}
}

// backoff is exponential with jitter in [d/2, d], capped at maxWait.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.baseWait
	for i := 1; i < attempt && d < c.maxWait; i++ {
		d *= 2
	}
	d = min(d, c.maxWait)
	half := d / 2
	return half + rand.N(half+1)
}

// transient reports whether a transport error may go away on its own.
// Certificate problems, unknown hosts and refused redirects will not.
func transient(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var dnsErr *net.DNSError
	var tooLarge *tooLargeError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalid):
		return false
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return false
	case errors.As(err, &tooLarge):
		return false
	case strings.Contains(err.Error(), "redirect"):
		return false
	}
	return true
}
