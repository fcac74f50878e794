package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// DefaultAccessConcurrency is how many requests a sync has in flight to
// OneTrust's access APIs, beside (not within) its SCIM requests: they
// count on budgets of their own (each access API is its own endpoint),
// and most of them are small (a user group's access levels, a page of
// its members), so they would otherwise queue behind the SCIM pages.
const DefaultAccessConcurrency = 8

// accessRead is what a sync learned from the access APIs.
type accessRead struct {
	data   tenant.AccessData
	levels []client.AccessLevel // the user groups' levels
	// direct has each Users V2 user's direct access levels as group ids
	// (see loginReader), directLevels the level of each such id.
	direct       map[string][]string
	directLevels map[string]client.AccessLevel
}

// loginRead is what a sync keeps of a Users V2 user: the page's wire
// values are garbage once converted (see client.WalkUserLogins).
type loginRead struct {
	id     string
	login  tenant.Login
	known  bool     // lastLoginDate could be read: zero means never
	levels []string // direct access levels as group ids (interned)
	bad    string   // the last date that could not be read
	nbad   int
}

// loginReader converts pages of Users V2 users as they arrive, several at
// once. The access levels of 100,000 users name the same few thousand
// role x org pairs: each group id is kept once.
type loginReader struct {
	mu     sync.Mutex
	levels map[client.AccessLevel]string
	byID   map[string]client.AccessLevel
}

func (r *loginReader) page(users []client.UserLogin) []loginRead {
	out := make([]loginRead, len(users))
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range users {
		u := &users[i]
		x := loginRead{id: u.UserID, known: !u.LastLoginDate.Bad,
			login: tenant.Login{Last: u.LastLoginDate.Time, Expires: u.ExpirationDateTime.Time, DisabledAt: u.DisabledDateTime.Time, DisabledBy: u.DisabledBy}}
		for _, f := range []struct {
			name string
			t    *client.AccessTime
		}{{"lastLoginDate", &u.LastLoginDate}, {"expirationDateTime", &u.ExpirationDateTime}, {"disabledDateTime", &u.DisabledDateTime}} {
			if err := f.t.Err(); err != nil {
				x.nbad++
				x.bad = fmt.Sprintf("%s of user %s: %v", f.name, u.UserID, err)
			}
		}
		for _, l := range u.AccessLevels {
			if l.RoleID == "" || l.OrganizationID == "" {
				continue
			}
			id, ok := r.levels[l]
			if !ok {
				id = l.GroupID()
				r.levels[l] = id
				if _, seen := r.byID[id]; !seen {
					r.byID[id] = l
				}
			}
			x.levels = append(x.levels, id)
		}
		out[i] = x
	}
	return out
}

// readAccessAPIs reads Users V2 and the user groups (their access levels
// and members) at once, on slots of their own. An API the server does not
// offer or the key may not use (see unavailable) is recorded, not an
// error: the sync goes on without it.
func (s *Service) readAccessAPIs(ctx context.Context, opt SyncOptions, report func(func(*SyncProgress)), waiting func(client.Wait)) (*accessRead, error) {
	conc := opt.AccessConcurrency
	if conc <= 0 {
		conc = DefaultAccessConcurrency
	}
	slots := semaphore.NewWeighted(int64(conc))
	out := &accessRead{}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		lr := &loginReader{levels: map[client.AccessLevel]string{}, byID: map[string]client.AccessLevel{}}
		users, err := client.WalkUserLogins(gctx, s.Client, client.AccessWalk{Slots: slots, Waiting: waiting,
			Progress: func(done, total int) { report(func(p *SyncProgress) { p.Logins, p.LoginsTotal = done, total }) }},
			lr.page, func(u *loginRead) string { return u.id })
		if st, ok := s.unavailable(err, client.PathUsersV2); ok {
			out.data.Info.Logins = st
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading Users V2: %w", err)
		}
		out.data.Info.Logins.Read = true
		out.data.Logins = make(map[string]tenant.Login, len(users))
		out.direct = make(map[string][]string)
		for i := range users {
			u := &users[i]
			if u.nbad > 0 {
				out.data.Info.BadDates += u.nbad
				out.data.Info.BadDate = u.bad
			}
			if len(u.levels) > 0 {
				out.direct[u.id] = u.levels
			}
			if !u.known {
				continue // unknown, not "never": the user's login stays unknown
			}
			out.data.Logins[u.id] = u.login
		}
		lr.mu.Lock()
		out.directLevels = lr.byID
		lr.mu.Unlock()
		return nil
	})
	g.Go(func() error {
		groups, levels, err := s.readUserGroups(gctx, slots, report, waiting)
		if st, ok := s.unavailable(err, client.PathUserGroups); ok {
			out.data.Info.UserGroups = st
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading user groups: %w", err)
		}
		out.data.Info.UserGroups.Read = true
		out.data.UserGroups = groups
		out.levels = levels
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// readUserGroups reads every user group with its access levels and
// members: the list, then per group its levels and a walk of its members,
// several groups at once.
func (s *Service) readUserGroups(ctx context.Context, slots *semaphore.Weighted, report func(func(*SyncProgress)), waiting func(client.Wait)) ([]tenant.UserGroup, []client.AccessLevel, error) {
	list, err := s.Client.AllUserGroups(ctx, client.AccessWalk{Slots: slots, Waiting: waiting})
	if err != nil {
		return nil, nil, err
	}
	var all []client.AccessLevel
	out := make([]tenant.UserGroup, len(list))
	var mu sync.Mutex
	done := 0
	report(func(p *SyncProgress) { p.UserGroups, p.UserGroupsTotal = 0, len(list) })
	g, gctx := errgroup.WithContext(client.WithSlots(ctx, slots))
	// The slots bound the requests; this bounds the goroutines waiting on them.
	g.SetLimit(64)
	for i := range list {
		g.Go(func() error {
			ug := &list[i]
			// Its levels and its members at once: one round trip, not two.
			var levels []client.AccessLevel
			var members []string
			both, bctx := errgroup.WithContext(gctx)
			both.Go(func() (err error) {
				if levels, err = s.Client.UserGroupAccessLevels(bctx, ug.ID); err != nil {
					return fmt.Errorf("the access levels of user group %q: %w", ug.Name, err)
				}
				return nil
			})
			both.Go(func() (err error) {
				if members, err = s.Client.UserGroupMemberIDs(bctx, ug.ID, client.AccessWalk{Slots: slots, Waiting: waiting}); err != nil {
					return fmt.Errorf("the members of user group %q: %w", ug.Name, err)
				}
				return nil
			})
			if err := both.Wait(); err != nil {
				return err
			}
			x := tenant.UserGroup{ID: ug.ID, Name: ug.Name, Description: ug.Description}
			for _, l := range levels {
				x.Levels = append(x.Levels, l.GroupID())
			}
			x.Members = members
			out[i] = x
			mu.Lock()
			all = append(all, levels...)
			done++
			n := done
			mu.Unlock()
			report(func(p *SyncProgress) { p.UserGroups = max(p.UserGroups, n) })
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return out, all, nil
}

// unavailable says whether err means the API is not there for this key:
// 403 (the key lacks the USER scope), or a server that does not offer
// OneTrust's access APIs (404, 405, 501; and on a host that is not
// OneTrust's, any answer that is not a readable page: a SCIM server that
// is not OneTrust must sync as it always did). Anything else on OneTrust
// (a 5xx after retries, a rate limit past the wait, a cancelled sync) fails
// the sync like a SCIM error does: a snapshot is all or nothing.
func (s *Service) unavailable(err error, path string) (tenant.APIState, bool) {
	if err == nil {
		return tenant.APIState{}, false
	}
	var ce *client.Error
	status := 0
	if errors.As(err, &ce) {
		status = ce.Status
	}
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return tenant.APIState{}, false
	case status == http.StatusForbidden:
		return tenant.APIState{Why: "the key lacks the USER scope (403 from " + path + ")"}, true
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status == http.StatusNotImplemented:
		return tenant.APIState{Why: fmt.Sprintf("the server does not offer OneTrust's access APIs (%d from %s)", status, path)}, true
	case !s.Client.IsOneTrust():
		if _, rl := client.AsRateLimit(err); rl {
			return tenant.APIState{}, false
		}
		return tenant.APIState{Why: "the server is not OneTrust and its " + path + " did not answer as OneTrust's does"}, true
	}
	return tenant.APIState{}, false
}

// mergeAccess adds to the lists a sync read what the access APIs name and
// SCIM does not: a direct access level (Users V2) missing from the user's
// SCIM groups becomes a membership, and a level no SCIM group names
// becomes a group ("Role - Org"), so that effective access loses nothing.
func mergeAccess(a *accessRead, users []tenant.ReadRef, groups []tenant.ReadGroup) []tenant.ReadGroup {
	idx := make(map[string]int, len(groups))
	for i := range groups {
		if _, dup := idx[groups[i].ID]; !dup {
			idx[groups[i].ID] = i
		}
	}
	add := func(l client.AccessLevel) int {
		id := l.GroupID()
		if i, ok := idx[id]; ok {
			return i
		}
		groups = append(groups, tenant.LevelGroup(l.RoleID, l.RoleName, l.OrganizationID, l.OrganizationName))
		idx[id] = len(groups) - 1
		return len(groups) - 1
	}
	for _, l := range a.levels {
		if l.RoleID != "" && l.OrganizationID != "" {
			add(l)
		}
	}
	if len(a.direct) > 0 {
		for i := range users {
			u := &users[i]
			for _, id := range a.direct[u.ID] {
				if u.HasGroup(id) {
					continue
				}
				k := add(a.directLevels[id])
				groups[k].Members = append(groups[k].Members, u.ID)
			}
		}
	}
	return groups
}
