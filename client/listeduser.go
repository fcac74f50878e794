package client

// ListedUser is a user as a sync decodes it from a list page (WalkUsers):
// the fields otaccess keeps and nothing else. The rest of the SCIM JSON
// (schemas, phone numbers, each group's $ref, meta's location, ...) is
// skipped by the decoder rather than turned into strings that would be
// garbage a moment later: at 100,000 users that was a third of what the
// decoder allocated.
type ListedUser struct {
	ID          string       `json:"id"`
	ExternalID  string       `json:"externalId"`
	UserName    string       `json:"userName"`
	Name        ListedName   `json:"name"`
	DisplayName string       `json:"displayName"`
	Title       string       `json:"title"`
	UserType    string       `json:"userType"`
	Active      bool         `json:"active"`
	Emails      []ListedMail `json:"emails"`
	Groups      []ListedRef  `json:"groups"`
	// Enterprise is the enterprise extension, nil when absent.
	Enterprise *ListedEnterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	Meta       ListedMeta        `json:"meta"`
}

// ListedName is the part of Name a ListedUser keeps.
type ListedName struct {
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
}

// ListedMail is an email of a ListedUser.
type ListedMail struct {
	Value   string `json:"value"`
	Primary bool   `json:"primary"`
}

// ListedRef is a group a ListedUser names.
type ListedRef struct {
	Value   string `json:"value"`
	Display string `json:"display"`
}

// ListedEnterprise is the part of the enterprise extension a ListedUser keeps.
type ListedEnterprise struct {
	EmployeeNumber string         `json:"employeeNumber"`
	EmployeeID     string         `json:"employeeId"`
	CostCenter     string         `json:"costCenter"`
	Organization   string         `json:"organization"`
	Division       string         `json:"division"`
	Department     string         `json:"department"`
	JobTitle       string         `json:"jobTitle"`
	Manager        *ListedManager `json:"manager"`
}

// ListedManager is the manager reference a ListedUser keeps.
type ListedManager struct {
	Value       string `json:"value"`
	DisplayName string `json:"displayName"`
}

// ListedMeta is the part of Meta a ListedUser keeps.
type ListedMeta struct {
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
}

// PrimaryEmail returns the primary email, else the first, else "".
func (u *ListedUser) PrimaryEmail() string {
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

// Listed is u as a list page would have decoded it.
func (u *User) Listed() ListedUser {
	x := ListedUser{ID: u.ID, ExternalID: u.ExternalID, UserName: u.UserName,
		Name:        ListedName{GivenName: u.Name.GivenName, FamilyName: u.Name.FamilyName},
		DisplayName: u.DisplayName, Title: u.Title, UserType: u.UserType, Active: u.Active,
		Meta: ListedMeta{Created: u.Meta.Created, LastModified: u.Meta.LastModified}}
	for _, e := range u.Emails {
		x.Emails = append(x.Emails, ListedMail{Value: e.Value, Primary: e.Primary})
	}
	for _, g := range u.Groups {
		x.Groups = append(x.Groups, ListedRef{Value: g.Value, Display: g.Display})
	}
	if e := u.Enterprise; e != nil {
		x.Enterprise = &ListedEnterprise{EmployeeNumber: e.EmployeeNumber, EmployeeID: e.EmployeeID, CostCenter: e.CostCenter,
			Organization: e.Organization, Division: e.Division, Department: e.Department, JobTitle: e.JobTitle}
		if m := e.Manager; m != nil {
			x.Enterprise.Manager = &ListedManager{Value: m.Value, DisplayName: m.DisplayName}
		}
	}
	return x
}
