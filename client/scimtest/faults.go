package scimtest

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind is what an injected fault does to a matching request.
type FaultKind int

const (
	// FaultStatus answers Status (429, 500, 502, 503, 401, 403, ...) with a
	// SCIM error body, or Body when set; the request is not applied.
	FaultStatus FaultKind = iota + 1
	// FaultDelay serves the request (a write is applied) and holds the
	// response for Delay (on Config.DelayClock when set): past a client
	// timeout the client sees an error although the server did the work.
	FaultDelay
	// FaultDisconnect sends the status line, headers (with the full
	// Content-Length) and half of the body, then closes the connection.
	FaultDisconnect
	// FaultMalformedJSON serves a complete body that is not valid JSON.
	FaultMalformedJSON
	// FaultTruncatedJSON serves the first half of the body, with a
	// Content-Length that matches it: the transfer is clean, the JSON is not.
	FaultTruncatedJSON
	// FaultShiftWindow moves a list page's window by Shift items while
	// echoing the requested startIndex: positive skips items, negative
	// repeats items of the previous page.
	FaultShiftWindow
	// FaultTotalResults adds TotalDelta to a list page's totalResults (the
	// tenant seems to grow or shrink while paging).
	FaultTotalResults
	// FaultDropResponse applies the request, then closes the connection
	// without any response: a PATCH that succeeded but whose answer is lost.
	FaultDropResponse
)

var faultNames = map[FaultKind]string{
	FaultStatus:        "status",
	FaultDelay:         "delay",
	FaultDisconnect:    "cut",
	FaultMalformedJSON: "malformed",
	FaultTruncatedJSON: "truncate",
	FaultShiftWindow:   "shift",
	FaultTotalResults:  "total",
	FaultDropResponse:  "drop",
}

func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// preempts reports whether the fault answers instead of the handler.
func (k FaultKind) preempts() bool { return k == FaultStatus }

// Fault matches requests by method and path prefix and changes how they are
// answered. Faults see authenticated requests inside the base path only (a
// 401 for a missing token never uses one up). Each fault counts the requests
// it matches on its own; of the faults eligible for a request, the one
// injected first fires. A list-only kind (shift, total) firing on another
// request changes nothing but still counts as fired.
type Fault struct {
	Method string // "" matches any method
	Path   string // prefix of the path after the base path ("/Users", "/Groups/"), or of an access path ("/api/access/v2/user-groups"); "" matches all
	After  int    // let the first After matching requests through
	Times  int    // fire this many times; 0 = on every matching request after After
	Kind   FaultKind

	Status     int           // FaultStatus
	RetryAfter time.Duration // FaultStatus: Retry-After in whole seconds (rounded up); 0 = no header
	Body       string        // FaultStatus: raw body (served as text/html) instead of a SCIM error
	Delay      time.Duration // FaultDelay
	Shift      int           // FaultShiftWindow
	TotalDelta int           // FaultTotalResults
}

type faultState struct {
	f           Fault
	seen, fired int
}

// InjectFault adds a fault; it stays until it has fired Times times or
// ClearFaults is called.
func (s *Server) InjectFault(f Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = append(s.faults, &faultState{f: f})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = nil
}

// FaultsFired returns how many times injected faults have fired since the
// last ClearFaults.
func (s *Server) FaultsFired() int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	n := 0
	for _, fs := range s.faults {
		n += fs.fired
	}
	return n
}

func (s *Server) matchFault(method, rel string) *Fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	var chosen *Fault
	for _, fs := range s.faults {
		f := &fs.f
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if !strings.HasPrefix(rel, f.Path) {
			continue
		}
		fs.seen++
		if chosen != nil || fs.seen <= f.After || (f.Times > 0 && fs.fired >= f.Times) {
			continue
		}
		fs.fired++
		c := *f
		chosen = &c
	}
	return chosen
}

// preemptFault answers a FaultStatus fault and returns the status sent.
func (s *Server) preemptFault(w http.ResponseWriter, c *call) int {
	f := c.fault
	status := f.Status
	if status < 100 || status > 599 {
		status = http.StatusInternalServerError
	}
	h := w.Header()
	if f.RetryAfter > 0 {
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.Itoa(secs))
	}
	if status == http.StatusTooManyRequests {
		h.Set("ot-requests-allowed", "1000")
		h.Set("ot-period", "MINUTE")
		h.Set("ot-request-made", "1001")
	}
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="scim"`)
	}
	if f.Body != "" {
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
		return status
	}
	writeError(w, status, "", fmt.Sprintf("injected fault: %d %s", status, http.StatusText(status)))
	return status
}

// deliver writes the handler's buffered response, altered by a fault that
// acts after the handler. It returns the status sent (0 when none was).
func (s *Server) deliver(w http.ResponseWriter, b *bufferedResponse, c *call) int {
	f := c.fault
	if f == nil {
		return flush(w, b)
	}
	switch f.Kind {
	case FaultDelay:
		if clk := s.cfg.DelayClock; clk != nil {
			// The time passes on the test's clock: a client timing out
			// on it has given up by the time Advance returns, so what
			// is flushed after is an answer it never takes.
			clk.Advance(f.Delay)
		} else if !sleepCtx(c.r.Context(), f.Delay) {
			return 0
		}
		return flush(w, b)
	case FaultDisconnect:
		if b.body.Len() < 2 {
			abort(w, nil)
			return 0
		}
		abort(w, b)
		return 0
	case FaultDropResponse:
		abort(w, nil)
		return 0
	case FaultMalformedJSON:
		body := b.body.Bytes()
		var bad []byte
		if i := bytes.Index(body, []byte(`":`)); i >= 0 {
			// Drop a colon: still looks like JSON, no longer parses.
			bad = append(append(append([]byte{}, body[:i+1]...), ' '), body[i+2:]...)
		} else {
			bad = []byte(`{"schemas": [`)
		}
		if b.statusCode() == http.StatusNoContent {
			b.status = http.StatusOK
		}
		b.header.Set("Content-Type", contentType)
		b.body.Reset()
		b.body.Write(bad)
		return flush(w, b)
	case FaultTruncatedJSON:
		b.body.Truncate(b.body.Len() / 2)
		return flush(w, b)
	default:
		return flush(w, b)
	}
}

// abort closes the connection. With partial set, it first sends the status,
// the headers (announcing the full length) and half of the body.
func abort(w http.ResponseWriter, partial *bufferedResponse) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		if partial != nil {
			for k, v := range partial.header {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(partial.body.Len()))
			w.WriteHeader(partial.statusCode())
			_, _ = w.Write(partial.body.Bytes()[:partial.body.Len()/2])
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
		}
		// Without a hijackable connection (HTTP/2), this is how net/http
		// resets the stream.
		panic(http.ErrAbortHandler)
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	if partial == nil {
		return
	}
	status := partial.statusCode()
	fmt.Fprintf(rw, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	partial.header.Set("Content-Length", strconv.Itoa(partial.body.Len()))
	_ = partial.header.Write(rw)
	_, _ = rw.WriteString("\r\n")
	_, _ = rw.Write(partial.body.Bytes()[:partial.body.Len()/2])
	_ = rw.Flush()
}

// ParseFaults parses a compact fault list, for a fake-server command's flag.
//
//	spec   = fault *( ";" fault )
//	fault  = head *( "," option )
//	head   = STATUS [ ":" TIMES ]      a 3-digit status: answer it (FaultStatus)
//	       | KIND [ ":" TIMES ]        delay | cut | malformed | truncate | shift | total | drop
//	option = method=GET | path=/Users | after=N | times=N
//	       | retry-after=SECONDS       (status faults; also accepts a duration such as 1500ms)
//	       | delay=DURATION            (delay; default 5s)
//	       | shift=N                   (shift; default 1)
//	       | delta=N                   (total; default 1, may be negative)
//	       | body=TEXT                 (status faults; raw body instead of a SCIM error;
//	                                    TEXT cannot contain "," or ";")
//
// TIMES is how many times the fault fires (default: always). Faults are
// tried in order and each counts its own matching requests, so
// "429:3,retry-after=1;500:2" answers three 429s (Retry-After: 1), then two
// 500s, then serves normally. More examples:
//
//	503:1,path=/Groups                one 503 on the first /Groups request
//	drop:1,method=PATCH,path=/Groups/ a group PATCH applied but its response lost
//	shift:1,shift=-2,path=/Users,after=1  the second /Users page repeats two users
//	delay,delay=45s,method=GET        every GET answered after 45 s
func ParseFaults(spec string) ([]Fault, error) {
	var out []Fault
	for part := range strings.SplitSeq(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		fields := strings.Split(part, ",")
		f, err := parseFaultHead(strings.TrimSpace(fields[0]))
		if err != nil {
			return nil, fmt.Errorf("fault %q: %w", part, err)
		}
		for _, opt := range fields[1:] {
			if err := setFaultOption(&f, strings.TrimSpace(opt)); err != nil {
				return nil, fmt.Errorf("fault %q: %w", part, err)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func parseFaultHead(head string) (Fault, error) {
	var f Fault
	name, times, hasTimes := strings.Cut(head, ":")
	name = strings.ToLower(strings.TrimSpace(name))
	if hasTimes {
		n, err := strconv.Atoi(strings.TrimSpace(times))
		if err != nil || n < 0 {
			return f, fmt.Errorf("times %q is not a non-negative integer", times)
		}
		f.Times = n
	}
	if st, err := strconv.Atoi(name); err == nil {
		if st < 100 || st > 599 {
			return f, fmt.Errorf("status %d out of range", st)
		}
		f.Kind, f.Status = FaultStatus, st
		return f, nil
	}
	switch name {
	case "delay":
		f.Kind, f.Delay = FaultDelay, 5*time.Second
	case "cut", "disconnect":
		f.Kind = FaultDisconnect
	case "malformed":
		f.Kind = FaultMalformedJSON
	case "truncate", "truncated":
		f.Kind = FaultTruncatedJSON
	case "shift":
		f.Kind, f.Shift = FaultShiftWindow, 1
	case "total":
		f.Kind, f.TotalDelta = FaultTotalResults, 1
	case "drop":
		f.Kind = FaultDropResponse
	default:
		return f, fmt.Errorf("unknown fault %q (want a status code or one of delay, cut, malformed, truncate, shift, total, drop)", name)
	}
	return f, nil
}

func setFaultOption(f *Fault, opt string) error {
	key, val, ok := strings.Cut(opt, "=")
	if !ok {
		return fmt.Errorf("option %q is not key=value", opt)
	}
	key = strings.ToLower(strings.TrimSpace(key))
	val = strings.TrimSpace(val)
	atoi := func() (int, error) {
		n, err := strconv.Atoi(val)
		if err != nil {
			return 0, fmt.Errorf("%s=%q is not an integer", key, val)
		}
		return n, nil
	}
	var err error
	switch key {
	case "method":
		f.Method = strings.ToUpper(val)
	case "path":
		if !strings.HasPrefix(val, "/") {
			return fmt.Errorf("path=%q must start with / (it is relative to the base path, e.g. /Users)", val)
		}
		f.Path = val
	case "after":
		f.After, err = atoi()
	case "times":
		f.Times, err = atoi()
	case "retry-after":
		if n, aerr := strconv.Atoi(val); aerr == nil {
			f.RetryAfter = time.Duration(n) * time.Second
		} else if f.RetryAfter, err = time.ParseDuration(val); err != nil {
			return fmt.Errorf("retry-after=%q is neither seconds nor a duration", val)
		}
	case "delay":
		if f.Delay, err = time.ParseDuration(val); err != nil {
			return fmt.Errorf("delay=%q is not a duration such as 5s", val)
		}
	case "shift":
		f.Shift, err = atoi()
	case "delta":
		f.TotalDelta, err = atoi()
	case "body":
		f.Body = val
	default:
		return fmt.Errorf("unknown option %q", key)
	}
	return err
}
