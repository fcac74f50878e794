package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

// Access-API paths, on the tenant's host (not under the SCIM base path).
const (
	PathUsersV2      = "/api/access/v2/users"
	PathUserGroups   = "/api/access/v2/user-groups"
	PathLoginHistory = "/api/access/v1/login-history"
	// MaxAccessPageSize is the largest size the access lists take.
	MaxAccessPageSize = 2000
)

// accessEndpoint is the budget an access request counts against: its path
// with the ids replaced by {id} (access/v2/user-groups/{id}/members), so
// each access API is its own endpoint, as the fake tenant counts them
// (inferred: OneTrust says "per endpoint" without saying what one is).
func accessEndpoint(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(strings.TrimPrefix(path, "/api/"), "/")
	for i := 1; i < len(parts); i++ {
		switch parts[i-1] {
		case "users", "user-groups", "members":
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

// AccessWalk controls a walk of an access list.
type AccessWalk struct {
	PageSize    int // size to ask for (default and maximum 2000)
	Concurrency int // pages in flight (default DefaultConcurrency)
	// Slots, when set, bounds the requests in flight of walks run together.
	Slots    *semaphore.Weighted
	Progress func(done, total int)
	Waiting  func(Wait)
}

func (o AccessWalk) context(ctx context.Context) context.Context {
	slots := o.Slots
	if slots == nil {
		slots = semaphore.NewWeighted(int64(min(max(orDefault(o.Concurrency, DefaultConcurrency), 1), maxConcurrency)))
	}
	ctx = context.WithValue(ctx, slotsKey{}, slots)
	if o.Waiting != nil && ctx.Value(boardKey{}) == nil {
		ctx = context.WithValue(ctx, boardKey{}, &waitBoard{notify: o.Waiting})
	}
	return ctx
}

// WithSlots bounds the requests made with the returned context to slots
// (a request holds one while in flight), as a walk's Slots do: for single
// requests made beside walks that share them.
func WithSlots(ctx context.Context, slots *semaphore.Weighted) context.Context {
	return context.WithValue(ctx, slotsKey{}, slots)
}

// accessPage reads page n of an access list.
func accessPage[T any](ctx context.Context, c *Client, path string, q url.Values, n, size int) (*AccessPage[T], error) {
	qq := url.Values{}
	for k, v := range q {
		qq[k] = v
	}
	qq.Set("page", strconv.Itoa(n))
	qq.Set("size", strconv.Itoa(size))
	out := AccessPage[T]{Content: make([]T, 0, min(size, MaxAccessPageSize))}
	cl := &call{method: "GET", path: path, query: qq, origin: true, retry5xx: true, retryNet: true, retryMalformed: true}
	if _, err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// maxAccessWalks is how often a list that changed while it was read is
// read again before the walk gives up.
const maxAccessWalks = 3

// walkAccess reads every page of an access list: page 0 first, which says
// how many there are, then the rest concurrently, then on past the
// announced end until a page says last (the list grew). Items are
// deduplicated by id; when the pages disagree on the total, or the ids
// read are not that total, the list changed while it was read and is read
// again.
func walkAccess[T any](ctx context.Context, c *Client, path, what string, q url.Values, o AccessWalk, idOf func(*T) string) ([]T, error) {
	return walkAccessKept(ctx, c, path, what, q, o, same[T], idOf)
}

// walkAccessKept is walkAccess keeping each page only as keep converts it,
// as soon as it is decoded (see WalkUsers); keep runs on several
// goroutines at once.
func walkAccessKept[T, R any](ctx context.Context, c *Client, path, what string, q url.Values, o AccessWalk, keep func([]T) []R, idOf func(*R) string) ([]R, error) {
	size := o.PageSize
	if size <= 0 || size > MaxAccessPageSize {
		size = MaxAccessPageSize
	}
	ctx = o.context(ctx)
	for attempt := 1; ; attempt++ {
		items, consistent, err := walkAccessOnce(ctx, c, path, what, q, size, o.Progress, keep, idOf)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", what, err)
		}
		if consistent {
			return items, nil
		}
		if attempt == maxAccessWalks {
			return nil, fmt.Errorf("reading %s: the list changed while it was read, %d times in a row; the tenant may be busy: try again later", what, attempt)
		}
	}
}

// keptPage is an access page as a walk keeps it: its items converted, the
// rest of the page as it came.
type keptPage[R any] struct {
	AccessPage[struct{}]
	items []R
}

func walkAccessOnce[T, R any](ctx context.Context, c *Client, path, what string, q url.Values, size int, progress func(done, total int), keep func([]T) []R, idOf func(*R) string) ([]R, bool, error) {
	fetch := func(ctx context.Context, n int) (*keptPage[R], error) {
		p, err := accessPage[T](ctx, c, path, q, n, size)
		if err != nil {
			return nil, err
		}
		k := &keptPage[R]{items: keep(p.Content)}
		k.AccessPage = AccessPage[struct{}]{Empty: p.Empty, First: p.First, Last: p.Last, Number: p.Number,
			NumberOfElements: p.NumberOfElements, Size: p.Size, TotalElements: p.TotalElements, TotalPages: p.TotalPages}
		return k, nil
	}
	first, err := fetch(ctx, 0)
	if err != nil {
		return nil, false, err
	}
	pages := []*keptPage[R]{first}
	if !first.Last && !first.Empty {
		n := first.TotalPages
		if n < 1 || n > maxWalkRequests {
			return nil, false, fmt.Errorf("the server announced %d pages of %d; refusing to read that many", first.TotalPages, size)
		}
		pages = append(pages, make([]*keptPage[R], n-1)...)
		var mu sync.Mutex
		done := len(first.items)
		if progress != nil {
			progress(done, int(first.TotalElements))
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(maxConcurrency)
		for i := 1; i < n; i++ {
			g.Go(func() error {
				p, err := fetch(gctx, i)
				if err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				pages[i] = p
				done += len(p.items)
				if progress != nil {
					progress(done, int(first.TotalElements))
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return nil, false, err
		}
		// The list grew past what page 0 announced: read on to last.
		for last := pages[len(pages)-1]; !last.Last && !last.Empty; last = pages[len(pages)-1] {
			if len(pages) >= maxWalkRequests {
				return nil, false, errors.New("the pages never said last")
			}
			p, err := fetch(ctx, len(pages))
			if err != nil {
				return nil, false, err
			}
			pages = append(pages, p)
		}
	}
	seen := make(map[string]struct{}, first.TotalElements)
	items := make([]R, 0, first.TotalElements)
	consistent := true
	final := pages[len(pages)-1].TotalElements
	for _, p := range pages {
		consistent = consistent && p.TotalElements == final
		for i := range p.items {
			id := idOf(&p.items[i])
			if _, dup := seen[id]; dup {
				consistent = false
				continue
			}
			seen[id] = struct{}{}
			items = append(items, p.items[i])
		}
	}
	if progress != nil {
		progress(len(items), int(final))
	}
	return items, consistent && int64(len(items)) == final, nil
}

// AllUsersV2 reads every Users V2 user (last logins, access levels,
// expiration and disabled dates), sorted by the server's default (name).
func (c *Client) AllUsersV2(ctx context.Context, o AccessWalk) ([]UserV2, error) {
	return walkAccess(ctx, c, PathUsersV2, "Users V2", nil, o, func(u *UserV2) string { return u.UserID })
}

// UserLogin is what a sync reads of a Users V2 user (WalkUserLogins): its
// id, its login and lifecycle dates and its direct access levels. The rest
// of the record (names, email, created and modified dates, the default
// organization) is skipped by the decoder, not decoded: SCIM has them.
type UserLogin struct {
	UserID             string        `json:"userId"`
	ExpirationDateTime AccessTime    `json:"expirationDateTime"`
	DisabledDateTime   AccessTime    `json:"disabledDateTime"`
	DisabledBy         string        `json:"disabledBy"`
	LastLoginDate      AccessTime    `json:"lastLoginDate"`
	AccessLevels       []AccessLevel `json:"accessLevels"`
}

// WalkUserLogins reads every Users V2 user as AllUsersV2 does, decoding
// only UserLogin's fields, and keeps each page only as keep converts it,
// as soon as it is decoded (see WalkUsers). keep runs on several
// goroutines at once and must not keep the slice it is given.
func WalkUserLogins[R any](ctx context.Context, c *Client, o AccessWalk, keep func([]UserLogin) []R, idOf func(*R) string) ([]R, error) {
	return walkAccessKept(ctx, c, PathUsersV2, "Users V2", nil, o, keep, idOf)
}

// memberID is what UserGroupMemberIDs decodes of a member.
type memberID struct {
	MemberID string `json:"memberId"`
}

// UserGroupMemberIDs reads the ids of every member of a user group, as
// AllUserGroupMembers reads the members (only memberId is decoded).
func (c *Client) UserGroupMemberIDs(ctx context.Context, groupID string, o AccessWalk) ([]string, error) {
	p, err := userGroupPath(groupID, "members")
	if err != nil {
		return nil, err
	}
	ids := func(page []memberID) []string {
		out := make([]string, len(page))
		for i := range page {
			out[i] = page[i].MemberID
		}
		return out
	}
	return walkAccessKept(ctx, c, p, "the members of user group "+groupID, nil, o, ids, func(id *string) string { return *id })
}

// AllUserGroups reads every v2 user group.
func (c *Client) AllUserGroups(ctx context.Context, o AccessWalk) ([]UserGroupV2, error) {
	return walkAccess(ctx, c, PathUserGroups, "user groups", nil, o, func(g *UserGroupV2) string { return g.ID })
}

func userGroupPath(groupID string, rest ...string) (string, error) {
	if strings.TrimSpace(groupID) == "" {
		return "", errors.New("empty user group id")
	}
	p := PathUserGroups + "/" + url.PathEscape(groupID)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p, nil
}

// UserGroupAccessLevels reads the access levels a user group grants.
func (c *Client) UserGroupAccessLevels(ctx context.Context, groupID string) ([]AccessLevel, error) {
	p, err := userGroupPath(groupID, "access-levels")
	if err != nil {
		return nil, err
	}
	var out []AccessLevel
	if _, err := c.do(ctx, &call{method: "GET", path: p, origin: true, retry5xx: true, retryNet: true, retryMalformed: true}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// AllUserGroupMembers reads every member of a user group.
func (c *Client) AllUserGroupMembers(ctx context.Context, groupID string, o AccessWalk) ([]UserGroupMember, error) {
	p, err := userGroupPath(groupID, "members")
	if err != nil {
		return nil, err
	}
	return walkAccess(ctx, c, p, "the members of user group "+groupID, nil, o, func(m *UserGroupMember) string { return m.MemberID })
}

// AddUserGroupMember adds one user to a user group (201).
func (c *Client) AddUserGroupMember(ctx context.Context, groupID, userID string) error {
	return c.userGroupMember(ctx, "POST", groupID, userID)
}

// RemoveUserGroupMember removes one user from a user group (204): the
// only way to take away access the user holds through the group.
func (c *Client) RemoveUserGroupMember(ctx context.Context, groupID, userID string) error {
	return c.userGroupMember(ctx, "DELETE", groupID, userID)
}

func (c *Client) userGroupMember(ctx context.Context, method, groupID, userID string) error {
	if strings.TrimSpace(userID) == "" {
		return errors.New("empty user id")
	}
	p, err := userGroupPath(groupID, "members", userID)
	if err != nil {
		return err
	}
	// Adding a member twice or removing one twice ends the same: safe to
	// resend after a 5xx (a resent DELETE may answer 404: the caller
	// re-reads the group either way).
	_, err = c.do(ctx, &call{method: method, path: p, origin: true, retry5xx: true}, nil)
	return err
}

// LoginHistory reads a user's login attempts of the last 365 days (what
// the API gives without a date range), in the server's order.
func (c *Client) LoginHistory(ctx context.Context, userID string, o AccessWalk) ([]LoginAttempt, error) {
	if strings.TrimSpace(userID) == "" {
		return nil, errors.New("empty user id")
	}
	q := url.Values{"userId": {userID}}
	n := 0
	// Records have no id: number them, so the walk keeps every one.
	return walkAccess(ctx, c, PathLoginHistory, "the login history", q, o, func(a *LoginAttempt) string {
		n++
		return strconv.Itoa(n)
	})
}
