package access

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/tenant"
)

// The cache keeps dated snapshots (see cache.Retention): these read an
// older one by its id or by a date, and compare any two.

// WithRetention sets which snapshots the cache keeps: every one synced in
// the last days days, and at least the min newest (0: the default's, 30
// and 10).
func WithRetention(days, min int) OpenOption {
	return cache.WithRetention(cache.Retention{Days: days, Min: min})
}

// LoadSnapshot reads the stored snapshot id (ErrNoSnapshot when the cache
// does not hold it).
func (s *Service) LoadSnapshot(ctx context.Context, id int64) (*tenant.Snapshot, error) {
	return s.store.LoadSnapshot(ctx, id)
}

// ResolveSnapshot finds the stored snapshot spec names: its id ("12"), or
// a date or time in loc ("2026-11-30", "2026-11-30 14:00", RFC 3339), which
// names the newest snapshot synced by then (by the end of the day for a
// date). The error lists what the cache holds.
func (s *Service) ResolveSnapshot(ctx context.Context, spec string, loc *time.Location) (tenant.SyncInfo, error) {
	list, err := s.store.Snapshots(ctx)
	if err != nil {
		return tenant.SyncInfo{}, err
	}
	if len(list) == 0 {
		return tenant.SyncInfo{}, ErrNoSnapshot
	}
	spec = strings.TrimSpace(spec)
	if id, err := strconv.ParseInt(spec, 10, 64); err == nil {
		for _, in := range list {
			if in.ID == id {
				return in, nil
			}
		}
		return tenant.SyncInfo{}, fmt.Errorf("the cache holds no snapshot %d; it holds %s", id, held(list))
	}
	by, ok := parseWhen(spec, loc)
	if !ok {
		return tenant.SyncInfo{}, fmt.Errorf("%q is neither a snapshot id nor a date (2026-11-30, 2026-11-30 14:00, or RFC 3339)", spec)
	}
	for _, in := range list { // newest first
		if !in.FinishedAt.After(by) {
			return in, nil
		}
	}
	return tenant.SyncInfo{}, fmt.Errorf("no snapshot was synced by %s; the oldest the cache holds is %d, synced %s",
		by.Format("2006-01-02 15:04"), list[len(list)-1].ID, list[len(list)-1].FinishedAt.In(loc).Format("2006-01-02 15:04"))
}

// parseWhen reads a date (its last instant) or a time in loc.
func parseWhen(spec string, loc *time.Location) (time.Time, bool) {
	if t, err := time.ParseInLocation("2006-01-02", spec, loc); err == nil {
		return t.AddDate(0, 0, 1).Add(-time.Nanosecond), true
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, spec, loc); err == nil {
			return t.Add(time.Minute - time.Nanosecond), true
		}
	}
	if t, err := time.Parse(time.RFC3339, spec); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// held lists snapshot ids briefly, for an error.
func held(list []tenant.SyncInfo) string {
	ids := make([]string, 0, 6)
	for i, in := range list {
		if i == 5 {
			ids = append(ids, fmt.Sprintf("… (%d in all; otaccess snapshots lists them)", len(list)))
			break
		}
		ids = append(ids, strconv.FormatInt(in.ID, 10))
	}
	return strings.Join(ids, ", ")
}

// DiffSnapshots compares stored snapshot from with stored snapshot to.
func (s *Service) DiffSnapshots(ctx context.Context, from, to int64) (tenant.SnapshotDiff, error) {
	a, err := s.store.LoadSnapshot(ctx, from)
	if err != nil {
		return tenant.SnapshotDiff{}, err
	}
	b, err := s.store.LoadSnapshot(ctx, to)
	if err != nil {
		return tenant.SnapshotDiff{}, err
	}
	return tenant.Diff(a, b), nil
}

// ReviewSnapshot is the snapshot review r was started from when the cache
// still holds it, else the current one: the reviewers a split names (an
// org's defaultApprover, a user's manager) are those of the snapshot its
// files' headers name, as long as it is kept.
func (s *Service) ReviewSnapshot(ctx context.Context, r *tenant.Review) (*tenant.Snapshot, error) {
	snap, err := s.store.LoadSnapshot(ctx, r.SnapshotID)
	if errors.Is(err, cache.ErrNoSnapshot) {
		return s.store.Load(ctx)
	}
	return snap, err
}
