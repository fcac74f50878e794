package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// OrganizationsPath is OneTrust's organization tree (scope ORGANIZATION).
const OrganizationsPath = "/api/access/v1/external/organizations"

// Organization is one node of OneTrust's organization tree. The spec types
// children only as objects, and its example child lacks organizationId
// and parentOrganizationId: every field may be empty.
type Organization struct {
	OrganizationID       string         `json:"organizationId"`
	ExternalID           string         `json:"externalId"`
	ParentOrganizationID string         `json:"parentOrganizationId"`
	ParentExternalID     string         `json:"parentExternalId"`
	Name                 string         `json:"name"`
	DefaultApprover      string         `json:"defaultApprover"`
	Description          string         `json:"description"`
	Children             []Organization `json:"children"`
}

// Limits on the organization tree: a tenant's tree is small (OneTrust's
// are tens to a few thousand orgs); anything past these is a broken or
// hostile answer, refused with a clear error rather than held in memory.
const (
	MaxOrgTreeBytes = 16 << 20
	MaxOrgTreeDepth = 32
	MaxOrgTreeNodes = 100_000
)

// Organizations reads the organization tree: one node, the root of what
// the credential sees (a credential made in a child organization sees that
// organization's subtree, whose top node has a parent). The tree is
// checked (see CheckOrgTree): a cycle, a missing parent, a node without
// any id or an absurd depth is an error naming the node.
func (c *Client) Organizations(ctx context.Context) (*Organization, error) {
	var raw json.RawMessage
	cl := &call{method: http.MethodGet, path: OrganizationsPath, origin: true, retry5xx: true, retryNet: true, retryMalformed: true}
	ok, err := c.do(ctx, cl, &raw)
	fail := func(err error) error {
		return &Error{Method: http.MethodGet, URL: c.redact(c.url(cl)), Err: &redactedError{msg: c.scrub(err.Error(), 300, false), cause: err}}
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fail(errors.New("the server answered without a body"))
	}
	root, err := DecodeOrgTree(raw)
	if err != nil {
		return nil, fail(err)
	}
	return root, nil
}

// OrgTreeError is an organization tree the client refuses (see
// DecodeOrgTree): the answer arrived, but cannot be used.
type OrgTreeError struct{ msg string }

func (e *OrgTreeError) Error() string { return e.msg }

// DecodeOrgTree reads and checks an organization tree answer; what it
// refuses is an *OrgTreeError.
func DecodeOrgTree(body []byte) (*Organization, error) {
	root, err := decodeOrgTree(body)
	if err != nil {
		return nil, &OrgTreeError{msg: err.Error()}
	}
	return root, nil
}

func decodeOrgTree(body []byte) (*Organization, error) {
	if len(body) > MaxOrgTreeBytes {
		return nil, fmt.Errorf("the organization tree is larger than %d MiB; refusing to read it", MaxOrgTreeBytes>>20)
	}
	// Each level nests an object in a children array: refuse an absurd
	// depth before decoding, which would re-read every level's subtree.
	if d := jsonDepth(body); d > 2*MaxOrgTreeDepth+4 {
		return nil, fmt.Errorf("the organization tree is nested more than %d levels deep; refusing it", MaxOrgTreeDepth)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, fmt.Errorf("the organization tree is not one JSON object (the root node): %.40q", body)
	}
	var root Organization
	if err := json.Unmarshal(body, &root); err != nil {
		return nil, fmt.Errorf("the organization tree is not valid JSON: %w", err)
	}
	if err := CheckOrgTree(&root); err != nil {
		return nil, err
	}
	return &root, nil
}

// jsonDepth is the deepest nesting of objects and arrays in b.
func jsonDepth(b []byte) int {
	depth, deepest, inStr, esc := 0, 0, false, false
	for _, c := range b {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// Key is how the node is known: its organizationId, else its externalId.
func (o *Organization) Key() string {
	if o.OrganizationID != "" {
		return o.OrganizationID
	}
	return o.ExternalID
}

// Label names the node in an error: its name and id.
func (o *Organization) Label() string {
	id := o.Key()
	switch {
	case o.Name != "" && id != "":
		return fmt.Sprintf("%q (%s)", o.Name, id)
	case o.Name != "":
		return fmt.Sprintf("%q", o.Name)
	}
	return id
}

// CheckOrgTree checks a tree as nested: every node has an id
// (organizationId or externalId), no id appears twice (in a nested answer
// that is how a cycle shows: a node under its own descendant), a node
// that names its parent names the node it is nested in, the tree is at
// most MaxOrgTreeDepth levels deep and MaxOrgTreeNodes nodes big. The
// root may name a parent: a child organization's credential sees its
// subtree only.
func CheckOrgTree(root *Organization) error {
	byOrgID := map[string]*Organization{}
	byExtID := map[string]*Organization{}
	parentOf := map[*Organization]*Organization{}
	n := 0
	var index func(o, parent *Organization, depth int) error
	index = func(o, parent *Organization, depth int) error {
		n++
		switch {
		case n > MaxOrgTreeNodes:
			return fmt.Errorf("the organization tree has more than %d organizations; refusing it", MaxOrgTreeNodes)
		case depth > MaxOrgTreeDepth:
			return fmt.Errorf("the organization tree is more than %d levels deep (at %s); refusing it", MaxOrgTreeDepth, o.Label())
		case o.OrganizationID == "" && o.ExternalID == "":
			where := "the root"
			if parent != nil {
				where = "under " + parent.Label()
			}
			return fmt.Errorf("the organization tree has a node without organizationId or externalId (name %q, %s)", o.Name, where)
		}
		parentOf[o] = parent
		for _, idx := range []struct {
			m  map[string]*Organization
			id string
		}{{byOrgID, o.OrganizationID}, {byExtID, o.ExternalID}} {
			if idx.id == "" {
				continue
			}
			if prev := idx.m[idx.id]; prev != nil {
				return fmt.Errorf("the organization tree has a cycle: organization %s appears twice (under %s and under %s)", o.Label(), labelOf(parentOf[prev]), labelOf(parent))
			}
			idx.m[idx.id] = o
		}
		for i := range o.Children {
			if err := index(&o.Children[i], o, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := index(root, nil, 1); err != nil {
		return err
	}
	under := func(o, anc *Organization) bool {
		for p := parentOf[o]; p != nil; p = parentOf[p] {
			if p == anc {
				return true
			}
		}
		return false
	}
	var check func(o *Organization) error
	check = func(o *Organization) error {
		for i := range o.Children {
			ch := &o.Children[i]
			for _, ref := range []struct {
				named, actual string
				m             map[string]*Organization
			}{{ch.ParentOrganizationID, o.OrganizationID, byOrgID}, {ch.ParentExternalID, o.ExternalID, byExtID}} {
				// A parent listed without this id (OneTrust's example
				// child has no organizationId) cannot be compared.
				if ref.named == "" || ref.actual == "" || ref.named == ref.actual {
					continue
				}
				named := ref.m[ref.named]
				switch {
				case named == nil:
					return fmt.Errorf("the organization tree has a missing parent: %s names parent %s, which is not in the tree (it is listed under %s)", ch.Label(), ref.named, o.Label())
				case named == ch || under(named, ch):
					return fmt.Errorf("the organization tree has a cycle: %s names %s as its parent, which is under it", ch.Label(), named.Label())
				default:
					return fmt.Errorf("the organization tree contradicts itself: %s is listed under %s but names %s as its parent", ch.Label(), o.Label(), named.Label())
				}
			}
			if err := check(ch); err != nil {
				return err
			}
		}
		return nil
	}
	return check(root)
}

func labelOf(o *Organization) string {
	if o == nil {
		return "the top"
	}
	return o.Label()
}

// UnmarshalJSON reads a node leniently: ids may come as numbers, and a
// null parent is no parent.
func (o *Organization) UnmarshalJSON(b []byte) error {
	var w struct {
		OrganizationID       json.RawMessage `json:"organizationId"`
		ExternalID           json.RawMessage `json:"externalId"`
		ParentOrganizationID json.RawMessage `json:"parentOrganizationId"`
		ParentExternalID     json.RawMessage `json:"parentExternalId"`
		Name                 string          `json:"name"`
		DefaultApprover      string          `json:"defaultApprover"`
		Description          string          `json:"description"`
		Children             []Organization  `json:"children"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*o = Organization{Name: w.Name, DefaultApprover: w.DefaultApprover, Description: w.Description, Children: w.Children,
		OrganizationID: rawID(w.OrganizationID), ExternalID: rawID(w.ExternalID),
		ParentOrganizationID: rawID(w.ParentOrganizationID), ParentExternalID: rawID(w.ParentExternalID)}
	return nil
}

func rawID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}
