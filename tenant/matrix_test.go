package tenant

import "testing"

// The tenant matrix counts effective access: a cell held only through a
// user group counts, and ViaOnly says how many of its holders hold it so.
func TestTenantMatrixCountsEffectiveAccess(t *testing.T) {
	s := accessSnapshot(t)
	m := s.TenantMatrix()
	for _, c := range []struct {
		group          string
		count, viaOnly int
	}{
		{"priv:legal", 2, 2}, // u1, u2: only through "Privacy team"
		{"admin:emea", 3, 1}, // u3, u1 direct (u1 also via, counted once); u2 only via
		{"aud:apac", 2, 1},   // u3 direct; u2 through "auditors"
		{"aud:emea", 1, 0},   // u2 direct
	} {
		g, _ := s.GroupIndex(c.group)
		r, o := s.Groups[g].Role, s.Groups[g].Org
		if m.Counts[r][o] != c.count || m.ViaOnly[r][o] != c.viaOnly || int(m.Group[r][o]) != g {
			t.Errorf("%s: %d (%d only via a user group), want %d (%d)", c.group, m.Counts[r][o], m.ViaOnly[r][o], c.count, c.viaOnly)
		}
	}
}
