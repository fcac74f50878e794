package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// A user's OneTrust audit trail, once fetched, is kept (schemaV11History)
// by tenant and user: it shows offline, with the time it was read, and a
// review's evidence can include it. A fetch replaces the previous one.

// currentSource is the tenant of the current snapshot.
func currentSource(ctx context.Context, q queryer) (string, error) {
	snap, err := currentID(ctx, q)
	if err != nil {
		return "", err
	}
	var src string
	err = q.QueryRowContext(ctx, `SELECT source FROM snapshots WHERE id = ?`, snap).Scan(&src)
	return src, err
}

// PutHistory keeps h as the current tenant's trail of user h.UserID.
func (s *Store) PutHistory(ctx context.Context, h tenant.UserHistory) error {
	return s.failIf("keep the user's history", whenWriting(ctx, s.db, func(tx *sql.Tx) error {
		src, err := currentSource(ctx, tx)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO user_history (source, user_id, fetched_at, entries) VALUES (?, ?, ?, ?)
			ON CONFLICT (source, user_id) DO UPDATE SET fetched_at = excluded.fetched_at, entries = excluded.entries`,
			src, h.UserID, h.FetchedAt.UnixNano(), packHistory(h.Entries))
		return err
	}))
}

// History is the kept trail of user userID in the current tenant; ok is
// false when it was never fetched.
func (s *Store) History(ctx context.Context, userID string) (h tenant.UserHistory, ok bool, err error) {
	all, err := s.histories(ctx, userID)
	if err != nil || len(all) == 0 {
		return tenant.UserHistory{}, false, err
	}
	return all[userID], true, nil
}

// Histories is every kept trail of the current tenant, by user id.
func (s *Store) Histories(ctx context.Context) (map[string]tenant.UserHistory, error) {
	return s.histories(ctx, "")
}

func (s *Store) histories(ctx context.Context, userID string) (map[string]tenant.UserHistory, error) {
	src, err := currentSource(ctx, s.db)
	if errors.Is(err, ErrNoSnapshot) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("read the kept histories", err)
	}
	q, args := `SELECT user_id, fetched_at, entries FROM user_history WHERE source = ?`, []any{src}
	if userID != "" {
		q += ` AND user_id = ?`
		args = append(args, userID)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail("read the kept histories", err)
	}
	defer rows.Close()
	out := map[string]tenant.UserHistory{}
	for rows.Next() {
		var h tenant.UserHistory
		var at int64
		var packed string
		if err := rows.Scan(&h.UserID, &at, &packed); err != nil {
			return nil, s.fail("read the kept histories", err)
		}
		var ok bool
		if h.Entries, ok = unpackHistory(packed); !ok {
			return nil, s.corrupt("read the kept histories", fmt.Sprintf("malformed history of user %q", h.UserID))
		}
		h.FetchedAt = time.Unix(0, at)
		out[h.UserID] = h
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("read the kept histories", err)
	}
	return out, nil
}

func packHistory(es []tenant.HistoryEntry) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = packFields(timeField(e.At), e.AtText, e.Event, e.Field, e.Old, e.New, e.Method, e.UpdatedBy)
	}
	return packIDs(parts)
}

func unpackHistory(s string) ([]tenant.HistoryEntry, bool) {
	var out []tenant.HistoryEntry
	bad := false
	good := unpackIDs(s, func(p string) {
		var e tenant.HistoryEntry
		var at string
		ok := unpack(p, &at, &e.AtText, &e.Event, &e.Field, &e.Old, &e.New, &e.Method, &e.UpdatedBy)
		t, tok := parseTimeField(at)
		bad = bad || !ok || !tok
		e.At = t
		out = append(out, e)
	})
	return out, good && !bad
}
