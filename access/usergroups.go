package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/tenant"
)

// Access held through a user group cannot be revoked on the user (a SCIM
// PATCH remove or an access-level DELETE leaves the group's grant): the
// user leaves the group, which takes away everything the group grants
// and nothing else. These say what that means before it is done.

// Leave is one user-group membership to end: the user, the group, and
// what else leaving takes away from the user.
type Leave struct {
	UserID, UserLabel string
	GroupID, Group    string // the user group's id and name
	// AlsoLoses are the other memberships the group grants the user that
	// the user holds no other way (neither directly nor through another
	// group): they go too.
	AlsoLoses []string
	// Keeps are the group's other grants the user still holds another way.
	Keeps []string
}

// Describe says what leaving does, for a confirmation.
func (l Leave) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Remove %s from user group %q", l.UserLabel, l.Group)
	if len(l.AlsoLoses) > 0 {
		fmt.Fprintf(&b, "; the user also loses what the group grants: %s", strings.Join(l.AlsoLoses, ", "))
	}
	if len(l.Keeps) > 0 {
		fmt.Fprintf(&b, "; kept another way: %s", strings.Join(l.Keeps, ", "))
	}
	b.WriteString("; the group's other members are untouched")
	return b.String()
}

// Request is the HTTP request leaving sends.
func (l Leave) Request() string { return memberRequest("DELETE", l.GroupID, l.UserID) }

// memberRequest is the request that adds (POST) or removes (DELETE) one
// member of a user group.
func memberRequest(method, groupID, userID string) string {
	return method + " " + client.PathUserGroups + "/" + groupID + "/members/" + userID
}

// PlanLeave is what ending user u's membership of user group k takes away.
func PlanLeave(snap *tenant.Snapshot, u, k int) Leave {
	usr := &snap.Users[u]
	ug := &snap.UserGroups[k]
	l := Leave{UserID: usr.ID, UserLabel: usr.Label(), GroupID: ug.ID, Group: ug.Name}
	for _, g := range snap.UserGroupLevels(k) {
		other := snap.IsMember(u, int(g))
		for _, v := range snap.Via(u, int(g)) {
			other = other || int(v) != k
		}
		if other {
			l.Keeps = append(l.Keeps, MembershipLabel(snap, int(g)))
		} else {
			l.AlsoLoses = append(l.AlsoLoses, MembershipLabel(snap, int(g)))
		}
	}
	return l
}

// RevokePlan is how a revoke of group g from user u is done: Direct when
// the user holds it directly (a PATCH), Leaves for each user group it is
// held through (the user leaves it). ViaOnly says a direct revoke cannot
// take it away; KeptAfterDirect names the groups a direct revoke leaves
// in place.
type RevokePlan struct {
	Direct bool
	Leaves []Leave
}

// PlanRevoke says how user u holds group g and what taking it away means.
func PlanRevoke(snap *tenant.Snapshot, u, g int) RevokePlan {
	direct, via := snap.Holds(u, g)
	p := RevokePlan{Direct: direct}
	for _, k := range via {
		p.Leaves = append(p.Leaves, PlanLeave(snap, u, int(k)))
	}
	return p
}

// KeptAfterDirect names the user groups a direct revoke leaves the access in.
func (p RevokePlan) KeptAfterDirect() []string {
	var out []string
	for _, l := range p.Leaves {
		out = append(out, l.Group)
	}
	return out
}

// LeaveUserGroup removes the user from the user group, records it (cache
// and audit log), and re-reads the group's members to check that the
// user is gone and the server says so.
func (s *Service) LeaveUserGroup(ctx context.Context, l Leave) error {
	if s.Client == nil {
		return ErrOffline
	}
	defer s.users.lock(l.UserID)()
	return s.leaveUserGroup(ctx, l, "")
}

// leaveUserGroup is LeaveUserGroup with the user locked; run names the
// deprovisioning it is a step of, for the audit row.
func (s *Service) leaveUserGroup(ctx context.Context, l Leave, run string) error {
	extra := ""
	if len(l.AlsoLoses) > 0 {
		extra = "; also loses " + strings.Join(l.AlsoLoses, ", ")
	}
	return s.userGroupWrite(ctx, false, UserGroupMembership{l.UserID, l.UserLabel, l.GroupID, l.Group}, extra, run)
}

// UserGroupMembership is one user's membership of one user group, as a
// restore re-adds it.
type UserGroupMembership struct {
	UserID, UserLabel string
	GroupID, Group    string // the user group's id and name
}

// Request is the HTTP request that adds the user to the group.
func (m UserGroupMembership) Request() string { return memberRequest("POST", m.GroupID, m.UserID) }

// auditDetail is the request, the group's name (quoted: the log alone
// must tell a restore which group it was), extra, then the run last, where
// parseDeprovisionStep looks for it.
func userGroupAuditDetail(request, group, extra, run string) string {
	return request + " user group " + strconv.Quote(group) + extra + runSuffix(run)
}

// userGroupWrite adds the user to the user group (add) or removes them,
// then re-reads the group's members: the server's answer is checked, and
// a lost answer (a 5xx, a cut connection) is settled by what the group
// holds. One audit row either way; the cache and the write journal follow
// once the server is known to hold the membership as asked. Caller holds the user's lock.
func (s *Service) userGroupWrite(ctx context.Context, add bool, m UserGroupMembership, extra, run string) error {
	action, request, past := "leave user group", memberRequest("DELETE", m.GroupID, m.UserID), "removed"
	var err error
	if add {
		action, request, past = "join user group", m.Request(), "added"
		err = s.Client.AddUserGroupMember(ctx, m.GroupID, m.UserID)
	} else {
		err = s.Client.RemoveUserGroupMember(ctx, m.GroupID, m.UserID)
		if client.IsNotFound(err) {
			err = nil // not a member (any more): the re-read says which
		}
	}
	settled := false // the server holds the membership as asked
	switch {
	case IsNotSent(err):
		err = notSent(err)
	case err == nil || uncertain(err):
		members, rerr := s.Client.AllUserGroupMembers(ctx, m.GroupID, client.AccessWalk{})
		member := slices.ContainsFunc(members, func(x client.UserGroupMember) bool { return x.MemberID == m.UserID })
		switch {
		case rerr != nil && err == nil:
			err = fmt.Errorf("%s, but re-reading user group %q failed: %w", past, m.Group, rerr)
		case rerr != nil:
			err = unsettled(action, err, rerr)
		case member == add:
			err, settled = nil, true // applied (only the answer may have been lost)
		case err == nil && add:
			err = fmt.Errorf("the server does not list %s in user group %q after the addition", m.UserLabel, m.Group)
		case err == nil:
			err = fmt.Errorf("the server still lists %s in user group %q after the removal", m.UserLabel, m.Group)
		}
	}
	// Once the server is known to hold it, the change goes to the cache and
	// the write journal with its audit row (a sync reading the group's
	// members meanwhile does not undo it).
	var done *cache.Write
	if settled {
		done = &cache.Write{Kind: cache.WriteUserGroup, UserID: m.UserID, GroupID: m.GroupID, Value: add}
	}
	e := s.auditEntry(action, m.UserLabel+" / "+m.Group, userGroupAuditDetail(request, m.Group, extra, run), err)
	_, rerr := s.record(ctx, done, e)
	if errors.Is(rerr, cache.ErrNotInSnapshot) {
		rerr = nil // the cache lacks the user: a sync settles it
	}
	switch {
	case rerr != nil && err == nil && settled:
		err = fmt.Errorf("%s on the server but the cache was not updated (run sync): %w", past, rerr)
	case rerr != nil && err == nil:
		err = fmt.Errorf("audit log: %w", rerr)
	}
	return err
}
