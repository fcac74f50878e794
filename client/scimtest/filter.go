package scimtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/otaccess/otaccess/client"
	filter "github.com/scim2/filter-parser/v2"
)

// Filters are parsed by github.com/scim2/filter-parser/v2 and compiled into
// predicates once per request, so a bad attribute or operator is a 400 even
// when no resource would have been compared.
//
// Semantics (RFC 7644 §3.4.2.2): attribute names and string comparisons are
// case-insensitive; a multi-valued attribute matches when any value matches;
// "ne" is the negation of "eq" (so an unassigned attribute is "ne" anything);
// "eq null" / "ne null" test absence / presence; gt/ge/lt/le compare strings
// lexically and meta timestamps chronologically; booleans allow only eq/ne.

type attrKind int

const (
	kindString attrKind = iota
	kindBool
	kindTime
)

// attr reads one attribute of a T as zero or more values ("true"/"false" for
// booleans, the stored timestamp for times).
type attr[T any] struct {
	kind attrKind
	get  func(T) []string
}

type scope[T any] struct {
	name      string
	supported string // for error messages
	resolve   func(path string) (attr[T], bool)
	// valuePath compiles attr[filter] forms such as emails[type eq "work"];
	// nil when the scope has none.
	valuePath func(vp *filter.ValuePath) (func(T) bool, error)
}

// filterError is a client mistake in a filter: 400 invalidFilter.
type filterError struct{ msg string }

func (e *filterError) Error() string { return e.msg }

func filterErrorf(format string, args ...any) error {
	return &filterError{msg: fmt.Sprintf(format, args...)}
}

// pathKey lowercases an attribute path to "name" or "name.sub", with the
// schema URN (lowercased) returned separately.
func pathKey(p filter.AttributePath) (uri, key string) {
	key = strings.ToLower(p.AttributeName)
	if sub := p.SubAttributeName(); sub != "" {
		key += "." + strings.ToLower(sub)
	}
	return strings.ToLower(p.URI()), key
}

func compileFilter[T any](e filter.Expression, sc scope[T]) (func(T) bool, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := compileFilter(e.Left, sc)
		if err != nil {
			return nil, err
		}
		r, err := compileFilter(e.Right, sc)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(string(e.Operator), string(filter.OR)) {
			return func(t T) bool { return l(t) || r(t) }, nil
		}
		return func(t T) bool { return l(t) && r(t) }, nil
	case *filter.NotExpression:
		inner, err := compileFilter(e.Expression, sc)
		if err != nil {
			return nil, err
		}
		return func(t T) bool { return !inner(t) }, nil
	case *filter.ValuePath:
		if sc.valuePath == nil {
			return nil, filterErrorf("value filters like %v are not supported on %s", e, sc.name)
		}
		return sc.valuePath(e)
	case *filter.AttributeExpression:
		return compileAttrExp(e, sc)
	default:
		return nil, filterErrorf("unsupported filter expression %v", e)
	}
}

func compileAttrExp[T any](e *filter.AttributeExpression, sc scope[T]) (func(T) bool, error) {
	uri, key := pathKey(e.AttributePath)
	if uri != "" {
		key = uri + ":" + key
	}
	a, ok := sc.resolve(key)
	if !ok {
		return nil, filterErrorf("attribute %q is not filterable on %s; supported: %s", e.AttributePath.String(), sc.name, sc.supported)
	}
	name := e.AttributePath.String()
	op := filter.CompareOperator(strings.ToLower(string(e.Operator)))
	present := func(t T) bool {
		for _, v := range a.get(t) {
			if v != "" {
				return true
			}
		}
		return false
	}
	if op == filter.PR {
		return present, nil
	}
	if e.CompareValue == nil {
		switch op {
		case filter.EQ:
			return func(t T) bool { return !present(t) }, nil
		case filter.NE:
			return present, nil
		}
		return nil, filterErrorf("%s %s null: only eq and ne compare with null", name, op)
	}
	anyOf := func(match func(string) bool) func(T) bool {
		return func(t T) bool {
			for _, v := range a.get(t) {
				if v != "" && match(v) {
					return true
				}
			}
			return false
		}
	}
	negate := func(f func(T) bool) func(T) bool { return func(t T) bool { return !f(t) } }

	switch a.kind {
	case kindBool:
		want, ok := boolValue(e.CompareValue)
		if !ok {
			return nil, filterErrorf("%s is boolean: compare it with true or false, not %v", name, e.CompareValue)
		}
		eq := anyOf(func(v string) bool { return v == want })
		switch op {
		case filter.EQ:
			return eq, nil
		case filter.NE:
			return negate(eq), nil
		}
		return nil, filterErrorf("operator %s is not defined for the boolean attribute %s (use eq or ne)", op, name)

	case kindTime:
		s, ok := e.CompareValue.(string)
		ts := client.ParseTime(s)
		if !ok || ts.IsZero() {
			return nil, filterErrorf("%s is a timestamp: compare it with a quoted RFC 3339 date such as \"2024-01-31T00:00:00Z\", not %v", name, e.CompareValue)
		}
		cmpTo := func(test func(int) bool) func(string) bool {
			return func(v string) bool {
				t := client.ParseTime(v)
				return !t.IsZero() && test(compareTime(t, ts))
			}
		}
		switch op {
		case filter.EQ:
			return anyOf(cmpTo(func(c int) bool { return c == 0 })), nil
		case filter.NE:
			return negate(anyOf(cmpTo(func(c int) bool { return c == 0 }))), nil
		case filter.GT:
			return anyOf(cmpTo(func(c int) bool { return c > 0 })), nil
		case filter.GE:
			return anyOf(cmpTo(func(c int) bool { return c >= 0 })), nil
		case filter.LT:
			return anyOf(cmpTo(func(c int) bool { return c < 0 })), nil
		case filter.LE:
			return anyOf(cmpTo(func(c int) bool { return c <= 0 })), nil
		}
		return nil, filterErrorf("operator %s is not defined for the timestamp %s", op, name)

	default:
		s, ok := e.CompareValue.(string)
		if !ok {
			return nil, filterErrorf("%s is a string: put the value in double quotes (got %v)", name, e.CompareValue)
		}
		s = unescape(s)
		ls := strings.ToLower(s)
		eq := anyOf(func(v string) bool { return strings.EqualFold(v, s) })
		switch op {
		case filter.EQ:
			return eq, nil
		case filter.NE:
			return negate(eq), nil
		case filter.CO:
			return anyOf(func(v string) bool { return strings.Contains(strings.ToLower(v), ls) }), nil
		case filter.SW:
			return anyOf(func(v string) bool { return strings.HasPrefix(strings.ToLower(v), ls) }), nil
		case filter.EW:
			return anyOf(func(v string) bool { return strings.HasSuffix(strings.ToLower(v), ls) }), nil
		case filter.GT:
			return anyOf(func(v string) bool { return strings.ToLower(v) > ls }), nil
		case filter.GE:
			return anyOf(func(v string) bool { return strings.ToLower(v) >= ls }), nil
		case filter.LT:
			return anyOf(func(v string) bool { return strings.ToLower(v) < ls }), nil
		case filter.LE:
			return anyOf(func(v string) bool { return strings.ToLower(v) <= ls }), nil
		}
		return nil, filterErrorf("unknown operator %q", op)
	}
}

func compareTime(a, b time.Time) int { return a.Compare(b) }

// boolValue accepts true/false and, leniently, "true"/"false" strings
// (Azure AD sends "False").
func boolValue(v any) (string, bool) {
	switch v := v.(type) {
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	case string:
		switch strings.ToLower(v) {
		case "true", "false":
			return strings.ToLower(v), true
		}
	}
	return "", false
}

// unescape resolves the JSON-style escapes (\" and \\) the parser leaves in
// string values.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var out string
	if err := json.Unmarshal([]byte(`"`+s+`"`), &out); err != nil {
		return s
	}
	return out
}

// ---- the User scope ----

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func boolStr(b bool) []string {
	if b {
		return []string{"true"}
	}
	return []string{"false"}
}

func str(get func(u *userRec) string) attr[*userRec] {
	return attr[*userRec]{kind: kindString, get: func(u *userRec) []string { return one(get(u)) }}
}

func ent(get func(e *client.EnterpriseUser) string) attr[*userRec] {
	return str(func(u *userRec) string {
		if u.u.Enterprise == nil {
			return ""
		}
		return get(u.u.Enterprise)
	})
}

func managerField(get func(m *client.Manager) string) attr[*userRec] {
	return ent(func(e *client.EnterpriseUser) string {
		if e.Manager == nil {
			return ""
		}
		return get(e.Manager)
	})
}

var emailValues = attr[*userRec]{kind: kindString, get: func(u *userRec) []string {
	out := make([]string, len(u.u.Emails))
	for i, e := range u.u.Emails {
		out[i] = e.Value
	}
	return out
}}

var groupValues = attr[*userRec]{kind: kindString, get: func(u *userRec) []string {
	out := make([]string, len(u.groups))
	for i, g := range u.groups {
		out[i] = g.id
	}
	return out
}}

var entURN = strings.ToLower(client.SchemaEnterpriseUser)

// userAttrs maps lowercased filter paths to attributes. OneTrust's shortcuts
// (givenName, email) sit next to the standard paths (name.givenName,
// emails.value).
var userAttrs = map[string]attr[*userRec]{
	"id":                str(func(u *userRec) string { return u.u.ID }),
	"externalid":        str(func(u *userRec) string { return u.u.ExternalID }),
	"username":          str(func(u *userRec) string { return u.u.UserName }),
	"displayname":       str(func(u *userRec) string { return u.u.DisplayName }),
	"nickname":          str(func(u *userRec) string { return u.u.NickName }),
	"title":             str(func(u *userRec) string { return u.u.Title }),
	"usertype":          str(func(u *userRec) string { return u.u.UserType }),
	"preferredlanguage": str(func(u *userRec) string { return u.u.PreferredLanguage }),
	"locale":            str(func(u *userRec) string { return u.u.Locale }),
	"givenname":         str(func(u *userRec) string { return u.u.Name.GivenName }),
	"name.givenname":    str(func(u *userRec) string { return u.u.Name.GivenName }),
	"familyname":        str(func(u *userRec) string { return u.u.Name.FamilyName }),
	"name.familyname":   str(func(u *userRec) string { return u.u.Name.FamilyName }),
	"name.formatted":    str(func(u *userRec) string { return u.u.Name.Formatted }),
	"active":            {kind: kindBool, get: func(u *userRec) []string { return boolStr(u.u.Active) }},
	"email":             emailValues,
	"emails":            emailValues,
	"emails.value":      emailValues,
	"emails.type": {kind: kindString, get: func(u *userRec) []string {
		out := make([]string, len(u.u.Emails))
		for i, e := range u.u.Emails {
			out[i] = e.Type
		}
		return out
	}},
	"groups":       groupValues,
	"groups.value": groupValues,
	"groups.display": {kind: kindString, get: func(u *userRec) []string {
		out := make([]string, len(u.groups))
		for i, g := range u.groups {
			out[i] = g.displayName
		}
		return out
	}},
	"meta.created":      {kind: kindTime, get: func(u *userRec) []string { return one(u.u.Meta.Created) }},
	"meta.lastmodified": {kind: kindTime, get: func(u *userRec) []string { return one(u.u.Meta.LastModified) }},

	entURN + ":department":          ent(func(e *client.EnterpriseUser) string { return e.Department }),
	entURN + ":jobtitle":            ent(func(e *client.EnterpriseUser) string { return e.JobTitle }),
	entURN + ":division":            ent(func(e *client.EnterpriseUser) string { return e.Division }),
	entURN + ":businessunit":        ent(func(e *client.EnterpriseUser) string { return e.BusinessUnit }),
	entURN + ":officelocation":      ent(func(e *client.EnterpriseUser) string { return e.OfficeLocation }),
	entURN + ":employeeid":          ent(func(e *client.EnterpriseUser) string { return e.EmployeeID }),
	entURN + ":employeenumber":      ent(func(e *client.EnterpriseUser) string { return e.EmployeeNumber }),
	entURN + ":costcenter":          ent(func(e *client.EnterpriseUser) string { return e.CostCenter }),
	entURN + ":organization":        ent(func(e *client.EnterpriseUser) string { return e.Organization }),
	entURN + ":manager":             managerField(func(m *client.Manager) string { return m.Value }),
	entURN + ":manager.value":       managerField(func(m *client.Manager) string { return m.Value }),
	entURN + ":manager.displayname": managerField(func(m *client.Manager) string { return m.DisplayName }),
}

const userAttrList = "id, externalId, userName, givenName (name.givenName), familyName (name.familyName), " +
	"name.formatted, displayName, nickName, title, userType, preferredLanguage, locale, active, " +
	"email (emails, emails.value), emails.type, groups (groups.value), groups.display, meta.created, " +
	"meta.lastModified, and " + client.SchemaEnterpriseUser + ":{department, jobTitle, division, " +
	"businessUnit, officeLocation, employeeId, employeeNumber, costCenter, organization, manager.value, manager.displayName}"

var coreURN = strings.ToLower(client.SchemaUser)

var userScope = scope[*userRec]{
	name:      "Users",
	supported: userAttrList,
	resolve: func(key string) (attr[*userRec], bool) {
		key = strings.TrimPrefix(key, coreURN+":")
		a, ok := userAttrs[key]
		return a, ok
	},
	valuePath: func(vp *filter.ValuePath) (func(*userRec) bool, error) {
		uri, key := pathKey(vp.AttributePath)
		if uri != "" && uri != coreURN {
			return nil, filterErrorf("value filter on %v is not supported", vp.AttributePath)
		}
		switch key {
		case "emails":
			inner, err := compileFilter(vp.ValueFilter, emailScope)
			if err != nil {
				return nil, err
			}
			return func(u *userRec) bool {
				for _, e := range u.u.Emails {
					if inner(e) {
						return true
					}
				}
				return false
			}, nil
		case "groups":
			inner, err := compileFilter(vp.ValueFilter, groupRefScope)
			if err != nil {
				return nil, err
			}
			return func(u *userRec) bool {
				for _, g := range u.groups {
					if inner(g) {
						return true
					}
				}
				return false
			}, nil
		}
		return nil, filterErrorf("value filters are supported on emails and groups only, not %v", vp.AttributePath)
	},
}

var emailScope = scope[client.MultiValue]{
	name:      "emails",
	supported: "value, type, display, primary",
	resolve: func(key string) (attr[client.MultiValue], bool) {
		switch key {
		case "value":
			return attr[client.MultiValue]{get: func(e client.MultiValue) []string { return one(e.Value) }}, true
		case "type":
			return attr[client.MultiValue]{get: func(e client.MultiValue) []string { return one(e.Type) }}, true
		case "display":
			return attr[client.MultiValue]{get: func(e client.MultiValue) []string { return one(e.Display) }}, true
		case "primary":
			return attr[client.MultiValue]{kind: kindBool, get: func(e client.MultiValue) []string { return boolStr(e.Primary) }}, true
		}
		return attr[client.MultiValue]{}, false
	},
}

var groupRefScope = scope[*groupRec]{
	name:      "groups",
	supported: "value, display",
	resolve: func(key string) (attr[*groupRec], bool) {
		switch key {
		case "value":
			return attr[*groupRec]{get: func(g *groupRec) []string { return one(g.id) }}, true
		case "display":
			return attr[*groupRec]{get: func(g *groupRec) []string { return one(g.displayName) }}, true
		}
		return attr[*groupRec]{}, false
	},
}

// memberScope evaluates a PATCH path filter such as members[value eq "id"].
var memberScope = scope[*userRec]{
	name:      "members",
	supported: "value, display, type",
	resolve: func(key string) (attr[*userRec], bool) {
		switch key {
		case "value":
			return str(func(u *userRec) string { return u.u.ID }), true
		case "display":
			return str(func(u *userRec) string { return u.u.DisplayName }), true
		case "type":
			return str(func(*userRec) string { return "User" }), true
		}
		return attr[*userRec]{}, false
	},
}

// parseUserFilter parses and compiles a /Users filter.
func parseUserFilter(raw string) (func(*userRec) bool, error) {
	expr, err := filter.ParseFilter([]byte(raw))
	if err != nil {
		return nil, filterErrorf("cannot parse filter %q (%v); filters look like userName eq \"jane@example.com\" or "+
			"givenName sw \"Jo\" and active eq true, with string values in double quotes", raw, err)
	}
	return compileFilter(expr, userScope)
}
