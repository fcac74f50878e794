package scimtest

import (
	"fmt"
	"net/http"
	"strings"
)

// ---- organizations (ONETRUST-API.md 3) ----
//
// GET /api/access/v1/external/organizations answers one root node with
// nested children. The fake's orgs (the org halves of its SCIM group ids)
// form the tree: the first org is the root and org i hangs under org
// (i-1)/b, b the smallest branching (at least 2) that fits every org into
// Config.OrgLevels levels (3 by default; 50 orgs in 5 levels at the
// reference scale). Node i's organizationId is the SCIM org id, as the
// fake assumes OneTrust does (the reference does not say), except:
//   - every third node below the root (i%3 == 2) carries no organizationId
//     and no parentOrganizationId, only externalId/parentExternalId, as
//     OneTrust's example child does: a client joins those by name;
//   - Config.OrgTreeOwnIDs gives every node an id of its own, not the
//     SCIM one, so only names join.
// Orgs added by AddTreeOrg are in the tree only (no SCIM groups), so a
// client has something it cannot join. Every fourth org has a
// defaultApprover, the rest null.

const orgsPath = "/api/access/v1/external/organizations"

// treeOrg is an org that exists in the tree only.
type treeOrg struct {
	id, name string
	parent   int // index into s.orgs
}

// orgBranching is b above for n orgs in levels levels.
func orgBranching(n, levels int) int {
	if levels <= 1 {
		return max(n, 1)
	}
	for b := 2; ; b++ {
		total, width := 0, 1
		for range levels {
			total += width
			width *= b
			if total >= n {
				return b
			}
		}
	}
}

// OrgParent is the index of org i's parent in Orgs(), -1 for the root.
func (s *Server) OrgParent(i int) int {
	if i <= 0 {
		return -1
	}
	return (i - 1) / orgBranching(len(s.orgs), s.cfg.OrgLevels)
}

type orgWire struct {
	OrganizationID       *string   `json:"organizationId,omitempty"`
	ExternalID           string    `json:"externalId"`
	ParentOrganizationID *string   `json:"parentOrganizationId,omitempty"`
	ParentExternalID     *string   `json:"parentExternalId"`
	Name                 string    `json:"name"`
	DefaultApprover      *string   `json:"defaultApprover"`
	DefaultLanguageCode  string    `json:"defaultLanguageCode"`
	Description          string    `json:"description"`
	Children             []orgWire `json:"children"`
}

// OrgExternalID is the externalId the tree gives org i of Orgs().
func OrgExternalID(i int) string { return fmt.Sprintf("ORG-%03d", i) }

// orgTreeID is the organizationId node i of the tree carries, "" for none.
func (s *Server) orgTreeID(i int) string {
	switch {
	case i > 0 && i%3 == 2:
		return ""
	case s.cfg.OrgTreeOwnIDs:
		return fmt.Sprintf("ot-org-%04d", i)
	}
	return s.orgs[i].ID
}

// OrgTreeHasID reports whether the tree's node for org i carries an
// organizationId (see orgTreeID).
func (s *Server) OrgTreeHasID(i int) bool { return !(i > 0 && i%3 == 2) }

// OrgApprover is org i's defaultApprover, "" for none.
func (s *Server) OrgApprover(i int) string {
	if i%4 != 0 {
		return ""
	}
	return "approver." + emailPart(strings.ReplaceAll(s.orgs[i].Name, " ", ""), false) + "@acme.test"
}

// AddTreeOrg adds an organization to the tree only, under the org named
// parent (no SCIM group has it: its org half is in no group id). It
// returns the new node's externalId.
func (s *Server) AddTreeOrg(parent, name string) (string, error) {
	s.lockWrite()
	defer s.mu.Unlock()
	for i, o := range s.orgs {
		if strings.EqualFold(o.Name, parent) {
			s.treeOnly = append(s.treeOnly, treeOrg{id: s.newID(), name: name, parent: i})
			return fmt.Sprintf("TREE-%03d", len(s.treeOnly)), nil
		}
	}
	return "", fmt.Errorf("scimtest: no organization %q", parent)
}

// serveOrganizations is GET /api/access/v1/external/organizations: one
// root node with nested children. A credential made in a child org sees
// its subtree only, rooted at its org (whose parent is still named).
func (s *Server) serveOrganizations(w http.ResponseWriter, c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	children := make([][]int, len(s.orgs))
	for i := range s.orgs {
		if p := s.OrgParent(i); p >= 0 {
			children[p] = append(children[p], i)
		}
	}
	extra := make([][]int, len(s.orgs))
	for k, t := range s.treeOnly {
		extra[t.parent] = append(extra[t.parent], k)
	}
	var node func(i int) orgWire
	node = func(i int) orgWire {
		o := s.orgs[i]
		n := orgWire{OrganizationID: strPtr(s.orgTreeID(i)), ExternalID: OrgExternalID(i), Name: o.Name,
			DefaultApprover: strPtr(s.OrgApprover(i)), DefaultLanguageCode: "en-us",
			Description: "The " + o.Name + " organization", Children: []orgWire{}}
		if p := s.OrgParent(i); p >= 0 {
			if n.OrganizationID != nil {
				n.ParentOrganizationID = strPtr(s.orgTreeID(p))
			}
			n.ParentExternalID = strPtr(OrgExternalID(p))
		}
		for _, ch := range children[i] {
			n.Children = append(n.Children, node(ch))
		}
		for _, k := range extra[i] {
			t := s.treeOnly[k]
			n.Children = append(n.Children, orgWire{OrganizationID: strPtr(t.id), ExternalID: fmt.Sprintf("TREE-%03d", k+1),
				ParentOrganizationID: strPtr(s.orgTreeID(i)), ParentExternalID: strPtr(OrgExternalID(i)), Name: t.name,
				DefaultLanguageCode: "en-us", Children: []orgWire{}})
		}
		return n
	}
	writeJSONAs(w, http.StatusOK, apiContentType, node(c.grant.org))
}
