package cache

import (
	"context"
	"database/sql"
	"strconv"
)

// The cache file gives its free pages back (auto_vacuum = INCREMENTAL):
// pruned snapshots and the blocks only they held free pages, which
// vacuumFree returns to the file system a slice at a time, as
// housekeeping that a process closing stops and the next one resumes (see
// housekeep).

// ensureIncrementalVacuum turns incremental vacuum on for a file made
// before it was (once: a VACUUM rewrites the file, a few seconds at 100k
// users). A file made since has it from its first table.
func ensureIncrementalVacuum(ctx context.Context, db *sql.DB) error {
	var mode int
	if err := db.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil {
		return err
	}
	if mode == 2 {
		return nil
	}
	if _, err := db.ExecContext(ctx, "PRAGMA auto_vacuum = INCREMENTAL"); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, "VACUUM")
	return err
}

// vacuumSlice is how many free pages one step of vacuumFree returns: 16
// MiB of 16 KiB pages, a short write.
const vacuumSlice = 1024

// vacuumFree returns the file's free pages to the file system, a slice
// per write, until none is left or ctx ends.
func vacuumFree(ctx context.Context, db *sql.DB) error {
	for {
		var free int
		if err := db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free); err != nil {
			return err
		}
		if free == 0 {
			return nil
		}
		if testHookVacuumStep != nil {
			testHookVacuumStep(ctx)
		}
		if _, err := db.ExecContext(ctx, "PRAGMA incremental_vacuum("+strconv.Itoa(vacuumSlice)+")"); err != nil {
			return err
		}
	}
}

// testHookVacuumStep runs before each slice vacuumFree returns.
var testHookVacuumStep func(ctx context.Context)
