package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
)

// The Changes screen compares the current snapshot with the previous sync
// by default; d on it picks another stored snapshot to compare with (the
// cache keeps dated snapshots, see cache.Retention). The choice holds
// until the screen is closed: a sync moves the current side, not the
// baseline the user chose.

// snapshotsMsg carries the cache's snapshot list to the chooser.
type snapshotsMsg struct {
	s    *diffScreen
	list []tenant.SyncInfo
	err  error
}

func (m snapshotsMsg) apply(a *Model) tea.Cmd {
	if m.err != nil {
		return a.setFlash(flashErr, markFail+" "+safe(m.err.Error()))
	}
	var older []tenant.SyncInfo
	for _, in := range m.list { // newest first
		if a.snap == nil || in.ID != a.snap.Info.ID {
			older = append(older, in)
		}
	}
	if len(older) == 0 {
		return a.setFlash(flashInfo, "the cache holds no other snapshot to compare with: sync again ("+keyName(a.keys.Sync)+")")
	}
	c := &snapshotChooser{s: m.s, list: older}
	if m.s.prev != nil {
		for i, in := range older {
			if in.ID == m.s.prev.Info.ID {
				c.cursor = i
			}
		}
	}
	a.openDialog(c)
	return nil
}

// chooseBaseline reads the stored snapshots and opens the chooser.
func (s *diffScreen) chooseBaseline(a *Model) tea.Cmd {
	svc, ctx := a.svc, a.ctx
	return func() tea.Msg {
		list, err := svc.Snapshots(ctx)
		return snapshotsMsg{s: s, list: list, err: err}
	}
}

// baselineMsg is a chosen snapshot, read.
type baselineMsg struct {
	s    *diffScreen
	snap *tenant.Snapshot
	err  error
}

func (m baselineMsg) apply(a *Model) tea.Cmd {
	if m.err != nil {
		return a.setFlash(flashErr, markFail+" "+safe(m.err.Error()))
	}
	s := m.s
	s.loaded, s.prev, s.err, s.chosen = true, m.snap, nil, true
	s.cur = a.snap
	s.list.cursor = 0
	s.rebuild(a)
	return nil
}

// snapshotChooser lists the stored snapshots, newest first.
type snapshotChooser struct {
	s      *diffScreen
	list   []tenant.SyncInfo
	cursor int
}

func (c *snapshotChooser) update(a *Model, m tea.Msg) (tea.Cmd, bool) {
	km, ok := m.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := a.keys
	switch {
	case matches(km, k.Input.Cancel), matches(km, k.Back):
		return nil, true
	case matches(km, k.Open), matches(km, k.Input.Submit):
		id, svc, ctx, s := c.list[c.cursor].ID, a.svc, a.ctx, c.s
		return func() tea.Msg {
			snap, err := svc.LoadSnapshot(ctx, id)
			return baselineMsg{s: s, snap: snap, err: err}
		}, true
	case matches(km, k.Down):
		c.cursor = min(c.cursor+1, len(c.list)-1)
	case matches(km, k.Up):
		c.cursor = max(c.cursor-1, 0)
	case matches(km, k.Home):
		c.cursor = 0
	case matches(km, k.End):
		c.cursor = len(c.list) - 1
	}
	return nil, false
}

func (c *snapshotChooser) view(a *Model, maxW, maxH int) []string {
	st := &a.st
	body := []string{"Compare the current snapshot with the sync of:", ""}
	rows := max(1, min(pickerRows, maxH-6))
	first := clamp(c.cursor-rows+1, 0, max(0, len(c.list)-rows))
	for i := first; i < len(c.list) && i < first+rows; i++ {
		in := c.list[i]
		line := fmt.Sprintf("#%-4d %s  %s users  %s memberships", in.ID, in.FinishedAt.Local().Format("2006-01-02 15:04"),
			numfmt.Commas(in.Users), numfmt.Commas(in.Memberships))
		if i == c.cursor {
			line = st.ButtonOn.Render(markCursor + " " + line)
		} else {
			line = "  " + line
		}
		body = append(body, line)
	}
	body = append(body, st.Muted.Render(numfmt.Count(len(c.list), "older snapshot", "older snapshots")+" in the cache"))
	return box(st, "Compare with", limitLines(body, maxH-2), maxW, 50)
}

func (c *snapshotChooser) hints(a *Model) []Binding {
	return []Binding{a.keys.Open, a.keys.Move, a.keys.Input.Cancel}
}
