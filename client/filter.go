package client

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Filter is a SCIM filter expression (RFC 7644 §3.4.2.2). Build it with the
// helpers so values are always quoted correctly.
type Filter string

func (f Filter) String() string { return string(f) }

// Quote renders s as a SCIM string value: a JSON string, so `"` and `\` are
// backslash-escaped and control characters cannot break out of the value.
func Quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // SCIM servers need not unescape \u003c
	_ = enc.Encode(s)        // cannot fail for a string
	return strings.TrimSuffix(b.String(), "\n")
}

func cmp(attr, op, value string) Filter { return Filter(attr + " " + op + " " + Quote(value)) }

// Eq is `attr eq "value"`.
func Eq(attr, value string) Filter { return cmp(attr, "eq", value) }

// Ne is `attr ne "value"`.
func Ne(attr, value string) Filter { return cmp(attr, "ne", value) }

// Co is `attr co "value"` (contains).
func Co(attr, value string) Filter { return cmp(attr, "co", value) }

// Sw is `attr sw "value"` (starts with).
func Sw(attr, value string) Filter { return cmp(attr, "sw", value) }

// Ew is `attr ew "value"` (ends with).
func Ew(attr, value string) Filter { return cmp(attr, "ew", value) }

// Gt is `attr gt "value"`.
func Gt(attr, value string) Filter { return cmp(attr, "gt", value) }

// Ge is `attr ge "value"`.
func Ge(attr, value string) Filter { return cmp(attr, "ge", value) }

// Lt is `attr lt "value"`.
func Lt(attr, value string) Filter { return cmp(attr, "lt", value) }

// Le is `attr le "value"`.
func Le(attr, value string) Filter { return cmp(attr, "le", value) }

// Pr is `attr pr` (present).
func Pr(attr string) Filter { return Filter(attr + " pr") }

// EqBool is `attr eq true|false` (unquoted, as SCIM booleans are).
func EqBool(attr string, v bool) Filter { return Filter(attr + " eq " + strconv.FormatBool(v)) }

// And joins filters with "and", skipping empty ones and parenthesizing any
// operand that has a top-level "or" (and binds tighter than or).
func And(fs ...Filter) Filter { return join("and", fs) }

// Or joins filters with "or", skipping empty ones.
func Or(fs ...Filter) Filter { return join("or", fs) }

// Not negates f.
func Not(f Filter) Filter {
	if f == "" {
		return ""
	}
	return Filter("not (" + string(f) + ")")
}

func join(op string, fs []Filter) Filter {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		s := strings.TrimSpace(string(f))
		if s == "" {
			continue
		}
		if op == "and" && hasTopLevelOr(s) {
			s = "(" + s + ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return ""
	}
	return Filter(strings.Join(parts, " "+op+" "))
}

// hasTopLevelOr finds " or " outside quoted values and parentheses.
func hasTopLevelOr(s string) bool {
	depth := 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inQuote:
			if ch == '\\' {
				i++
			} else if ch == '"' {
				inQuote = false
			}
		case ch == '"':
			inQuote = true
		case ch == '(':
			depth++
		case ch == ')':
			depth--
		case depth == 0 && ch == ' ' && i+3 < len(s) && strings.EqualFold(s[i+1:i+3], "or") && s[i+3] == ' ':
			return true
		}
	}
	return false
}

// Attr maps OneTrust's filter shortcuts to standard attribute paths when the
// server is not OneTrust: givenName -> name.givenName, familyName ->
// name.familyName, email/emails -> emails.value. On OneTrust (and for any
// other name) it returns name unchanged.
func (c *Client) Attr(name string) string {
	if c != nil && c.oneTrust {
		return name
	}
	switch strings.ToLower(name) {
	case "givenname":
		return "name.givenName"
	case "familyname":
		return "name.familyName"
	case "email", "emails":
		return "emails.value"
	}
	return name
}
