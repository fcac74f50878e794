package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// A snapshot's access-API data (schemaV6Access) is one row: what was read
// and why not, each user's Users V2 dates, and the user groups. One row,
// not 100k: a sync writes it once at the commit (Users V2 is read beside
// SCIM, so the user pages, written as SCIM pages arrive, cannot carry
// it), and Load reads it in one go.

// packFields encodes fields as packUser does: "<len>,<len>,...:<f><f>...".
func packFields(fields ...string) string {
	n := 0
	for _, f := range fields {
		n += len(f) + 4
	}
	b := make([]byte, 0, n)
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(len(f)), 10)
	}
	b = append(b, ':')
	for _, f := range fields {
		b = append(b, f...)
	}
	return string(b)
}

func boolField(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func timeField(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTimeField(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func packAccess(d *tenant.AccessData) (status, logins, groups string) {
	i := &d.Info
	status = packFields(boolField(i.Logins.Read), i.Logins.Why, boolField(i.UserGroups.Read), i.UserGroups.Why, strconv.Itoa(i.BadDates), i.BadDate)
	parts := make([]string, 0, 2*len(d.Logins))
	for id, l := range d.Logins {
		parts = append(parts, id, packFields(timeField(l.Last), timeField(l.Expires), timeField(l.DisabledAt), l.DisabledBy))
	}
	logins = packIDs(parts)
	parts = parts[:0]
	for _, g := range d.UserGroups {
		parts = append(parts, packFields(g.ID, g.Name, g.Description, packIDs(g.Levels), packIDs(g.Members)))
	}
	return status, logins, packIDs(parts)
}

// unpackStatus reads the status column packAccess wrote.
func unpackStatus(status string) (tenant.AccessInfo, bool) {
	var i tenant.AccessInfo
	var lr, ur, bad string
	if !unpack(status, &lr, &i.Logins.Why, &ur, &i.UserGroups.Why, &bad, &i.BadDate) {
		return i, false
	}
	i.Logins.Read, i.UserGroups.Read = lr == "1", ur == "1"
	i.BadDates, _ = strconv.Atoi(bad)
	return i, true
}

func unpackAccess(status, logins, groups string) (tenant.AccessData, error) {
	var d tenant.AccessData
	var ok bool
	if d.Info, ok = unpackStatus(status); !ok {
		return d, errors.New("malformed access status")
	}
	d.Logins = map[string]tenant.Login{}
	var id string
	second, badEntry := false, ""
	ok = unpackIDs(logins, func(part string) {
		if !second {
			id = part
			second = true
			return
		}
		second = false
		l, ok := parseLogin(part)
		if !ok && badEntry == "" {
			badEntry = id
		}
		d.Logins[id] = l
	})
	if !ok || second || badEntry != "" {
		return d, fmt.Errorf("malformed login entry %q", badEntry)
	}
	ok = unpackIDs(groups, func(part string) {
		var g tenant.UserGroup
		var levels, members string
		if !unpack(part, &g.ID, &g.Name, &g.Description, &levels, &members) ||
			!unpackIDs(levels, func(x string) { g.Levels = append(g.Levels, x) }) ||
			!unpackIDs(members, func(x string) { g.Members = append(g.Members, x) }) {
			badEntry = part[:min(len(part), 60)]
			return
		}
		d.UserGroups = append(d.UserGroups, g)
	})
	if !ok || badEntry != "" {
		return d, fmt.Errorf("malformed user group %q", badEntry)
	}
	return d, nil
}

// parseLogin decodes one user's packed login dates.
func parseLogin(part string) (tenant.Login, bool) {
	var last, exp, dis string
	var l tenant.Login
	ok1 := unpack(part, &last, &exp, &dis, &l.DisabledBy)
	var ok2, ok3, ok4 bool
	l.Last, ok2 = parseTimeField(last)
	l.Expires, ok3 = parseTimeField(exp)
	l.DisabledAt, ok4 = parseTimeField(dis)
	return l, ok1 && ok2 && ok3 && ok4
}

// loginsInBlocks, as the logins column, says a snapshot's logins are in
// blocks (see blocks.go), listed at its loginRids: each user's dates an
// entry of its own (fields: the id packed, gids: the dates packed), so
// thirty snapshots of 100k logins share what did not change, as their
// users do. Inline (packAccess's format) is how snapshots written before
// kept them; packed ids never begin with '@'.
const loginsInBlocks = "@blocks"

// writeAccess stores a snapshot's access data (replacing any).
func writeAccess(ctx context.Context, tx *sql.Tx, snap int64, d *tenant.AccessData) error {
	status, _, groups := packAccess(&tenant.AccessData{Info: d.Info, UserGroups: d.UserGroups})
	lo, hi := loginRids(snap)
	if _, err := tx.ExecContext(ctx, `DELETE FROM snapshot_blocks WHERE rid BETWEEN ? AND ?`, lo, hi); err != nil {
		return err
	}
	entries := make([]pageEntry, 0, len(d.Logins))
	for id, l := range d.Logins {
		entries = append(entries, pageEntry{packFields(id), packFields(timeField(l.Last), timeField(l.Expires), timeField(l.DisabledAt), l.DisabledBy)})
	}
	if err := writeBlockList(ctx, tx, lo, entries); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO snapshot_access (snapshot_id, status, logins, user_groups) VALUES (?, ?, ?, ?)
		ON CONFLICT (snapshot_id) DO UPDATE SET status = excluded.status, logins = excluded.logins, user_groups = excluded.user_groups`,
		snap, status, loginsInBlocks, groups)
	return err
}

// readAccess reads a snapshot's access data; a snapshot without any (made
// before schema v6, or by a sync that did not read the access APIs) gives
// the zero AccessData.
func readAccess(ctx context.Context, q queryer, snap int64) (tenant.AccessData, error) {
	var status, logins, groups string
	err := q.QueryRowContext(ctx, `SELECT status, logins, user_groups FROM snapshot_access WHERE snapshot_id = ?`, snap).Scan(&status, &logins, &groups)
	if errors.Is(err, sql.ErrNoRows) {
		return tenant.AccessData{}, nil
	}
	if err != nil {
		return tenant.AccessData{}, err
	}
	inBlocks := logins == loginsInBlocks
	if inBlocks {
		logins = ""
	}
	d, err := unpackAccess(status, logins, groups)
	if err != nil {
		return d, integrityError(err.Error())
	}
	if inBlocks {
		if err := readLoginBlocks(ctx, q, snap, d.Logins); err != nil {
			return d, err
		}
	}
	return d, nil
}

// SnapshotAccess says what snapshot id holds of the access APIs (whether
// Users V2 and the user groups were read, and why not) without reading
// their data; a snapshot without any (made before schema v6, or by a sync
// that did not read them) gives the zero AccessInfo.
func (s *Store) SnapshotAccess(ctx context.Context, id int64) (tenant.AccessInfo, error) {
	var status string
	err := s.db.QueryRowContext(ctx, `SELECT status FROM snapshot_access WHERE snapshot_id = ?`, id).Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return tenant.AccessInfo{}, nil
	case err != nil:
		return tenant.AccessInfo{}, s.fail("read snapshot access", err)
	}
	i, ok := unpackStatus(status)
	if !ok {
		return i, s.corrupt("read snapshot access", "malformed access status")
	}
	return i, nil
}

// readLoginBlocks reads a snapshot's logins from its blocks into logins.
func readLoginBlocks(ctx context.Context, q queryer, snap int64, logins map[string]tenant.Login) error {
	lo, hi := loginRids(snap)
	rows, err := q.QueryContext(ctx, `SELECT b.users FROM snapshot_blocks r JOIN user_blocks b ON b.id = r.block WHERE r.rid BETWEEN ? AND ? ORDER BY r.rid`, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			return err
		}
		bad := ""
		ok := unpackPage(packed, func(e pageEntry) {
			id, idOK := packedID(e.fields)
			l, ok := parseLogin(e.gids)
			// A substring would keep the whole block alive with the
			// snapshot (38 MB at 300,000 users); the id key is dropped
			// with the map after the load.
			l.DisabledBy = strings.Clone(l.DisabledBy)
			if (!idOK || !ok) && bad == "" {
				bad = e.fields[:min(len(e.fields), 60)]
			}
			logins[id] = l
		})
		if !ok || bad != "" {
			return integrityError(fmt.Sprintf("malformed login entry %q", bad))
		}
	}
	return rows.Err()
}

// SetAccess gives the snapshot being written what the access APIs said;
// Commit stores it. Without it the snapshot holds no access data.
func (w *SnapshotWriter) SetAccess(d tenant.AccessData) { w.access = &d }

// SetUserGroupMember records in the current snapshot that the server
// added or removed a member of a user group. A snapshot without the
// user group is left alone. (A write otaccess makes records it with the
// journal instead: see Record and WriteUserGroup.)
func (s *Store) SetUserGroupMember(ctx context.Context, groupID, userID string, member bool) error {
	return s.failIf("record user group member", whenWriting(ctx, s.db, func(tx *sql.Tx) error {
		snap, err := currentID(ctx, tx)
		if err != nil {
			return err
		}
		return setUserGroupMember(ctx, tx, snap, groupID, userID, member)
	}))
}

// setUserGroupMember makes userID a member of user group groupID in
// snapshot snap, or not; a snapshot without the group is left alone.
func setUserGroupMember(ctx context.Context, tx *sql.Tx, snap int64, groupID, userID string, member bool) error {
	d, err := readAccess(ctx, tx, snap)
	if err != nil || !d.Info.UserGroups.Read {
		return err
	}
	for k := range d.UserGroups {
		g := &d.UserGroups[k]
		if g.ID != groupID {
			continue
		}
		if slices.Contains(g.Members, userID) == member {
			return nil // already so: nothing to rewrite
		}
		kept := g.Members[:0:0]
		for _, m := range g.Members {
			if m != userID {
				kept = append(kept, m)
			}
		}
		if member {
			kept = append(kept, userID)
		}
		g.Members = kept
		return writeAccess(ctx, tx, snap, &d)
	}
	return nil
}

// whenWriting runs fn in a write transaction.
func whenWriting(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return wrapBusy(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return wrapBusy(tx.Commit())
}
