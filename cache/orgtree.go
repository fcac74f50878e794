package cache

import (
	"context"
	"database/sql"
	"errors"

	"github.com/otaccess/otaccess/tenant"
)

// A snapshot's organization tree (schemaV7OrgTree) is one row: why there
// is no tree ("" when there is one) and the nodes, packed in the order
// read. A snapshot without a row (every one made before v7) has no tree,
// and says so.

const orgTreeBefore = "this snapshot was made before otaccess read the org tree; sync again"

// orgTreeRow is what the writer stores: nodes nil and why "" mean the
// server has no tree (not OneTrust).
type orgTreeRow struct {
	nodes []tenant.OrgNode
	why   string
	has   bool
}

// SetOrgTree records the organization tree read with the snapshot, or
// (nodes nil) why there is none.
func (w *SnapshotWriter) SetOrgTree(nodes []tenant.OrgNode, why string) {
	w.orgTree = &orgTreeRow{nodes: nodes, why: why, has: nodes != nil}
	w.info.SubtreeOrg = tenant.SubtreeTop(nodes)
}

func packOrgNodes(nodes []tenant.OrgNode) string {
	parts := make([]string, len(nodes))
	for i, n := range nodes {
		parts[i] = packFields(n.Key, n.ParentKey, n.OrganizationID, n.ExternalID, n.Name, n.DefaultApprover, n.Description)
	}
	return packIDs(parts)
}

func writeOrgTree(ctx context.Context, tx *sql.Tx, snap int64, r *orgTreeRow) error {
	has := 0
	if r.has {
		has = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO snapshot_orgs (snapshot_id, has_tree, why, nodes) VALUES (?, ?, ?, ?)`, snap, has, r.why, packOrgNodes(r.nodes))
	return err
}

// readOrgTree loads the snapshot's tree into s.
func (st *Store) readOrgTree(ctx context.Context, q queryer, snap int64, s *tenant.Snapshot) error {
	var has int
	var why, packed string
	err := q.QueryRowContext(ctx, `SELECT has_tree, why, nodes FROM snapshot_orgs WHERE snapshot_id = ?`, snap).Scan(&has, &why, &packed)
	if errors.Is(err, sql.ErrNoRows) {
		s.SetOrgTree(nil, orgTreeBefore)
		return nil
	}
	if err != nil {
		return st.fail("load the org tree", err)
	}
	if has == 0 {
		s.SetOrgTree(nil, why)
		return nil
	}
	var nodes []tenant.OrgNode
	bad := false
	if !unpackIDs(packed, func(f string) {
		var n tenant.OrgNode
		bad = bad || !unpack(f, &n.Key, &n.ParentKey, &n.OrganizationID, &n.ExternalID, &n.Name, &n.DefaultApprover, &n.Description)
		nodes = append(nodes, n)
	}) || bad {
		return st.corrupt("load the org tree", "malformed organization nodes")
	}
	tree, err := tenant.NewOrgTree(nodes)
	if err != nil {
		return st.corrupt("load the org tree", err.Error())
	}
	s.SetOrgTree(tree, "")
	return nil
}
