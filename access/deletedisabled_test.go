package access_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/access/accesstest"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestDeleteIsRefusedOnOneTrust: on a OneTrust host a delete plan sends
// nothing (OneTrust documents SCIM DELETE /Users as not available) and says
// what to do instead; elsewhere delete is still sent.
func TestDeleteIsRefusedOnOneTrust(t *testing.T) {
	ctx := context.Background()
	tn := accesstest.New(t, scimtest.Config{Users: 20}, accesstest.AsOneTrust())
	if err := tn.Svc.DeleteUnavailable(); !errors.Is(err, access.ErrDeleteUnavailable) {
		t.Fatalf("DeleteUnavailable on %s: %v", tn.Svc.Tenant(), err)
	}
	usr := tn.Snap.Users[0]
	before := len(tn.Srv.RequestLog())
	res := tn.Svc.Deprovision(ctx, access.PlanDeprovision(tn.Snap, 0, false, true), nil)
	if !errors.Is(res.Err(), access.ErrDeleteUnavailable) || len(res.Steps) != 1 {
		t.Fatalf("delete on OneTrust: %+v", res)
	}
	if log := tn.Srv.RequestLog(); len(log) != before {
		t.Fatalf("requests sent after the refusal: %+v", log[before:])
	}
	if _, ok := tn.Srv.User(usr.ID); !ok {
		t.Fatal("the user is gone")
	}
	// The same fake on loopback is no OneTrust host: delete is sent.
	other := accesstest.New(t, scimtest.Config{Users: 20})
	if err := other.Svc.DeleteUnavailable(); err != nil {
		t.Fatalf("loopback: %v", err)
	}
	res = other.Svc.Deprovision(ctx, access.PlanDeprovision(other.Snap, 0, false, true), nil)
	if res.Err() != nil || !res.Deleted {
		t.Fatalf("delete on loopback: %+v", res)
	}
	for _, rr := range other.Srv.RequestLog() {
		if rr.Method == http.MethodDelete {
			return
		}
	}
	t.Fatal("no DELETE sent to a server that is not OneTrust")
}
