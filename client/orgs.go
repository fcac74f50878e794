package client

import (
	"context"
	"encoding/json"
	"errors"
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

// Organizations reads the organization tree: one node, the root of what
// the credential sees (a credential made in a child organization sees that
// organization's subtree, whose top node has a parent).
func (c *Client) Organizations(ctx context.Context) (*Organization, error) {
	var root Organization
	cl := &call{method: http.MethodGet, path: OrganizationsPath, origin: true, retry5xx: true, retryNet: true, retryMalformed: true}
	ok, err := c.do(ctx, cl, &root)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &Error{Method: http.MethodGet, URL: c.redact(c.url(cl)), Err: errors.New("the server answered without a body")}
	}
	return &root, nil
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
