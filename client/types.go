package client

import (
	"encoding/json"
	"strings"
	"time"
)

// Schema URNs used on the wire.
const (
	SchemaUser           = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaGroup          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaOneTrustGroup  = "urn:ietf:params:scim:schemas:onetrust:Group"
	SchemaListResponse   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError          = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// Meta is the SCIM resource metadata. Timestamps are kept as the server sent
// them (OneTrust uses "+00:00" offsets and sometimes null); use Time to parse.
// Location is informational only: OneTrust sometimes omits /v2 from it.
type Meta struct {
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Location     string `json:"location,omitempty"`
	ResourceType string `json:"resourceType,omitempty"`
	Version      string `json:"version,omitempty"`
}

// ParseTime parses a SCIM timestamp leniently; the zero time on failure.
func ParseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// Name is the SCIM complex name attribute.
type Name struct {
	Formatted  string `json:"formatted,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	MiddleName string `json:"middleName,omitempty"`
}

// MultiValue is a SCIM multi-valued attribute entry (emails, phoneNumbers).
type MultiValue struct {
	Value   string `json:"value,omitempty"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// GroupRef is an entry of User.groups: the membership truth in OneTrust.
type GroupRef struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Ref     string `json:"$ref,omitempty"`
	Type    string `json:"type,omitempty"`
}

// Manager is the enterprise extension's manager reference.
type Manager struct {
	Value       string `json:"value,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Ref         string `json:"$ref,omitempty"`
}

// EnterpriseUser is the enterprise extension, with OneTrust's extra fields.
type EnterpriseUser struct {
	EmployeeNumber string   `json:"employeeNumber,omitempty"`
	EmployeeID     string   `json:"employeeId,omitempty"`
	CostCenter     string   `json:"costCenter,omitempty"`
	Organization   string   `json:"organization,omitempty"`
	Division       string   `json:"division,omitempty"`
	Department     string   `json:"department,omitempty"`
	BusinessUnit   string   `json:"businessUnit,omitempty"`
	OfficeLocation string   `json:"officeLocation,omitempty"`
	JobTitle       string   `json:"jobTitle,omitempty"`
	Manager        *Manager `json:"manager,omitempty"`
}

// User is a SCIM User (core + enterprise extension + groups).
type User struct {
	Schemas           []string        `json:"schemas,omitempty"`
	ID                string          `json:"id,omitempty"`
	ExternalID        string          `json:"externalId,omitempty"`
	UserName          string          `json:"userName,omitempty"`
	Name              Name            `json:"name,omitempty"`
	DisplayName       string          `json:"displayName,omitempty"`
	NickName          string          `json:"nickName,omitempty"`
	Title             string          `json:"title,omitempty"`
	UserType          string          `json:"userType,omitempty"`
	PreferredLanguage string          `json:"preferredLanguage,omitempty"`
	Locale            string          `json:"locale,omitempty"`
	Timezone          string          `json:"timezone,omitempty"`
	Active            bool            `json:"active"`
	Emails            []MultiValue    `json:"emails,omitempty"`
	PhoneNumbers      []MultiValue    `json:"phoneNumbers,omitempty"`
	Groups            []GroupRef      `json:"groups,omitempty"`
	Enterprise        *EnterpriseUser `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta              Meta            `json:"meta,omitempty"`
}

// PrimaryEmail returns the primary email, else the first, else "".
func (u *User) PrimaryEmail() string {
	for _, e := range u.Emails {
		if e.Primary && e.Value != "" {
			return e.Value
		}
	}
	for _, e := range u.Emails {
		if e.Value != "" {
			return e.Value
		}
	}
	return ""
}

// Member is an entry of Group.members.
type Member struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Ref     string `json:"$ref,omitempty"`
}

// OneTrustGroup is the urn:ietf:params:scim:schemas:onetrust:Group extension.
// Category does not always match the organization in displayName.
type OneTrustGroup struct {
	Category    string `json:"category,omitempty"`
	Description string `json:"description,omitempty"`
}

// Group is a SCIM Group. In OneTrust one group is one Role x one Organization,
// id "roleId:orgId", displayName "Role - Org". List responses may show
// members: [] — User.groups is the membership truth.
type Group struct {
	Schemas     []string       `json:"schemas,omitempty"`
	ID          string         `json:"id,omitempty"`
	ExternalID  string         `json:"externalId,omitempty"`
	DisplayName string         `json:"displayName,omitempty"`
	Members     []Member       `json:"members,omitempty"`
	OneTrust    *OneTrustGroup `json:"urn:ietf:params:scim:schemas:onetrust:Group,omitempty"`
	Meta        Meta           `json:"meta,omitempty"`
}

// ListResponse is a SCIM ListResponse page.
type ListResponse[T any] struct {
	Schemas      []string `json:"schemas,omitempty"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex,omitempty"`
	ItemsPerPage int      `json:"itemsPerPage,omitempty"`
	Resources    []T      `json:"Resources"`
}

// PatchOperation is one operation of a PatchOp request.
type PatchOperation struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// PatchRequest is the urn:ietf:params:scim:api:messages:2.0:PatchOp body.
type PatchRequest struct {
	Schemas    []string         `json:"schemas"`
	Operations []PatchOperation `json:"Operations"`
}

// NewPatch builds a PatchOp request from operations.
func NewPatch(ops ...PatchOperation) PatchRequest {
	return PatchRequest{Schemas: []string{SchemaPatchOp}, Operations: ops}
}

// MemberValue is the value element of a members add/remove operation.
type MemberValue struct {
	Value string `json:"value"`
}

// AddMemberOp / RemoveMemberOp are the documented single-member forms.
func AddMemberOp(userID string) PatchOperation {
	return PatchOperation{Op: "add", Path: "members", Value: []MemberValue{{Value: userID}}}
}

func RemoveMemberOp(userID string) PatchOperation {
	return PatchOperation{Op: "remove", Path: "members", Value: []MemberValue{{Value: userID}}}
}

// ErrorBody is the SCIM Error JSON. Status is a string in the RFC but some
// servers send a number; FlexString accepts both.
type ErrorBody struct {
	Schemas  []string   `json:"schemas,omitempty"`
	Status   FlexString `json:"status,omitempty"`
	ScimType string     `json:"scimType,omitempty"`
	Detail   string     `json:"detail,omitempty"`
}

// FlexString decodes a JSON string or number into a string.
type FlexString string

func (f *FlexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	*f = FlexString(strings.TrimSpace(string(b)))
	return nil
}
