package scimtest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzUserFilter: whatever a client sends as a /Users filter is parsed and
// compiled or refused as a client mistake; a compiled filter runs over every
// user, and over HTTP the answer is 200 or 400 invalidFilter, never a 5xx or
// a panic.
func FuzzUserFilter(f *testing.F) {
	for _, s := range []string{
		`userName eq "a@b.c"`, `givenName sw "Jo" and familyName sw "U"`, `emails[type eq "work" and value co "@"]`,
		`not (active eq true) or title pr`, `meta.lastModified gt "2024-01-31T00:00:00Z"`, `active eq "yes"`,
		`name.givenName eq "O\"Brien"`, `groups[value eq "r:o"]`, `((((userName pr))))`, `x eq`, `"`, "userName eq \"\x1b[2J\"",
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Legal"`, `id ne null`,
	} {
		f.Add(s)
	}
	// One server for every input: without its rate limits, or a machine
	// fast enough to run 1,000 inputs a minute gets 429s (CI, under load).
	srv := NewServer(Config{Users: 25, Roles: 3, Orgs: 2, Seed: 1, Token: "t", RateLimitPerMinute: -1, RateLimitPerHour: -1})
	f.Fuzz(func(t *testing.T, raw string) {
		pred, err := parseUserFilter(raw)
		if err != nil {
			var fe *filterError
			if !errors.As(err, &fe) {
				t.Fatalf("%q: error %T is not a filterError: %v", raw, err, err)
			}
		} else {
			srv.mu.RLock()
			for _, u := range srv.users {
				pred(u)
			}
			srv.mu.RUnlock()
		}
		req := httptest.NewRequest(http.MethodGet, "/api/scim/v2/Users?count=5&filter="+url.QueryEscape(raw), nil)
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusBadRequest && strings.Contains(rec.Body.String(), "invalidFilter"):
		case rec.Code == http.StatusOK:
		default:
			t.Fatalf("%q: answered %d: %s", raw, rec.Code, rec.Body)
		}
		if strings.TrimSpace(raw) == raw && raw != "" && (err == nil) != (rec.Code == http.StatusOK) {
			t.Fatalf("%q: parse error %v but HTTP %d", raw, err, rec.Code)
		}
	})
}

// FuzzParseFaults: the fake server's --faults flag takes any text; it parses
// or is refused with a one-line message, and a parsed fault list can be
// injected and served without the server falling over.
func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{
		"429:3,retry-after=1;500:2", "503:1,path=/Groups", "drop:1,method=PATCH,path=/Groups/",
		"shift:1,shift=-2,path=/Users,after=1", "delay,delay=1ms,method=GET", "total,delta=-5", "cut;malformed;truncate",
		"429,retry-after=Mon, 02 Jan 2006", "500,body=<h1>x</h1>", "times=1", ":", ";;", "999", "shift,shift=-99999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		faults, err := ParseFaults(spec)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		srv := NewServer(Config{Users: 5, Roles: 1, Orgs: 1, Token: "t"})
		for _, fl := range faults {
			if fl.Kind == FaultStatus && (fl.Status < 100 || fl.Status > 599) {
				t.Fatalf("status %d accepted", fl.Status)
			}
			if fl.Kind == FaultDelay {
				continue // sleeping is what it does; not here
			}
			srv.InjectFault(fl)
		}
		for _, target := range []string{"/api/scim/v2/Users?count=2&startIndex=2", "/api/scim/v2/Groups"} {
			serveRecovering(t, srv, httptest.NewRequest(http.MethodGet, target, nil))
		}
	})
}

// serveRecovering serves one request; a recorder cannot be hijacked, so a
// fault that cuts the connection aborts the handler as net/http expects.
func serveRecovering(t *testing.T, h http.Handler, req *http.Request) {
	t.Helper()
	req.Header.Set("Authorization", "Bearer t")
	defer func() {
		if r := recover(); r != nil && r != http.ErrAbortHandler {
			t.Fatalf("%s: panic %v", req.URL, r)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), req)
}
