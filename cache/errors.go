package cache

import (
	"context"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	// ErrNoSnapshot: the cache holds no completed sync yet.
	ErrNoSnapshot = errors.New("no snapshot in the cache yet")
	// ErrBusy: another process holds the write lock longer than we wait.
	ErrBusy = errors.New("cache is busy (another otaccess is syncing); try again in a moment")
	// ErrForeign: the file is not an otaccess cache; it is left untouched.
	ErrForeign = errors.New("not an otaccess cache")
	// ErrCorrupt: the file is damaged; it is reported, never rewritten.
	ErrCorrupt = errors.New("the cache file is damaged")
	// ErrNotInSnapshot: a user or group id the current snapshot lacks.
	ErrNotInSnapshot = errors.New("not in the cached snapshot")
)

func foreign(path, why string) error {
	return fmt.Errorf("%w: %s is %s; it was left untouched: move it away or choose another cache path", ErrForeign, path, why)
}

// wrapBusy turns SQLite's lock errors into ErrBusy, keeping the cause for
// errors.Is/As but not in the message: "database is locked (5)
// (SQLITE_BUSY)" tells a person nothing ErrBusy does not say better.
func wrapBusy(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED) {
		return busyError{err}
	}
	return err
}

type busyError struct{ cause error }

func (e busyError) Error() string { return ErrBusy.Error() }

func (e busyError) Unwrap() []error { return []error{ErrBusy, e.cause} }

func (s *Store) fail(what string, err error) error {
	if errors.Is(err, ErrBusy) || errors.Is(err, ErrNoSnapshot) || errors.Is(err, ErrNotInSnapshot) || errors.Is(err, ErrCorrupt) {
		return fmt.Errorf("%s: %w", what, err)
	}
	if isCorrupt(err) {
		return s.corrupt(what, err.Error())
	}
	return wrapBusy(fmt.Errorf("%s in %s: %w", what, s.path, err))
}

func isCorrupt(err error) bool {
	var se *sqlite.Error
	var ie integrityError
	return errors.As(err, &ie) ||
		(errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_CORRUPT || se.Code()&0xff == sqlite3.SQLITE_NOTADB))
}

func (s *Store) corrupt(what, detail string) error {
	return fmt.Errorf("%s: %w: %s (%s); it is left as is: move it away and run `otaccess sync` to rebuild the cache (its audit log may still be readable with `otaccess audit --cache FILE`)",
		what, ErrCorrupt, s.path, detail)
}

// integrityError is damage a check found: a failed PRAGMA quick_check, or
// a stored value that does not decode.
type integrityError string

func (e integrityError) Error() string { return "integrity check: " + string(e) }

// ctxFirst reports a cancelled context as such: database/sql rolls the
// transaction back on cancel, and later calls only say "statement is
// closed".
func ctxFirst(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

func (s *Store) failIf(what string, err error) error {
	if err == nil {
		return nil
	}
	return s.fail(what, err)
}
