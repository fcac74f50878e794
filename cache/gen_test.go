package cache

import (
	"fmt"
	"math/rand/v2"

	"github.com/otaccess/otaccess/client"
)

// genTenant builds a deterministic OneTrust-like tenant: roles x orgs groups
// whose names contain " - " on both sides, and users holding about perUser
// groups each. It stands in for client/scimtest, which is written in
// parallel.
func genTenant(users, roles, orgs, perUser int, seed uint64) ([]client.User, []client.Group) {
	rng := rand.New(rand.NewPCG(seed, 42))
	roleNames := make([]string, roles)
	for r := range roleNames {
		roleNames[r] = fmt.Sprintf("Role %02d - %s", r, []string{"Editor", "Viewer", "Admin", "Auditor"}[r%4])
	}
	orgNames := make([]string, orgs)
	for o := range orgNames {
		orgNames[o] = fmt.Sprintf("%s - Org %02d", []string{"EMEA", "APAC", "AMER"}[o%3], o)
	}
	groups := make([]client.Group, 0, roles*orgs)
	for r := range roles {
		for o := range orgs {
			groups = append(groups, client.Group{
				ID:          fmt.Sprintf("%08x-role-%04d:%08x-org-%04d", seed, r, seed, o),
				DisplayName: roleNames[r] + " - " + orgNames[o],
				OneTrust:    &client.OneTrustGroup{Category: orgNames[o], Description: roleNames[r] + " has access to this " + orgNames[o]},
				Meta:        client.Meta{LastModified: "2024-01-02T03:04:05.000+00:00"},
			})
		}
	}
	given := []string{"Ana", "Björn", "Chloé", "Dev", "Eve", "Farid", "Grace", "Hiro", "Ines", "José", "Kai", "Lena"}
	family := []string{"O'Brien", "Smith", "van der Berg", "Łukasz", "Nguyen", "Okafor", "Svensson", "Tanaka", "Müller", "Rossi"}
	us := make([]client.User, users)
	for i := range us {
		g, f := given[rng.IntN(len(given))], family[rng.IntN(len(family))]
		u := client.User{
			ID:       fmt.Sprintf("u-%07d-%08x", i, rng.Uint32()),
			UserName: fmt.Sprintf("user%d@example.com", i),
			Name:     client.Name{GivenName: g, FamilyName: f},
			UserType: []string{"Internal", "External"}[rng.IntN(2)],
			Active:   rng.IntN(10) != 0,
			Emails:   []client.MultiValue{{Value: fmt.Sprintf("%s.%s%d@Example.com", g, f, i), Primary: true, Type: "work"}},
			Meta:     client.Meta{Created: "2023-05-06T07:08:09+00:00", LastModified: "2024-01-02T03:04:05+00:00"},
		}
		if i%7 == 0 {
			u.DisplayName = g + " " + f + " (contractor)"
		}
		if i%5 == 0 {
			u.Enterprise = &client.EnterpriseUser{Department: "Dept " + fmt.Sprint(i%13), Manager: &client.Manager{Value: "m1", DisplayName: "Boss"}}
		}
		n := perUser
		if perUser > 1 {
			n = 1 + rng.IntN(2*perUser-1) // mean perUser
		}
		for range n {
			gr := &groups[rng.IntN(len(groups))]
			u.Groups = append(u.Groups, client.GroupRef{Value: gr.ID, Display: gr.DisplayName})
		}
		us[i] = u
	}
	return us, groups
}
