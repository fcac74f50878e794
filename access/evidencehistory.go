package access

import (
	"context"
	"fmt"

	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// review export --history: each item's changes in the user's OneTrust
// audit trail (who, when, how), from the trails kept in the cache; when
// online, the trails of the review's users not read yet are read first.

// ItemHistory is one review item's membership history in the evidence.
type ItemHistory struct {
	UserID  string `json:"userId"`
	GroupID string `json:"groupId"`
	User    string `json:"user"`
	Role    string `json:"role"`
	Org     string `json:"org"`
	// ReadAt is when the user's trail was read from OneTrust; "" when it
	// never was (the item's changes are then unknown, not none).
	ReadAt  string          `json:"historyReadAt"`
	Changes []HistoryChange `json:"changes"`
}

// HistoryChange is one change of the membership: when, what, who, how
// ("User Provisioning" is SCIM, "User Management" a person in OneTrust).
type HistoryChange struct {
	At     string `json:"at"`
	Change string `json:"change"`
	By     string `json:"by"`
	How    string `json:"how"`
}

// AddHistory puts each item's membership history into ev (built from r).
// Online, the trails of r's users that the cache lacks are read first
// (one walk each; the first failure stops them); read counts them.
// ev.HistoryNote says how many users' trails are missing, and why.
func (s *Service) AddHistory(ctx context.Context, ev *Evidence, r *tenant.Review) (read int, err error) {
	var readErr error
	kept, err := s.store.Histories(ctx)
	if err != nil {
		return 0, err
	}
	if kept == nil {
		kept = map[string]tenant.UserHistory{}
	}
	users := map[string]bool{}
	for i := range r.Items {
		users[r.Items[i].UserID] = true
	}
	if s.Client != nil {
		for i := range r.Items {
			id := r.Items[i].UserID
			if _, ok := kept[id]; ok || r.Items[i].NoRole() {
				continue
			}
			h, err := s.History(ctx, id)
			if err != nil {
				// The rest would fail alike (a scope missing, the tenant
				// unreachable): their items say the history is unknown.
				readErr = fmt.Errorf("reading the history of %s failed: %w", r.Items[i].UserLabel, err)
				break
			}
			kept[id] = h
			read++
		}
	}
	missing := map[string]bool{}
	ev.History = make([]ItemHistory, 0, len(r.Items))
	for i := range r.Items {
		it := &r.Items[i]
		if it.NoRole() {
			continue
		}
		ih := ItemHistory{UserID: it.UserID, GroupID: it.GroupID, User: it.UserLabel, Role: it.Role, Org: it.Org, Changes: []HistoryChange{}}
		h, ok := kept[it.UserID]
		if !ok {
			missing[it.UserID] = true
			ev.History = append(ev.History, ih)
			continue
		}
		ih.ReadAt = evidenceTime(h.FetchedAt)
		names := []string{it.Group}
		if it.Role != "" {
			names = append(names, it.Role+" — "+it.Org, it.Role+" - "+it.Org)
		}
		for _, e := range h.Entries {
			if e.NamesMembership(names...) {
				at := e.AtText
				if !e.At.IsZero() {
					at = evidenceTime(e.At)
				}
				ih.Changes = append(ih.Changes, HistoryChange{At: at, Change: e.What(), By: e.UpdatedBy, How: e.Method})
			}
		}
		ev.History = append(ev.History, ih)
	}
	ev.HistoryNote = "each item's changes in the user's OneTrust audit trail (/api/audit/v1/users/{id}/activities), as read at historyReadAt"
	if len(missing) > 0 {
		why := "offline"
		if readErr != nil {
			why = textsafe.Line(readErr.Error())
		}
		ev.HistoryNote += fmt.Sprintf("; the trails of %s were never read (%s): their items' historyReadAt is empty and their changes unknown", numfmt.Count(len(missing), "user", "users"), why)
	}
	return read, nil
}
