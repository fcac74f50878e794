package client

import (
	"context"
	"errors"
	"io"
	"sync"

	"golang.org/x/sync/semaphore"
)

// bodyBudget bounds the bytes of response bodies that all of a client's
// requests hold at once, not only each one's: without it a hostile server
// answering every page of a 32-wide sync with 64 MiB made the sync hold
// 2 GiB. A body holds its share from the first byte read until it has
// been decoded (see Client.do).
type bodyBudget struct {
	sem  *semaphore.Weighted
	size int64
	// grow is held by the one body that waits for room while holding some
	// already; others in that position give up their room and retry later,
	// so two bodies can never each wait for the other's share.
	grow sync.Mutex
}

func newBodyBudget(limit int64) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(limit + 1), size: limit + 1}
}

// errBodiesBusy is transient: the answer could not be read alongside the
// others in flight; the request is sent again after a backoff.
var errBodiesBusy = errors.New("too many large answers at once for the response size limit; will retry")

// firstChunk is the room taken first for a body of unknown length; it
// doubles as the body grows.
const firstChunk = 64 << 10

// read reads r (at most limit+1 bytes, so the caller can tell "too
// large") within the budget. contentLength < 0 means unknown. release
// gives the room back; the body must not be used after it.
func (bb *bodyBudget) read(ctx context.Context, r io.Reader, contentLength, limit int64) (body []byte, release func(), err error) {
	var held int64
	release = func() {
		if held > 0 {
			bb.sem.Release(held)
			held = 0
		}
	}
	reserve := func(n int64) error {
		switch {
		case held == 0:
			if err := bb.sem.Acquire(ctx, n); err != nil {
				return err
			}
		case bb.sem.TryAcquire(n):
		case bb.grow.TryLock():
			defer bb.grow.Unlock()
			if err := bb.sem.Acquire(ctx, n); err != nil {
				return err
			}
		default:
			return errBodiesBusy
		}
		held += n
		return nil
	}
	ceiling := limit + 1
	want := int64(firstChunk)
	if contentLength >= 0 && contentLength <= limit {
		want = contentLength + 1 // room to see the end
	}
	buf := pooledBuffer(int(min(want, ceiling)))
	for {
		if int64(len(buf)) == held {
			if held >= ceiling {
				break // limit+1 bytes read: too large
			}
			if err := reserve(min(max(want, held), ceiling-held)); err != nil {
				release()
				return nil, nil, err
			}
		}
		if int64(cap(buf)) < held {
			grown := make([]byte, len(buf), held)
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):held])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, release, nil
		}
		if err != nil {
			release()
			return nil, nil, err
		}
	}
	return buf, release, nil
}

// bodies holds response buffers whose content has been decoded: a sync
// reads ~1.4 MB per page of users, and as much fresh garbage per page made
// the collector run twice as often.
var bodies sync.Pool

func pooledBuffer(size int) []byte {
	if p, _ := bodies.Get().(*[]byte); p != nil && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

// recycle returns a decoded body's buffer; nothing may use b afterwards.
func recycle(b []byte) {
	b = b[:0]
	bodies.Put(&b)
}
