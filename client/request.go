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
	"sync"
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
}

const (
	mediaSCIM = "application/scim+json"
	accept    = "application/scim+json, application/json"
)

func (c *Client) url(cl *call) string {
	u := c.base + cl.path
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
	var payload []byte
	if cl.body != nil {
		if payload, err = json.Marshal(cl.body); err != nil {
			return false, fmt.Errorf("%s %s: encoding the request: %w", cl.method, target, err)
		}
	}
	for attempt := 1; ; attempt++ {
		release, err := c.hold(ctx)
		if err != nil {
			return false, c.cancelled(cl.method, target, err, attempt-1, "before sending")
		}
		status, header, body, err := c.once(ctx, cl.method, target, payload)
		release()
		var wait time.Duration
		var last string
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return false, c.cancelled(cl.method, target, ctx.Err(), attempt, "")
			}
			terr := c.newTransportError(cl.method, target, err)
			terr.Attempts = attempt
			if !cl.retryNet || !transient(err) || attempt > c.maxRetries {
				return false, terr
			}
			wait = c.backoff(attempt)
			last = "a network error"
		case status >= 200 && status < 300:
			if out == nil || len(bytes.TrimSpace(body)) == 0 {
				return false, nil
			}
			if err := decodeJSON(body, out); err != nil {
				return false, &Error{Status: status, Method: cl.method, URL: c.redact(target), Attempts: attempt,
					Err: &redactedError{msg: "the response is not valid SCIM JSON (" + c.scrub(err.Error(), 120, false) + "): " + c.excerpt(body), cause: err}}
			}
			recycle(body) // decoding copied what it kept
			return true, nil
		default:
			herr := c.newHTTPError(cl.method, target, &http.Response{StatusCode: status, Header: header}, body)
			herr.Attempts = attempt
			retryable := status == http.StatusTooManyRequests ||
				(cl.retry5xx && status >= 500 && status != http.StatusNotImplemented && status != http.StatusHTTPVersionNotSupported)
			wait = herr.RetryAfter
			if wait <= 0 {
				wait = c.backoff(attempt)
			}
			wait = min(wait, c.maxWait)
			if status == http.StatusTooManyRequests {
				// Even when giving up: the server asked this client to pause.
				c.holdAll(wait)
			}
			if !retryable || attempt > c.maxRetries {
				return false, herr
			}
			last = fmt.Sprintf("a %d answer", status)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return false, c.cancelled(cl.method, target, err, attempt, "while waiting to retry after "+last)
		}
	}
}

// hold waits until one more request may be sent: for a slot when the
// context carries a pager's slots, then for pacing. A pager's slot is held
// until release, once the body is read: the bound is on requests in
// flight, and decoding a page happens outside it.
func (c *Client) hold(ctx context.Context) (release func(), err error) {
	release = func() {}
	if slots, _ := ctx.Value(slotsKey{}).(*semaphore.Weighted); slots != nil {
		if err := slots.Acquire(ctx, 1); err != nil {
			return nil, err
		}
		release = func() { slots.Release(1) }
	}
	if err := c.pace(ctx); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// once sends one attempt and reads the (capped) body under the per-attempt
// timeout.
func (c *Client) once(ctx context.Context, method, target string, payload []byte) (int, http.Header, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, method, target, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", mediaSCIM)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, c.timedOut(ctx, actx, err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp, c.maxBody)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading the response: %w", c.timedOut(ctx, actx, err))
	}
	if int64(len(body)) > c.maxBody {
		return 0, nil, nil, &tooLargeError{limit: c.maxBody}
	}
	return resp.StatusCode, resp.Header, body, nil
}

// readBody reads at most limit+1 bytes (the caller tells "too large"), into
// a buffer sized from Content-Length when there is one (a 1 MB page read by
// io.ReadAll grows and copies its buffer a dozen times), recycled from an
// earlier response when one is big enough.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	size := bytes.MinRead
	if n := resp.ContentLength; n > 0 && n <= limit {
		size += int(n) // ReadFrom wants MinRead spare to not grow
	}
	var b []byte
	if p, _ := bodies.Get().(*[]byte); p != nil && cap(*p) >= size {
		b = (*p)[:0]
	} else {
		b = make([]byte, 0, size)
	}
	buf := bytes.NewBuffer(b)
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	return buf.Bytes(), err
}

// bodies holds response buffers whose content has been decoded: a sync
// reads ~1.4 MB per page of users, and as much fresh garbage per page made
// the collector run twice as often.
var bodies sync.Pool

// recycle returns a decoded body's buffer; nothing may use b afterwards.
func recycle(b []byte) {
	b = b[:0]
	bodies.Put(&b)
}

// timedOut names the per-attempt timeout when it is what ended the attempt
// (the bare "context deadline exceeded" does not say which deadline).
func (c *Client) timedOut(ctx, attempt context.Context, err error) error {
	if ctx.Err() == nil && errors.Is(attempt.Err(), context.DeadlineExceeded) {
		return &timeoutError{after: c.timeout}
	}
	return err
}

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

// cancelled reports a context that ended before the request could finish.
func (c *Client) cancelled(method, target string, cause error, attempts int, when string) *Error {
	msg := cause.Error()
	if when != "" {
		msg += " " + when
	}
	return &Error{Method: method, URL: c.redact(target), Attempts: attempts, Err: &redactedError{msg: msg, cause: cause}}
}

// pace waits for any server-requested pause and then for a token.
func (c *Client) pace(ctx context.Context) error {
	if until := c.notBefore.Load(); until != 0 {
		if d := time.Until(time.Unix(0, until)); d > 0 {
			if err := c.sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	if err := c.limiter.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The limiter refuses early when the wait would pass the deadline.
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return nil
}

// holdAll pauses every request of this client for d after a 429.
func (c *Client) holdAll(d time.Duration) {
	until := time.Now().Add(d).UnixNano()
	for {
		cur := c.notBefore.Load()
		if cur >= until || c.notBefore.CompareAndSwap(cur, until) {
			return
		}
	}
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
