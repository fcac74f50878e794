package access

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// Comparing two tenants (prod and UAT) or one at two times reads a cached
// snapshot for each side, offline; tenant.Compare does the rest.

// ErrNoCache is a side's cache file that does not exist: comparing never
// creates one.
var ErrNoCache = errors.New("no cache file")

// CompareSide is one side of a comparison: a cache file and the snapshot
// in it, by id or date as ResolveSnapshot reads them ("" the current one).
type CompareSide struct {
	Path     string
	Snapshot string
}

// LoadSide reads side's snapshot without a connection. The cache is closed
// again before it returns: a comparison holds both snapshots in memory.
func LoadSide(ctx context.Context, side CompareSide, loc *time.Location, opts ...OpenOption) (*tenant.Snapshot, error) {
	if _, err := os.Stat(side.Path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNoCache, side.Path)
	}
	svc, err := Open(nil, side.Path, "", opts...)
	if err != nil {
		return nil, err
	}
	defer svc.Close()
	if side.Snapshot == "" {
		return svc.Load(ctx)
	}
	info, err := svc.ResolveSnapshot(ctx, side.Snapshot, loc)
	if err != nil {
		return nil, err
	}
	return svc.LoadSnapshot(ctx, info.ID)
}
