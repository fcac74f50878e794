package access

import (
	"errors"

	"github.com/otaccess/otaccess/client"
)

// A write that never reached the server (the connection was refused, the
// name did not resolve, the TLS handshake failed) is known not to have
// been applied: it is "not sent", which is neither "failed" with an answer
// nor an unknown outcome. The UI says the tenant is unreachable until a
// request succeeds again.

// ErrNotSent is wrapped by the error of a write that was not sent.
var ErrNotSent = errors.New("not sent")

// NotSentError is a write that never reached the server.
type NotSentError struct {
	Reason string // "connection refused", "TLS handshake failed: …"
	Err    error  // the client's error
}

func (e *NotSentError) Error() string {
	return "not sent: " + e.Reason + " (nothing reached the server; the tenant is unchanged)"
}

func (e *NotSentError) Unwrap() []error { return []error{ErrNotSent, e.Err} }

// notSent wraps a client error whose request never reached the server.
func notSent(err error) error {
	var ns *NotSentError
	if errors.As(err, &ns) {
		return err
	}
	reason := client.NotSentReason(err)
	if reason == "" {
		reason = err.Error()
	}
	return &NotSentError{Reason: reason, Err: err}
}

// IsNotSent reports whether err is a request that never reached the server
// (a write not sent, a read or sync that could not connect): the UI shows
// the tenant as unreachable after one.
func IsNotSent(err error) bool {
	return errors.Is(err, ErrNotSent) || client.IsNotSent(err)
}
