package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Default page sizes: OneTrust's documented /Users examples use 1000, and
// /Groups allows at most 25.
const (
	DefaultUserPageSize  = 1000
	DefaultGroupPageSize = 25
)

// ListParams selects one page of a list. StartIndex is 1-based (values < 1
// mean 1); Count <= 0 means the resource's default page size. Count is always
// sent: standard servers default to tiny pages without it.
type ListParams struct {
	StartIndex int
	Count      int
	Filter     string
}

func (p ListParams) query(defCount int) url.Values {
	start := max(p.StartIndex, 1)
	count := p.Count
	if count <= 0 {
		count = defCount
	}
	q := url.Values{}
	q.Set("startIndex", strconv.Itoa(start))
	q.Set("count", strconv.Itoa(count))
	if f := strings.TrimSpace(p.Filter); f != "" {
		q.Set("filter", f)
	}
	return q
}

func resourcePath(kind, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", fmt.Errorf("empty %s id", strings.ToLower(strings.TrimSuffix(kind, "s")))
	}
	return "/" + kind + "/" + url.PathEscape(id), nil
}

// ListUsers fetches one page of /Users.
func (c *Client) ListUsers(ctx context.Context, p ListParams) (*ListResponse[User], error) {
	return listPage[User](ctx, c, "/Users", p, DefaultUserPageSize)
}

// ListGroups fetches one page of /Groups. OneTrust does not filter groups;
// Filter is passed through for standard servers.
func (c *Client) ListGroups(ctx context.Context, p ListParams) (*ListResponse[Group], error) {
	return listPage[Group](ctx, c, "/Groups", p, DefaultGroupPageSize)
}

// listPage fetches one page of a list endpoint; def is its page size when
// p.Count is not set.
func listPage[T any](ctx context.Context, c *Client, path string, p ListParams, def int) (*ListResponse[T], error) {
	out := ListResponse[T]{Resources: presized[T](p.Count, def)}
	cl := &call{method: "GET", path: path, query: p.query(def), retry5xx: true, retryNet: true, retryMalformed: true}
	if _, err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// presized is an empty page with room for the count asked for: the decoder
// fills it in place instead of growing (and copying) it a dozen times.
func presized[T any](count, def int) []T {
	if count <= 0 {
		count = def
	}
	return make([]T, 0, min(count, DefaultUserPageSize))
}

// getResource reads one resource and insists the server returned a body.
func getResource[T any](ctx context.Context, c *Client, kind, id string) (*T, error) {
	path, err := resourcePath(kind, id)
	if err != nil {
		return nil, err
	}
	var out T
	cl := &call{method: "GET", path: path, retry5xx: true, retryNet: true}
	ok, err := c.do(ctx, cl, &out)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &Error{Method: "GET", URL: c.redact(c.url(cl)), Err: errors.New("the server answered without a body")}
	}
	return &out, nil
}

// GetUser reads /Users/{id}.
func (c *Client) GetUser(ctx context.Context, id string) (*User, error) {
	return getResource[User](ctx, c, "Users", id)
}

// GetGroup reads /Groups/{id}.
func (c *Client) GetGroup(ctx context.Context, id string) (*Group, error) {
	return getResource[Group](ctx, c, "Groups", id)
}

// userWrite is a User as sent: meta is read-only and some servers reject a
// client-sent one, so the shallower nil field shadows User.Meta in JSON.
type userWrite struct {
	User
	Meta *struct{} `json:"meta,omitempty"`
}

// userBody copies u with the standard schema URNs: the OneTrust documents
// show "schemas": ["User"], standard servers want the URN, OneTrust takes it.
func userBody(u *User) userWrite {
	return userWrite{User: withSchemas(u)}
}

func withSchemas(u *User) User {
	b := *u
	if len(b.Schemas) == 0 {
		b.Schemas = []string{SchemaUser}
		if b.Enterprise != nil {
			b.Schemas = append(b.Schemas, SchemaEnterpriseUser)
		}
		return b
	}
	b.Schemas = make([]string, len(u.Schemas))
	for i, s := range u.Schemas {
		if strings.EqualFold(s, "User") {
			s = SchemaUser
		}
		b.Schemas[i] = s
	}
	return b
}

// CreateUser POSTs a new user. OneTrust gives it the default role and
// organization and active:false. A POST is not resent after a 5xx: it may
// have been applied.
func (c *Client) CreateUser(ctx context.Context, u *User) (*User, error) {
	if u == nil {
		return nil, errors.New("CreateUser: nil user")
	}
	body := userBody(u)
	body.ID = "" // the server assigns it
	var out User
	cl := &call{method: "POST", path: "/Users", body: body}
	ok, err := c.do(ctx, cl, &out)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &Error{Status: 201, Method: "POST", URL: c.redact(c.url(cl)), Err: errors.New("the user was created but the server returned no body; search for it before retrying")}
	}
	return &out, nil
}

// ReplaceUser PUTs the whole user. The body's id must match id.
func (c *Client) ReplaceUser(ctx context.Context, id string, u *User) (*User, error) {
	path, err := resourcePath("Users", id)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errors.New("ReplaceUser: nil user")
	}
	if u.ID != "" && u.ID != id {
		return nil, fmt.Errorf("ReplaceUser: body id %q does not match %q", u.ID, id)
	}
	body := userBody(u)
	body.ID = id
	var out User
	ok, err := c.do(ctx, &call{method: "PUT", path: path, body: body, retry5xx: true}, &out)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	return &out, nil
}

// idempotentOps reports whether resending ops after a 5xx cannot change the
// outcome: replace, remove-by-path, and member add/remove (adding a present
// member or removing an absent one is a no-op). Adding to other multi-valued
// attributes (emails) could duplicate, so it is not.
func idempotentOps(ops []PatchOperation) bool {
	for _, op := range ops {
		switch strings.ToLower(op.Op) {
		case "replace":
		case "remove":
			if op.Path == "" {
				return false
			}
		case "add":
			if !strings.EqualFold(op.Path, "members") {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func patchResource[T any](ctx context.Context, c *Client, kind, id string, ops []PatchOperation) (*T, error) {
	path, err := resourcePath(kind, id)
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return nil, errors.New("PATCH without operations")
	}
	var out T
	ok, err := c.do(ctx, &call{method: "PATCH", path: path, body: NewPatch(ops...), retry5xx: idempotentOps(ops)}, &out)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil // 204 No Content
	}
	return &out, nil
}

// PatchUser applies a PatchOp to /Users/{id}; nil user on 204.
func (c *Client) PatchUser(ctx context.Context, id string, ops ...PatchOperation) (*User, error) {
	return patchResource[User](ctx, c, "Users", id, ops)
}

// SetActive replaces the user's active flag (deactivate = false); nil user
// on 204.
func (c *Client) SetActive(ctx context.Context, id string, active bool) (*User, error) {
	return c.PatchUser(ctx, id, PatchOperation{Op: "replace", Path: "active", Value: active})
}

// DeleteUser DELETEs /Users/{id}. Not resent after a 5xx: a retry would turn
// a success into a confusing 404. OneTrust may only deactivate: re-read to
// see what happened.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	path, err := resourcePath("Users", id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, &call{method: "DELETE", path: path}, nil)
	return err
}

// PatchGroup applies a PatchOp to /Groups/{id}; nil group on 204 (OneTrust's
// documented answer). There is deliberately no PUT /Groups: it replaces the
// whole member list.
func (c *Client) PatchGroup(ctx context.Context, id string, ops ...PatchOperation) (*Group, error) {
	return patchResource[Group](ctx, c, "Groups", id, ops)
}

// memberPatch sends the documented single-member form and ignores any body:
// servers answer 204 or 200 with the group.
func (c *Client) memberPatch(ctx context.Context, groupID, userID string, op PatchOperation) error {
	path, err := resourcePath("Groups", groupID)
	if err != nil {
		return err
	}
	if strings.TrimSpace(userID) == "" {
		return errors.New("empty user id")
	}
	_, err = c.do(ctx, &call{method: "PATCH", path: path, body: NewPatch(op), retry5xx: true}, nil)
	return err
}

// AddMember grants the group (one role in one organization) to the user.
func (c *Client) AddMember(ctx context.Context, groupID, userID string) error {
	return c.memberPatch(ctx, groupID, userID, AddMemberOp(userID))
}

// RemoveMember revokes the group from the user, touching no other member.
func (c *Client) RemoveMember(ctx context.Context, groupID, userID string) error {
	return c.memberPatch(ctx, groupID, userID, RemoveMemberOp(userID))
}

func (c *Client) raw(ctx context.Context, path string) (json.RawMessage, error) {
	var out json.RawMessage
	cl := &call{method: "GET", path: path, retry5xx: true, retryNet: true}
	ok, err := c.do(ctx, cl, &out)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &Error{Method: "GET", URL: c.redact(c.url(cl)), Err: errors.New("the server answered without a body")}
	}
	return out, nil
}

// ServiceProviderConfig returns /ServiceProviderConfig as sent.
func (c *Client) ServiceProviderConfig(ctx context.Context) (json.RawMessage, error) {
	return c.raw(ctx, "/ServiceProviderConfig")
}

// Schemas returns /Schemas as sent.
func (c *Client) Schemas(ctx context.Context) (json.RawMessage, error) {
	return c.raw(ctx, "/Schemas")
}

// ResourceTypes returns /ResourceTypes as sent.
func (c *Client) ResourceTypes(ctx context.Context) (json.RawMessage, error) {
	return c.raw(ctx, "/ResourceTypes")
}
