package ui

import (
	"strings"
	"sync"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/tenant"
)

// The filter index of a snapshot is built in the background once the
// snapshot is installed (after the first frame, or after a re-sync), so
// that neither the first frame nor the first keystroke pays for it (at
// 100k users it is the bulk of a keystroke's cost). Until it is handed
// over, a query typed waits on screen ("indexing…") and is applied the
// moment the index is ready. The snapshot is not written to while the
// build reads it: every write to it first settles the build.

// indexBuild is one background build of a snapshot's index.
type indexBuild struct {
	ix      *tenant.Index
	once    sync.Once
	started atomic.Bool // a goroutine has taken it up
	done    chan struct{}
}

func newIndexBuild(snap *tenant.Snapshot) *indexBuild {
	return &indexBuild{ix: tenant.NewIndex(snap), done: make(chan struct{})}
}

// run builds the index, once, whoever calls it first; a second caller
// waits for the first.
func (b *indexBuild) run() {
	b.once.Do(func() {
		b.ix.Build()
		close(b.done)
	})
}

// indexReadyMsg says the background build b is done.
type indexReadyMsg struct{ b *indexBuild }

// indexCmd builds the pending index in the background (nil when none is
// pending).
func (a *Model) indexCmd() tea.Cmd {
	b := a.build
	if b == nil {
		return nil
	}
	hook := a.indexHook
	return func() tea.Msg {
		b.started.Store(true)
		if hook != nil {
			hook()
		}
		b.run()
		return indexReadyMsg{b}
	}
}

// indexReady installs a finished build, and applies the queries that
// waited for it.
func (a *Model) indexReady(msg indexReadyMsg) tea.Cmd {
	if msg.b != a.build {
		return nil // a snapshot replaced since, or already installed
	}
	a.index, a.build = msg.b.ix, nil
	if a.filterWaiting {
		a.filterWaiting = false
		a.dataChanged()
	}
	return nil
}

// settleIndex finishes the pending build before the snapshot is written
// to (the build reads it), waiting for the background one if it runs.
func (a *Model) settleIndex() {
	if b := a.build; b != nil {
		b.run()
		a.index, a.build = b.ix, nil
	}
}

// filterUsers returns the indexes of the users query matches, into dst.
// ok is false while the index is being built in the background: the
// caller keeps what it shows and is refreshed when the index is ready.
func (a *Model) filterUsers(query string, dst []int32) (users []int32, ok bool, err error) {
	if strings.TrimSpace(query) == "" {
		dst = dst[:0]
		for i := range a.snap.Users {
			dst = append(dst, int32(i))
		}
		return dst, true, nil
	}
	if a.index == nil && a.build != nil {
		b := a.build
		select {
		case <-b.done:
		default:
			if b.started.Load() {
				a.filterWaiting = true
				return dst, false, nil
			}
			// No goroutine has taken the build up (no program runs the
			// commands, as in tests that drive Update themselves):
			// build it here rather than wait for nothing.
			b.run()
		}
		a.index, a.build = b.ix, nil
	}
	users, err = a.index.Filter(query, dst)
	return users, true, err
}
