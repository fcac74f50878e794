package client

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// showsKeyRun reports whether s, as a person reading it would see it (escape
// sequences, whitespace and stand-ins for removed characters ignored, tags
// read past or read as text, any case), shows keyRun characters of tok in a
// row. It is written apart from scrub so that the two do not share a
// mistake.
func showsKeyRun(s, tok string) bool {
	s = ansi.Strip(s)
	for _, view := range []string{s, regexp.MustCompile(`<[^<>]*>`).ReplaceAllString(s, "")} {
		view = strings.Map(func(r rune) rune {
			if r <= ' ' || r == '\ufffd' || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.M, r) {
				return -1
			}
			return r
		}, view)
		view, low := strings.ToLower(view), strings.ToLower(tok)
		for i := 0; i+keyRun <= len(low); i++ {
			if strings.Contains(view, low[i:i+keyRun]) {
				return true
			}
		}
	}
	return false
}

var csiResidue = regexp.MustCompile(`\[[0-9;]*m`)

// TestDisguisedTokenNeverInErrors: a hostile server echoes the token back
// disguised in each way a plain search misses; no part of the error shows
// eight characters of it in a row.
func TestDisguisedTokenNeverInErrors(t *testing.T) {
	tok := testToken // tok-SECRET-123
	mid := len(tok) / 2
	split := func(sep string) string { return tok[:mid] + sep + tok[mid:] }
	pad := strings.Repeat("x", maxExcerpt-len(tok)+1) // the cut falls inside the token
	disguises := map[string]string{
		"ESC inside":         split("\x1b"),
		"ESC[0m inside":      split("\x1b[0m"),
		"OSC inside":         split("\x1b]0;t\x07"),
		"newline inside":     split("\n"),
		"CRLF and spaces":    split(" \r\n  "),
		"tags inside":        split("<b></b>"),
		"inside a tag":       "<" + tok + ">",
		"part inside a tag":  "<x " + tok[:keyRun] + ">",
		"zero-width inside":  split("\u200b"),
		"combining marks":    tok[:mid] + "\u0301\u20dd" + tok[mid:],
		"upper case":         strings.ToUpper(tok),
		"mixed":              strings.ToUpper(tok[:mid]) + "\x1b[1m<i></i>\n" + tok[mid:],
		"cut by the excerpt": pad + tok,
		"all but the last":   tok[:len(tok)-1],
		"eight in a row":     "key fragment " + tok[2:2+keyRun] + " end",
	}
	bodies := map[string]func(d string) (int, string){
		"plain 500": func(d string) (int, string) { return 500, "refused " + d },
		"html 403":  func(d string) (int, string) { return 403, "<html><body><p>Header: Bearer " + d + "</p></body></html>" },
		"scim 401": func(d string) (int, string) {
			return 401, fmt.Sprintf(`{"status":"401","scimType":%q,"detail":%q}`, d, "token "+d+" is invalid")
		},
		"2xx not JSON": func(d string) (int, string) { return 200, "not json " + d },
	}
	for dn, d := range disguises {
		for bn, body := range bodies {
			t.Run(dn+"/"+bn, func(t *testing.T) {
				status, text := body(d)
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(status)
					_, _ = io.WriteString(w, text)
				})
				c, _ := newTestClient(t, h, func(o *Options) { o.MaxRetries = -1 })
				_, err := c.GetUser(ctxT(t), "u1")
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %v", err)
				}
				for _, s := range []string{err.Error(), e.Body, e.Detail, e.ScimType, e.URL} {
					// Also as read past what a dropped ESC alone leaves ("[0m").
					if showsKeyRun(s, tok) || showsKeyRun(csiResidue.ReplaceAllString(s, ""), tok) {
						t.Fatalf("the error shows the token: %q", s)
					}
				}
			})
		}
	}
}

// TestTokenNotInMalformedAnswers: a server that answers with a broken
// status line quoting the token reaches the error through net/http's
// message, which is scrubbed like a body.
func TestTokenNotInMalformedAnswers(t *testing.T) {
	for _, line := range []string{"HTTP/1.1 " + testToken + "\r\n\r\n", "HTTP/1.1 " + strings.ToUpper(testToken) + " OK\r\n\r\n"} {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, rw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			_, _ = rw.WriteString(line)
			_ = rw.Flush()
			_, _ = bufio.NewReader(conn).Peek(1)
		})
		c, _ := newTestClient(t, h, func(o *Options) { o.MaxRetries = -1 })
		_, err := c.GetUser(ctxT(t), "u1")
		if err == nil {
			t.Fatal("want an error")
		}
		if showsKeyRun(err.Error(), testToken) {
			t.Fatalf("the error shows the token: %q", err)
		}
	}
}

// TestScrubKeepsOrdinaryText: scrubbing leaves text that merely shares
// short pieces with the token alone.
func TestScrubKeepsOrdinaryText(t *testing.T) {
	c := &Client{token: testToken}
	for _, s := range []string{"SECRET is a word", "tok-SE is fine", "User 123 not found"} {
		if got := c.scrub(s, maxExcerpt, false); got != s {
			t.Errorf("scrub(%q) = %q", s, got)
		}
	}
	if got := c.scrub("key "+strings.ToUpper(testToken)+" refused", maxExcerpt, false); got != "key [redacted] refused" {
		t.Errorf("scrub = %q", got)
	}
}

// FuzzScrub: whatever a server sends, the scrubbed text is one line of
// printable runes that shows no keyRun characters of the token in a row.
func FuzzScrub(f *testing.F) {
	for _, s := range []string{testToken, "tok-SEC\x1b[0mRET-123", "<b>tok-SE</b>CRET-123", "TOK-SECRET-12", "\x1b]0;x"} {
		f.Add(s, false)
	}
	c := &Client{token: testToken}
	f.Fuzz(func(t *testing.T, s string, html bool) {
		out := c.scrub(s, maxExcerpt, html)
		if showsKeyRun(out, testToken) {
			t.Fatalf("scrub(%q) = %q shows the token", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("scrub(%q) = %q kept %U", s, out, r)
			}
		}
	})
}
