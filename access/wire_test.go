package access

import (
	"reflect"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// TestReadUser: the model takes the fields otaccess shows from the wire
// user, with the enterprise extension's fallbacks.
func TestReadUser(t *testing.T) {
	u := client.User{
		ID: "e1", ExternalID: "ext-1", UserName: "emile@login", DisplayName: "Émile Zola", UserType: "Internal", Active: true,
		Name:   client.Name{GivenName: "Émile", FamilyName: "Zola"},
		Emails: []client.MultiValue{{Value: "other@example.com"}, {Value: "emile@example.com", Primary: true}},
		Groups: []client.GroupRef{{Value: "admin:apac", Display: "Site Admin - APAC"}},
		Enterprise: &client.EnterpriseUser{Department: "Lit", Division: "Arts", Organization: "Acme", CostCenter: "42", EmployeeNumber: "7",
			JobTitle: "Writer", Manager: &client.Manager{Value: "u3", DisplayName: "Zoë"}},
		Meta: client.Meta{Created: "2020-09-22T13:57:14.813+00:00", LastModified: "2020-10-08T20:23:12.147+00:00"},
	}
	want := tenant.ReadUser{User: tenant.User{
		ID: "e1", ExternalID: "ext-1", UserName: "emile@login", GivenName: "Émile", FamilyName: "Zola", DisplayName: "Émile Zola",
		Email: "emile@example.com", UserType: "Internal", Title: "Writer", Department: "Lit", Division: "Arts", Organization: "Acme",
		CostCenter: "42", EmployeeID: "7", ManagerID: "u3", ManagerName: "Zoë", Active: true,
		Created: "2020-09-22T13:57:14.813+00:00", LastModified: "2020-10-08T20:23:12.147+00:00",
	}, Groups: []tenant.GroupRef{{ID: "admin:apac", Name: "Site Admin - APAC"}}}
	if got := readUser(&u); !reflect.DeepEqual(got, want) {
		t.Fatalf("readUser:\n got %+v\nwant %+v", got, want)
	}
	u.Title, u.Enterprise.EmployeeID = "Author", "E-1"
	if got := readUser(&u); got.Title != "Author" || got.EmployeeID != "E-1" {
		t.Fatalf("own title and employee id win: %q, %q", got.Title, got.EmployeeID)
	}
}

func TestReadGroups(t *testing.T) {
	gs := ReadGroups([]client.Group{
		{ID: "r:o", DisplayName: "Role - Org", Members: []client.Member{{Value: "u1"}, {Value: "u2"}},
			OneTrust: &client.OneTrustGroup{Category: "Org", Description: "d"}, Meta: client.Meta{LastModified: "2024"}},
		{ID: "plain", DisplayName: "Everyone"},
	})
	want := []tenant.ReadGroup{
		{ID: "r:o", DisplayName: "Role - Org", Category: "Org", Description: "d", LastModified: "2024", Members: []string{"u1", "u2"}},
		{ID: "plain", DisplayName: "Everyone"},
	}
	if !reflect.DeepEqual(gs, want) {
		t.Fatalf("ReadGroups:\n got %+v\nwant %+v", gs, want)
	}
}
