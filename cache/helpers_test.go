package cache

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/otaccess/otaccess/tenant"
)

func grp(id, display, category string) tenant.ReadGroup {
	return tenant.ReadGroup{ID: id, DisplayName: display, Category: category}
}

func usr(id, given, family, email string, groups ...string) tenant.ReadUser {
	u := tenant.ReadUser{User: tenant.User{ID: id, UserName: id + "@login", GivenName: given, FamilyName: family, Email: email, Active: true, UserType: "Internal"}}
	for _, g := range groups {
		u.Groups = append(u.Groups, tenant.GroupRef{ID: g, Name: "ref " + g})
	}
	return u
}

func smallTenant() ([]tenant.ReadUser, []tenant.ReadGroup) {
	groups := []tenant.ReadGroup{
		grp("admin:emea", "Site Admin - EMEA - Sales", "EMEA - Sales"),
		grp("admin:apac", "Site Admin - APAC", "APAC"),
		grp("aud:emea", "Auditor - EMEA - Sales", "Azure AD"),
		grp("aud:apac", "Auditor - APAC", "APAC"),
		grp("everyone", "Everyone", ""),
	}
	users := []tenant.ReadUser{
		usr("u3", "Zoë", "Zimmer", "zoe@example.com", "aud:apac", "admin:emea"),
		usr("u1", "anna", "Berg", "anna@example.com", "admin:emea", "everyone"),
		usr("u2", "Anna", "Berg", "ANNA2@example.com", "aud:emea"),
		usr("u4", "", "", "", "ghost:emea"), // group missing from the list
	}
	users[3].UserName = "svc-robot"
	users[3].Groups[0].Name = "Ghost Role - EMEA - Sales"
	users[3].Active = false
	users[3].UserType = "External"
	return users, groups
}

// genTenant builds a deterministic OneTrust-like tenant: roles x orgs groups
// whose names contain " - " on both sides, and users holding about perUser
// groups each. It stands in for client/scimtest, which is written in
// parallel.
func genTenant(users, roles, orgs, perUser int, seed uint64) ([]tenant.ReadUser, []tenant.ReadGroup) {
	rng := rand.New(rand.NewPCG(seed, 42))
	roleNames := make([]string, roles)
	for r := range roleNames {
		roleNames[r] = fmt.Sprintf("Role %02d - %s", r, []string{"Editor", "Viewer", "Admin", "Auditor"}[r%4])
	}
	orgNames := make([]string, orgs)
	for o := range orgNames {
		orgNames[o] = fmt.Sprintf("%s - Org %02d", []string{"EMEA", "APAC", "AMER"}[o%3], o)
	}
	groups := make([]tenant.ReadGroup, 0, roles*orgs)
	for r := range roles {
		for o := range orgs {
			groups = append(groups, tenant.ReadGroup{
				ID:           fmt.Sprintf("%08x-role-%04d:%08x-org-%04d", seed, r, seed, o),
				DisplayName:  roleNames[r] + " - " + orgNames[o],
				Category:     orgNames[o],
				Description:  roleNames[r] + " has access to this " + orgNames[o],
				LastModified: "2024-01-02T03:04:05.000+00:00",
			})
		}
	}
	given := []string{"Ana", "Björn", "Chloé", "Dev", "Eve", "Farid", "Grace", "Hiro", "Ines", "José", "Kai", "Lena"}
	family := []string{"O'Brien", "Smith", "van der Berg", "Łukasz", "Nguyen", "Okafor", "Svensson", "Tanaka", "Müller", "Rossi"}
	us := make([]tenant.ReadUser, users)
	for i := range us {
		g, f := given[rng.IntN(len(given))], family[rng.IntN(len(family))]
		u := tenant.ReadUser{User: tenant.User{
			ID:           fmt.Sprintf("u-%07d-%08x", i, rng.Uint32()),
			UserName:     fmt.Sprintf("user%d@example.com", i),
			GivenName:    g,
			FamilyName:   f,
			UserType:     []string{"Internal", "External"}[rng.IntN(2)],
			Active:       rng.IntN(10) != 0,
			Email:        fmt.Sprintf("%s.%s%d@Example.com", g, f, i),
			Created:      "2023-05-06T07:08:09+00:00",
			LastModified: "2024-01-02T03:04:05+00:00",
		}}
		if i%7 == 0 {
			u.DisplayName = g + " " + f + " (contractor)"
		}
		if i%5 == 0 {
			u.Department, u.ManagerID, u.ManagerName = "Dept "+fmt.Sprint(i%13), "m1", "Boss"
		}
		n := perUser
		if perUser > 1 {
			n = 1 + rng.IntN(2*perUser-1) // mean perUser
		}
		for range n {
			gr := &groups[rng.IntN(len(groups))]
			u.Groups = append(u.Groups, tenant.GroupRef{ID: gr.ID, Name: gr.DisplayName})
		}
		us[i] = u
	}
	return us, groups
}

func checkSnapshot(t *testing.T, s *tenant.Snapshot) {
	t.Helper()
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
}

// keepOnly opens a store that keeps just the n newest snapshots: the days
// are judged by a clock two days ahead.
func keepOnly(n int) OpenOption {
	return func(o *openOptions) {
		WithRetention(Retention{Days: 1, Min: n})(o)
		withClock(func() time.Time { return time.Now().AddDate(0, 0, 2) })(o)
	}
}

// prunedRows counts what is left of the snapshots other than keep: rows of
// their tables, their lists of blocks, and blocks no snapshot holds.
func prunedRows(t *testing.T, st *Store, keep ...int64) {
	t.Helper()
	in := fmt.Sprint(keep[0])
	for _, k := range keep[1:] {
		in += fmt.Sprint(", ", k)
	}
	for _, table := range []string{"groups", "roles", "orgs"} {
		var n int
		if err := st.db.QueryRow("SELECT count(*) FROM " + table + " WHERE snapshot_id NOT IN (" + in + ")").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s: %d rows of pruned snapshots (%v)", table, n, err)
		}
	}
	var refs, garbage int
	if err := st.db.QueryRow("SELECT (SELECT count(*) FROM snapshot_blocks WHERE rid >> 32 NOT IN ("+in+")), (SELECT count(*) FROM user_blocks WHERE id NOT IN (SELECT block FROM snapshot_blocks))").Scan(&refs, &garbage); err != nil || refs != 0 || garbage != 0 {
		t.Fatalf("%d block references of pruned snapshots, %d blocks no snapshot holds (%v)", refs, garbage, err)
	}
}
