package tenant

import (
	"fmt"
	"slices"
)

// Verify checks every invariant the UI and CLI rely on: users and groups in
// their order, both sides of each membership, the id lookups, the role x
// org cells and Info's counts. It is for tests and for tools that doubt a
// snapshot; nothing on the hot path calls it.
func (s *Snapshot) Verify() error {
	for i := range s.Users {
		u := &s.Users[i]
		if i > 0 && compareUsers(&s.Users[i-1], u) >= 0 {
			return fmt.Errorf("snapshot invariant: users %d and %d out of order: %q, %q", i-1, i, s.Users[i-1].Name(), u.Name())
		}
		if j, ok := s.UserIndex(u.ID); !ok || j != i {
			return fmt.Errorf("snapshot invariant: UserIndex(%q) = %d, %v; want %d", u.ID, j, ok, i)
		}
		for k, g := range u.Groups {
			if k > 0 && u.Groups[k-1] >= g {
				return fmt.Errorf("snapshot invariant: user %d groups not ascending: %v", i, u.Groups)
			}
			if _, ok := slices.BinarySearch(s.Groups[g].Members, int32(i)); !ok {
				return fmt.Errorf("snapshot invariant: user %d in group %d, but not among its members", i, g)
			}
		}
	}
	members := 0
	for g := range s.Groups {
		grp := &s.Groups[g]
		if j, ok := s.GroupIndex(grp.ID); !ok || j != g {
			return fmt.Errorf("snapshot invariant: GroupIndex(%q) = %d, %v; want %d", grp.ID, j, ok, g)
		}
		if g > 0 {
			p := &s.Groups[g-1]
			if c := compareFold(p.DisplayName, grp.DisplayName); c > 0 || c == 0 && p.ID >= grp.ID {
				return fmt.Errorf("snapshot invariant: groups %d and %d out of order", g-1, g)
			}
		}
		for k, m := range grp.Members {
			if k > 0 && grp.Members[k-1] >= m {
				return fmt.Errorf("snapshot invariant: group %d members not ascending: %v", g, grp.Members)
			}
			if !s.IsMember(int(m), g) {
				return fmt.Errorf("snapshot invariant: group %d lists user %d, who does not list it", g, m)
			}
		}
		members += len(grp.Members)
		if !grp.Plain() {
			if c, ok := s.Cell(int(grp.Role), int(grp.Org)); !ok || c != g {
				return fmt.Errorf("snapshot invariant: Cell(%d, %d) = %d, %v; want %d", grp.Role, grp.Org, c, ok, g)
			}
		}
	}
	if members != s.Memberships() {
		return fmt.Errorf("snapshot invariant: %d members on groups, %d on users", members, s.Memberships())
	}
	if s.Info.Users != len(s.Users) || s.Info.Groups != len(s.Groups) || s.Info.Memberships != members {
		return fmt.Errorf("snapshot invariant: Info counts %d/%d/%d, model %d/%d/%d", s.Info.Users, s.Info.Groups, s.Info.Memberships, len(s.Users), len(s.Groups), members)
	}
	return nil
}
