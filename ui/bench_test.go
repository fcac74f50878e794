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
