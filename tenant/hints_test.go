package tenant

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// peersTenant: ten users in Legal, one of whom (u0) alone holds Site Admin
// in EMEA; all ten hold Auditor in APAC.
func peersTenant() *Snapshot {
	groups := []ReadGroup{grp("admin:emea", "Site Admin - EMEA", "EMEA"), grp("aud:apac", "Auditor - APAC", "APAC")}
	var users []ReadUser
	for i := range 10 {
		u := usr(fmt.Sprintf("u%d", i), "N", fmt.Sprint(i), fmt.Sprintf("u%d@x.com", i), "aud:apac")
		u.Department = "Legal"
		if i == 0 {
			u.Groups = append(u.Groups, GroupRef{ID: "admin:emea"})
		}
		users = append(users, u)
	}
	return NewSnapshot(SyncInfo{}, users, groups)
}

func TestOutlierAndSoleAdminHints(t *testing.T) {
	s := peersTenant()
	p := NewPeers(s)
	u0, _ := s.UserIndex("u0")
	admin, _ := s.GroupIndex("admin:emea")
	aud, _ := s.GroupIndex("aud:apac")
	if out, why := p.Outlier(u0, admin); !out || !strings.Contains(why, "0 of 9 with the same department") {
		t.Fatalf("u0 Site Admin: outlier %v (%s), want 0 of 9 peers", out, why)
	}
	if out, _ := p.Outlier(u0, aud); out {
		t.Fatal("u0 Auditor is what every peer holds: not an outlier")
	}
	if !s.SoleAdmin(u0, admin) || s.SoleAdmin(u0, aud) {
		t.Fatal("u0 is EMEA's only Site Admin")
	}
	// A second admin, inactive, does not make u0 less alone.
	s.Users[1].Active = false
	u1, _ := s.UserIndex("u1")
	s.SetMember(u1, admin, true)
	if !s.SoleAdmin(u0, admin) {
		t.Fatal("an inactive admin counted")
	}
}

// TestOutlierMatchesCounting: on a random tenant (departments written in
// several cases, managers' cohorts at the size limit, users with no title),
// every held membership's outlier hint and reason are what counting the
// peers one by one gives, counted in tables and in sorted runs.
func TestOutlierMatchesCounting(t *testing.T) {
	for _, cells := range []int{denseCells, 0} {
		t.Run(fmt.Sprintf("denseCells=%d", cells), func(t *testing.T) {
			was := denseCells
			denseCells = cells
			defer func() { denseCells = was }()
			testOutlierMatchesCounting(t)
		})
	}
}

func testOutlierMatchesCounting(t *testing.T) {
	users, groups := genTenant(600, 4, 3, 3, 11)
	depts := []string{"Legal", " legal", "LEGAL ", "Sales", "IT", ""}
	for i := range users {
		users[i].Department = depts[i%len(depts)]
		if i%7 != 0 {
			users[i].Title = fmt.Sprintf("Title %d", i%40)
		}
		users[i].ManagerID = fmt.Sprintf("m%d", i%150) // 4 users each: 3 peers, just enough
	}
	s := NewSnapshot(SyncInfo{}, users, groups)
	p := NewPeers(s)
	norm := func(v string) string { return strings.ToLower(strings.TrimSpace(v)) }
	outliers := 0
	for u := range s.Users {
		for _, g := range s.EffectiveGroups(u) {
			want, counted, below := "", 0, true
			for _, a := range peerAttrs {
				v := norm(a.of(&s.Users[u]))
				if v == "" {
					continue
				}
				peers, holders := 0, 0
				for w := range s.Users {
					if w != u && norm(a.of(&s.Users[w])) == v {
						peers++
						if s.HoldsEffectively(w, int(g)) {
							holders++
						}
					}
				}
				if peers < OutlierMinPeers {
					continue
				}
				counted++
				if float64(holders) >= OutlierShare*float64(peers) {
					below = false
					break
				}
				if want != "" {
					want += ", "
				}
				want += fmt.Sprintf("%d of %d with the same %s", holders, peers, a.name)
			}
			isOut := counted > 0 && below
			if !isOut {
				want = ""
			}
			out, why := p.Outlier(u, int(g))
			if out != isOut || why != want || p.IsOutlier(u, int(g)) != isOut {
				t.Fatalf("user %d group %d: outlier %v %q, counting gives %v %q", u, g, out, why, isOut, want)
			}
			if out {
				outliers++
			}
		}
	}
	if outliers == 0 || outliers == s.Memberships() {
		t.Fatalf("%d outliers of %d memberships: the tenant tests nothing", outliers, s.Memberships())
	}
}

func TestSuggestions(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	it := ReviewItem{GroupID: "g", Role: "Auditor", Org: "Legal", UserGroups: []UserGroupRef{{"ug", "Legal Team"}}, ViaOnly: true}
	it.SetLogin(&User{InUsersV2: true, LastLogin: at.Add(-143 * 24 * time.Hour)}, at)
	if got := it.Comment(); got != `[stale 143d] via user group "Legal Team"; suggest: revoke (no login for 143 days)` {
		t.Fatalf("comment %q", got)
	}
	it.Hints |= HintSoleAdmin
	if sg := it.Suggest(); sg.Word != "look" {
		t.Fatalf("a sole admin suggested %+v", sg)
	}
	out := ReviewItem{GroupID: "g", Hints: HintOutlier}
	if sg := out.Suggest(); sg.Word != "look" {
		t.Fatalf("outlier: %+v", sg)
	}
	never := ReviewItem{GroupID: "g"}
	never.SetLogin(&User{InUsersV2: true}, at)
	if !never.Hints.Has(HintNeverLoggedIn) || never.Suggest().Word != "revoke" || !strings.Contains(never.Comment(), "[never logged in]") {
		t.Fatalf("never: %v %+v", never.Hints, never.Suggest())
	}
}

// BenchmarkOutlierHints300k: the outlier hint of every item of a 300,000
// item review (100k users, about 3 memberships each, in 40 x 50 groups),
// counting the peers first, as review start does. Target: under 1 s.
func BenchmarkOutlierHints300k(b *testing.B) {
	users, groups := genTenant(100_000, 40, 50, 3, 7)
	depts := []string{"Legal", "Sales", "Engineering", "Finance", "HR", "Privacy", "IT", "Marketing"}
	for i := range users {
		users[i].Department = depts[i%len(depts)]
		users[i].Title = fmt.Sprintf("Title %d", i%120)
		users[i].ManagerID = fmt.Sprintf("m%d", i%5000)
	}
	s := NewSnapshot(SyncInfo{}, users, groups)
	items := s.Memberships()
	b.ResetTimer()
	for range b.N {
		p := NewPeers(s)
		n := 0
		for u := range s.Users {
			for _, g := range s.EffectiveGroups(u) {
				if p.IsOutlier(u, int(g)) {
					n++
				}
			}
		}
		_ = n
	}
	b.ReportMetric(float64(items), "items")
}
