package ui

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"
)

type countMsg struct {
	n    int
	seen *[]int
}

func (m countMsg) apply(*Model) tea.Cmd {
	*m.seen = append(*m.seen, m.n)
	return nil
}

// A stream's results arrive in order, each re-arming the wait for the
// next, and its final result ends it; offered progress may be dropped when
// Update is behind, sent results never are.
func TestStream(t *testing.T) {
	var seen []int
	release := make(chan struct{})
	cmd := startStream(context.Background(), 2, func(s *stream) result {
		s.send(countMsg{1, &seen})
		s.send(countMsg{2, &seen})
		s.offer(countMsg{-1, &seen}) // the buffer is full: dropped
		close(release)
		s.send(countMsg{3, &seen})
		return countMsg{4, &seen}
	})
	<-release
	m := New(Options{})
	msg := cmd()
	for msg != nil {
		r, ok := msg.(result)
		if !ok {
			t.Fatalf("%T is not a result", msg)
		}
		msg = nil
		if next := r.apply(m); next != nil {
			msg = next() // tea.Batch of nil and the wait is the wait itself
		}
	}
	if len(seen) != 4 || seen[0] != 1 || seen[1] != 2 || seen[2] != 3 || seen[3] != 4 {
		t.Fatalf("results %v, want [1 2 3 4]", seen)
	}
}
