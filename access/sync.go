package access

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// SyncOptions tunes a sync; zero values take the client's defaults.
type SyncOptions struct {
	Concurrency   int // requests in flight, users and groups together
	UserPageSize  int
	GroupPageSize int
	Progress      func(SyncProgress) // called from several goroutines, serialized
	// Deadline bounds the whole sync, so a server that never answers fails
	// it rather than each request timing out and being retried in turn
	// (0: DefaultSyncDeadline).
	Deadline time.Duration
	// Replace lets the sync replace a snapshot it shares no user and no
	// group with: another tenant's (see cache.ErrOtherTenant).
	Replace bool
	// SCIMOnly skips OneTrust's access APIs (Users V2, user groups): the
	// snapshot then holds no last logins and no user groups, and says so.
	SCIMOnly bool
	// AccessConcurrency is the access APIs' requests in flight, beside
	// Concurrency's (0: DefaultAccessConcurrency).
	AccessConcurrency int
	// MemoryBudget bounds the process's memory while it syncs with a soft
	// limit for the tenant's size (see memoryBudget), restored after: for
	// a process whose memory is its own (the CLI, the TUI), not a library's
	// caller's.
	MemoryBudget bool
}

// DefaultSyncDeadline is long enough for 2,000 pages of users within
// OneTrust's 1,000 requests a minute per endpoint, and short enough to
// give up on a server that does not answer.
const DefaultSyncDeadline = 2 * time.Minute

// RateLimitError says a request limit is used up until Until, for longer
// than the client waits on its own; a UI counts down to it.
type RateLimitError = client.RateLimitError

// AsRateLimit returns the RateLimitError in err's chain, if any.
func AsRateLimit(err error) (*RateLimitError, bool) { return client.AsRateLimit(err) }

// SyncProgress is a sync's progress so far.
type SyncProgress struct {
	Users, UsersTotal   int
	Groups, GroupsTotal int
	// Users V2 (last logins) and user groups, when the server has them.
	Logins, LoginsTotal         int
	UserGroups, UserGroupsTotal int
	Saving                      bool
	// Waiting is what the requests wait for, when they do: a rate limit,
	// a retry, a slow answer.
	Waiting client.Wait
}

// Status is Counts and, while requests wait, for what: "users 1,000/100,000
// groups 25/2,000 · waiting 40 s for OneTrust's per-minute request limit
// for /Users".
func (p SyncProgress) Status(now time.Time) string {
	if !p.Waiting.Waiting() {
		return p.Counts()
	}
	return p.Counts() + "  · " + p.Waiting.Describe(now)
}

// Counts says how far the read is: "users 1,000/100,000  groups 25/2,000".
// A list whose first page has not come back yet reads "…".
func (p SyncProgress) Counts() string {
	count := func(done, total int) string {
		if total == 0 && done == 0 {
			return "…"
		}
		return numfmt.Commas(done) + "/" + numfmt.Commas(total)
	}
	out := "users " + count(p.Users, p.UsersTotal) + "  groups " + count(p.Groups, p.GroupsTotal)
	if p.LoginsTotal > 0 {
		out += "  logins " + count(p.Logins, p.LoginsTotal)
	}
	if p.UserGroupsTotal > 0 {
		out += "  user groups " + count(p.UserGroups, p.UserGroupsTotal)
	}
	return out
}

// Fraction is the share done, for a progress bar (saving counts as 95%).
func (p SyncProgress) Fraction() float64 {
	if p.Saving {
		return 0.95
	}
	total := p.UsersTotal + p.GroupsTotal + p.LoginsTotal + p.UserGroupsTotal
	if total == 0 {
		return 0
	}
	return 0.9 * float64(p.Users+p.Groups+p.Logins+p.UserGroups) / float64(total)
}

// Sync reads every user and group from the tenant and stores them as a new
// snapshot, made current in one transaction. On any failure the previous
// snapshot stays current and untouched.
//
// Users are written to the cache as their pages arrive, a page per short
// transaction, while the rest are on the wire, so the save left after the
// last page is the groups and the commit (see cache.SnapshotWriter).
func (s *Service) Sync(ctx context.Context, opt SyncOptions) (tenant.SyncInfo, error) {
	if s.Client == nil {
		return tenant.SyncInfo{}, ErrOffline
	}
	started := s.now()
	deadline := opt.Deadline
	if deadline <= 0 {
		deadline = DefaultSyncDeadline
	}
	// The deadline is on reading the tenant; the save after it is local.
	rctx, cancel := context.WithTimeoutCause(ctx, deadline, &client.DeadlineError{After: deadline})
	defer cancel()
	var (
		mu   sync.Mutex
		prog SyncProgress
	)
	report := func(update func(*SyncProgress)) {
		if opt.Progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		update(&prog)
		opt.Progress(prog)
	}
	// An OAuth credential fetches its token first: a refused secret fails
	// here, before anything else is sent, and the token names the tenant.
	cred, err := s.Credential(rctx)
	if err != nil {
		return tenant.SyncInfo{}, fmt.Errorf("sync failed, the previous snapshot is unchanged: %w", err)
	}
	tenantID := s.TenantID
	if tenantID == "" {
		tenantID = cred.TenantGUID
	}
	sw, err := s.store.BeginSnapshot(ctx, s.Client.BaseURL(), s.Profile, started)
	if err != nil {
		return tenant.SyncInfo{}, fmt.Errorf("sync failed, the previous snapshot is unchanged: %w", err)
	}
	defer sw.Rollback()
	if opt.Replace {
		sw.ReplaceOther()
	}

	var users []keptUser
	var groups []client.Group
	var noID, dupUsers int // users the snapshot cannot hold (see dropUnkeyable)
	var userRereads, groupRereads int
	sentBefore := s.Client.RequestsSent()
	// Users and groups are read at once; one set of slots keeps their
	// requests in flight within Concurrency together.
	conc := opt.Concurrency
	if conc <= 0 {
		conc = client.DefaultConcurrency
	}
	slots := semaphore.NewWeighted(int64(conc))
	waiting := func(w client.Wait) { report(func(p *SyncProgress) { p.Waiting = w }) }
	var budget *memoryBudget
	if opt.MemoryBudget {
		budget = newMemoryBudget()
		defer budget.release()
	}
	g, gctx := errgroup.WithContext(rctx)
	// Pages of users go to the cache from one goroutine of their own, so
	// the walk does not wait on SQLite, unless the cache falls 16 pages
	// behind (a busy machine): then the walk waits rather than hold every
	// page's users in memory until the cache catches up.
	pages := make(chan *userPage, 16)
	g.Go(func() error {
		for page := range pages {
			if err := sw.AddUsers(gctx, page.users); err != nil {
				return err // cancels gctx: the walks stop
			}
			page.users = nil // stored: the commit needs only the refs
		}
		return nil
	})
	g.Go(func() error {
		var err error
		groups, _, err = readAll(gctx, "groups", opt.GroupPageSize, client.DefaultGroupPageSize, func(o client.PageOptions) ([]client.Group, error) {
			o.Concurrency, o.Slots, o.Waiting = conc, slots, waiting
			o.Progress = func(done, total int) { report(func(p *SyncProgress) { p.Groups, p.GroupsTotal = done, total }) }
			return s.Client.AllGroups(gctx, o)
		}, func(g *client.Group) string { return g.ID }, &groupRereads)
		return err
	})
	g.Go(func() error {
		defer close(pages)
		var err error
		// Each page is converted to the model's users as it is decoded; the
		// cache writes those, and the walk keeps only each user's id and
		// group references (see keepUsers).
		refs := newRefInterner()
		keep := func(page []client.ListedUser) []keptUser { return keepUsers(page, refs) }
		idOf := func(u *keptUser) string { return u.id }
		users, dupUsers, err = readAll(gctx, "users", opt.UserPageSize, client.DefaultUserPageSize, func(o client.PageOptions) ([]keptUser, error) {
			o.Concurrency, o.Slots, o.Waiting = conc, slots, waiting
			o.Progress = func(done, total int) {
				budget.forUsers(total)
				report(func(p *SyncProgress) { p.Users, p.UsersTotal = done, total })
			}
			return client.WalkUsers(gctx, s.Client, o, keep, idOf, func(page []keptUser) {
				if len(page[0].page.users) == 0 {
					return // no user with an id
				}
				select {
				case pages <- page[0].page:
				case <-gctx.Done():
				}
			})
		}, idOf, &userRereads)
		return err
	})
	var acc *accessRead
	if !opt.SCIMOnly {
		g.Go(func() error {
			var err error
			acc, err = s.readAccessAPIs(gctx, opt, report, waiting)
			return err
		})
	}
	orgs := orgTreeRead{why: "this sync read SCIM only"}
	if !opt.SCIMOnly { // beside the walks: one request (orgtree.go)
		g.Go(func() error { return s.readOrgTree(gctx, &orgs) })
	}
	if err := g.Wait(); err != nil {
		return tenant.SyncInfo{}, fmt.Errorf("sync failed, the previous snapshot is unchanged: %w", err)
	}
	read, noID := storedUsers(users)
	users = nil
	sw.SetTenant(tenantID, noID+dupUsers)
	// Requests the client sent meanwhile: the sync's, and any other
	// operation's sharing the client (none from the CLI).
	sw.SetStats(int(s.Client.RequestsSent()-sentBefore), userRereads+groupRereads)
	sw.SetOrgTree(orgs.nodes, orgs.why)
	report(func(p *SyncProgress) { p.Saving = true })
	// The wire groups are garbage once converted.
	readGroups := ReadGroups(groups)
	groups = nil
	if acc != nil {
		readGroups = mergeAccess(acc, read, readGroups)
		sw.SetAccess(acc.data)
	} else {
		why := tenant.APIState{Why: "this sync read SCIM only"}
		sw.SetAccess(tenant.AccessData{Info: tenant.AccessInfo{Logins: why, UserGroups: why}})
	}
	info, err := sw.CommitRefs(ctx, read, readGroups)
	if err != nil {
		return tenant.SyncInfo{}, fmt.Errorf("saving the snapshot failed, the previous one is unchanged: %w", err)
	}
	if acc != nil {
		info.Access = acc.data.Info
	}
	info.OrgTreeNodes, info.OrgTreeWhy = len(orgs.nodes), orgs.why
	return info, nil
}

// maxWalks bounds how often one list is read in a sync before giving up on a
// tenant that keeps changing under it.
const maxWalks = 3

// readAll reads a whole list and makes sure the result is a faithful copy.
// Paging is by position: a list that changes while it is read, or a server
// that pages unstably, repeats or skips items without any error. When a walk
// shows signs of that (see client.WalkInfo) the list is read again with
// another page size; the result is accepted once a walk is clean, or two
// walks in a row return the same ids (the server is stable, its
// totalResults merely counts something it does not list).
//
// dups counts the items the accepted list lacks because the server listed
// their id a second time, at another position (the walker keeps one).
//
// rereads, when non-nil, gets how many times the list was read again.
func readAll[T any](ctx context.Context, what string, pageSize, defPage int,
	walk func(client.PageOptions) ([]T, error), idOf func(*T) string, rereads *int) (items []T, dups int, err error) {
	if pageSize <= 0 {
		pageSize = defPage
	}
	var prev []T
	var info client.WalkInfo
	for attempt := 1; ; attempt++ {
		if rereads != nil {
			*rereads = attempt - 1
		}
		items, err := walk(client.PageOptions{PageSize: pageSize, Info: &info})
		if err != nil {
			return nil, 0, fmt.Errorf("reading %s: %w", what, err)
		}
		if info.Consistent(len(items)) {
			return items, 0, nil
		}
		if prev != nil && sameIDs(prev, items, idOf) {
			// A stable server: two walks agree. Ids it returned at two
			// positions are users it lists twice, of which one is kept.
			return items, info.Moved, nil
		}
		if attempt == maxWalks {
			return nil, 0, fmt.Errorf("reading %s: the list changed while it was read, %d times in a row (the server reports %d, the pages held %d distinct, %d moved between pages); the tenant may be busy or the server pages inconsistently: try again later",
				what, attempt, info.Total, len(items), info.Moved)
		}
		prev = items
		// Another page size puts the page boundaries elsewhere, so a server
		// whose pages shift cannot return the same wrong list twice.
		pageSize = max(1, min(pageSize, info.PageSize)/2)
		if attempt == 2 {
			pageSize = max(1, min(pageSize*2+1, defPage))
		}
	}
}

func sameIDs[T any](a, b []T, idOf func(*T) string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if idOf(&a[i]) != idOf(&b[i]) {
			return false
		}
	}
	return true
}

// keptUser is what a sync keeps of a user while it reads the others: its
// id and group references, all a commit needs once the cache has the
// user's fields (tenant.ReadRef), and the page that carries the fields
// to the cache until they are written. At 100,000 users the fields were
// most of a sync's memory, kept until the commit for nothing.
type keptUser struct {
	id   string
	refs []tenant.GroupRef
	page *userPage // shared by the users of a page
}

// userPage is a page of users on its way to the cache; users is nil once
// written.
type userPage struct{ users []tenant.ReadUser }

// keepUsers converts a page of listed users: their fields into a userPage
// for the cache, and a keptUser for each. Users listed without an id are
// kept (the walk counts them) but not written: nothing can refer to them
// (a grant, a review item, a diff), so the snapshot cannot hold them.
func keepUsers(listed []client.ListedUser, refs *refInterner) []keptUser {
	page := &userPage{users: make([]tenant.ReadUser, 0, len(listed))}
	out := make([]keptUser, len(listed))
	for i := range listed {
		u := readListed(&listed[i], refs)
		out[i] = keptUser{id: u.ID, refs: u.Groups, page: page}
		if u.ID != "" {
			page.users = append(page.users, u)
		}
	}
	return out
}

// storedUsers is the list a commit is given: each user's id and groups
// (its fields are in the pages written), the users without an id dropped
// and counted. Only after the pages are written.
func storedUsers(users []keptUser) ([]tenant.ReadRef, int) {
	out := make([]tenant.ReadRef, 0, len(users))
	noID := 0
	for i := range users {
		if users[i].id == "" {
			noID++
			continue
		}
		out = append(out, tenant.ReadRef{ID: users[i].id, Groups: users[i].refs})
	}
	return out, noID
}
