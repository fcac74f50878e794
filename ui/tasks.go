package ui

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// Background work: every write, sync and reload runs in a tea.Cmd and comes
// back as one of these messages; Update applies the result to the snapshot.

type applyDoneMsg struct{ out access.Outcome }

type syncProgressMsg struct{ p access.SyncProgress }

type syncDoneMsg struct {
	snap *tenant.Snapshot
	info tenant.SyncInfo
	took time.Duration
	err  error
}

func (m applyDoneMsg) apply(a *Model) tea.Cmd { return a.applyDone(m) }

func (m syncProgressMsg) apply(a *Model) tea.Cmd {
	a.syncProg = m.p
	return nil
}

func (m syncDoneMsg) apply(a *Model) tea.Cmd { return a.syncDone(m) }

func pendingKey(userID, groupID string) string { return userID + "\x00" + groupID }

// isPending reports a change in flight for user u and group g.
func (a *Model) isPending(u, g int) bool {
	if len(a.pending) == 0 || u < 0 || g < 0 {
		return false
	}
	_, ok := a.pending[pendingKey(a.snap.Users[u].ID, a.snap.Groups[g].ID)]
	return ok
}

// groupRequest abbreviates "PATCH /Groups/{roleId}:{orgId}" for dialogs.
func groupRequest(ch access.Change) string {
	ids := strings.Split(ch.GroupID, ":")
	for i := range ids {
		ids[i] = shortID(ids[i])
	}
	op := "add"
	if !ch.Grant {
		op = "remove"
	}
	return fmt.Sprintf("PATCH /Groups/%s (%s 1 member)", strings.Join(ids, ":"), op)
}

// confirmChange asks before granting or revoking group g for user u.
func (a *Model) confirmChange(u, g int, grant bool) tea.Cmd {
	verb := "grant"
	if !grant {
		verb = "revoke"
	}
	if !a.requireOnline(verb) {
		return nil
	}
	var kept []string
	if !grant {
		plan := access.PlanRevoke(a.snap, u, g)
		if !plan.Direct && len(plan.Leaves) > 0 {
			return a.confirmLeave(u, g, plan)
		}
		kept = plan.KeptAfterDirect()
	}
	ch := access.NewChange(a.snap, u, g, grant)
	if _, busy := a.pending[pendingKey(ch.UserID, ch.GroupID)]; busy {
		a.setFlash(flashInfo, "that change is already running")
		return nil
	}
	usr := &a.snap.Users[u]
	grp := &a.snap.Groups[g]
	what := fmt.Sprintf("group %q", safe(grp.DisplayName))
	if !grp.Plain() {
		what = fmt.Sprintf("role %q in organization %q", safe(a.snap.Roles[grp.Role].Name), safe(a.snap.Orgs[grp.Org].Name))
	}
	who := safe(usr.Label())
	if n := usr.Name(); n != "" && n != usr.Label() {
		who += " (" + safe(n) + ")"
	}
	var title, yes string
	var body []string
	if grant {
		title, yes = "Grant access", "Yes, grant"
		body = []string{"Grant " + what, "to " + who}
	} else {
		title, yes = "Revoke access", "Yes, revoke"
		body = []string{"Revoke " + what, "from " + who}
	}
	body = append(body, a.st.Muted.Render(groupRequest(ch)))
	if len(kept) > 0 {
		// Held both ways: say what the direct revoke leaves in place.
		body = append(body, "", "This removes the direct membership only: the user still",
			fmt.Sprintf("holds it through user group %s (revoke again to leave it).", safeJoin(kept)))
	}
	a.openDialog(a.newConfirm(title, body, yes, func(a *Model) tea.Cmd { return a.startApply(ch) }))
	return nil
}

// startApply sends one change in the background.
func (a *Model) startApply(ch access.Change) tea.Cmd {
	if !a.requireOnline(ch.Verb()) {
		return nil
	}
	a.flash = flash{}
	a.pending[pendingKey(ch.UserID, ch.GroupID)] = ch
	svc, ctx := a.svc, a.ctx
	return tea.Batch(a.startSpinner(), func() tea.Msg {
		return applyDoneMsg{out: svc.Apply(ctx, ch)}
	})
}

// applyDone folds a write's outcome into the snapshot: what the server
// holds now, whether or not the write succeeded.
func (a *Model) applyDone(msg applyDoneMsg) tea.Cmd {
	out := msg.out
	ch := out.Change
	a.noteReach(out.Err)
	delete(a.pending, pendingKey(ch.UserID, ch.GroupID))
	if a.snap != nil {
		switch {
		case out.Deleted:
			a.snap.RemoveUser(ch.UserID)
		case out.Reread != nil:
			i := a.snap.ReplaceUser(*out.Reread)
			a.index.Update(i)
		default:
			u, okU := a.snap.UserIndex(ch.UserID)
			g, okG := a.snap.GroupIndex(ch.GroupID)
			if okU && okG {
				a.snap.SetMember(u, g, out.Member)
			}
		}
		a.dataChanged()
	}
	notes := ""
	if len(out.Notes) > 0 {
		notes = " — " + strings.Join(out.Notes, "; ")
	}
	if access.IsNotSent(out.Err) {
		// Nothing reached the server: not "failed", and not "unknown".
		return a.setFlash(flashErr, fmt.Sprintf("%s %s %v%s", markFail, ch.Describe(), out.Err, notes))
	}
	if out.Err != nil {
		state := "unchanged"
		if out.Member {
			state = "is a member"
		} else if out.Reread != nil {
			state = "is not a member"
		}
		if out.Deleted {
			state = "the user no longer exists"
		}
		return a.setFlash(flashErr, fmt.Sprintf("%s %s failed (%s): %v%s", markFail, ch.Describe(), state, out.Err, notes))
	}
	if out.NoOp {
		return a.setFlash(flashInfo, "nothing to do: the server already had it so ("+ch.Describe()+")"+notes)
	}
	return a.setFlash(flashOK, markOK+" "+ch.Past()+notes)
}

// startSync re-reads the tenant in the background, streaming progress.
func (a *Model) startSync() tea.Cmd {
	if a.syncing {
		return a.setFlash(flashInfo, "a sync is already running")
	}
	if !a.requireOnline("sync") {
		return nil
	}
	a.flash = flash{}
	a.syncing = true
	a.syncProg = access.SyncProgress{}
	svc, ctx, opt, now := a.svc, a.ctx, a.opts.SyncOptions, a.clock
	return tea.Batch(a.startSpinner(), startStream(ctx, 16, func(s *stream) result {
		start := now()
		// Progress may be dropped; the result never is.
		opt.Progress = func(p access.SyncProgress) { s.offer(syncProgressMsg{p: p}) }
		info, err := svc.Sync(ctx, opt)
		var snap *tenant.Snapshot
		if err == nil {
			snap, err = svc.Load(ctx)
		}
		return syncDoneMsg{snap: snap, info: info, took: now().Sub(start), err: err}
	}))
}

func (a *Model) syncDone(msg syncDoneMsg) tea.Cmd {
	a.syncing = false
	a.noteReach(msg.err)
	if rl, ok := access.AsRateLimit(msg.err); ok {
		return a.setRateFlash(rl)
	}
	if msg.err != nil {
		return a.setFlash(flashErr, markFail+" "+msg.err.Error())
	}
	a.setSnapshot(msg.snap)
	s := msg.snap.Info
	took := msg.took.Round(100 * time.Millisecond)
	if took == 0 { // a small tenant: "in 40ms", not "in 0s"
		took = msg.took.Round(time.Millisecond)
	}
	return tea.Batch(a.setFlash(flashOK, fmt.Sprintf("%s synced %s, %s, %s in %s", markOK,
		numfmt.Count(s.Users, "user", "users"), numfmt.Count(s.Groups, "group", "groups"),
		numfmt.Count(s.Memberships, "membership", "memberships"), took)), releaseMemory)
}

// releaseMemory gives the memory the old snapshot and the sync used back
// to the system, off the UI's goroutine. Without it the heap stayed at
// the size the sync grew it to (the collector's goal is twice what is
// live), and the TUI's memory after a few re-syncs was several times its
// memory after the first load.
func releaseMemory() tea.Msg {
	debug.FreeOSMemory()
	return MemoryReleased{}
}

// MemoryReleased says a load's or re-sync's memory has been given back to
// the system (after the first frame, see Init, and after each re-sync).
// The UI builds the filter index on it; a driver that measures the TUI's
// memory (otaccess bench) waits for it, as Bubble Tea's runtime would have
// run the command by then.
type MemoryReleased struct{}

// noteReach follows whether the tenant can be reached from what a request
// to it gave: one that could not be sent marks it unreachable, one that
// succeeded reachable again; other errors (the server answered) say
// nothing new.
func (a *Model) noteReach(errs ...error) {
	for _, err := range errs {
		switch {
		case err == nil:
			a.unreachable = false
		case access.IsNotSent(err):
			a.unreachable = true
		}
	}
}
