package client

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Error is a failed SCIM request: an HTTP error answer (Status > 0) or a
// transport failure (Status == 0, Err set). All strings are sanitized and the
// API token is redacted before they are stored here.
type Error struct {
	Status     int
	ScimType   string
	Detail     string
	Method     string
	URL        string
	Body       string        // short excerpt of a non-SCIM error body
	RetryAfter time.Duration // from Retry-After, when the server sent one
	Attempts   int           // how many times the request was sent
	Err        error         // transport error when Status == 0
	// NotSent: no attempt reached the server — each failed to connect
	// (dial, DNS) or in the TLS handshake, or was refused unprocessed
	// (429) — so a write is known not to have been applied. A transport
	// error without it may have reached the server: its outcome is unknown.
	NotSent bool

	// cred names the credential when it is not an API key ("the OAuth
	// client abc"); scope is the one the request's API family needs
	// (SCIM, USER, ORGANIZATION); refetched: a 401 came again after a
	// fresh access token.
	cred      string
	scope     string
	refetched bool
}

// Error says what failed and what to do about it.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Status == 0 || e.Err != nil {
		// Transport failures, cancellations, and 2xx answers that did not
		// decode: there is no HTTP error status to explain.
		if e.Status != 0 {
			fmt.Fprintf(&b, "%d from ", e.Status)
		}
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.URL)
		if e.Err != nil {
			b.WriteString(e.Err.Error())
		} else {
			b.WriteString("request failed")
		}
		if e.Attempts > 1 {
			fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%d from %s %s: %s", e.Status, e.Method, e.URL, e.advice())
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (gave up after %d attempts)", e.Attempts)
	}
	switch {
	case e.Detail != "" && e.ScimType != "":
		fmt.Fprintf(&b, "; server said: %s (%s)", e.Detail, e.ScimType)
	case e.Detail != "":
		fmt.Fprintf(&b, "; server said: %s", e.Detail)
	case e.ScimType != "":
		fmt.Fprintf(&b, "; scimType %s", e.ScimType)
	case e.Body != "":
		fmt.Fprintf(&b, "; body: %s", e.Body)
	}
	return b.String()
}

func (e *Error) advice() string {
	switch {
	case e.Status == http.StatusUnauthorized && e.cred != "":
		s := "the access token of " + e.cred + " was refused"
		if e.refetched {
			s += ", also a freshly fetched one"
		}
		return s + "; check that the credential is still active (OTACCESS_CLIENT_ID or the profile's client_id)"
	case e.Status == http.StatusUnauthorized:
		return "the API key was refused; check OTACCESS_TOKEN or the profile's token"
	case e.Status == http.StatusForbidden:
		who, scope := "the API key", e.scope
		if e.cred != "" {
			who = e.cred
		}
		if scope == "" {
			scope = ScopeSCIM
		}
		return fmt.Sprintf("%s lacks the %s scope for this operation; ask a tenant admin for a credential with %s access", who, scope, scope)
	case e.Status == http.StatusNotFound:
		return "not found; it may have been deleted, or the base URL is wrong"
	case e.Status == http.StatusBadRequest && strings.EqualFold(e.ScimType, "invalidFilter"):
		return "the server rejected the filter; check its syntax and attribute names (OneTrust filters Users only, not Groups)"
	case e.Status == http.StatusBadRequest:
		return "the server rejected the request as invalid"
	case e.Status == http.StatusConflict:
		return "conflict: a resource with the same unique attribute exists or it changed meanwhile"
	case e.Status == http.StatusTooManyRequests:
		s := "rate limited by the server; wait and try again, or lower the request rate"
		if e.RetryAfter > 0 {
			s += fmt.Sprintf(" (Retry-After %s)", e.RetryAfter)
		}
		return s
	case e.Status >= 500:
		return "server error; try again later"
	default:
		if t := http.StatusText(e.Status); t != "" {
			return strings.ToLower(t)
		}
		return "unexpected status"
	}
}

// IsNotSent reports whether err is a request that never reached the
// server (see Error.NotSent).
func IsNotSent(err error) bool {
	var ce *Error
	return errors.As(err, &ce) && ce.NotSent
}

// NotSentReason says briefly why a request was not sent: "connection
// refused", "no such host", "TLS handshake failed: …"; "" when err is not
// such a failure.
func NotSentReason(err error) string {
	var ce *Error
	if !errors.As(err, &ce) || !ce.NotSent || ce.Err == nil {
		return ""
	}
	var dnsErr *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(ce.Err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(ce.Err, &dnsErr) && dnsErr.IsNotFound:
		return "no such host " + dnsErr.Name
	case errors.As(ce.Err, &dnsErr):
		return "the name " + dnsErr.Name + " did not resolve"
	case tlsHandshakeError(ce.Err):
		return "TLS handshake failed: " + ce.Err.Error()
	case errors.As(ce.Err, &op) && op.Err != nil:
		return "could not connect: " + op.Err.Error()
	}
	return ce.Err.Error()
}

// unsent reports whether a transport error happened before any of the
// request could reach the server: connecting (a dial error, which is also
// how DNS failures come) or in the TLS handshake. Everything else (a reset,
// a timeout while waiting for the answer) may come after the server read
// the request.
func unsent(err error) bool {
	var op *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &op) && op.Op == "dial":
		return true
	case errors.As(err, &dnsErr):
		return true
	}
	return tlsHandshakeError(err)
}

// tlsHandshakeError: the certificate was refused, the server sent a TLS
// alert, it did not speak TLS, or the handshake timed out. The request is
// written only after the handshake.
func tlsHandshakeError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var alert tls.AlertError
	var header tls.RecordHeaderError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalid),
		errors.As(err, &alert), errors.As(err, &header):
		return true
	}
	// net/http's own handshake timeout has no exported type.
	return strings.Contains(err.Error(), "TLS handshake timeout")
}

// Unwrap exposes the transport error (context.Canceled, net errors).
func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed.
func (e *Error) Temporary() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return -1
}

// IsNotFound reports a 404 answer.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsUnauthorized reports a 401 answer (the token was refused).
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

// IsForbidden reports a 403 answer (the token lacks a scope).
func IsForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

// IsRateLimited reports a 429 answer that outlasted the retries, or a rate
// limit used up for longer than the client waits (a *RateLimitError).
func IsRateLimited(err error) bool {
	_, ok := AsRateLimit(err)
	return ok || statusOf(err) == http.StatusTooManyRequests
}

// maxExcerpt bounds what of an untrusted body lands in an error message.
const maxExcerpt = 200

// newHTTPError builds an Error from a non-2xx answer. The body may be SCIM
// Error JSON (status as string or number), other JSON, HTML or nothing.
func (c *Client) newHTTPError(method, rawURL string, resp *http.Response, body []byte) *Error {
	e := &Error{Status: resp.StatusCode, Method: method, URL: c.redact(rawURL)}
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	var eb ErrorBody
	if json.Unmarshal(body, &eb) == nil && (eb.Detail != "" || eb.ScimType != "" || eb.Status != "") {
		e.Detail = c.scrub(eb.Detail, maxExcerpt, false)
		e.ScimType = c.scrub(eb.ScimType, 64, false)
		return e
	}
	e.Body = c.excerpt(body)
	return e
}

// excerpt turns an arbitrary body into one short readable line, the token
// scrubbed out (see scrub); an HTML page loses its tags.
func (c *Client) excerpt(body []byte) string {
	return c.scrub(string(body), maxExcerpt, bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")))
}

// newTransportError wraps a network failure. Only the inner error is kept:
// a *url.Error would carry a server-chosen redirect URL along, and the rest
// may quote the server's answer.
func (c *Client) newTransportError(method, rawURL string, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return &Error{Method: method, URL: c.redact(rawURL), Err: &redactedError{msg: c.scrub(err.Error(), 300, false), cause: err}}
}

// redactedError shows a sanitized message but keeps the cause for errors.Is.
type redactedError struct {
	msg   string
	cause error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.cause }

// parseRetryAfter accepts delta-seconds or an HTTP date; 0 when absent or
// unusable. It is capped at an hour so a silly value cannot overflow.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	const ceiling = time.Hour
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs != secs {
			return 0
		}
		if secs >= ceiling.Seconds() {
			return ceiling
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d <= 0 {
			return 0
		}
		return min(d, ceiling)
	}
	return 0
}
