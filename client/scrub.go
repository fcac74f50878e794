package client

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/otaccess/otaccess/textsafe"
)

// Server text that reaches an error message (an error body, a SCIM detail, a
// transport error quoting the answer) is scrubbed: a hostile or broken
// server may echo the Authorization header back disguised — upper-cased,
// with an ESC, an ESC[0m, a newline or an empty <b></b> inside, or placed so
// that the excerpt's cut keeps all but its last character. So, in order:
//
//  1. clean: escape sequences go, other controls and invisible runes become
//     U+FFFD, whitespace runs fold to one space (read only as far as the
//     excerpt could reach, however large the body);
//  2. redact: any word after "Bearer" and anything shaped like a JWT;
//     then the token, matched case-insensitively and across spaces,
//     U+FFFD, combining marks and tags (or inside a tag), becomes
//     [redacted] — before anything is cut;
//  3. withhold: text that still holds any keyRun characters of the token
//     in a row is replaced whole by a notice;
//  4. cut to the excerpt's length.

const (
	redactedMark = "[redacted]"
	withheldMark = "[withheld: the server's text quoted part of the API key]"
	// keyRun characters of the token in a row are never shown.
	keyRun = 8
)

// secretForms are the secrets' spellings that are looked for (as is and
// URL-escaped), case-folded: the API key, or the OAuth client secret and
// every access token the client has held.
func (c *Client) secretForms() [][]rune {
	var secrets []string
	if c.token != "" {
		secrets = append(secrets, c.token)
	}
	if c.oauth != nil {
		secrets = append(secrets, c.oauth.secrets()...)
	}
	var forms [][]rune
	for _, s := range secrets {
		forms = append(forms, fold(s))
		if q := url.QueryEscape(s); q != s {
			forms = append(forms, fold(q))
		}
	}
	return forms
}

func fold(s string) []rune {
	r := []rune(s)
	for i := range r {
		r[i] = unicode.ToLower(r[i])
	}
	return r
}

// scrub turns untrusted text into at most limit runes fit for an error
// message; html strips tags (an HTML error page).
func (c *Client) scrub(s string, limit int, html bool) string {
	forms := c.secretForms()
	longest := 0
	for _, f := range forms {
		longest = max(longest, len(f))
	}
	// Clean past the cut by a token's length (and its separators), so a
	// token straddling the cut is still seen whole.
	text := clean(s, html, limit+4*longest+16)
	text = redactBearers(text)
	if len(forms) > 0 {
		text = redactForms(text, forms)
		if holdsRun(text, forms) {
			return withheldMark
		}
	}
	return cut(text, limit)
}

// bearerWord is a bearer credential written out: what follows "Bearer"
// (an Authorization header echoed back) and anything shaped like a JWT
// (OneTrust's access tokens are JWTs). They are redacted whoever's they
// are: an access token of an earlier run, unknown to this client, is as
// secret as the one it holds.
var bearerWord = regexp.MustCompile(`(?i)(\bbearer[ :=]+)[^ ,;"'<>()\[\]]+|\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

func redactBearers(s string) string {
	if !strings.Contains(s, "eyJ") && !strings.Contains(strings.ToLower(s), "bearer") {
		return s
	}
	return bearerWord.ReplaceAllStringFunc(s, func(m string) string {
		if sub := bearerWord.FindStringSubmatch(m); sub[1] != "" {
			if strings.TrimSpace(strings.TrimPrefix(m, sub[1])) == redactedMark {
				return m
			}
			return sub[1] + redactedMark
		}
		return redactedMark
	})
}

// redact is scrub without a length limit that matters, for URLs and short
// messages otaccess composed around server-chosen parts (ids, next links).
func (c *Client) redact(s string) string { return c.scrub(s, 4096, false) }

// clean keeps printable text: escape sequences (CSI, OSC, DCS …, 7-bit or
// C1) are dropped whole, other controls, invisible runes and invalid bytes
// become U+FFFD, whitespace runs one space (none leading or trailing); html
// drops tags. It stops after limit runes.
func clean(s string, html bool, limit int) string {
	var b strings.Builder
	n := 0
	space, inTag := false, false
	for i := 0; i < len(s) && n < limit; {
		if skip := escapeLen(s[i:]); skip > 0 {
			i += skip
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if html && (inTag || r == '<') {
			inTag = r != '>'
			space = n > 0
			continue
		}
		switch {
		case r == utf8.RuneError && size <= 1:
			r = unicode.ReplacementChar
		case unicode.IsSpace(r):
			space = n > 0
			continue
		case unicode.IsControl(r) || textsafe.Invisible(r) || !unicode.IsPrint(r):
			r = unicode.ReplacementChar
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// escapeLen is the length of the escape sequence s starts with, 0 if none:
// ESC or C1 CSI (U+009B) with parameters and a final byte; ESC ] P X ^ _
// or C1 OSC/DCS/… strings up to BEL or ST; ESC and one more character.
func escapeLen(s string) int {
	if s == "" || (s[0] != 0x1b && s[0] != 0xc2) { // 0xc2 leads U+0080–U+00BF
		return 0
	}
	var i int
	var str bool
	switch {
	case strings.HasPrefix(s, "\x1b["):
		i = 2
	case strings.HasPrefix(s, "\u009b"):
		i = 2
	case len(s) > 1 && s[0] == 0x1b && strings.IndexByte("]PX^_", s[1]) >= 0:
		i, str = 2, true
	case strings.HasPrefix(s, "\u009d"), strings.HasPrefix(s, "\u0090"), strings.HasPrefix(s, "\u009e"), strings.HasPrefix(s, "\u009f"):
		i, str = 2, true
	case len(s) > 1 && s[0] == 0x1b && s[1] >= 0x20 && s[1] < 0x7f:
		return 2
	case s[0] == 0x1b:
		return 1
	default:
		return 0
	}
	if str {
		for ; i < len(s); i++ {
			switch {
			case s[i] == 0x07:
				return i + 1
			case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
				return i + 2
			case strings.HasPrefix(s[i:], "\u009c"):
				return i + 2
			}
		}
		return len(s)
	}
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f { // parameters, intermediates
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e { // final byte
		i++
	}
	return i
}

// skeleton is the text as matched against the token: case-folded, without
// spaces, U+FFFD stand-ins, combining marks and (with skipTags) tags; pos[k] is where rune k
// sits in the text's runes. Both kinds are searched: a tag may split the
// token, or hold it ("<tok-…>").
func skeleton(text []rune, skipTags bool) (sk []rune, pos []int) {
	for i := 0; i < len(text); i++ {
		r := text[i]
		if r == '<' && skipTags {
			if end := tagEnd(text[i:]); end > 0 {
				i += end - 1
				continue
			}
		}
		if r == ' ' || r == unicode.ReplacementChar || unicode.Is(unicode.M, r) {
			continue // a combining mark leaves the letter under it readable
		}
		sk = append(sk, unicode.ToLower(r))
		pos = append(pos, i)
	}
	return sk, pos
}

// tagEnd is the length of an HTML-like tag at the start of t (up to 64
// runes, no nested '<'), or 0.
func tagEnd(t []rune) int {
	for i := 1; i < len(t) && i < 64; i++ {
		switch t[i] {
		case '>':
			return i + 1
		case '<':
			return 0
		}
	}
	return 0
}

// redactForms replaces every occurrence of a form, as the skeleton sees it,
// with redactedMark.
func redactForms(s string, forms [][]rune) string {
	text := []rune(s)
	cover := make([]bool, len(text)) // runes inside a match
	found := false
	for _, skipTags := range []bool{true, false} {
		sk, pos := skeleton(text, skipTags)
		for _, f := range forms {
			for k := 0; k+len(f) <= len(sk); k++ {
				if equalRunes(sk[k:k+len(f)], f) {
					for j := pos[k]; j <= pos[k+len(f)-1]; j++ {
						cover[j] = true
					}
					found = true
				}
			}
		}
	}
	if !found {
		return s
	}
	var b strings.Builder
	for i, r := range text {
		switch {
		case !cover[i]:
			b.WriteRune(r)
		case i == 0 || !cover[i-1]:
			b.WriteString(redactedMark)
		}
	}
	return b.String()
}

// holdsRun reports whether s still shows keyRun characters of a form in a
// row.
func holdsRun(s string, forms [][]rune) bool {
	for _, skipTags := range []bool{true, false} {
		sk, _ := skeleton([]rune(s), skipTags)
		for _, f := range forms {
			n := keyRun // a shorter token has no such run: redactForms took it whole
			for a := 0; a+n <= len(f); a++ {
				piece := f[a : a+n]
				for k := 0; k+n <= len(sk); k++ {
					if equalRunes(sk[k:k+n], piece) {
						return true
					}
				}
			}
		}
	}
	return false
}

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// cut keeps max runes and marks the cut with "…".
func cut(s string, limit int) string {
	n := 0
	for i := range s {
		if n == limit {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		n++
	}
	return s
}
