package cache

import (
	"context"
	"database/sql"
	"fmt"
)

// migrate brings the schema to len(migrations), one transaction per step.
// Each step re-reads user_version under the write lock, so two processes
// opening a new file at once do not both run it.
func migrate(ctx context.Context, db *sql.DB, path string) error {
	// Up to date is the common case: a plain read, so opening the cache
	// does not wait for the write lock a saving sync holds for seconds.
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return wrapBusy(fmt.Errorf("migrate %s: %w", path, err))
	}
	if version == len(migrations) {
		return nil
	}
	for {
		done, err := migrateStep(ctx, db, path)
		if err != nil || done {
			return err
		}
	}
}

func migrateStep(ctx context.Context, db *sql.DB, path string) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see dsn)
	if err != nil {
		return false, wrapBusy(fmt.Errorf("migrate %s: %w", path, err))
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return false, fmt.Errorf("migrate %s: %w", path, err)
	}
	switch {
	case version == len(migrations):
		return true, nil
	case version > len(migrations):
		return false, fmt.Errorf("%s: the cache has schema version %d, newer than this otaccess understands (%d); upgrade otaccess or use another cache file", path, version, len(migrations))
	}
	if _, err := tx.ExecContext(ctx, migrations[version]); err != nil {
		return false, fmt.Errorf("migrate %s to version %d: %w", path, version+1, err)
	}
	if version == 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
			return false, fmt.Errorf("migrate %s: %w", path, err)
		}
	}
	// PRAGMA takes no bound parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version+1)); err != nil {
		return false, fmt.Errorf("migrate %s: %w", path, err)
	}
	if err := tx.Commit(); err != nil {
		return false, wrapBusy(fmt.Errorf("migrate %s: %w", path, err))
	}
	return version+1 == len(migrations), nil
}
