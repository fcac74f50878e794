package cache

// applicationID marks the file as an otaccess cache (PRAGMA application_id,
// stored in the SQLite header): "otac".
const applicationID = 0x6f746163

// migrations[i] brings the schema from user_version i to i+1. Append a new
// script to add a migration; never edit a released one.
var migrations = []string{
	schemaV1,
	schemaV2Reviews,
	schemaV3SlimUsers,
	schemaV4,
	schemaV5Journal,
	schemaV6Access,
	schemaV7OrgTree,
	schemaV8JournalData,
	schemaV9Blocks,
	schemaV10ReviewHeld,
	schemaV11History,
	schemaV12ReviewerReason,
}

// schemaV1 is the initial schema.
//
// Every snapshot table is keyed by snapshot_id first, so one snapshot is a
// contiguous range (fast to load, fast to prune). memberships is the
// normalised truth; users.group_ids mirrors it for loading (v4 drops
// memberships: see schemaV4). Times are RFC 3339 UTC
// text, readable with the sqlite3 shell. raw held the wire JSON (users
// without their groups: memberships has those) for the detail view; v3
// drops it, and the typed columns, from users (see schemaV3SlimUsers).
// groups.raw stays in the schema but is written empty since the store
// keeps the model only, not the SCIM client's format (see groupRow).
const schemaV1 = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE snapshots (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	source        TEXT NOT NULL,
	profile       TEXT NOT NULL,
	started_at    TEXT NOT NULL,
	finished_at   TEXT NOT NULL,
	n_users       INTEGER NOT NULL DEFAULT 0,
	n_groups      INTEGER NOT NULL DEFAULT 0,
	n_memberships INTEGER NOT NULL DEFAULT 0,
	status        TEXT NOT NULL CHECK (status IN ('writing', 'complete'))
) STRICT;

CREATE TABLE users (
	snapshot_id   INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
	id            TEXT NOT NULL,
	external_id   TEXT NOT NULL,
	user_name     TEXT NOT NULL,
	given_name    TEXT NOT NULL,
	family_name   TEXT NOT NULL,
	display_name  TEXT NOT NULL,
	email         TEXT NOT NULL,
	user_type     TEXT NOT NULL,
	title         TEXT NOT NULL,
	department    TEXT NOT NULL,
	division      TEXT NOT NULL,
	organization  TEXT NOT NULL,
	cost_center   TEXT NOT NULL,
	employee_id   TEXT NOT NULL,
	manager_id    TEXT NOT NULL,
	manager_name  TEXT NOT NULL,
	active        INTEGER NOT NULL,
	created       TEXT NOT NULL,
	last_modified TEXT NOT NULL,
	raw           TEXT NOT NULL,
	-- Load-optimised copies, written by the same code as the columns above
	-- and the memberships rows: the model fields length-prefixed in one
	-- string, and the user's group ids ("<len>:<id>" repeated). Reading 2
	-- columns instead of 19 plus 300k membership rows is what makes a
	-- 100k-user Load fast with a pure-Go SQLite.
	load_fields   TEXT NOT NULL,
	group_ids     TEXT NOT NULL,
	PRIMARY KEY (snapshot_id, id)
) STRICT;

CREATE TABLE groups (
	snapshot_id   INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
	id            TEXT NOT NULL,
	display_name  TEXT NOT NULL,
	role_id       TEXT,
	org_id        TEXT,
	category      TEXT NOT NULL,
	description   TEXT NOT NULL,
	last_modified TEXT NOT NULL,
	raw           TEXT NOT NULL,
	PRIMARY KEY (snapshot_id, id)
) STRICT;

CREATE TABLE roles (
	snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
	id          TEXT NOT NULL,
	name        TEXT NOT NULL,
	PRIMARY KEY (snapshot_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE orgs (
	snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
	id          TEXT NOT NULL,
	name        TEXT NOT NULL,
	PRIMARY KEY (snapshot_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE memberships (
	snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
	user_id     TEXT NOT NULL,
	group_id    TEXT NOT NULL,
	PRIMARY KEY (snapshot_id, user_id, group_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	at      TEXT NOT NULL,
	actor   TEXT NOT NULL,
	profile TEXT NOT NULL,
	tenant  TEXT NOT NULL,
	action  TEXT NOT NULL,
	target  TEXT NOT NULL,
	detail  TEXT NOT NULL,
	result  TEXT NOT NULL,
	status  INTEGER NOT NULL
) STRICT;

-- The audit log is evidence: rows are appended, never changed or removed.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit log is append-only');
END;
`

// schemaV2Reviews adds access reviews (see review.go).
//
// A review's items are frozen copies of the memberships in its scope
// (names, emails, role and org as they were at the start): snapshots are
// pruned after two syncs, the review and its evidence are not, so nothing
// here references the snapshot tables. Every decision is one row update;
// seq is the review's fixed, deterministic order.
const schemaV2Reviews = `
CREATE TABLE reviews (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	name        TEXT NOT NULL UNIQUE,
	created_at  TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	profile     TEXT NOT NULL,
	tenant      TEXT NOT NULL,
	snapshot_id INTEGER NOT NULL,
	snapshot_at TEXT NOT NULL,
	scope       TEXT NOT NULL
) STRICT;

CREATE TABLE review_items (
	review_id    INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
	seq          INTEGER NOT NULL,
	user_id      TEXT NOT NULL,
	group_id     TEXT NOT NULL, -- '' for an in-scope user who holds no role
	user_name    TEXT NOT NULL,
	user_email   TEXT NOT NULL,
	user_label   TEXT NOT NULL,
	user_active  INTEGER NOT NULL,
	role         TEXT NOT NULL,
	org          TEXT NOT NULL,
	group_name   TEXT NOT NULL,
	hints        TEXT NOT NULL,
	decision     TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'keep', 'revoke', 'skip')),
	note         TEXT NOT NULL DEFAULT '',
	reviewer     TEXT NOT NULL DEFAULT '',
	decided_at   TEXT NOT NULL DEFAULT '',
	apply_status TEXT NOT NULL DEFAULT '' CHECK (apply_status IN ('', 'applied', 'failed')),
	apply_error  TEXT NOT NULL DEFAULT '',
	applied_at   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (review_id, seq),
	UNIQUE (review_id, user_id, group_id)
) STRICT, WITHOUT ROWID;
`

// schemaV3SlimUsers keeps of each user row only what is read: load_fields
// (Load) and group_ids (Load, write-through). The typed columns and the raw
// JSON repeated the same user twice more; nothing queried them, and writing
// 100k users three times over was most of a sync's save. WITHOUT ROWID: the
// primary key is the table, one B-tree to append to instead of a table and
// its key index.
const schemaV3SlimUsers = `
CREATE TABLE users_v3 (
	snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
	id          TEXT NOT NULL,
	load_fields TEXT NOT NULL,
	group_ids   TEXT NOT NULL,
	PRIMARY KEY (snapshot_id, id)
) STRICT, WITHOUT ROWID;

INSERT INTO users_v3 (snapshot_id, id, load_fields, group_ids)
	SELECT snapshot_id, id, load_fields, group_ids FROM users ORDER BY snapshot_id, id;
DROP TABLE users;
ALTER TABLE users_v3 RENAME TO users;
`

// schemaV4 drops the memberships table and stores a snapshot's users a
// page at a time, both for a sync's save and Load.
//
// memberships: users.group_ids was the one copy of a snapshot's
// memberships in all but name. Since v1 the two held the same pairs,
// written by the same code in the same transaction; only write-through
// read memberships, to rederive group_ids. A sync wrote ~300k membership
// rows per 100k users only for prune to delete them again: a third of the
// save.
//
// user_pages: a sync writes users while it reads them (SnapshotWriter), a
// page per short transaction as it arrives: 100k user rows cost the save
// per row (and UUID-ordered inserts into users' (snapshot_id, id) key four
// times sorted ones), and Load per row and per column read. A page row
// holds up to 1,000 users (see pages.go), keyed by rid = snapshot_id << 32
// | page number, so a snapshot is one range to read or delete. Its ids
// column finds a user's page for write-through (see findUser): an index of
// 100k ids in random order, rewritten by every short transaction of a
// sync, cost more than it saved. The
// migration packs the existing rows in SQL, in the format packPage writes;
// the freed pages stay in the file for the next sync.
//
// snapshots.user_order: the users' sort order, stored once per sync so
// that opening the cache need not sort them (see order.go).
const schemaV4 = `
DROP TABLE memberships;

CREATE TABLE user_pages (
	rid         INTEGER PRIMARY KEY, -- snapshot_id << 32 | page number
	snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
	n           INTEGER NOT NULL,    -- users on the page
	ids         TEXT NOT NULL,       -- "<len>:<id>" per user, to find a user's page
	users       TEXT NOT NULL        -- "<len>:<load_fields><len>:<group_ids>" per user
) STRICT;

WITH paged AS (
	SELECT snapshot_id, id, load_fields, group_ids,
		(snapshot_id << 32) + 1 + (row_number() OVER (PARTITION BY snapshot_id ORDER BY id) - 1) / 1000 AS page
	FROM users
)
INSERT INTO user_pages (rid, snapshot_id, n, ids, users)
	SELECT page, snapshot_id, count(*),
		group_concat(octet_length(id) || ':' || id, '' ORDER BY id),
		group_concat(octet_length(load_fields) || ':' || load_fields || octet_length(group_ids) || ':' || group_ids, '' ORDER BY id)
	FROM paged GROUP BY page;

DROP TABLE users;

ALTER TABLE snapshots ADD COLUMN user_order BLOB; -- see order.go
`

// schemaV5Journal adds the write journal (see journal.go), where each
// snapshot comes from, and the spool's keys (see spool.go).
//
// writes: the tenant writes otaccess made, known applied, in order (seq
// never reused: AUTOINCREMENT), so a read that began before one can have it
// replayed; at is Unix nanoseconds. snapshots.writes_mark is the journal
// position a sync began at (prune keeps what a sync in progress needs).
//
// snapshots.tenant_id: the tenant's own id when the token response gives
// one (OneTrust's tenant GUID); n_dropped: users a sync could not keep
// (no id, or an id another user had).
//
// audit.spool_key: the key of a row folded in from the spool, unique, so
// that a line is folded once.
const schemaV5Journal = `
CREATE TABLE writes (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	at       INTEGER NOT NULL,
	kind     TEXT NOT NULL,
	user_id  TEXT NOT NULL,
	group_id TEXT NOT NULL DEFAULT '',
	value    INTEGER NOT NULL DEFAULT 0
) STRICT;

ALTER TABLE snapshots ADD COLUMN writes_mark INTEGER NOT NULL DEFAULT 0;
ALTER TABLE snapshots ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE snapshots ADD COLUMN n_dropped INTEGER NOT NULL DEFAULT 0;

ALTER TABLE audit ADD COLUMN spool_key TEXT;
CREATE UNIQUE INDEX audit_spool_key ON audit (spool_key) WHERE spool_key IS NOT NULL;
`

// schemaV6Access adds what OneTrust's access-management APIs say of a
// snapshot (see access.go), one row per snapshot: status (whether Users V2
// and the user groups were read, and why not), logins (each user's last
// login, expiration and disabled dates, by id) and user_groups (each user
// group's id, name, description, the group ids of its access levels and
// its member ids). A snapshot without a row (every one made before v6)
// holds none, and says so.
const schemaV6Access = `
CREATE TABLE snapshot_access (
	snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots(id) ON DELETE CASCADE,
	status      TEXT NOT NULL,
	logins      TEXT NOT NULL,
	user_groups TEXT NOT NULL
) STRICT;
`

// schemaV7OrgTree adds OneTrust's organization tree of a snapshot (see
// orgtree.go), one row per snapshot: whether the tree was read, why not
// (the ORGANIZATION scope missing), and its nodes packed.
const schemaV7OrgTree = `
CREATE TABLE snapshot_orgs (
	snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots(id) ON DELETE CASCADE,
	has_tree    INTEGER NOT NULL,
	why         TEXT NOT NULL,
	nodes       TEXT NOT NULL
) STRICT;
`

// schemaV8JournalData gives each journaled write its data: the attributes
// an edit set (see journal.go), packed as name, value pairs.
const schemaV8JournalData = `
ALTER TABLE writes ADD COLUMN data TEXT NOT NULL DEFAULT '';
`

// schemaV9Blocks keeps many dated snapshots cheaply: users are stored in
// blocks shared by every snapshot that holds them unchanged (see
// blocks.go). user_blocks holds each block once, by the SHA-256 of its
// users column (the packPage format of user_pages); snapshot_blocks lists
// a snapshot's blocks in order, keyed as user_pages was (rid =
// snapshot_id << 32 | position). A snapshot being written stages its pages
// outside the file (SnapshotWriter), so user_pages goes. The stored sort
// orders are dropped: they index users in the order of the old pages (the
// next load sorts and stores them again). convertToBlocks (Go: SQLite has
// no SHA-256) moves each snapshot's pages into blocks.
const schemaV9Blocks = `
CREATE TABLE user_blocks (
	id    INTEGER PRIMARY KEY,
	hash  BLOB NOT NULL UNIQUE, -- SHA-256 of users
	n     INTEGER NOT NULL,     -- users in the block
	ids   TEXT NOT NULL,        -- "<len>:<id>" per user, to find a user's block
	users TEXT NOT NULL         -- "<len>:<load_fields><len>:<group_ids>" per user
) STRICT;

CREATE TABLE snapshot_blocks (
	rid   INTEGER PRIMARY KEY,  -- snapshot_id << 32 | position
	block INTEGER NOT NULL REFERENCES user_blocks(id)
) STRICT;

CREATE INDEX snapshot_blocks_block ON snapshot_blocks (block);

UPDATE snapshots SET user_order = NULL;
`

// schemaV10ReviewHeld records how each review item was held when the
// review started (see review.go): held is direct, via (only through user
// groups) or both; user_groups the user groups' ids and names packed
// ("<len>:<id><len>:<name>" per group); last_login the user's last
// successful login (RFC 3339, "never", or "" when the snapshot had none).
// Items of reviews started before v10 were read from SCIM alone: direct.
const schemaV10ReviewHeld = `
ALTER TABLE review_items ADD COLUMN held TEXT NOT NULL DEFAULT 'direct';
ALTER TABLE review_items ADD COLUMN user_groups TEXT NOT NULL DEFAULT '';
ALTER TABLE review_items ADD COLUMN last_login TEXT NOT NULL DEFAULT '';
`

// schemaV11History keeps each user's OneTrust audit trail once fetched (see
// history.go): the tenant it came from (the source of the snapshot then
// current), when it was read, and its entries packed. It outlives the
// snapshots (the trail is the tenant's, not a sync's).
const schemaV11History = `
CREATE TABLE user_history (
	source     TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	fetched_at INTEGER NOT NULL,
	entries    TEXT NOT NULL,
	PRIMARY KEY (source, user_id)
) STRICT;
`

// schemaV12ReviewerReason records why an item's reviewer is not the one its
// slice would name (review merge of a split: the item is its org
// approver's own access, given to the next reviewer up); ” when there is
// no such reason. Set with each decision, cleared with it.
const schemaV12ReviewerReason = `
ALTER TABLE review_items ADD COLUMN reviewer_reason TEXT NOT NULL DEFAULT '';
`
