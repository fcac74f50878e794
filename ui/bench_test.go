package ui

import (
	"fmt"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

var (
	benchMu    sync.Mutex
	benchSnaps = map[int]*tenant.Snapshot{}
)

// benchSnapshot builds a tenant of n users (40 roles x 50 orgs at scale)
// straight from the generator: the benchmarks measure the UI, not a sync.
func benchSnapshot(b *testing.B, n int) *tenant.Snapshot {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if s, ok := benchSnaps[n]; ok {
		return s
	}
	srv := scimtest.NewServer(scimtest.Config{Users: n, Roles: 40, Orgs: 50, Seed: 1})
	info := tenant.SyncInfo{FinishedAt: time.Date(2026, 11, 21, 9, 12, 0, 0, time.UTC)}
	s := tenant.NewSnapshot(info, access.ReadUsers(srv.Users()), access.ReadGroups(srv.Groups()))
	benchSnaps[n] = s
	return s
}

func benchModel(b *testing.B, n int) *Model {
	snap := benchSnapshot(b, n)
	m := New(Options{Snapshot: snap, Tenant: "acme.onetrust.com", Mode: "offline",
		Now: func() time.Time { return snap.Info.FinishedAt.Add(4 * time.Minute) }})
	m.noTimers = true
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	return m
}

// BenchmarkUsersView renders the users list: the cost must not depend on
// the number of users (only the visible rows are rendered).
func BenchmarkUsersView(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			m := benchModel(b, n)
			m.Update(keyMsg("pgdown")) // somewhere in the middle
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkFilterKeystroke types into the filter and deletes again, one
// keystroke per iteration, with the default and a non-default sort order.
func BenchmarkFilterKeystroke(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		for _, sorted := range []bool{false, true} {
			name := fmt.Sprintf("users=%d", n)
			if sorted {
				name += "/sort=roles"
			}
			b.Run(name, func(b *testing.B) {
				m := benchModel(b, n)
				if sorted {
					m.Update(keyMsg("s"))
					m.Update(keyMsg("s"))
					m.Update(keyMsg("s"))
				}
				m.Update(keyMsg("/"))
				for _, r := range "ann" {
					m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
				}
				b.ReportAllocs()
				b.ResetTimer()
				i := 0
				for b.Loop() {
					if i%2 == 0 {
						m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
					} else {
						m.Update(keyMsg("backspace"))
					}
					i++
				}
			})
		}
	}
}

// runCmd runs cmd and what it batches, as Bubble Tea would, and feeds the
// messages back to m (timers are off in these models: no ticks come).
func runCmd(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			runCmd(m, c)
		}
	default:
		_, next := m.Update(msg)
		runCmd(m, next)
	}
}

// BenchmarkFirstKeystroke is the first key typed into the filter of a
// freshly opened UI, after its first frame and what Init started (as a
// person types: not within a frame of the window opening). It must cost
// no more than a later keystroke (BenchmarkFilterKeystroke): the filter
// index is built in the background, not on the first key.
// The "later" case types the same key after one typed and deleted, so the
// two differ only in being first.
func BenchmarkFirstKeystroke(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		for _, later := range []bool{false, true} {
			name := fmt.Sprintf("users=%d/first", n)
			if later {
				name = fmt.Sprintf("users=%d/later", n)
			}
			b.Run(name, func(b *testing.B) {
				benchSnapshot(b, n)
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					m := benchModel(b, n)
					runCmd(m, m.Init())
					_ = m.View()
					m.Update(keyMsg("/"))
					if later {
						m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
						m.Update(keyMsg("backspace"))
					}
					b.StartTimer()
					m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
				}
			})
		}
	}
}
