package tenant

import (
	"reflect"
	"testing"
)

func refIDs(us []UserRef) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func membershipIDs(ms []MembershipRef) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.User.ID+"/"+m.GroupID)
	}
	return out
}

// changedTenant is smallTenant after a few weeks: u5 joined, u2 left, u1
// was deactivated and moved from Everyone to Auditor EMEA, u4 came back,
// and a group was renamed (not a change of access).
func changedTenant() ([]ReadUser, []ReadGroup) {
	users, groups := smallTenant()
	groups[4].DisplayName = "All staff"
	var out []ReadUser
	for _, u := range users {
		switch u.ID {
		case "u2":
			continue
		case "u1":
			u.Active = false
			u.Groups = []GroupRef{{ID: "admin:emea"}, {ID: "aud:emea"}}
		case "u4":
			u.Active = true
		}
		out = append(out, u)
	}
	out = append(out, usr("u5", "Bea", "New", "bea@example.com", "aud:apac"))
	return out, groups
}

func TestDiff(t *testing.T) {
	u1, g1 := smallTenant()
	u2, g2 := changedTenant()
	from, to := NewSnapshot(SyncInfo{ID: 1}, u1, g1), NewSnapshot(SyncInfo{ID: 2}, u2, g2)
	d := Diff(from, to)
	check := func(what string, got, want []string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	check("added", refIDs(d.UsersAdded), []string{"u5"})
	check("removed", refIDs(d.UsersRemoved), []string{"u2"})
	check("deactivated", refIDs(d.Deactivated), []string{"u1"})
	check("reactivated", refIDs(d.Reactivated), []string{"u4"})
	check("granted", membershipIDs(d.Granted), []string{"u1/aud:emea", "u5/aud:apac"})
	check("revoked", membershipIDs(d.Revoked), []string{"u2/aud:emea", "u1/everyone"}) // anna2@ sorts before anna@
	if d.Empty() || d.From.ID != 1 || d.To.ID != 2 {
		t.Fatalf("diff %+v", d)
	}
	if g := d.Granted[0]; g.Role != "Auditor" || g.Org != "EMEA - Sales" || g.Membership() != "Auditor — EMEA - Sales" || g.User.Label != "anna@example.com" {
		t.Fatalf("granted ref %+v", g)
	}
	if r := d.Revoked[1]; r.Membership() != "Everyone" {
		t.Fatalf("revoked plain group named %q, want its old name", r.Membership())
	}
	if set := d.GrantedSet(); !set[ItemKey{"u5", "aud:apac"}] || set[ItemKey{"u1", "admin:emea"}] {
		t.Fatalf("granted set %v", set)
	}
	if same := Diff(to, to); !same.Empty() {
		t.Fatalf("a snapshot differs from itself: %+v", same)
	}
	// Reversed, every change mirrors.
	back := Diff(to, from)
	check("reverse granted", membershipIDs(back.Granted), membershipIDs(d.Revoked))
	check("reverse removed", refIDs(back.UsersRemoved), refIDs(d.UsersAdded))
}

func TestHeldText(t *testing.T) {
	for _, c := range []struct {
		direct bool
		via    []string
		want   string
	}{
		{true, nil, "direct"},
		{false, []string{"Legal Team"}, "via Legal Team"},
		{true, []string{"Legal Team", "Auditors"}, "direct + via Legal Team, Auditors"},
	} {
		if got := HeldText(c.direct, c.via); got != c.want {
			t.Errorf("HeldText(%v, %q) = %q, want %q", c.direct, c.via, got, c.want)
		}
	}
}
