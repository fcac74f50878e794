package tenant

import (
	"strings"
	"time"

	"github.com/otaccess/otaccess/textsafe"
)

// HistoryEntry is one change in a user's OneTrust audit trail: when, what
// (Field from Old to New), how (Method: "User Provisioning" is SCIM,
// "User Management" a person in OneTrust) and by whom. Strings are as the
// server sent them: callers sanitize for display (textsafe).
type HistoryEntry struct {
	At                time.Time // zero when the date did not read
	AtText            string    // the date as sent
	Event, Field      string
	Old, New          string
	Method, UpdatedBy string
}

// UserHistory is a user's audit trail as read at FetchedAt (kept in the
// cache once fetched, so that it shows offline with its age).
type UserHistory struct {
	UserID    string
	FetchedAt time.Time
	Entries   []HistoryEntry
}

// RoleField is the fieldName OneTrust's trail gives a role x org change
// (inferred: the spec's only example is a Status change).
const RoleField = "Role"

// NamesMembership reports whether the entry is a role change whose old or
// new value is one of names (a group's displayName "Role - Org", its
// label "Role — Org"), in any case.
func (e HistoryEntry) NamesMembership(names ...string) bool {
	if !strings.EqualFold(strings.TrimSpace(e.Field), RoleField) {
		return false
	}
	for _, v := range []string{e.Old, e.New} {
		for _, n := range names {
			if n != "" && strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(n)) {
				return true
			}
		}
	}
	return false
}

// When is the entry's time in minutes (UTC), or the date as sent.
func (e HistoryEntry) When() string {
	if !e.At.IsZero() {
		return e.At.UTC().Format("2006-01-02 15:04")
	}
	return textsafe.Line(e.AtText)
}

// What is the change in words: "granted Auditor - Legal", "revoked …", or
// "Status Active → Inactive".
func (e HistoryEntry) What() string {
	switch {
	case strings.EqualFold(e.Field, RoleField) && e.Old == "":
		return "granted " + textsafe.Line(e.New)
	case strings.EqualFold(e.Field, RoleField) && e.New == "":
		return "revoked " + textsafe.Line(e.Old)
	}
	return textsafe.Line(e.Field) + " " + textsafe.Line(e.Old) + " → " + textsafe.Line(e.New)
}

// Describe is one line: "2026-10-27 09:00  granted … by Alice Admin (User
// Management)".
func (e HistoryEntry) Describe() string {
	s := e.When() + "  " + e.What()
	if e.UpdatedBy != "" {
		s += " by " + textsafe.Line(e.UpdatedBy)
	}
	if e.Method != "" {
		s += " (" + textsafe.Line(e.Method) + ")"
	}
	return s
}
