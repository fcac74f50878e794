package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// Applying a review: the revocations decided, confirmed, run in the
// background, each result folded into the review and the snapshot.

// applySampleSize is how many revocations the confirmation names.
const applySampleSize = 5

func (s *reviewScreen) confirmApply(a *Model) tea.Cmd {
	switch {
	case s.applying:
		return a.setFlash(flashInfo, "the revocations are being applied")
	case !a.requireOnline("applying a review"):
		return nil
	case !s.saved():
		return a.setFlash(flashInfo, "saving decisions… press "+keyName(a.keys.Review.Apply)+" again in a moment")
	}
	todo := access.PendingRevocations(s.r)
	if len(todo) == 0 {
		return a.setFlash(flashInfo, fmt.Sprintf("nothing to apply: no pending revoke decision (%s undecided)", numfmt.Commas(s.r.Counts.Undecided)))
	}
	retries := 0
	for _, it := range todo {
		if it.ApplyStatus == tenant.ApplyFailed {
			retries++
		}
	}
	st := &a.st
	head := "Revoke " + numfmt.Count(len(todo), "membership", "memberships")
	if t := a.opts.Tenant; t != "" {
		head += " on " + safe(t)
	}
	body := []string{st.Bold.Render(head), "as decided in review " + safe(s.r.Name) + ":", ""}
	// Each is revoked the way the current snapshot shows it held: a PATCH
	// for direct access, leaving the user groups for access held only
	// through them (which takes the groups' other grants too).
	plans := access.PlanReviewRevokes(a.snap, todo)
	patches, leaves := 0, 0
	for _, p := range plans {
		if p.Direct {
			patches++
		} else {
			leaves += len(p.Leaves)
		}
	}
	for _, p := range plans[:min(len(plans), applySampleSize)] {
		line := "  " + safe(p.Item.Membership()) + st.Muted.Render(" from ") + safe(p.Item.UserLabel)
		switch {
		case !p.Direct:
			line += st.Muted.Render(" by leaving user group ") + safe(leaveNames(p.Leaves))
		case len(p.KeptVia) > 0:
			line += st.Muted.Render(" (still held through " + safe(strings.Join(p.KeptVia, ", ")) + ")")
		}
		body = append(body, line)
	}
	if n := len(todo) - applySampleSize; n > 0 {
		body = append(body, st.Muted.Render(fmt.Sprintf("  … and %s more", numfmt.Commas(n))))
	}
	if retries > 0 {
		body = append(body, "", fmt.Sprintf("%s failed before and %s retried.", numfmt.Count(retries, "revocation", "revocations"), map[bool]string{true: "is", false: "are"}[retries == 1]))
	}
	if note := access.UndecidedNote(s.r); note != "" {
		body = append(body, "", st.Bold.Render(note))
	}
	var sends []string
	if patches > 0 {
		sends = append(sends, numfmt.Count(patches, "PATCH", "PATCHes")+" /Groups/{roleId:orgId} (remove 1 member)")
	}
	if leaves > 0 {
		sends = append(sends, numfmt.Count(leaves, "DELETE", "DELETEs")+" of a user-group member (the group's other grants go too)")
	}
	body = append(body, "")
	for _, l := range sends {
		body = append(body, st.Muted.Render(l))
	}
	body = append(body, st.Muted.Render("every result goes to the review and the audit log."))
	yes := "Yes, revoke " + numfmt.Commas(len(todo))
	a.openDialog(a.newConfirm("Apply review "+safe(s.r.Name), body, yes, func(a *Model) tea.Cmd { return s.startApply(a) }))
	return nil
}

type reviewApplyStepMsg struct {
	s *reviewScreen
	p access.ReviewApplyProgress
}

type reviewApplyDoneMsg struct {
	s   *reviewScreen
	res access.ReviewApplyResult
	err error
}

// startApply runs the revocations in the background; each result comes
// back as a message, in order.
func (s *reviewScreen) startApply(a *Model) tea.Cmd {
	if !a.requireOnline("applying a review") || s.applying {
		return nil
	}
	s.applying = true
	s.progress = access.ReviewApplyProgress{}
	rc := *s.r // the goroutine gets its own copy of the items
	rc.Items = slices.Clone(s.r.Items)
	svc, ctx := a.svc, a.ctx
	return tea.Batch(a.setFlash(flashInfo, "applying review "+s.r.Name+"…"), startStream(ctx, 64, func(st *stream) result {
		res, err := svc.ApplyReview(ctx, &rc, access.ReviewApplyOptions{Progress: func(p access.ReviewApplyProgress) {
			st.send(reviewApplyStepMsg{s: s, p: p})
		}})
		return reviewApplyDoneMsg{s: s, res: res, err: err}
	}))
}

func (m reviewApplyStepMsg) apply(a *Model) tea.Cmd {
	s, p := m.s, m.p
	s.progress = p
	if s.byKey == nil { // a review may hold 300k items: no linear search per result
		s.byKey = make(map[tenant.ItemKey]int32, len(s.r.Items))
		for i := range s.r.Items {
			s.byKey[s.r.Items[i].Key()] = int32(i)
		}
	}
	if i, ok := s.byKey[p.Item.Key()]; ok {
		it := &s.r.Items[i]
		s.count(it, -1)
		it.ApplyStatus, it.ApplyError, it.AppliedAt = p.Item.ApplyStatus, p.Item.ApplyError, a.opts.Now()
		s.count(it, 1)
	}
	// The snapshot follows the tenant; other screens are refreshed once at
	// the end (SetMember shifts no index).
	if p.Err == nil && a.snap != nil {
		u, okU := a.snap.UserIndex(p.Item.UserID)
		g, okG := a.snap.GroupIndex(p.Item.GroupID)
		if okU && okG {
			a.snap.SetMember(u, g, false)
		}
	}
	return nil
}

func (m reviewApplyDoneMsg) apply(a *Model) tea.Cmd {
	s, res := m.s, m.res
	s.applying = false
	a.dataChanged()
	switch {
	case m.err != nil && !errors.Is(m.err, access.ErrOffline):
		return a.setFlash(flashErr, fmt.Sprintf("%s %d revoked, %d failed: %v", markFail, res.Applied, res.Failed, m.err))
	case m.err != nil:
		return a.setFlash(flashErr, markFail+" "+m.err.Error())
	case res.Failed > 0:
		first := res.Failures[0]
		return a.setFlash(flashErr, fmt.Sprintf("%s %d revoked, %d failed (press %s to retry them); first: %s from %s: %v",
			markFail, res.Applied, res.Failed, keyName(a.keys.Review.Apply), first.Item.Membership(), first.Item.UserLabel, first.Err))
	}
	return a.setFlash(flashOK, fmt.Sprintf("%s %d revoked, 0 failed", markOK, res.Applied))
}

// leaveNames names the user groups a revoke leaves.
func leaveNames(ls []access.Leave) string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = `"` + l.Group + `"`
	}
	return strings.Join(names, ", ")
}
