package access

import (
	"context"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// The cache is reached through the Service only: the TUI and the CLI read
// snapshots, reviews and the audit log here and never hold the store.

// Errors of the cache that callers tell apart. Each says what is so, not
// what to type: the CLI and the TUI each add how to fix it their own way.
var (
	ErrNoSnapshot    = cache.ErrNoSnapshot    // the cache holds no completed sync yet
	ErrNoPrevious    = cache.ErrNoPrevious    // the cache holds a single sync: nothing to compare with
	ErrNoReview      = cache.ErrNoReview      // no review of that name
	ErrReviewExists  = cache.ErrReviewExists  // review names are unique per cache
	ErrBusy          = cache.ErrBusy          // another process holds the write lock
	ErrForeign       = cache.ErrForeign       // the file is not an otaccess cache
	ErrCorrupt       = cache.ErrCorrupt       // the file is damaged
	ErrNotInSnapshot = cache.ErrNotInSnapshot // a user or group the current snapshot lacks
)

// DefaultCachePath is where the cache named name lives by default
// (os.UserCacheDir()/otaccess/<name>.db).
func DefaultCachePath(name string) (string, error) { return cache.DefaultPath(name) }

// OpenOption changes how Open opens the cache.
type OpenOption = cache.OpenOption

// WithBusyTimeout sets how long the cache's writers wait for another
// process's write lock before they fail with ErrBusy (default 5s); tests
// that hold the lock on purpose use a short one.
func WithBusyTimeout(d time.Duration) OpenOption { return cache.WithBusyTimeout(d) }

// Open opens (or creates) the cache at path and binds it to c, which is nil
// for a service that works offline.
func Open(c *client.Client, path, profile string, opts ...OpenOption) (*Service, error) {
	st, err := cache.Open(path, opts...)
	if err != nil {
		return nil, err
	}
	return New(c, st, profile), nil
}

// Close waits for the cache's housekeeping and closes it.
func (s *Service) Close() error { return s.store.Close() }

// CloseDiscardingUnused closes the cache and removes its file when this
// Open created it and nothing was ever stored in it (a command that failed
// before it talked to a tenant leaves no empty cache behind).
func (s *Service) CloseDiscardingUnused() error { return s.store.CloseDiscardingUnused() }

// CachePath is the absolute path of the cache file.
func (s *Service) CachePath() string { return s.store.Path() }

// Settle waits for the housekeeping a sync leaves running in the background.
func (s *Service) Settle() { s.store.Settle() }

// Offline is a service over the same cache without a connection.
func (s *Service) Offline() *Service {
	return &Service{store: s.store, Profile: s.Profile, Actor: s.Actor, Now: s.Now, TenantID: s.TenantID}
}

// OSUser names the person at the keyboard, the default actor.
func OSUser() string { return cache.OSUser() }

// Load reads the current snapshot (ErrNoSnapshot when none).
func (s *Service) Load(ctx context.Context) (*tenant.Snapshot, error) { return s.store.Load(ctx) }

// LoadPrevious reads the snapshot before the current one (ErrNoPrevious
// when the cache holds a single sync).
func (s *Service) LoadPrevious(ctx context.Context) (*tenant.Snapshot, error) {
	return s.store.LoadPrevious(ctx)
}

// LatestInfo describes the current snapshot (ErrNoSnapshot when none).
func (s *Service) LatestInfo(ctx context.Context) (tenant.SyncInfo, error) {
	return s.store.LatestInfo(ctx)
}

// Snapshots lists the stored snapshots, newest first.
func (s *Service) Snapshots(ctx context.Context) ([]tenant.SyncInfo, error) {
	return s.store.Snapshots(ctx)
}

// SnapshotAccess says what snapshot id holds of OneTrust's access APIs.
func (s *Service) SnapshotAccess(ctx context.Context, id int64) (tenant.AccessInfo, error) {
	return s.store.SnapshotAccess(ctx, id)
}

// DiffSincePrevious compares the previous snapshot with the current one and
// also returns the current one.
func (s *Service) DiffSincePrevious(ctx context.Context) (tenant.SnapshotDiff, *tenant.Snapshot, error) {
	return s.store.DiffSincePrevious(ctx)
}

// Reviews lists the reviews in the cache (items not loaded), newest first.
func (s *Service) Reviews(ctx context.Context) ([]tenant.Review, error) { return s.store.Reviews(ctx) }

// Review loads one review with its items (ErrNoReview when none).
func (s *Service) Review(ctx context.Context, name string) (*tenant.Review, error) {
	return s.store.Review(ctx, name)
}

// Decide records one decision of a review. The reviewer defaults to the
// service's actor, the time to now.
func (s *Service) Decide(ctx context.Context, reviewID int64, d tenant.Decision) error {
	if d.Reviewer == "" {
		d.Reviewer = s.Actor
	}
	if d.At.IsZero() {
		d.At = s.now()
	}
	return s.store.Decide(ctx, reviewID, d)
}

// SetNote replaces the note of one review item ("" clears it).
func (s *Service) SetNote(ctx context.Context, reviewID int64, k tenant.ItemKey, note string) error {
	return s.store.SetNote(ctx, reviewID, k, note)
}

// Audit returns up to limit audit entries (all when limit <= 0), newest first.
func (s *Service) Audit(ctx context.Context, limit int) ([]tenant.AuditEntry, error) {
	return s.store.Audit(ctx, limit)
}

// now is the service's clock.
func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
