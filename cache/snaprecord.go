package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/otaccess/otaccess/tenant"
)

// A snapshot's record — its population and what reading it took — is kept
// in meta under "snapshot_record.ID", as JSON, and is not pruned with the
// snapshot: a review outlives the snapshot it was started from (two are
// kept), and its evidence names that snapshot's figures. It needs no
// schema change: meta is a key/value table every version has.

type snapshotRecord struct {
	ID          int64  `json:"id"`
	Source      string `json:"source"`
	Profile     string `json:"profile"`
	StartedAt   string `json:"startedAt"`
	FinishedAt  string `json:"finishedAt"`
	Users       int    `json:"users"`
	Groups      int    `json:"groups"`
	Memberships int    `json:"memberships"`
	TenantID    string `json:"tenantId"`
	Dropped     int    `json:"dropped"`
	Requests    int    `json:"requests"`
	Rereads     int    `json:"rereads"`
	Recorded    bool   `json:"recorded"`
	// SubtreeOrg: see tenant.SyncInfo (absent in records made before it).
	SubtreeOrg string `json:"subtreeOrg,omitempty"`
}

func recordKey(id int64) string { return "snapshot_record." + strconv.FormatInt(id, 10) }

func writeSnapshotRecord(ctx context.Context, tx *sql.Tx, info tenant.SyncInfo) error {
	b, err := json.Marshal(snapshotRecord{ID: info.ID, Source: info.Source, Profile: info.Profile,
		StartedAt: fmtTime(info.StartedAt), FinishedAt: fmtTime(info.FinishedAt), Users: info.Users, Groups: info.Groups,
		Memberships: info.Memberships, TenantID: info.TenantID, Dropped: info.Dropped,
		Requests: info.Requests, Rereads: info.Rereads, Recorded: info.Recorded, SubtreeOrg: info.SubtreeOrg})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, recordKey(info.ID), string(b))
	return err
}

// SnapshotRecord returns what the cache knows of snapshot id: its record,
// kept after the snapshot is pruned; else, for a snapshot synced before
// records were kept, its row while it exists (Recorded false: requests and
// re-reads unknown). ErrNoSnapshot when neither exists.
func (s *Store) SnapshotRecord(ctx context.Context, id int64) (tenant.SyncInfo, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, recordKey(id)).Scan(&v)
	switch {
	case err == nil:
		var r snapshotRecord
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			return tenant.SyncInfo{}, s.corrupt("read snapshot record", err.Error())
		}
		return tenant.SyncInfo{ID: r.ID, Source: r.Source, Profile: r.Profile, StartedAt: parseTime(r.StartedAt), FinishedAt: parseTime(r.FinishedAt),
			Users: r.Users, Groups: r.Groups, Memberships: r.Memberships, TenantID: r.TenantID, Dropped: r.Dropped,
			Requests: r.Requests, Rereads: r.Rereads, Recorded: r.Recorded, SubtreeOrg: r.SubtreeOrg}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return tenant.SyncInfo{}, s.fail("read snapshot record", err)
	}
	infos, err := s.Snapshots(ctx)
	if err != nil {
		return tenant.SyncInfo{}, err
	}
	for _, in := range infos {
		if in.ID == id {
			return in, nil
		}
	}
	return tenant.SyncInfo{}, fmt.Errorf("snapshot %d: %w", id, ErrNoSnapshot)
}
