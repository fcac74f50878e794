package ui

import (
	"testing"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// TestHistoryOfTheMembershipUnderTheCursor: w on the user detail reads the
// audit trail and shows who granted the membership under the cursor, and
// a grant made here shows up as User Provisioning.
func TestHistoryOfTheMembershipUnderTheCursor(t *testing.T) {
	tn := newTenant(t, scimtest.Config{Users: 60, Roles: 3, Orgs: 2})
	d := tn.model(t, 120, 30)
	u := pick(t, tn.snap, func(u *tenant.User) bool { return u.Active && u.Email != "" && len(u.Groups) == 1 })
	usr := tn.snap.Users[u]
	g := int(usr.Groups[0])
	d.openUser(usr.Email)
	d.key("w")
	if _, ok := d.m.top().(*historyScreen); !ok {
		t.Fatalf("w opened no history:\n%s", d.screen())
	}
	d.contains(access.MembershipLabel(tn.snap, g), "granted "+tn.snap.Groups[g].DisplayName+" by ", "(User Management)")
	d.key("q")
	if _, ok := d.m.top().(*detailScreen); !ok {
		t.Fatalf("q did not close the history:\n%s", d.screen())
	}
}
