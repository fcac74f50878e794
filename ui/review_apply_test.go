package ui

import (
	"context"
	"testing"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// A's confirmation says how each revocation is carried out: access held
// only through a user group is revoked by leaving the group (named), and
// the requests are counted by kind.
func TestApplyConfirmationNamesTheUserGroups(t *testing.T) {
	tn := newTenant(t, scimtest.Config{})
	ctx := context.Background()
	r, err := tn.svc.StartReview(ctx, "via-groups", access.ReviewScope{})
	if err != nil {
		t.Fatal(err)
	}
	var direct, via *tenant.ReviewItem
	for i := range r.Items {
		it := &r.Items[i]
		if it.GroupID == "" {
			continue
		}
		switch {
		case direct == nil && it.HeldDirectly() && len(it.UserGroups) == 0:
			direct = it
		case via == nil && !it.HeldDirectly() && len(it.UserGroups) == 1:
			via = it
		}
	}
	if direct == nil || via == nil {
		t.Fatal("the fake tenant has no item held only directly and one held only through one user group")
	}
	for _, it := range []*tenant.ReviewItem{direct, via} {
		if err := tn.svc.Decide(ctx, r.ID, tenant.Decision{Key: it.Key(), Verdict: tenant.Revoke}); err != nil {
			t.Fatal(err)
		}
	}
	d := tn.model(t, 160, 40)
	d.key("R")
	d.key("enter")
	d.key("A")
	d.contains("Revoke 2 memberships", "by leaving user group \""+via.UserGroups[0].Name+"\"",
		"1 PATCH /Groups/{roleId:orgId} (remove 1 member)", "1 DELETE of a user-group member")
	d.lacks("One PATCH")
}
