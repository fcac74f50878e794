package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// Why a snapshot has no organization tree, as every place that would
// show it says ("org tree: not available — ...").
const (
	OrgTreeNoScope  = "the key lacks the ORGANIZATION scope"
	OrgTreeNotFound = "the server has no organization API (not OneTrust)"
)

// orgTreeRead is what a sync read of the organization tree: the nodes,
// or why there are none.
type orgTreeRead struct {
	nodes []tenant.OrgNode
	why   string
}

// readOrgTree reads OneTrust's organization tree for a sync. A 404 (a
// SCIM server that is not OneTrust) and a 403 (the ORGANIZATION scope
// missing) leave the sync unaffected: the snapshot records why there is
// no tree. A tree the client refuses (a cycle, a missing parent) is
// recorded the same way, with its error, rather than failing the SCIM
// sync; a transport error or a 5xx after retries fails the sync as any
// other endpoint's does.
func (s *Service) readOrgTree(ctx context.Context, out *orgTreeRead) error {
	root, err := s.Client.Organizations(ctx)
	var bad *client.OrgTreeError
	switch {
	case client.IsNotFound(err):
		out.why = OrgTreeNotFound
		return nil
	case client.IsForbidden(err):
		out.why = OrgTreeNoScope
		return nil
	case errors.As(err, &bad):
		out.why = "the tree the server sent is unusable: " + bad.Error()
		return nil
	case err != nil:
		return fmt.Errorf("reading the organization tree: %w", err)
	}
	out.nodes = FlattenOrgTree(root)
	if _, err := tenant.NewOrgTree(out.nodes); err != nil {
		out.nodes, out.why = nil, "the tree the server sent is unusable: "+err.Error()
	}
	return nil
}

// FlattenOrgTree lists the nested tree depth first, each node's parent
// the node it is nested in (the top keeps the parent it names: a
// sub-organization's credential sees its subtree).
func FlattenOrgTree(root *client.Organization) []tenant.OrgNode {
	var out []tenant.OrgNode
	var walk func(o *client.Organization, parent string)
	walk = func(o *client.Organization, parent string) {
		out = append(out, tenant.OrgNode{Key: o.Key(), ParentKey: parent, OrganizationID: o.OrganizationID, ExternalID: o.ExternalID,
			Name: o.Name, DefaultApprover: o.DefaultApprover, Description: o.Description})
		for i := range o.Children {
			walk(&o.Children[i], o.Key())
		}
	}
	top := root.ParentOrganizationID
	if top == "" {
		top = root.ParentExternalID
	}
	walk(root, top)
	return out
}
