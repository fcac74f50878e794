package access

import (
	"context"
	"errors"
	"time"

	"github.com/otaccess/otaccess/client"
)

// LoginEntry is one login attempt from OneTrust's login history: when,
// whether it succeeded, from where and with what. Strings are as the
// server sent them: callers sanitize for display (textsafe).
type LoginEntry struct {
	At      time.Time // zero when the date did not read
	AtText  string    // the date as sent
	Success bool
	Status  string // as sent: Success | Failure
	IP      string
	Agent   string
}

// UnavailableError says an access API is not there for this key or
// server, and why, as a reader is told it: "login history: not available
// — the key lacks the USER scope (403 from /api/access/v1/login-history)".
type UnavailableError struct {
	What, Why string
	Err       error
}

func (e *UnavailableError) Error() string { return e.What + ": not available — " + e.Why }

func (e *UnavailableError) Unwrap() error { return e.Err }

// IsUnavailable reports an UnavailableError.
func IsUnavailable(err error) bool {
	var ue *UnavailableError
	return errors.As(err, &ue)
}

// LoginHistory reads the user's recent login attempts (OneTrust keeps a
// year of them) from /api/access/v1/login-history, on demand, in the
// server's order (newest first). A 403 (no USER scope) or a server without
// OneTrust's access APIs is an UnavailableError saying so.
func (s *Service) LoginHistory(ctx context.Context, userID string) ([]LoginEntry, error) {
	if s.Client == nil {
		return nil, ErrOffline
	}
	atts, err := s.Client.LoginHistory(ctx, userID, client.AccessWalk{})
	if err != nil {
		if st, ok := s.unavailable(err, client.PathLoginHistory); ok {
			return nil, &UnavailableError{What: "login history", Why: st.Why, Err: err}
		}
		return nil, err
	}
	out := make([]LoginEntry, len(atts))
	for i, a := range atts {
		out[i] = LoginEntry{At: a.At.Time, AtText: a.At.Raw, Success: a.Succeeded(), Status: a.Status, IP: a.IPAddress, Agent: a.UserAgent}
	}
	return out, nil
}

// When is the attempt's time for people, "2006-01-02 15:04" UTC, or the
// text sent when it did not read.
func (e LoginEntry) When() string {
	if e.At.IsZero() {
		return e.AtText
	}
	return e.At.UTC().Format("2006-01-02 15:04")
}

// Result is "success", "failure", or the status as sent.
func (e LoginEntry) Result() string {
	switch {
	case e.Success:
		return "success"
	case e.Status == "" || e.Status == "Failure" || e.Status == "failure":
		return "failure"
	}
	return e.Status
}
