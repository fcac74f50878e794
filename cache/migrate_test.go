package cache

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// writeV1Cache makes the cache an otaccess of schema version 1 left behind:
// the first migration's script, a complete snapshot written by the same row
// code, and audit rows. Nothing of a later migration is in it.
func writeV1Cache(t *testing.T, path string) (*tenant.Snapshot, []tenant.AuditEntry) {
	t.Helper()
	return writeOldCache(t, path, 1)
}

// writeOldCache makes the cache an otaccess of schema version (1 to 3) left
// behind: that version's scripts, a complete snapshot with the user and
// membership rows that version wrote, and audit rows.
func writeOldCache(t *testing.T, path string, version int) (*tenant.Snapshot, []tenant.AuditEntry) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Every otaccess has kept its caches in WAL mode.
	if _, err := db.Exec("PRAGMA journal_mode = WAL"); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if version < 1 || version > len(migrations)-1 {
		t.Fatalf("no writer for a version %d cache", version)
	}
	// A v4 cache is written as v3 and its users paged by the v4 script.
	script := append(slices.Clone(migrations[:min(version, 3)]), fmt.Sprintf("PRAGMA application_id = %d", applicationID), fmt.Sprintf("PRAGMA user_version = %d", version))
	for _, q := range script {
		if _, err := tx.Exec(q); err != nil {
			t.Fatalf("v%d schema: %v", version, err)
		}
	}
	users, groups := smallTenant()
	// Enough users for the v4 migration to make several pages.
	more, moreGroups := genTenant(pageUsers+200, 2, 2, 2, 9)
	users, groups = append(users, more...), append(groups, moreGroups...)
	in := input(users, groups)
	info := tenant.SyncInfo{Source: in.Source, Profile: in.Profile, StartedAt: in.StartedAt.UTC(), FinishedAt: in.StartedAt.UTC().Add(time.Minute)}
	res, err := tx.Exec(`INSERT INTO snapshots (source, profile, started_at, finished_at, status) VALUES (?, ?, ?, ?, 'writing')`,
		info.Source, info.Profile, fmtTime(info.StartedAt), fmtTime(info.FinishedAt))
	if err != nil {
		t.Fatal(err)
	}
	info.ID, _ = res.LastInsertId()
	m := tenant.NewSnapshot(info, users, groups)
	if err := writeGroups(ctx, tx, info.ID, m); err != nil {
		t.Fatal(err)
	}
	if version < 3 {
		writeV1Users(t, tx, info.ID, m, users)
	} else {
		writeV3Users(t, tx, info.ID, m)
	}
	info.Users, info.Groups, info.Memberships = m.Info.Users, m.Info.Groups, m.Info.Memberships
	m.Info = info
	if _, err := tx.Exec(`UPDATE snapshots SET n_users = ?, n_groups = ?, n_memberships = ?, status = 'complete' WHERE id = ?`,
		info.Users, info.Groups, info.Memberships, info.ID); err != nil {
		t.Fatal(err)
	}
	// v4 pages the users in SQL; v5 to v7 add the journal, tables and
	// columns only; v9 moves the (complete) snapshot's pages into blocks
	// in Go, as Open does.
	for v := 4; v <= version; v++ {
		if _, err := tx.Exec(migrations[v-1]); err != nil {
			t.Fatalf("v%d schema: %v", v, err)
		}
		if step := migrationCode[v]; step != nil {
			if err := step(ctx, tx); err != nil {
				t.Fatalf("v%d migration code: %v", v, err)
			}
		}
	}
	if _, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('current', ?), ('previous', '0')`, fmt.Sprint(info.ID)); err != nil {
		t.Fatal(err)
	}
	var audit []tenant.AuditEntry
	for i, action := range []string{"grant", "deactivate"} {
		e := tenant.AuditEntry{At: time.Date(2025, 1, 2, 3, 4, i, 0, time.UTC), Actor: "alice", Profile: "acme", Tenant: in.Source,
			Action: action, Target: "u1", Detail: "before the upgrade", Result: "ok", Status: 204}
		if _, err := tx.Exec(`INSERT INTO audit (at, actor, profile, tenant, action, target, detail, result, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			fmtTime(e.At), e.Actor, e.Profile, e.Tenant, e.Action, e.Target, e.Detail, e.Result, e.Status); err != nil {
			t.Fatal(err)
		}
		audit = append([]tenant.AuditEntry{e}, audit...) // Audit lists newest first
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return m, audit
}

// writeV1Users writes users and memberships rows as schema version 1 had
// them: typed columns and the raw JSON beside the packed copies.
func writeV1Users(t *testing.T, tx *sql.Tx, snap int64, m *tenant.Snapshot, read []tenant.ReadUser) {
	t.Helper()
	raw := map[string]string{}
	for _, u := range read {
		u.Groups = nil
		b, err := json.Marshal(&u)
		if err != nil {
			t.Fatal(err)
		}
		raw[u.ID] = string(b)
	}
	for i := range m.Users {
		u := &m.Users[i]
		gids := groupIDs(m, u)
		if _, err := tx.Exec(`INSERT INTO users (snapshot_id, id, external_id, user_name, given_name, family_name, display_name, email, user_type, title,
			department, division, organization, cost_center, employee_id, manager_id, manager_name, active, created, last_modified, raw,
			load_fields, group_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			snap, u.ID, u.ExternalID, u.UserName, u.GivenName, u.FamilyName, u.DisplayName, u.Email, u.UserType, u.Title,
			u.Department, u.Division, u.Organization, u.CostCenter, u.EmployeeID, u.ManagerID, u.ManagerName, u.Active,
			u.Created, u.LastModified, raw[u.ID], packUser(u), packIDs(gids)); err != nil {
			t.Fatalf("v1 user row: %v", err)
		}
		writeMembershipRows(t, tx, snap, u.ID, gids)
	}
}

// writeV3Users writes users and memberships rows as schema version 3 had
// them: the packed columns only, and a memberships row per group id.
func writeV3Users(t *testing.T, tx *sql.Tx, snap int64, m *tenant.Snapshot) {
	t.Helper()
	for i := range m.Users {
		u := &m.Users[i]
		gids := groupIDs(m, u)
		if _, err := tx.Exec(`INSERT INTO users (snapshot_id, id, load_fields, group_ids) VALUES (?, ?, ?, ?)`,
			snap, u.ID, packUser(u), packIDs(gids)); err != nil {
			t.Fatalf("v3 user row: %v", err)
		}
		writeMembershipRows(t, tx, snap, u.ID, gids)
	}
}

func groupIDs(m *tenant.Snapshot, u *tenant.User) []string {
	var gids []string
	for _, g := range u.Groups {
		gids = append(gids, m.Groups[g].ID)
	}
	slices.Sort(gids)
	return gids
}

// writeMembershipRows writes the rows of the memberships table, which
// versions 1 to 3 had.
func writeMembershipRows(t *testing.T, tx *sql.Tx, snap int64, userID string, gids []string) {
	t.Helper()
	for _, gid := range gids {
		if _, err := tx.Exec(`INSERT INTO memberships (snapshot_id, user_id, group_id) VALUES (?, ?, ?)`, snap, userID, gid); err != nil {
			t.Fatalf("membership row: %v", err)
		}
	}
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestOpenMigratesOldCaches: a cache of every earlier schema version, with
// a snapshot (and its memberships rows) and audit rows, is brought to the
// current schema on Open, loads the same snapshot and audit log, and then
// works as a new cache does (write-through, syncs, prunes and reviews).
func TestOpenMigratesOldCaches(t *testing.T) {
	if len(migrations) < 2 {
		t.Skip("only one schema version")
	}
	for version := 1; version < len(migrations); version++ {
		if raceEnabled && version > 1 {
			break // v1 walks through every migration; see raceEnabled
		}
		t.Run(fmt.Sprintf("v%d", version), func(t *testing.T) {
			t.Parallel() // each version's cache is a file of its own
			testOpenMigrates(t, version)
		})
	}
}

func testOpenMigrates(t *testing.T, version int) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	want, wantAudit := writeOldCache(t, path, version)
	if err := os.Chmod(path, 0o644); err != nil { // as an older version might have left it
		t.Fatal(err)
	}

	st, err := Open(path)
	if err != nil {
		t.Fatalf("open a v%d cache: %v", version, err)
	}
	defer st.Close()
	if v := userVersion(t, path); v != len(migrations) {
		t.Fatalf("user_version %d after Open, want %d", v, len(migrations))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v after the upgrade", fi.Mode())
	}
	got, err := st.Load(ctx)
	if err != nil {
		t.Fatalf("load the migrated snapshot: %v", err)
	}
	want.Info.FinishedAt = got.Info.FinishedAt // stored at second precision in old rows
	sameModel(t, got, want)
	audit, err := st.Audit(ctx, 0)
	if err != nil || len(audit) != len(wantAudit) {
		t.Fatalf("audit after the upgrade: %d rows, %v", len(audit), err)
	}
	for i := range audit {
		if audit[i].Action != wantAudit[i].Action || !audit[i].At.Equal(wantAudit[i].At) || audit[i].Detail != wantAudit[i].Detail {
			t.Fatalf("audit row %d: %+v, want %+v", i, audit[i], wantAudit[i])
		}
	}
	var n int
	if err := st.db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name IN ('user_blocks', 'snapshot_blocks')").Scan(&n); err != nil || n != 2 {
		t.Fatalf("block tables after the upgrade: %d (%v)", n, err)
	}
	if err := st.db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'user_pages'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("user_pages after the upgrade: %d (%v), want none since version 9", n, err)
	}
	if err := st.db.QueryRow("PRAGMA auto_vacuum").Scan(&n); err != nil || n != 2 {
		t.Fatalf("auto_vacuum after the upgrade: %d (%v), want 2 (incremental)", n, err)
	}
	if err := st.db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'users'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("users table after the upgrade: %d (%v), want none since version 4", n, err)
	}
	if err := st.db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'memberships'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("memberships table after the upgrade: %d (%v), want none since version 4", n, err)
	}
	if err := st.db.QueryRow("SELECT count(*) FROM reviews").Scan(&n); err != nil {
		t.Fatalf("reviews table after the upgrade: %v", err)
	}
	// A snapshot from before v6 holds no access-API data, and says so.
	if got.Access.Logins.Read || got.Access.UserGroups.Read || got.Access.Logins.Reason() == "" || len(got.UserGroups) != 0 {
		t.Fatalf("access data of a migrated snapshot: %+v", got.Access)
	}
	// A snapshot from before the org tree has none, and says why.
	if got.OrgTree != nil || !strings.Contains(got.OrgTreeNote(), "before otaccess read the org tree") {
		t.Fatalf("org tree of a migrated snapshot: %q", got.OrgTreeNote())
	}

	// The upgraded cache is a full one: write-through on the migrated
	// snapshot, new syncs (the migrated snapshot kept as history, its
	// blocks shared and unchanged) and the tables of every later
	// migration work.
	writeThrough(t, st, want)
	checkWriteThrough(t, st, want)
	before, err := st.LoadSnapshot(ctx, want.Info.ID)
	if err != nil {
		t.Fatal(err)
	}
	users, groups := smallTenant()
	for range 2 {
		if _, err := st.SaveSnapshot(ctx, input(users[:3], groups)); err != nil {
			t.Fatalf("sync into the upgraded cache: %v", err)
		}
	}
	if list, err := st.Snapshots(ctx); err != nil || len(list) != 3 || list[2].ID != want.Info.ID {
		t.Fatalf("snapshots after two syncs: %+v, %v (the migrated one, %d, kept)", list, err, want.Info.ID)
	}
	after, err := st.LoadSnapshot(ctx, want.Info.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameModel(t, after, before)
	var res string
	if err := st.db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check: %q, %v", res, err)
	}
	checkAccessRoundTrip(t, st, path)
}

// TestFailedMigrationLeavesTheCache: a migration step that cannot run (here
// the v1 file already has an object the step creates) fails with a message
// naming the file and the version, and the file stays a readable v1 cache.
func TestFailedMigrationLeavesTheCache(t *testing.T) {
	if len(migrations) < 2 {
		t.Skip("only one schema version")
	}
	path := filepath.Join(t.TempDir(), "old.db")
	writeV1Cache(t, path)
	db, _ := sql.Open("sqlite", path)
	if _, err := db.Exec("CREATE TABLE reviews (x TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)

	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("Open: %v, want a migration error naming the file and version 2", err)
	}
	if v := userVersion(t, path); v != 1 {
		t.Fatalf("user_version %d after a failed migration", v)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("a failed migration changed the file")
	}
}

// TestConcurrentOpensMigrateOnce: several processes opening the same old
// cache at once (each Store has its own connections) all succeed, and the
// schema is migrated exactly once.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	writeV1Cache(t, path)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			st, err := Open(path)
			if err != nil {
				errs <- err
				return
			}
			_, err = st.Load(context.Background())
			st.Close()
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !errors.Is(err, ErrBusy) {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	if v := userVersion(t, path); v != len(migrations) {
		t.Fatalf("user_version %d", v)
	}
}
