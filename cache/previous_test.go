package cache

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/otaccess/otaccess/tenant"
)

func membershipIDs(ms []tenant.MembershipRef) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.User.ID+"/"+m.GroupID)
	}
	return out
}

// changedTenant is smallTenant after a few weeks: u5 joined, u2 left, u1
// was deactivated and moved from Everyone to Auditor EMEA, u4 came back,
// and a group was renamed (not a change of access).
func changedTenant() ([]tenant.ReadUser, []tenant.ReadGroup) {
	users, groups := smallTenant()
	groups[4].DisplayName = "All staff"
	var out []tenant.ReadUser
	for _, u := range users {
		switch u.ID {
		case "u2":
			continue
		case "u1":
			u.Active = false
			u.Groups = []tenant.GroupRef{{ID: "admin:emea"}, {ID: "aud:emea"}}
		case "u4":
			u.Active = true
		}
		out = append(out, u)
	}
	out = append(out, usr("u5", "Bea", "New", "bea@example.com", "aud:apac"))
	return out, groups
}

func TestDiffSincePrevious(t *testing.T) {
	ctx := context.Background()
	st, _ := openTemp(t)
	if _, _, err := st.DiffSincePrevious(ctx); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("empty cache: %v", err)
	}
	u1, g1 := smallTenant()
	if _, err := st.SaveSnapshot(ctx, input(u1, g1)); err != nil {
		t.Fatal(err)
	}
	if _, cur, err := st.DiffSincePrevious(ctx); !errors.Is(err, ErrNoPrevious) || cur == nil {
		t.Fatalf("one sync: %v", err)
	}
	u2, g2 := changedTenant()
	if _, err := st.SaveSnapshot(ctx, input(u2, g2)); err != nil {
		t.Fatal(err)
	}
	d, cur, err := st.DiffSincePrevious(ctx)
	if err != nil || len(cur.Users) != 4 {
		t.Fatal(err)
	}
	if got := membershipIDs(d.Granted); !reflect.DeepEqual(got, []string{"u1/aud:emea", "u5/aud:apac"}) {
		t.Fatalf("granted after two syncs: %v", got)
	}
	// A write made from otaccess after the sync counts too.
	if err := st.SetMembership(ctx, "u3", "aud:emea", true); err != nil {
		t.Fatal(err)
	}
	d, _, _ = st.DiffSincePrevious(ctx)
	if got := membershipIDs(d.Granted); len(got) != 3 {
		t.Fatalf("granted after a write-through: %v", got)
	}
}
