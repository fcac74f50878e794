package cache

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/otaccess/otaccess/tenant"
)

// ErrNoPrevious: the cache holds only one sync, so there is nothing to
// compare it with.
var ErrNoPrevious = errors.New("only one sync in the cache, nothing to compare it with")

// previousID is the id of the snapshot before the current one.
func previousID(ctx context.Context, q queryer) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'previous'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoPrevious
	}
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNoPrevious
	}
	return id, nil
}

// LoadPrevious reads the snapshot before the current one (ErrNoPrevious
// when the cache holds a single sync).
func (s *Store) LoadPrevious(ctx context.Context) (*tenant.Snapshot, error) {
	id, err := previousID(ctx, s.db)
	if errors.Is(err, ErrNoPrevious) {
		return nil, err
	}
	if err != nil {
		return nil, s.fail("load the previous snapshot", err)
	}
	snap, err := s.LoadSnapshot(ctx, id)
	if errors.Is(err, ErrNoSnapshot) {
		return nil, ErrNoPrevious
	}
	return snap, err
}

// DiffSincePrevious compares the previous snapshot with the current one and
// also returns the current one.
func (s *Store) DiffSincePrevious(ctx context.Context) (tenant.SnapshotDiff, *tenant.Snapshot, error) {
	cur, err := s.Load(ctx)
	if err != nil {
		return tenant.SnapshotDiff{}, nil, err
	}
	prev, err := s.LoadPrevious(ctx)
	if err != nil {
		return tenant.SnapshotDiff{}, cur, err
	}
	return tenant.Diff(prev, cur), cur, nil
}
