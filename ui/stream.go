package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"
)

// result is every message background work sends back. Update hands it to
// apply, which folds it into the model on the update goroutine and returns
// what comes next: one way back for one-shot commands and streams alike.
type result interface{ apply(a *Model) tea.Cmd }

// stream is background work that sends a sequence of results to Update
// (progress, one step at a time) and ends with a final one. It replaces the
// goroutine + channel + wait that sync, deprovision and review apply each
// wrote for themselves.
type stream struct {
	ch  chan tea.Msg
	ctx context.Context // when it ends, sends give up: nobody is reading
}

// streamed carries one result of a stream; unless it is the last, applying
// it also waits for the next.
type streamed struct {
	s    *stream
	r    result
	last bool
}

func (m streamed) apply(a *Model) tea.Cmd {
	cmd := m.r.apply(a)
	if m.last {
		return cmd
	}
	return tea.Batch(cmd, m.s.next())
}

// startStream runs work in a goroutine with room for buf results in
// flight. work sends intermediate results with send (or offer) and returns
// the final one.
func startStream(ctx context.Context, buf int, work func(s *stream) result) tea.Cmd {
	s := &stream{ch: make(chan tea.Msg, buf), ctx: ctx}
	go func() { s.deliver(streamed{s: s, r: work(s), last: true}) }()
	return s.next()
}

// send delivers r, waiting for room unless the stream's context has ended.
func (s *stream) send(r result) { s.deliver(streamed{s: s, r: r}) }

// offer delivers r only if there is room: progress that Update is behind on
// may be dropped, as the next report supersedes it.
func (s *stream) offer(r result) {
	select {
	case s.ch <- streamed{s: s, r: r}:
	default:
	}
}

func (s *stream) deliver(m tea.Msg) {
	select { // room in the buffer wins over an ended context
	case s.ch <- m:
		return
	default:
	}
	select {
	case s.ch <- m:
	case <-s.ctx.Done():
	}
}

// next waits for the stream's next result.
func (s *stream) next() tea.Cmd { return func() tea.Msg { return <-s.ch } }
