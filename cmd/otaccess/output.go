package main

import (
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// outputFlags choose a read command's output: a table (the default), JSON
// or CSV.
type outputFlags struct{ json, csv bool }

func (o *outputFlags) add(cmd *cobra.Command, withCSV bool) {
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	if withCSV {
		cmd.Flags().BoolVar(&o.csv, "csv", false, "print CSV")
		// Checked here rather than by cobra's MarkFlagsMutuallyExclusive,
		// whose message ("if any flags in the group [json csv] are set
		// none of the others can be") is not a sentence a user reads.
		prev := cmd.PreRunE
		cmd.PreRunE = func(c *cobra.Command, args []string) error {
			if o.json && o.csv {
				return errors.New("--json and --csv cannot be used together: choose one")
			}
			if prev != nil {
				return prev(c, args)
			}
			return nil
		}
	}
}

// writeJSON prints v as indented JSON. Server strings keep their exact
// value; the controls encoding/json leaves raw are escaped too, so JSON on
// a terminal cannot drive it.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(textsafe.JSON(b), '\n'))
	return err
}

// userJSON is the stable JSON shape of a user in CLI output.
type userJSON struct {
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
	LastLogin     *string          `json:"lastLogin"`
	LastLoginNote string           `json:"lastLoginNote,omitempty"`
	Expires       string           `json:"expirationDateTime,omitempty"`
	DisabledAt    string           `json:"disabledDateTime,omitempty"`
	DisabledBy    string           `json:"disabledBy,omitempty"`
	Memberships   []membershipJSON `json:"memberships"`
}

// membershipJSON is one role x org (or plain group) the user holds
// effectively: Direct when held directly, UserGroups naming the user
// groups it is also (or only) held through.
type membershipJSON struct {
	GroupID    string   `json:"groupId"`
	Role       string   `json:"role,omitempty"`
	Org        string   `json:"org,omitempty"`
	Group      string   `json:"group"`
	Direct     bool     `json:"direct"`
	UserGroups []string `json:"userGroups"`
}

// rfc3339 formats t, "" for the zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// lastLogin says what the snapshot knows of u's last login: the time, or
// "" with never true, or a note why it is unknown.
func lastLogin(snap *tenant.Snapshot, u *tenant.User) (at string, never bool, note string) {
	switch {
	case !snap.Access.Logins.Read:
		return "", false, "not available — " + snap.Access.Logins.Reason()
	case !u.InUsersV2:
		return "", false, "not available — Users V2 did not list this user"
	case u.LastLogin.IsZero():
		return "", true, ""
	}
	return rfc3339(u.LastLogin), false, ""
}

// heldThrough names the user groups user u holds group g through.
func heldThrough(snap *tenant.Snapshot, u, g int) []string {
	names := []string{}
	for _, k := range snap.Via(u, g) {
		names = append(names, snap.UserGroups[k].Name)
	}
	return names
}

func toUserJSON(snap *tenant.Snapshot, i int) userJSON {
	u := &snap.Users[i]
	out := userJSON{
		ID: u.ID, UserName: u.UserName, Name: u.Name(), Email: u.Email, Active: u.Active,
		UserType: u.UserType, Title: u.Title, Department: u.Department, ExternalID: u.ExternalID,
		Modified: u.LastModified, Memberships: []membershipJSON{},
		Expires: rfc3339(u.Expires), DisabledAt: rfc3339(u.DisabledAt), DisabledBy: u.DisabledBy,
	}
	if at, _, note := lastLogin(snap, u); at != "" {
		out.LastLogin = &at
	} else {
		out.LastLoginNote = note
	}
	for _, g := range snap.EffectiveGroups(i) {
		m := toMembershipJSON(snap, int(g))
		m.Direct = snap.IsMember(i, int(g))
		m.UserGroups = heldThrough(snap, i, int(g))
		out.Memberships = append(out.Memberships, m)
	}
	return out
}

func toMembershipJSON(snap *tenant.Snapshot, g int) membershipJSON {
	grp := &snap.Groups[g]
	m := membershipJSON{GroupID: grp.ID, Group: grp.DisplayName, Direct: true, UserGroups: []string{}}
	if !grp.Plain() {
		m.Role, m.Org = snap.Roles[grp.Role].Name, snap.Orgs[grp.Org].Name
	}
	return m
}

func status(active bool) string {
	if active {
		return "active"
	}
	return "inactive"
}
