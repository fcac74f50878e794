package export

import (
	"io"
	"strings"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// The shapes of a diff (two snapshots of one cache) and a comparison (two
// tenants, or one at two times): both list users and effective access by
// the same refs.

// UserRef is the JSON shape of a user named in a diff or a comparison.
type UserRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Label string `json:"label"`
}

// AccessRef is the JSON shape of one effective membership in a diff or a
// comparison.
type AccessRef struct {
	UserID  string `json:"userId"`
	User    string `json:"user"`
	GroupID string `json:"groupId"`
	Role    string `json:"role"`
	Org     string `json:"org"`
	Group   string `json:"group"`
	// Held is how the access is held where it is (after a grant, before
	// a revocation; on the side that has it): direct, via (only through
	// userGroups) or both.
	Held       string   `json:"held"`
	UserGroups []string `json:"userGroups"`
}

// UserRefs converts refs (never null in JSON).
func UserRefs(list []tenant.UserRef) []UserRef {
	out := make([]UserRef, 0, len(list))
	for _, u := range list {
		out = append(out, userRef(u))
	}
	return out
}

func userRef(u tenant.UserRef) UserRef { return UserRef{u.ID, u.Name, u.Label} }

// AccessRefs converts membership refs (never null in JSON).
func AccessRefs(list []tenant.MembershipRef) []AccessRef {
	out := make([]AccessRef, 0, len(list))
	for _, m := range list {
		ugs := m.UserGroups
		if ugs == nil {
			ugs = []string{}
		}
		out = append(out, AccessRef{m.User.ID, m.User.Label, m.GroupID, m.Role, m.Org, m.Group, m.Held(), ugs})
	}
	return out
}

// Side names one side of a comparison for its output: what the user
// called it (a profile, a cache file) and which snapshot it is.
type Side struct {
	Name     string `json:"name"`
	Cache    string `json:"cache"`
	Tenant   string `json:"tenantUrl"`
	Snapshot int64  `json:"snapshotId"`
	SyncedAt string `json:"syncedAt"`
	// AgeSeconds is how old the snapshot was when compared.
	AgeSeconds int64 `json:"ageSeconds"`
	// SubtreeOrg: the snapshot holds only this organization's subtree (a
	// child organization's credential); absent for the whole tenant.
	SubtreeOrg string `json:"subtreeOrg,omitempty"`
}

// NewSide describes a side whose snapshot info is in.
func NewSide(name, cache string, in tenant.SyncInfo, now time.Time) Side {
	return Side{Name: name, Cache: cache, Tenant: in.Source, Snapshot: in.ID, SyncedAt: in.FinishedAt.UTC().Format(time.RFC3339),
		AgeSeconds: int64(in.Age(now) / time.Second), SubtreeOrg: in.SubtreeOrg}
}

// ComparisonJSON is the stable JSON shape of a comparison.
type ComparisonJSON struct {
	Left   Side             `json:"left"`
	Right  Side             `json:"right"`
	Filter CompareFilter    `json:"filter"`
	Counts ComparisonCounts `json:"counts"`

	UsersOnlyLeft   []UserRef        `json:"usersOnlyLeft"`
	UsersOnlyRight  []UserRef        `json:"usersOnlyRight"`
	UsersDiffering  []UserDifference `json:"usersDiffering"`
	RolesOnlyLeft   []string         `json:"rolesOnlyLeft"`
	RolesOnlyRight  []string         `json:"rolesOnlyRight"`
	OrgsOnlyLeft    []string         `json:"orgsOnlyLeft"`
	OrgsOnlyRight   []string         `json:"orgsOnlyRight"`
	AccessOnlyLeft  []AccessRef      `json:"accessOnlyLeft"`
	AccessOnlyRight []AccessRef      `json:"accessOnlyRight"`
}

// CompareFilter is the filter that narrowed a comparison ("" not set).
type CompareFilter struct {
	Role string `json:"role"`
	Org  string `json:"org"`
	User string `json:"user"`
}

// ComparisonCounts counts each section.
type ComparisonCounts struct {
	UsersOnlyLeft   int `json:"usersOnlyLeft"`
	UsersOnlyRight  int `json:"usersOnlyRight"`
	UsersDiffering  int `json:"usersDiffering"`
	RolesOnlyLeft   int `json:"rolesOnlyLeft"`
	RolesOnlyRight  int `json:"rolesOnlyRight"`
	OrgsOnlyLeft    int `json:"orgsOnlyLeft"`
	OrgsOnlyRight   int `json:"orgsOnlyRight"`
	AccessOnlyLeft  int `json:"accessOnlyLeft"`
	AccessOnlyRight int `json:"accessOnlyRight"`
}

// UserDifference is a user on both sides and what differs.
type UserDifference struct {
	Left   UserRef           `json:"left"`
	Right  UserRef           `json:"right"`
	Fields []FieldDifference `json:"fields"`
}

// FieldDifference is one attribute's value on each side.
type FieldDifference struct {
	Field string `json:"field"`
	Left  string `json:"left"`
	Right string `json:"right"`
}

// CountsOf counts c's sections.
func CountsOf(c *tenant.Comparison) ComparisonCounts {
	return ComparisonCounts{len(c.UsersOnlyLeft), len(c.UsersOnlyRight), len(c.UsersDiffering), len(c.RolesOnlyLeft), len(c.RolesOnlyRight),
		len(c.OrgsOnlyLeft), len(c.OrgsOnlyRight), len(c.AccessOnlyLeft), len(c.AccessOnlyRight)}
}

// NewComparisonJSON is c's JSON shape, with its sides and the filter that
// narrowed it.
func NewComparisonJSON(c *tenant.Comparison, left, right Side, f tenant.CompareFilter) ComparisonJSON {
	names := func(list []string) []string {
		if list == nil {
			return []string{}
		}
		return list
	}
	diffs := make([]UserDifference, 0, len(c.UsersDiffering))
	for _, d := range c.UsersDiffering {
		fields := make([]FieldDifference, len(d.Fields))
		for i, f := range d.Fields {
			fields[i] = FieldDifference(f)
		}
		diffs = append(diffs, UserDifference{userRef(d.Left), userRef(d.Right), fields})
	}
	return ComparisonJSON{
		Left: left, Right: right, Filter: CompareFilter(f), Counts: CountsOf(c),
		UsersOnlyLeft: UserRefs(c.UsersOnlyLeft), UsersOnlyRight: UserRefs(c.UsersOnlyRight), UsersDiffering: diffs,
		RolesOnlyLeft: names(c.RolesOnlyLeft), RolesOnlyRight: names(c.RolesOnlyRight),
		OrgsOnlyLeft: names(c.OrgsOnlyLeft), OrgsOnlyRight: names(c.OrgsOnlyRight),
		AccessOnlyLeft: AccessRefs(c.AccessOnlyLeft), AccessOnlyRight: AccessRefs(c.AccessOnlyRight),
	}
}

// ComparisonCSV writes c as one row per difference: section (the JSON's
// key, e.g. accessOnlyLeft), side (the name of the side that has it, or
// "both"), then the user, the role x org and how it is held, and for a
// differing user the field and its value on each side.
func ComparisonCSV(w io.Writer, c *tenant.Comparison, left, right string) error {
	out := NewCSV(w, "section", "side", "userId", "user", "name", "role", "org", "group", "held", "userGroups", "field", "leftValue", "rightValue")
	users := func(section, side string, list []tenant.UserRef) {
		for _, u := range list {
			out.Row(section, side, u.ID, u.Label, u.Name, "", "", "", "", "", "", "", "")
		}
	}
	names := func(section, side, col string, list []string) {
		for _, n := range list {
			role, org := n, ""
			if col == "org" {
				role, org = "", n
			}
			out.Row(section, side, "", "", "", role, org, "", "", "", "", "", "")
		}
	}
	access := func(section, side string, list []AccessRef) {
		for _, m := range list {
			out.Row(section, side, m.UserID, m.User, "", m.Role, m.Org, m.Group, m.Held, strings.Join(m.UserGroups, "; "), "", "", "")
		}
	}
	users("usersOnlyLeft", left, c.UsersOnlyLeft)
	users("usersOnlyRight", right, c.UsersOnlyRight)
	for _, d := range c.UsersDiffering {
		for _, f := range d.Fields {
			out.Row("usersDiffering", "both", d.Left.ID+" / "+d.Right.ID, d.Left.Label, d.Left.Name, "", "", "", "", "", f.Field, f.Left, f.Right)
		}
	}
	names("rolesOnlyLeft", left, "role", c.RolesOnlyLeft)
	names("rolesOnlyRight", right, "role", c.RolesOnlyRight)
	names("orgsOnlyLeft", left, "org", c.OrgsOnlyLeft)
	names("orgsOnlyRight", right, "org", c.OrgsOnlyRight)
	access("accessOnlyLeft", left, AccessRefs(c.AccessOnlyLeft))
	access("accessOnlyRight", right, AccessRefs(c.AccessOnlyRight))
	return out.Flush()
}
