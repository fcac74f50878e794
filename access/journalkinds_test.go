package access

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// beforeCommit calls write once, from the sync's progress, when every read
// (SCIM and the access APIs) is done and nothing is committed yet.
func beforeCommit(write func()) func(SyncProgress) {
	var once sync.Once
	return func(p SyncProgress) {
		if p.Saving {
			once.Do(write)
		}
	}
}

// An edit and user-group membership changes made while a sync reads the
// tenant are journaled: the sync's commit, whose reads predate them, does
// not undo them in the cache.
func TestEditsAndUserGroupChangesDuringSyncSurviveItsCommit(t *testing.T) {
	cases := []struct {
		name string
		// write runs mid-sync (from another process); check says what the
		// committed snapshot must hold.
		write func(t *testing.T, f *fixture, other *Service, snap *tenant.Snapshot) (check func(t *testing.T, after *tenant.Snapshot))
	}{
		{"edit", func(t *testing.T, f *fixture, other *Service, snap *tenant.Snapshot) func(*testing.T, *tenant.Snapshot) {
			u := memberUser(t, snap)
			mgr := (u + 1) % len(snap.Users)
			e, err := PlanEdit(snap, u, map[Field]string{FieldTitle: "Chief Counsel", FieldGiven: "Renamed", FieldManager: snap.Users[mgr].ID})
			if err != nil {
				t.Fatal(err)
			}
			if res := other.Edit(context.Background(), e); res.Err != nil {
				t.Errorf("edit: %v", res.Err)
			}
			id := snap.Users[u].ID
			return func(t *testing.T, after *tenant.Snapshot) {
				sv, _ := f.srv.User(id)
				want := readUser(&sv).User
				i, _ := after.UserIndex(id)
				got := after.Users[i]
				if got.Title != "Chief Counsel" || got.GivenName != "Renamed" || got.ManagerID != snap.Users[mgr].ID {
					t.Fatalf("the sync's commit undid the edit: %+v", got)
				}
				for _, a := range []string{tenant.AttrTitle, tenant.AttrGivenName, tenant.AttrDisplayName, tenant.AttrManagerID, tenant.AttrManagerName, tenant.AttrLastModified} {
					if got.Attr(a) != want.Attr(a) {
						t.Errorf("%s: cache %q, server %q", a, got.Attr(a), want.Attr(a))
					}
				}
			}
		}},
		{"leave a user group", func(t *testing.T, f *fixture, other *Service, snap *tenant.Snapshot) func(*testing.T, *tenant.Snapshot) {
			k, u := userGroupMember(t, snap)
			if err := other.LeaveUserGroup(context.Background(), PlanLeave(snap, u, k)); err != nil {
				t.Errorf("leave: %v", err)
			}
			return sameUserGroupsAsServer(f, snap.UserGroups[k].ID, snap.Users[u].ID, false)
		}},
		{"join a user group", func(t *testing.T, f *fixture, other *Service, snap *tenant.Snapshot) func(*testing.T, *tenant.Snapshot) {
			k, u := userGroupOutsider(t, snap)
			m := UserGroupMembership{UserID: snap.Users[u].ID, UserLabel: snap.Users[u].Label(), GroupID: snap.UserGroups[k].ID, Group: snap.UserGroups[k].Name}
			unlock := other.users.lock(m.UserID)
			err := other.userGroupWrite(context.Background(), true, m, "", "")
			unlock()
			if err != nil {
				t.Errorf("join: %v", err)
			}
			return sameUserGroupsAsServer(f, m.GroupID, m.UserID, true)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := ctxT(t)
			if _, err := f.svc.Sync(ctx, f.opt); err != nil {
				t.Fatal(err)
			}
			snap := f.load(t)
			if !snap.Access.UserGroups.Read || len(snap.UserGroups) == 0 {
				t.Fatal("the fixture's sync read no user groups")
			}
			other := f.otherProcess(t)
			var check func(*testing.T, *tenant.Snapshot)
			opt := f.opt
			opt.Progress = beforeCommit(func() { check = tc.write(t, f, other, snap) })
			if _, err := f.svc.Sync(ctx, opt); err != nil {
				t.Fatal(err)
			}
			if check == nil {
				t.Fatal("the write never ran mid-sync")
			}
			check(t, f.load(t))
			f.assertCacheMatchesServer(t)
		})
	}
}

// sameUserGroupsAsServer checks that the snapshot has userID in user group
// groupID as the server has it, and as member says.
func sameUserGroupsAsServer(f *fixture, groupID, userID string, member bool) func(*testing.T, *tenant.Snapshot) {
	return func(t *testing.T, after *tenant.Snapshot) {
		onServer := slices.ContainsFunc(f.srv.UserGroupsOf(userID), func(g scimtest.UserGroup) bool { return g.ID == groupID })
		u, _ := after.UserIndex(userID)
		if onServer != member || inUserGroup(after, u, groupID) != member {
			t.Fatalf("member of the user group: server %v, cache %v; want %v", onServer, inUserGroup(after, u, groupID), member)
		}
	}
}

// userGroupMember is a user group with a member.
func userGroupMember(t *testing.T, snap *tenant.Snapshot) (k, u int) {
	t.Helper()
	for u := range snap.Users {
		if ugs := snap.UserGroupsOf(u); len(ugs) > 0 {
			return int(ugs[0]), u
		}
	}
	t.Fatal("no user group has a member")
	return 0, 0
}

// userGroupOutsider is a user group and a user not in it.
func userGroupOutsider(t *testing.T, snap *tenant.Snapshot) (k, u int) {
	t.Helper()
	for u := range snap.Users {
		if !inUserGroup(snap, u, snap.UserGroups[0].ID) {
			return 0, u
		}
	}
	t.Fatal("every user is in the first user group")
	return 0, 0
}
