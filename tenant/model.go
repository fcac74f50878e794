package tenant

import (
	"fmt"
	"strings"
	"time"
)

// Role is a OneTrust role, decomposed from group ids "roleId:orgId".
type Role struct {
	ID   string
	Name string
}

// Org is a OneTrust organization, decomposed from group ids "roleId:orgId".
type Org struct {
	ID   string
	Name string
}

// Group is one SCIM group. For OneTrust groups Role and Org index
// Snapshot.Roles / Snapshot.Orgs; a plain group (id not "roleId:orgId", as on
// other SCIM servers) has Role == -1 and Org == -1.
type Group struct {
	ID           string
	DisplayName  string
	Role         int32
	Org          int32
	Category     string
	Description  string
	LastModified string
	// Members are user indexes into Snapshot.Users, ascending.
	Members []int32
}

// Plain reports whether the group is not a role x org group.
func (g *Group) Plain() bool { return g.Role < 0 || g.Org < 0 }

// User is the cached view of a SCIM user (core + enterprise fields the UI
// shows). Groups are group indexes into Snapshot.Groups, ascending.
type User struct {
	ID           string
	ExternalID   string
	UserName     string
	GivenName    string
	FamilyName   string
	DisplayName  string
	Email        string
	UserType     string
	Title        string
	Department   string
	Division     string
	Organization string
	CostCenter   string
	EmployeeID   string
	ManagerID    string
	ManagerName  string
	Active       bool
	Created      string
	LastModified string
	Groups       []int32

	// From OneTrust's Users V2 (see SetAccess); InUsersV2 says the
	// snapshot has them for this user, so a zero LastLogin means never.
	InUsersV2  bool
	LastLogin  time.Time // latest successful login
	Expires    time.Time // expirationDateTime
	DisabledAt time.Time // disabledDateTime
	DisabledBy string
}

// SyncInfo describes one stored snapshot.
type SyncInfo struct {
	ID          int64
	Source      string // tenant base URL (never carries the token)
	Profile     string
	StartedAt   time.Time
	FinishedAt  time.Time
	Users       int
	Groups      int
	Memberships int
	// TenantID is the tenant's own id (OneTrust's tenant GUID) when the
	// token response gave one; "" until then (API keys give none).
	TenantID string
	// Dropped counts the users the sync could not keep: listed without an
	// id, or under an id another user already had.
	Dropped int
	// Access says which of OneTrust's access APIs the snapshot holds data
	// of, and why not (set by a sync and by loading the snapshot; a list
	// of snapshots leaves it zero).
	Access AccessInfo
	// Requests is how many HTTP requests the sync sent (retries included),
	// Rereads how many times it read a list again because its pages
	// disagreed; both 0 for a snapshot made before otaccess recorded them
	// (Recorded false).
	Requests, Rereads int
	Recorded          bool
	// OrgTreeNodes is how many organizations the tree a sync read has,
	// OrgTreeWhy why it has none (set by a sync only).
	OrgTreeNodes int
	OrgTreeWhy   string
	// SubtreeOrg names the organization whose subtree alone the snapshot
	// holds, synced with a credential made there (see view.go); "" for the
	// whole tenant, or when that could not be told (no organization tree).
	SubtreeOrg string
}

// Age is how old the snapshot is at now.
func (i SyncInfo) Age(now time.Time) time.Duration { return now.Sub(i.FinishedAt) }

// AgeText says how old the snapshot is at now, coarsely, as people say it:
// "just now", "4 min ago", "3 days ago".
func (i SyncInfo) AgeText(now time.Time) string { return Ago(i.Age(now)) }

// Ago says how long ago d was, coarsely.
func Ago(d time.Duration) string {
	switch {
	case d < -time.Minute:
		return "in the future (check the clock)"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		h := int(d / time.Hour)
		if h == 1 {
			return "1 hour ago"
		}
		return fmt.Sprintf("%d hours ago", h)
	default:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
}

// Name is what a person is called: the display name, else "Given Family",
// else the userName.
func (u *User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	if n := strings.TrimSpace(u.GivenName + " " + u.FamilyName); n != "" {
		return n
	}
	return u.UserName
}

// Label identifies a user in one line: the email, else userName, else id.
func (u *User) Label() string {
	switch {
	case u.Email != "":
		return u.Email
	case u.UserName != "":
		return u.UserName
	}
	return u.ID
}
