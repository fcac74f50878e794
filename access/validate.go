package access

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/otaccess/otaccess/tenant"
)

// The checks the CLI and the terminal UI's forms share, so that both refuse
// the same input before anything is sent.

// maxFieldLen bounds a typed attribute; OneTrust's own limits are not
// documented, and nobody's title is longer.
const maxFieldLen = 256

// ValidEmail reports why v is not one bare email address (local@domain,
// no display name, no spaces), or nil.
func ValidEmail(v string) error {
	if v == "" {
		return fmt.Errorf("email is required")
	}
	a, err := mail.ParseAddress(v)
	local, domain, ok := strings.Cut(v, "@")
	if err != nil || a.Name != "" || a.Address != v || !ok || local == "" || domain == "" || strings.ContainsAny(v, " \t") {
		return fmt.Errorf("%q is not an email address (name@example.com)", v)
	}
	if !strings.Contains(domain, ".") && domain != "localhost" {
		return fmt.Errorf("%q is not an email address: the domain %q has no dot", v, domain)
	}
	return nil
}

// UserTypes are the userType values OneTrust knows.
var UserTypes = []string{"Internal", "External"}

// NormalUserType is v spelled as OneTrust spells it ("external" → "External"),
// or v unchanged when it is not one of UserTypes.
func NormalUserType(v string) string {
	for _, t := range UserTypes {
		if strings.EqualFold(v, t) {
			return t
		}
	}
	return v
}

// ValidField reports why v cannot be field f's new value, or nil. An empty
// value clears a field, except the names, which a user must have.
func ValidField(f Field, v string) error {
	if utf8.RuneCountInString(v) > maxFieldLen {
		return fmt.Errorf("%s: longer than %d characters", f, maxFieldLen)
	}
	if strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) }) >= 0 {
		return fmt.Errorf("%s: contains control characters", f)
	}
	switch f {
	case FieldGiven, FieldFamily:
		if v == "" {
			return fmt.Errorf("%s name is required", f)
		}
	case FieldUserType:
		if v != "" && !slices.Contains(UserTypes, v) {
			return fmt.Errorf("userType must be %s, got %q", strings.Join(UserTypes, " or "), v)
		}
	}
	return nil
}

// UserNameTaken is the cached user whose userName (or email) is name, in
// any case: the tenant answers 409 to a second one.
func UserNameTaken(snap *tenant.Snapshot, name string) (int, bool) {
	for _, i := range snap.Lookup(name) {
		u := &snap.Users[i]
		if strings.EqualFold(u.UserName, name) || strings.EqualFold(u.Email, name) {
			return i, true
		}
	}
	return 0, false
}
