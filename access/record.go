package access

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/tenant"
)

// record leaves the one audit row of a tenant write attempt, with w (nil
// when nothing is known to have changed on the server) applied to the
// cache and journaled in the same transaction (see cache.Record). When the
// cache stays locked past cachePatience, both go to the spool beside it
// (cache.Store.Spool) for the next otaccess to fold in; note then says so.
// err is set only when neither could be written, or the cache lacks the
// user or group (cache.ErrNotInSnapshot: the row is written).
func (s *Service) record(ctx context.Context, w *cache.Write, e tenant.AuditEntry) (note string, err error) {
	err = whenNotBusy(ctx, func(ctx context.Context) error { return s.store.Record(ctx, w, &e) })
	if err == nil || !errors.Is(err, cache.ErrBusy) {
		return "", err
	}
	if serr := s.store.Spool(w, e); serr != nil {
		return "", fmt.Errorf("%w; and %w", err, serr)
	}
	return fmt.Sprintf("the cache was busy, so this %s and its audit row were spooled to %s; the next otaccess that writes the cache folds them in", e.Action, cache.SpoolPath(s.store.Path())), nil
}

// userLocks orders the writes to one user within this process: a write, its
// re-read and their records finish before the next write to the user
// starts, so two revocations of one user in a review apply cannot
// interleave. (Across processes the write journal keeps a stale re-read
// from undoing a newer write: see cache.Mark.)
type userLocks struct {
	mu sync.Mutex
	m  map[string]*userLock
}

type userLock struct {
	sync.Mutex
	users int // holders and waiters
}

// lock locks user id and returns the unlock.
func (l *userLocks) lock(id string) func() {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*userLock{}
	}
	u := l.m[id]
	if u == nil {
		u = &userLock{}
		l.m[id] = u
	}
	u.users++
	l.mu.Unlock()
	u.Lock()
	return func() {
		u.Unlock()
		l.mu.Lock()
		if u.users--; u.users == 0 {
			delete(l.m, id)
		}
		l.mu.Unlock()
	}
}
