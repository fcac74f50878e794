package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// HistoryEntry is one change in a user's OneTrust audit trail.
type HistoryEntry = tenant.HistoryEntry

// History reads the user's audit trail from OneTrust's
// /api/audit/v1/users/{id}/activities, on demand (it needs the USER scope;
// without it the error says so), and keeps it in the cache with the time
// it was read, for KeptHistory. (A cache too busy to keep it only means
// the trail is read again next time: it is the tenant's, not otaccess's.)
func (s *Service) History(ctx context.Context, userID string) (tenant.UserHistory, error) {
	if s.Client == nil {
		return tenant.UserHistory{}, ErrOffline
	}
	acts, err := s.Client.UserActivities(ctx, userID, client.AccessWalk{})
	if err != nil {
		return tenant.UserHistory{}, err
	}
	h := tenant.UserHistory{UserID: userID, FetchedAt: s.now().UTC(), Entries: make([]HistoryEntry, len(acts))}
	for i, a := range acts {
		h.Entries[i] = HistoryEntry{At: a.Date.Time, AtText: a.Date.Raw, Event: a.Event, Field: a.FieldName,
			Old: a.OldValue, New: a.NewValue, Method: a.Method, UpdatedBy: a.UpdatedBy}
	}
	_ = s.store.PutHistory(ctx, h)
	return h, nil
}

// KeptHistory is the user's trail as last read by History (in this
// process or another); ok is false when it never was.
func (s *Service) KeptHistory(ctx context.Context, userID string) (h tenant.UserHistory, ok bool, err error) {
	return s.store.History(ctx, userID)
}

// HistoryOr reads the trail when online, else (or when the read fails)
// gives the kept one; fresh says which it is, readErr why a kept one is
// shown online. err is set only when there is neither.
func (s *Service) HistoryOr(ctx context.Context, userID string) (h tenant.UserHistory, fresh bool, readErr, err error) {
	if s.Client != nil {
		if h, readErr = s.History(ctx, userID); readErr == nil {
			return h, true, nil, nil
		}
	}
	h, ok, kerr := s.KeptHistory(ctx, userID)
	switch {
	case kerr != nil:
		return h, false, readErr, errors.Join(readErr, kerr)
	case !ok && readErr != nil:
		return h, false, readErr, readErr
	case !ok:
		return h, false, nil, fmt.Errorf("%w, and this user's history was never read into the cache", ErrOffline)
	}
	return h, false, readErr, nil
}

// namesGroup reports whether the entry is about group g of snap: a role
// change whose old or new value is the group's displayName ("Role - Org")
// or its label ("Role — Org").
func namesGroup(e HistoryEntry, snap *tenant.Snapshot, g int) bool {
	return e.NamesMembership(snap.Groups[g].DisplayName, MembershipLabel(snap, g))
}

// MembershipHistory keeps the entries about group g, in the trail's order.
func MembershipHistory(snap *tenant.Snapshot, g int, all []HistoryEntry) []HistoryEntry {
	var out []HistoryEntry
	for _, e := range all {
		if namesGroup(e, snap, g) {
			out = append(out, e)
		}
	}
	return out
}
