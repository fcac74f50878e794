package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
)

// OneTrust's access-management APIs (Users V2, user groups v2, login
// history: ONETRUST-API.md 4, 5, 7) on the tenant's host, beside SCIM.

// AccessPage is one page of an access list: Spring's Page. Page numbers
// start at 0; a walk stops on Last.
type AccessPage[T any] struct {
	Content          []T   `json:"content"`
	Empty            bool  `json:"empty"`
	First            bool  `json:"first"`
	Last             bool  `json:"last"`
	Number           int   `json:"number"`
	NumberOfElements int   `json:"numberOfElements"`
	Size             int   `json:"size"`
	TotalElements    int64 `json:"totalElements"`
	TotalPages       int   `json:"totalPages"`
}

// decodePage reads a page as leniently as a SCIM list (see pageOptions).
// The pages a sync reads by the hundred go through a hand-written reader
// first (see fastpage.go), which leaves what it is not sure of to jsonv2.
func (p *AccessPage[T]) decodePage(body []byte) error {
	switch q := any(p).(type) {
	case *AccessPage[UserLogin]:
		if decodeAccessPageFast(q, body, (*scanner).userLogin) {
			return nil
		}
	case *AccessPage[memberID]:
		if decodeAccessPageFast(q, body, (*scanner).memberID) {
			return nil
		}
	}
	type plain AccessPage[T] // without the method, so Unmarshal does not recurse
	return jsonv2.Unmarshal(body, (*plain)(p), pageOptions)
}

// AccessLevel is one role in one organization.
type AccessLevel struct {
	RoleID           string `json:"roleId"`
	RoleName         string `json:"roleName"`
	OrganizationID   string `json:"organizationId"`
	OrganizationName string `json:"organizationName"`
}

// GroupID is the SCIM v2 group id of the level: roleId:orgId.
func (l AccessLevel) GroupID() string { return l.RoleID + ":" + l.OrganizationID }

// UserV2 is a Users V2 user. AccessLevels is the user's direct access.
type UserV2 struct {
	UserID                  string        `json:"userId"`
	FirstName               string        `json:"firstName"`
	LastName                string        `json:"lastName"`
	FullName                string        `json:"fullName"`
	Email                   string        `json:"email"`
	Active                  bool          `json:"active"`
	Internal                bool          `json:"internal"`
	ExternalID              string        `json:"externalId"`
	ExpirationDateTime      AccessTime    `json:"expirationDateTime"`
	DisabledDateTime        AccessTime    `json:"disabledDateTime"`
	DisabledBy              string        `json:"disabledBy"`
	CreatedDate             AccessTime    `json:"createdDate"`
	LastModifiedDate        AccessTime    `json:"lastModifiedDate"`
	LastLoginDate           AccessTime    `json:"lastLoginDate"`
	DefaultOrganizationID   string        `json:"defaultOrganizationId"`
	DefaultOrganizationName string        `json:"defaultOrganizationName"`
	AccessLevels            []AccessLevel `json:"accessLevels"`
}

// UserGroupV2 is a v2 user group; its members inherit its access levels.
type UserGroupV2 struct {
	ID               string     `json:"id"`
	Name             string     `json:"name"`
	Description      string     `json:"description"`
	CreatedBy        string     `json:"createdBy"`
	CreatedDate      AccessTime `json:"createdDate"`
	LastModifiedBy   string     `json:"lastModifiedBy"`
	LastModifiedDate AccessTime `json:"lastModifiedDate"`
}

// UserGroupMember is one member of a user group.
type UserGroupMember struct {
	MemberID    string     `json:"memberId"`
	FullName    string     `json:"fullName"`
	Email       string     `json:"email"`
	Enabled     bool       `json:"enabled"`
	Internal    bool       `json:"internal"`
	CreatedBy   string     `json:"createdBy"`
	CreatedDate AccessTime `json:"createdDate"` // when the member was added
}

// LoginAttempt is one login-history record.
type LoginAttempt struct {
	UserID    string     `json:"userId"`
	UserName  string     `json:"userName"`
	IPAddress string     `json:"ipAddress"`
	UserAgent string     `json:"userAgentString"`
	At        AccessTime `json:"createDT"`
	Status    string     `json:"status"` // Success | Failure
}

// Succeeded reports whether the attempt was a successful login.
func (a LoginAttempt) Succeeded() bool { return strings.EqualFold(a.Status, "Success") }

// AccessTime is a date-time of the access APIs, which spell them several
// ways (with Z or an offset, with or without fractions, as a Java
// LocalDateTime without any zone, now and then as epoch milliseconds).
// Null or empty is the zero time. A value that reads as none of them
// keeps its text in Raw and Bad is set: one odd date must not lose a
// sync, and Err says what it was.
type AccessTime struct {
	Time time.Time
	Raw  string
	Bad  bool
}

// accessLayouts are tried in order; times without a zone are UTC
// (inferred: OneTrust's examples are all in Z).
var accessLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseAccessTime reads one access-API date-time; see AccessTime.
func ParseAccessTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "null") {
		return time.Time{}, nil
	}
	for _, layout := range accessLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return epochTime(n)
	}
	return time.Time{}, fmt.Errorf("%q is not a date-time otaccess can read (expected e.g. 2026-11-20T08:14:00Z)", clip(s, 40))
}

// epochTime reads seconds or (from 10^11 on) milliseconds since 1970.
func epochTime(n float64) (time.Time, error) {
	if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 || n > 1e14 {
		return time.Time{}, fmt.Errorf("%v is not a date-time otaccess can read", n)
	}
	if n >= 1e11 {
		return time.UnixMilli(int64(n)).UTC(), nil
	}
	return time.Unix(int64(n), 0).UTC(), nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// UnmarshalJSON accepts a string, a number or null.
func (t *AccessTime) UnmarshalJSON(b []byte) error {
	*t = AccessTime{}
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '"':
		var s string
		if plain := b[1:max(1, len(b)-1)]; len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(plain, '\\') < 0 && utf8.Valid(plain) {
			// A date has no escapes: no decoder needed (a sync reads
			// 300,000 of them from Users V2).
			s = string(plain)
		} else if err := json.Unmarshal(b, &s); err != nil {
			t.Raw, t.Bad = clip(string(b), 60), true
			return nil
		}
		tm, err := ParseAccessTime(s)
		t.Time, t.Raw, t.Bad = tm, s, err != nil
		return nil
	}
	n, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		t.Raw, t.Bad = clip(string(b), 60), true
		return nil
	}
	tm, err := epochTime(n)
	t.Time, t.Raw, t.Bad = tm, string(b), err != nil
	return nil
}

// Err says why the value could not be read; nil when it could.
func (t AccessTime) Err() error {
	if !t.Bad {
		return nil
	}
	return fmt.Errorf("%q is not a date-time otaccess can read (expected e.g. 2026-11-20T08:14:00Z)", clip(t.Raw, 40))
}
