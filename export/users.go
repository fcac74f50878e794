package export

import (
	"io"
	"strconv"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

// User is the stable JSON shape of a user.
type User struct {
	ID         string `json:"id"`
	UserName   string `json:"userName"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Active     bool   `json:"active"`
	UserType   string `json:"userType,omitempty"`
	Title      string `json:"title,omitempty"`
	Department string `json:"department,omitempty"`
	ExternalID string `json:"externalId,omitempty"`
	Modified   string `json:"lastModified,omitempty"`
	// LastLogin is the last successful login (Users V2), RFC 3339; null
	// when never or unknown (LastLoginNote says why it is unknown).
	LastLogin     *string      `json:"lastLogin"`
	LastLoginNote string       `json:"lastLoginNote,omitempty"`
	Expires       string       `json:"expirationDateTime,omitempty"`
	DisabledAt    string       `json:"disabledDateTime,omitempty"`
	DisabledBy    string       `json:"disabledBy,omitempty"`
	Memberships   []Membership `json:"memberships"`
}

// Membership is one role x org (or plain group) the user holds
// effectively: Direct when held directly, UserGroups naming the user
// groups it is also (or only) held through.
type Membership struct {
	GroupID    string   `json:"groupId"`
	Role       string   `json:"role,omitempty"`
	Org        string   `json:"org,omitempty"`
	Group      string   `json:"group"`
	Direct     bool     `json:"direct"`
	UserGroups []string `json:"userGroups"`
}

// RFC3339 formats t, "" for the zero time.
func RFC3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// LastLogin says what the snapshot knows of u's last login: the time, or
// "" with never true, or a note why it is unknown.
func LastLogin(snap *tenant.Snapshot, u *tenant.User) (at string, never bool, note string) {
	switch why := snap.LoginUnknown(u); {
	case why != "":
		return "", false, "not available — " + why
	case u.LastLogin.IsZero():
		return "", true, ""
	}
	return RFC3339(u.LastLogin), false, ""
}

// LoginColumns are the CSV's lastLogin and daysSinceLogin cells: a time
// and a day count, "" and "never", or both empty when unknown.
func LoginColumns(snap *tenant.Snapshot, u *tenant.User, now time.Time) (at, days string) {
	at, never, _ := LastLogin(snap, u)
	switch {
	case never:
		return "", "never"
	case at == "":
		return "", ""
	}
	d, _, _ := u.DaysSinceLogin(now)
	return at, strconv.Itoa(d)
}

// HeldThrough names the user groups user u holds group g through.
func HeldThrough(snap *tenant.Snapshot, u, g int) []string {
	names := []string{}
	for _, k := range snap.Via(u, g) {
		names = append(names, snap.UserGroups[k].Name)
	}
	return names
}

// ToUser is user i of snap in its JSON shape.
func ToUser(snap *tenant.Snapshot, i int) User {
	u := &snap.Users[i]
	out := User{
		ID: u.ID, UserName: u.UserName, Name: u.Name(), Email: u.Email, Active: u.Active,
		UserType: u.UserType, Title: u.Title, Department: u.Department, ExternalID: u.ExternalID,
		Modified: u.LastModified, Memberships: []Membership{},
		Expires: RFC3339(u.Expires), DisabledAt: RFC3339(u.DisabledAt), DisabledBy: u.DisabledBy,
	}
	if at, _, note := LastLogin(snap, u); at != "" {
		out.LastLogin = &at
	} else {
		out.LastLoginNote = note
	}
	for _, g := range snap.EffectiveGroups(i) {
		m := ToMembership(snap, int(g))
		m.Direct = snap.IsMember(i, int(g))
		m.UserGroups = HeldThrough(snap, i, int(g))
		out.Memberships = append(out.Memberships, m)
	}
	return out
}

// ToMembership is group g as a membership (held directly, through no
// user group: the caller says otherwise).
func ToMembership(snap *tenant.Snapshot, g int) Membership {
	grp := &snap.Groups[g]
	m := Membership{GroupID: grp.ID, Group: grp.DisplayName, Direct: true, UserGroups: []string{}}
	if !grp.Plain() {
		m.Role, m.Org = snap.Roles[grp.Role].Name, snap.Orgs[grp.Org].Name
	}
	return m
}

// Status is "active" or "inactive".
func Status(active bool) string {
	if active {
		return "active"
	}
	return "inactive"
}

// UsersCSV writes the users idx of snap (in that order), one row each.
func UsersCSV(w io.Writer, snap *tenant.Snapshot, idx []int32, now time.Time) error {
	c := NewCSV(w, "id", "name", "email", "userName", "status", "roles", "orgs", "type", "lastLogin", "daysSinceLogin")
	for _, i := range idx {
		u := &snap.Users[i]
		r, org := snap.RoleOrgCounts(int(i))
		at, days := LoginColumns(snap, u, now)
		c.Row(u.ID, u.Name(), u.Email, u.UserName, Status(u.Active), strconv.Itoa(r), strconv.Itoa(org), u.UserType, at, days)
	}
	return c.Flush()
}

// UsersJSON writes the users idx of snap (in that order) as a JSON array.
func UsersJSON(w io.Writer, snap *tenant.Snapshot, idx []int32) error {
	list := make([]User, 0, len(idx))
	for _, i := range idx {
		list = append(list, ToUser(snap, int(i)))
	}
	return WriteJSON(w, list)
}
