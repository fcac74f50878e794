package access

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// The fault matrix: every fault the fake tenant can inject, against a sync
// and against each write. A sync must either end with the server's exact
// state in the cache or fail with a message naming the cause and leave the
// previous snapshot untouched. A write must either leave the cache agreeing
// with the server or say that it may not.

type syncCase struct {
	name   string
	faults []scimtest.Fault
	// wantErr lists substrings the error must contain; nil means the sync
	// must succeed with the server's state.
	wantErr []string
}

func status(code, times int, path string) scimtest.Fault {
	return scimtest.Fault{Kind: scimtest.FaultStatus, Status: code, Times: times, Method: http.MethodGet, Path: path}
}

var syncCases = []syncCase{
	{name: "429 burst with Retry-After", faults: []scimtest.Fault{{Kind: scimtest.FaultStatus, Status: 429, RetryAfter: 1e9, Times: 3, Path: "/Users"}}},
	{name: "429 burst without Retry-After", faults: []scimtest.Fault{status(429, 3, "/Groups")}},
	{name: "429 that never ends", faults: []scimtest.Fault{{Kind: scimtest.FaultStatus, Status: 429, RetryAfter: 1e9, Path: "/Users"}}, wantErr: []string{"429", "rate limited"}},
	{name: "500 once", faults: []scimtest.Fault{status(500, 1, "/Users")}},
	{name: "502 twice", faults: []scimtest.Fault{status(502, 2, "/Groups")}},
	{name: "503 always", faults: []scimtest.Fault{status(503, 0, "/Users")}, wantErr: []string{"503", "server error"}},
	{name: "500 with an HTML body", faults: []scimtest.Fault{{Kind: scimtest.FaultStatus, Status: 500, Body: "<html><h1>Internal error</h1></html>", Path: "/Groups"}}, wantErr: []string{"500", "Internal error"}},
	{name: "slow once, past the timeout", faults: []scimtest.Fault{{Kind: scimtest.FaultDelay, Delay: slowDelay, Times: 1, Path: "/Users"}}},
	{name: "slow always", faults: []scimtest.Fault{{Kind: scimtest.FaultDelay, Delay: slowDelay, Path: "/Users", After: 1}}, wantErr: []string{"timed out"}},
	{name: "connection cut mid-body once", faults: []scimtest.Fault{{Kind: scimtest.FaultDisconnect, Times: 1, Path: "/Users", After: 1}}},
	{name: "connection cut mid-body always", faults: []scimtest.Fault{{Kind: scimtest.FaultDisconnect, Path: "/Groups"}}, wantErr: []string{"unexpected EOF"}},
	// A page that does not decode is asked for once more before the sync fails.
	{name: "malformed JSON once", faults: []scimtest.Fault{{Kind: scimtest.FaultMalformedJSON, Times: 1, Path: "/Users", After: 2}}},
	{name: "malformed JSON always", faults: []scimtest.Fault{{Kind: scimtest.FaultMalformedJSON, Path: "/Users", After: 2}}, wantErr: []string{"not valid SCIM JSON"}},
	{name: "truncated JSON once", faults: []scimtest.Fault{{Kind: scimtest.FaultTruncatedJSON, Times: 1, Path: "/Groups", After: 1}}},
	{name: "truncated JSON always", faults: []scimtest.Fault{{Kind: scimtest.FaultTruncatedJSON, Path: "/Groups", After: 1}}, wantErr: []string{"not valid SCIM JSON", "unexpected end of JSON input"}},
	{name: "totalResults grows while paging", faults: []scimtest.Fault{{Kind: scimtest.FaultTotalResults, TotalDelta: 7, Times: 1, Path: "/Users", After: 1}}},
	{name: "totalResults shrinks on the first page", faults: []scimtest.Fault{{Kind: scimtest.FaultTotalResults, TotalDelta: -30, Times: 1, Path: "/Users"}}},
	{name: "groups totalResults changes", faults: []scimtest.Fault{{Kind: scimtest.FaultTotalResults, TotalDelta: 4, Times: 2, Path: "/Groups", After: 1}}},
	// A server whose total counts users it never lists (OneTrust's invited
	// users, say) is stable: two walks agree, and that is accepted.
	{name: "totalResults always overstates", faults: []scimtest.Fault{{Kind: scimtest.FaultTotalResults, TotalDelta: 2, Path: "/Users"}}},
	{name: "a users page repeats items", faults: []scimtest.Fault{{Kind: scimtest.FaultShiftWindow, Shift: -3, Times: 1, Path: "/Users", After: 1}}},
	{name: "a users page skips items", faults: []scimtest.Fault{{Kind: scimtest.FaultShiftWindow, Shift: 3, Times: 1, Path: "/Users", After: 1}}},
	{name: "a groups page skips items", faults: []scimtest.Fault{{Kind: scimtest.FaultShiftWindow, Shift: 2, Times: 1, Path: "/Groups", After: 1}}},
	{name: "401 mid-sync", faults: []scimtest.Fault{status(401, 0, "/Users")}, wantErr: []string{"401", "API key was refused"}},
	{name: "403 mid-sync", faults: []scimtest.Fault{{Kind: scimtest.FaultStatus, Status: 403, Path: "/Groups", After: 2}}, wantErr: []string{"403", "SCIM scope"}},
}

func TestSyncFaults(t *testing.T) {
	for _, tc := range syncCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := ctxT(t)
			first, err := f.svc.Sync(ctx, f.opt)
			if err != nil {
				t.Fatalf("first sync: %v", err)
			}
			f.assertCacheMatchesServer(t)
			before := f.load(t)

			// The tenant changes, so a correct second snapshot differs
			// from the first.
			changeTenant(t, f.srv.Server)
			for _, flt := range tc.faults {
				f.srv.InjectFault(flt)
			}
			info, err := f.svc.Sync(ctx, f.opt)
			if fired := f.srv.FaultsFired(); fired == 0 {
				t.Fatalf("the fault never fired (sync err %v)", err)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("sync failed: %v", err)
				}
				if info.ID == first.ID {
					t.Fatalf("no new snapshot")
				}
				f.assertCacheMatchesServer(t)
				return
			}
			if err == nil {
				t.Fatalf("sync succeeded, want an error mentioning %q", tc.wantErr)
			}
			msg := err.Error()
			for _, want := range append(tc.wantErr, "previous snapshot is unchanged") {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
			if strings.Contains(msg, testToken) || strings.ContainsAny(msg, "\n\x1b") {
				t.Errorf("error leaks the token or is not one line: %q", msg)
			}
			after := f.load(t)
			if !reflect.DeepEqual(after.Info, before.Info) {
				t.Fatalf("snapshot info changed:\n%+v\n%+v", before.Info, after.Info)
			}
			if d := snapState(after).diff(snapState(before)); d != "" {
				t.Fatalf("previous snapshot changed: %s", d)
			}
		})
	}
}

// TestSyncTenantKeepsChanging removes a user before every users page past
// the first, so each walk repeats or misses someone: the sync must give up
// with a message saying why, not store a list the server never held.
func TestSyncTenantKeepsChanging(t *testing.T) {
	var churn atomic.Bool
	f := newFixtureWrapped(t, func(srv *scimtest.Server, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if churn.Load() && strings.HasSuffix(r.URL.Path, "/Users") && r.URL.Query().Get("startIndex") != "1" {
				if us := srv.Users(); len(us) > 0 {
					srv.RemoveUser(us[0].ID)
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	ctx := ctxT(t)
	if _, err := f.svc.Sync(ctx, f.opt); err != nil {
		t.Fatal(err)
	}
	before := snapState(f.load(t))
	churn.Store(true)
	_, err := f.svc.Sync(ctx, f.opt)
	churn.Store(false)
	if err == nil || !strings.Contains(err.Error(), "reading users: the list changed while it was read") ||
		!strings.Contains(err.Error(), "previous snapshot is unchanged") {
		t.Fatalf("sync over a churning tenant: %v", err)
	}
	if d := snapState(f.load(t)).diff(before); d != "" {
		t.Fatalf("previous snapshot changed: %s", d)
	}
	// Once the tenant settles, a sync succeeds with its state.
	if _, err := f.svc.Sync(ctx, f.opt); err != nil {
		t.Fatal(err)
	}
	f.assertCacheMatchesServer(t)
}

// changeTenant makes a few changes a sync must pick up.
func changeTenant(t *testing.T, srv *scimtest.Server) {
	t.Helper()
	users := srv.Users()
	groups := srv.Groups()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.SetActive(users[3].ID, !users[3].Active))
	must(srv.SetMember(users[5].ID, groups[1].ID, !srv.IsMember(users[5].ID, groups[1].ID)))
	srv.RemoveUser(users[11].ID)
	srv.AddUser(client.User{UserName: "late.joiner@example.com", Active: true,
		Emails: []client.MultiValue{{Value: "late.joiner@example.com", Primary: true}},
		Groups: []client.GroupRef{{Value: groups[2].ID}}})
}

// ---- writes ----

type writeOp int

const (
	opGrant writeOp = iota
	opRevoke
	opDeactivate
	opGrantVerified // the CLI's path: read, PATCH, read
	opRevokeVerified
)

func (o writeOp) String() string {
	return [...]string{"grant", "revoke", "deactivate", "grant-verified", "revoke-verified"}[o]
}

func (o writeOp) grant() bool    { return o == opGrant || o == opGrantVerified }
func (o writeOp) verified() bool { return o == opGrantVerified || o == opRevokeVerified }

type writeCase struct {
	name   string
	faults []scimtest.Fault
	// applied: the server carries the change out (whatever the client hears).
	applied bool
	// wantErr: the write must report an error containing this; "" means
	// it must report success.
	wantErr string
	// readsFail: every GET fails too, so a verified write (which reads
	// first) stops before sending anything.
	readsFail bool
	// uncertain: the client cannot know what became of the write, so a
	// plain grant or revoke re-reads the user (a verified one and a
	// deactivation always do).
	uncertain bool
}

func patchFault(kind scimtest.FaultKind) scimtest.Fault {
	return scimtest.Fault{Kind: kind, Method: http.MethodPatch, Times: 1, Delay: slowDelay}
}

var writeCases = []writeCase{
	{name: "response lost", faults: []scimtest.Fault{patchFault(scimtest.FaultDropResponse)}, applied: true},
	{name: "slow past the timeout", faults: []scimtest.Fault{patchFault(scimtest.FaultDelay)}, applied: true, uncertain: true},
	{name: "connection cut mid-body", faults: []scimtest.Fault{patchFault(scimtest.FaultDisconnect)}, applied: true},
	{name: "malformed JSON answer", faults: []scimtest.Fault{patchFault(scimtest.FaultMalformedJSON)}, applied: true},
	{name: "truncated JSON answer", faults: []scimtest.Fault{patchFault(scimtest.FaultTruncatedJSON)}, applied: true},
	{name: "500 once", faults: []scimtest.Fault{{Kind: scimtest.FaultStatus, Status: 500, Method: http.MethodPatch, Times: 1}}, applied: true},
	{name: "429 once", faults: []scimtest.Fault{{Kind: scimtest.FaultStatus, Status: 429, RetryAfter: 1e9, Method: http.MethodPatch, Times: 1}}, applied: true},
	{name: "503 always", faults: []scimtest.Fault{{Kind: scimtest.FaultStatus, Status: 503, Method: http.MethodPatch}}, wantErr: "503"},
	{name: "429 always", faults: []scimtest.Fault{{Kind: scimtest.FaultStatus, Status: 429, Method: http.MethodPatch}}, wantErr: "429"},
	{name: "401", faults: []scimtest.Fault{{Kind: scimtest.FaultStatus, Status: 401, Method: http.MethodPatch}}, wantErr: "401"},
	{name: "403", faults: []scimtest.Fault{{Kind: scimtest.FaultStatus, Status: 403, Method: http.MethodPatch}}, wantErr: "403"},
	{
		name: "response lost and the re-read fails",
		faults: []scimtest.Fault{
			{Kind: scimtest.FaultDropResponse, Method: http.MethodPatch, Times: 1},
			{Kind: scimtest.FaultStatus, Status: 503, Method: http.MethodGet},
		},
		applied: true, wantErr: "sync", readsFail: true,
	},
	{
		name: "refused and the re-read fails",
		faults: []scimtest.Fault{
			{Kind: scimtest.FaultStatus, Status: 503, Method: http.MethodPatch},
			{Kind: scimtest.FaultStatus, Status: 503, Method: http.MethodGet},
		},
		wantErr: "503", readsFail: true,
	},
}

func TestWriteFaults(t *testing.T) {
	for _, op := range []writeOp{opGrant, opRevoke, opDeactivate, opGrantVerified, opRevokeVerified} {
		for _, tc := range writeCases {
			if op.verified() && tc.readsFail {
				tc.applied, tc.wantErr = false, "503"
			}
			t.Run(op.String()+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t)
				ctx := ctxT(t)
				if _, err := f.svc.Sync(ctx, f.opt); err != nil {
					t.Fatal(err)
				}
				snap := f.load(t)
				u, g := pickTarget(t, snap, op)
				userID, groupID := snap.Users[u].ID, snap.Groups[g].ID
				for _, flt := range tc.faults {
					f.srv.InjectFault(flt)
				}

				var err error
				switch op {
				case opGrant, opRevoke:
					out := f.svc.Apply(ctx, NewChange(snap, u, g, op.grant()))
					err = out.Err
					if tc.uncertain && out.Reread == nil {
						t.Fatalf("the %s's outcome was uncertain, but the user was not re-read: %+v", op, out)
					}
				case opGrantVerified, opRevokeVerified:
					out := f.svc.ApplyVerified(ctx, NewChange(snap, u, g, op.grant()))
					err = out.Err
				case opDeactivate:
					res := f.svc.Deprovision(ctx, PlanDeprovision(snap, u, false, false), nil)
					err = res.Err()
					if res.Note != "" && err == nil {
						err = errors.New(res.Note)
					}
				}
				f.srv.ClearFaults()

				srvUser, _ := f.srv.User(userID)
				var done bool
				switch {
				case op == opDeactivate:
					done = !srvUser.Active
				case op.grant():
					done = f.srv.IsMember(userID, groupID)
				default:
					done = !f.srv.IsMember(userID, groupID)
				}
				if done != tc.applied {
					t.Fatalf("server applied the %s: %v, want %v", op, done, tc.applied)
				}

				// The cache agrees with the server, or the error says it may not.
				d := snapState(f.load(t)).diff(serverState(f.srv.Server))
				switch {
				case tc.wantErr == "" && err != nil:
					t.Fatalf("%s reported %v; the server did apply it", op, err)
				case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
					t.Fatalf("%s reported %v, want an error mentioning %q", op, err, tc.wantErr)
				case d != "" && (err == nil || !strings.Contains(err.Error(), "sync")):
					t.Fatalf("cache disagrees with the server (%s) and the error (%v) does not say so", d, err)
				}
				if err != nil && strings.Contains(err.Error(), testToken) {
					t.Fatalf("token in %v", err)
				}
				// Every write attempt is audited, whatever came of it (a
				// verified write whose first read fails sends none).
				if entries, aerr := f.store.Audit(context.Background(), 0); aerr != nil || (len(entries) == 0) != (op.verified() && tc.readsFail) {
					t.Fatalf("audit log: %d entries, %v", len(entries), aerr)
				}
			})
		}
	}
}

// pickTarget finds a user and a group the operation changes: a non-member
// to grant, a member to revoke, an active user to deactivate.
func pickTarget(t *testing.T, snap *tenant.Snapshot, op writeOp) (int, int) {
	t.Helper()
	for u := range snap.Users {
		if !snap.Users[u].Active && op == opDeactivate {
			continue
		}
		for g := range snap.Groups {
			if snap.IsMember(u, g) == (op != opDeactivate && !op.grant()) {
				return u, g
			}
		}
	}
	t.Fatal("no user to change")
	return 0, 0
}
