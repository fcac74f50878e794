package access

import (
	"context"
	"strings"
	"time"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
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

// History reads the user's audit trail from OneTrust's
// /api/audit/v1/users/{id}/activities, on demand (it needs the USER scope;
// without it the error says so).
func (s *Service) History(ctx context.Context, userID string) ([]HistoryEntry, error) {
	if s.Client == nil {
		return nil, ErrOffline
	}
	acts, err := s.Client.UserActivities(ctx, userID, client.AccessWalk{})
	if err != nil {
		return nil, err
	}
	out := make([]HistoryEntry, len(acts))
	for i, a := range acts {
		out[i] = HistoryEntry{At: a.Date.Time, AtText: a.Date.Raw, Event: a.Event, Field: a.FieldName,
			Old: a.OldValue, New: a.NewValue, Method: a.Method, UpdatedBy: a.UpdatedBy}
	}
	return out, nil
}

// roleField is the fieldName OneTrust's trail gives a role x org change
// (inferred: the spec's only example is a Status change).
const roleField = "Role"

// Names reports whether the entry is about group g of snap: a role change
// whose old or new value is the group's displayName ("Role - Org") or its
// label ("Role — Org").
func (e HistoryEntry) Names(snap *tenant.Snapshot, g int) bool {
	if !strings.EqualFold(strings.TrimSpace(e.Field), roleField) {
		return false
	}
	names := []string{snap.Groups[g].DisplayName, MembershipLabel(snap, g)}
	for _, v := range []string{e.Old, e.New} {
		for _, n := range names {
			if n != "" && strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(n)) {
				return true
			}
		}
	}
	return false
}

// MembershipHistory keeps the entries about group g, in the trail's order.
func MembershipHistory(snap *tenant.Snapshot, g int, all []HistoryEntry) []HistoryEntry {
	var out []HistoryEntry
	for _, e := range all {
		if e.Names(snap, g) {
			out = append(out, e)
		}
	}
	return out
}

// Describe is one line: "2026-10-27 09:00  granted by Alice Admin (User
// Management)", or for other changes "Status Active → Inactive by …".
func (e HistoryEntry) Describe() string {
	when := textsafe.Line(e.AtText)
	if !e.At.IsZero() {
		when = e.At.UTC().Format("2006-01-02 15:04")
	}
	what := textsafe.Line(e.Field) + " " + textsafe.Line(e.Old) + " → " + textsafe.Line(e.New)
	switch {
	case strings.EqualFold(e.Field, roleField) && e.Old == "":
		what = "granted " + textsafe.Line(e.New)
	case strings.EqualFold(e.Field, roleField) && e.New == "":
		what = "revoked " + textsafe.Line(e.Old)
	}
	s := when + "  " + what
	if e.UpdatedBy != "" {
		s += " by " + textsafe.Line(e.UpdatedBy)
	}
	if e.Method != "" {
		s += " (" + textsafe.Line(e.Method) + ")"
	}
	return s
}
