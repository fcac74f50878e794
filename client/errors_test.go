package client

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
)

func TestHTTPErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantIn     []string
		wantType   string
		wantDetail string
		is         func(error) bool
	}{
		{
			name: "401 SCIM status as string", status: 401,
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"Unauthorized"}`,
			wantIn: []string{"401 from GET ", "/api/scim/v2/Users/u1", "the API key was refused; check OTACCESS_TOKEN or the profile's token", "Unauthorized"},
			is:     IsUnauthorized, wantDetail: "Unauthorized",
		},
		{
			name: "403 status as number", status: 403,
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":403,"detail":"Missing scope"}`,
			wantIn: []string{"403 from", "lacks the SCIM scope", "Missing scope"}, is: IsForbidden, wantDetail: "Missing scope",
		},
		{
			name: "404", status: 404, body: `{"status":"404","detail":"Resource u1 not found"}`,
			wantIn: []string{"404 from", "not found", "Resource u1 not found"}, is: IsNotFound,
		},
		{
			name: "400 invalidFilter", status: 400,
			body:     `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"bad filter"}`,
			wantIn:   []string{"400 from", "rejected the filter", "bad filter", "invalidFilter"},
			wantType: "invalidFilter",
		},
		{
			name: "400 plain", status: 400, body: `{"status":400,"scimType":"invalidValue"}`,
			wantIn: []string{"rejected the request", "invalidValue"}, wantType: "invalidValue",
		},
		{
			name: "HTML body", status: 404,
			body:   "<html><head><title>404 Not Found</title></head><body>\n<h1>Not \x1b[31mFound</h1></body></html>",
			wantIn: []string{"404 from", "not found", "body: 404 Not Found Not Found"}, is: IsNotFound,
		},
		{
			name: "empty body", status: 409, body: "",
			wantIn: []string{"409 from", "conflict"},
		},
		{
			name: "unknown JSON", status: 400, body: `{"error":"nope"}`,
			wantIn: []string{"400 from", `body: {"error":"nope"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, &recorder{status: tt.status, body: tt.body})
			_, err := c.GetUser(ctxT(t), "u1")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T %v, want *Error", err, err)
			}
			if e.Status != tt.status || e.Method != "GET" || !strings.HasSuffix(e.URL, "/Users/u1") {
				t.Errorf("fields = %+v", e)
			}
			msg := err.Error()
			for _, w := range tt.wantIn {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if tt.wantType != "" && e.ScimType != tt.wantType {
				t.Errorf("ScimType = %q, want %q", e.ScimType, tt.wantType)
			}
			if tt.wantDetail != "" && e.Detail != tt.wantDetail {
				t.Errorf("Detail = %q, want %q", e.Detail, tt.wantDetail)
			}
			if tt.is != nil && !tt.is(err) {
				t.Errorf("classifier false for %v", err)
			}
			if strings.ContainsFunc(msg, unicode.IsControl) {
				t.Errorf("control characters in %q", msg)
			}
		})
	}
}

func TestErrorBodyExcerptIsShort(t *testing.T) {
	c, _ := newTestClient(t, &recorder{status: 502, body: strings.Repeat("Bad gateway ", 500)})
	_, err := c.GetUser(ctxT(t), "u1")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	if n := len([]rune(e.Body)); n > maxExcerpt+1 {
		t.Fatalf("excerpt has %d runes", n)
	}
	if !strings.Contains(err.Error(), "server error; try again later") {
		t.Fatalf("err = %v", err)
	}
}

// echoServer puts the Authorization header it received into every part of
// its answer: the token must still never surface in an error.
func TestTokenNeverInErrors(t *testing.T) {
	kinds := []struct {
		name   string
		status int
		body   func(auth string) string
	}{
		{"scim detail", 401, func(a string) string {
			return fmt.Sprintf(`{"status":"401","scimType":"%s","detail":"token %s is invalid"}`, a, a)
		}},
		{"html", 500, func(a string) string { return "<html><body>Your header was: " + a + "</body></html>" }},
		{"plain", 403, func(a string) string { return "forbidden for " + strings.TrimPrefix(a, "Bearer ") }},
		{"query-escaped", 400, func(a string) string { return "token=" + strings.ReplaceAll(a, " ", "+") }},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", r.Header.Get("Authorization"))
				w.WriteHeader(k.status)
				_, _ = io.WriteString(w, k.body(r.Header.Get("Authorization")))
			})
			c, _ := newTestClient(t, h, func(o *Options) { o.MaxRetries = -1 })
			_, err := c.GetUser(ctxT(t), "u1")
			if err == nil {
				t.Fatal("want an error")
			}
			var e *Error
			errors.As(err, &e)
			for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", *e), e.Body, e.Detail, e.ScimType} {
				if strings.Contains(s, testToken) || strings.Contains(s, "SECRET") {
					t.Fatalf("token leaked: %s", s)
				}
			}
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("expected a redaction marker in %q", err.Error())
			}
		})
	}
}

func TestTokenNotInTransportErrors(t *testing.T) {
	c, srv := newTestClient(t, &recorder{}, func(o *Options) { o.MaxRetries = 1 })
	srv.Close()
	_, err := c.GetUser(ctxT(t), "u1")
	var e *Error
	if !errors.As(err, &e) || e.Status != 0 || e.Err == nil {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "/Users/u1") {
		t.Fatalf("err = %v", err)
	}
	if e.Attempts != 2 {
		t.Errorf("attempts = %d, want 2 (a GET is retried after a network error)", e.Attempts)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"5", 5 * time.Second},
		{" 0 ", 0},
		{"-3", 0},
		{"1.5", 1500 * time.Millisecond},
		{"999999999", time.Hour},
		{"NaN", 0},
		{"soon", 0},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\x1b]0;title\x07b", "ab"},
		{"x\x1b[0my\u009b31mz", "xyz"},
		{"  many \n\t spaces  ", "many spaces"},
		{"\xff\xfeok", "\ufffd\ufffdok"},
		{"a\u202eb", "a\ufffdb"},
		{"ja\u200bne@acme.com", "ja\ufffdne@acme.com"},
		{"line\u2028break", "line break"},
		{"unterminated \x1b]52;c;ZXZpbA==", "unterminated"},
	}
	for _, tt := range tests {
		if got := clean(tt.in, false, 100); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := cut("abcdef", 3); got != "abc…" {
		t.Errorf("cut = %q", got)
	}
	if got := clean("<p>a</p><p>b", true, 100); got != "a b" {
		t.Errorf("clean(html) = %q", got)
	}
}
