package ui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
)

// Access held only through OneTrust user groups cannot be revoked on the
// user: the user leaves the group(s), which takes away everything each
// group grants the user, and nothing of its other members. The
// confirmation says all of that; each group is one DELETE, re-read after
// (access.Service.LeaveUserGroup, as the CLI's revoke).

// heldMark is a user's matrix cell: ● held directly, ○ only through user
// groups, ◉ both ways, · not held (glyphs, so it reads without color).
func heldMark(direct bool, via int) string {
	switch {
	case direct && via > 0:
		return markBoth
	case direct:
		return markMember
	case via > 0:
		return markVia
	}
	return markEmpty
}

// heldLegend explains the marks, or says why the matrix shows direct
// access only.
func (a *Model) heldLegend() string {
	if !a.snap.Access.UserGroups.Read {
		return "direct access only — user groups: not available — " + a.snap.Access.UserGroups.Reason()
	}
	return markMember + " direct  " + markVia + " via a user group  " + markBoth + " both  " + markEmpty + " not held"
}

// leaveLines describe leaving for a confirmation: per group, what goes,
// what stays, and the request.
// cell is the membership being revoked, which is not "also" lost.
func leaveLines(a *Model, plan access.RevokePlan, cell string) []string {
	st := &a.st
	var body []string
	for _, l := range plan.Leaves {
		body = append(body, fmt.Sprintf("Remove from user group %q", safe(l.Group)))
		if also := slices.DeleteFunc(slices.Clone(l.AlsoLoses), func(m string) bool { return m == cell }); len(also) > 0 {
			body = append(body, "  also loses what the group grants: "+safeJoin(also))
		}
		if len(l.Keeps) > 0 {
			body = append(body, "  keeps another way: "+safeJoin(l.Keeps))
		}
		body = append(body, "  "+st.Muted.Render(shortLeaveRequest(l)))
	}
	if len(plan.Leaves) == 1 {
		return append(body, "The group's other members are untouched.")
	}
	return append(body, "The groups' other members are untouched.")
}

func safeJoin(xs []string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = safe(x)
	}
	return strings.Join(out, ", ")
}

// shortLeaveRequest abbreviates the DELETE's ids, as groupRequest does.
func shortLeaveRequest(l access.Leave) string {
	return strings.Replace(strings.Replace(l.Request(), l.GroupID, shortID(l.GroupID), 1), l.UserID, shortID(l.UserID), 1)
}

// confirmLeave asks before revoking group g from user u, who holds it only
// through user groups, by leaving them.
func (a *Model) confirmLeave(u, g int, plan access.RevokePlan) tea.Cmd {
	if !a.requireOnline("revoke") {
		return nil
	}
	ch := access.NewChange(a.snap, u, g, false)
	if _, busy := a.pending[pendingKey(ch.UserID, ch.GroupID)]; busy {
		return a.setFlash(flashInfo, "that change is already running")
	}
	body := []string{
		"Revoke " + safe(ch.Group) + " from " + safe(ch.UserLabel),
		"held only through " + numfmt.Count(len(plan.Leaves), "user group", "user groups") + ": a direct revoke cannot take it away, so",
		"",
	}
	body = append(body, leaveLines(a, plan, ch.Group)...)
	a.openDialog(a.newConfirm("Revoke by leaving user groups", body, "Yes, leave", func(a *Model) tea.Cmd {
		return a.startLeave(ch, plan.Leaves)
	}))
	return nil
}

// leaveDoneMsg is the end of a leave: per group, nil or why it failed.
type leaveDoneMsg struct {
	ch     access.Change
	leaves []access.Leave
	errs   []error
}

func (m leaveDoneMsg) apply(a *Model) tea.Cmd { return a.leaveDone(m) }

// startLeave leaves each group in turn, in the background; the cell
// spins meanwhile.
func (a *Model) startLeave(ch access.Change, leaves []access.Leave) tea.Cmd {
	if !a.requireOnline("revoke") {
		return nil
	}
	a.flash = flash{}
	a.pending[pendingKey(ch.UserID, ch.GroupID)] = ch
	svc, ctx := a.svc, a.ctx
	return tea.Batch(a.startSpinner(), func() tea.Msg {
		errs := make([]error, len(leaves))
		for i, l := range leaves {
			errs[i] = svc.LeaveUserGroup(ctx, l)
		}
		return leaveDoneMsg{ch: ch, leaves: leaves, errs: errs}
	})
}

// leaveDone folds what the server confirmed into the snapshot: a group the
// re-read no longer lists the user in is left; any other stays as it was.
func (a *Model) leaveDone(m leaveDoneMsg) tea.Cmd {
	delete(a.pending, pendingKey(m.ch.UserID, m.ch.GroupID))
	a.noteReach(m.errs...)
	var failed []string
	var left []string
	for i, l := range m.leaves {
		if err := m.errs[i]; err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", l.Group, err))
			continue
		}
		left = append(left, l.Group)
		if k, ok := a.snap.UserGroupIndex(l.GroupID); ok {
			a.snap.SetUserGroupMember(k, l.UserID, false)
		}
	}
	if u, ok := a.snap.UserIndex(m.ch.UserID); ok && len(left) > 0 {
		a.index.Update(u)
	}
	a.dataChanged()
	if len(failed) > 0 {
		msg := fmt.Sprintf("%s leaving user group(s) failed for %s — %s", markFail, m.ch.UserLabel, strings.Join(failed, "; "))
		if len(left) > 0 {
			msg += "; left " + strings.Join(left, ", ")
		}
		return a.setFlash(flashErr, safe(msg))
	}
	return a.setFlash(flashOK, safe(fmt.Sprintf("%s %s left user group %s (%s revoked)", markOK, m.ch.UserLabel, strings.Join(left, ", "), m.ch.Group)))
}
