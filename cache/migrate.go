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
	if step := migrationCode[version+1]; step != nil {
		if err := step(ctx, tx); err != nil {
			return false, fmt.Errorf("migrate %s to version %d: %w", path, version+1, err)
		}
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

// migrationCode[v] finishes, in Go, the migration to version v after its
// script ran, in the same transaction.
var migrationCode = map[int]func(ctx context.Context, tx *sql.Tx) error{
	9: convertToBlocks,
}

// convertToBlocks moves every complete snapshot's user_pages into blocks
// (schemaV9Blocks) and drops user_pages; a snapshot left 'writing' (by a
// sync that died, or an older otaccess syncing right now, whose commit
// will then fail) is removed.
func convertToBlocks(ctx context.Context, tx *sql.Tx) error {
	var snaps []int64
	var writing []int64
	rows, err := tx.QueryContext(ctx, `SELECT id, status = 'complete' FROM snapshots`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var complete bool
		if err := rows.Scan(&id, &complete); err != nil {
			rows.Close()
			return err
		}
		if complete {
			snaps = append(snaps, id)
		} else {
			writing = append(writing, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range snaps {
		lo, hi := snapshotRids(id)
		var entries []pageEntry
		ok, err := eachStoredEntry(ctx, tx, func(e pageEntry) { entries = append(entries, e) },
			`SELECT users FROM user_pages WHERE rid BETWEEN ? AND ? ORDER BY rid`, lo, hi)
		if err != nil {
			return err
		}
		if !ok {
			return integrityError(fmt.Sprintf("a user page of snapshot %d does not decode", id))
		}
		if err := writeBlocks(ctx, tx, id, entries); err != nil {
			return err
		}
	}
	for _, id := range writing {
		if err := deleteSnapshot(ctx, tx, id); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DROP TABLE user_pages`)
	return err
}
