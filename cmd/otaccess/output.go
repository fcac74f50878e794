package main

import (
	"encoding/json"
	"errors"
	"io"

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
	ID          string           `json:"id"`
	UserName    string           `json:"userName"`
	Name        string           `json:"name"`
	Email       string           `json:"email"`
	Active      bool             `json:"active"`
	UserType    string           `json:"userType,omitempty"`
	Title       string           `json:"title,omitempty"`
	Department  string           `json:"department,omitempty"`
	ExternalID  string           `json:"externalId,omitempty"`
	Modified    string           `json:"lastModified,omitempty"`
	Memberships []membershipJSON `json:"memberships"`
}

type membershipJSON struct {
	GroupID string `json:"groupId"`
	Role    string `json:"role,omitempty"`
	Org     string `json:"org,omitempty"`
	Group   string `json:"group"`
}

func toUserJSON(snap *tenant.Snapshot, i int) userJSON {
	u := &snap.Users[i]
	out := userJSON{
		ID: u.ID, UserName: u.UserName, Name: u.Name(), Email: u.Email, Active: u.Active,
		UserType: u.UserType, Title: u.Title, Department: u.Department, ExternalID: u.ExternalID,
		Modified: u.LastModified, Memberships: []membershipJSON{},
	}
	for _, g := range u.Groups {
		out.Memberships = append(out.Memberships, toMembershipJSON(snap, int(g)))
	}
	return out
}

func toMembershipJSON(snap *tenant.Snapshot, g int) membershipJSON {
	grp := &snap.Groups[g]
	m := membershipJSON{GroupID: grp.ID, Group: grp.DisplayName}
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
