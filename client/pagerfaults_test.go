package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMalformedPageRetriedOnce: a list page that does not decode is asked
// for once more; a second bad answer fails; a single resource is not
// asked for again.
func TestMalformedPageRetriedOnce(t *testing.T) {
	bad := step{status: 200, body: `{"totalResults":1,"Resources":[{"id":"u1"`}
	good := step{status: 200, body: `{"totalResults":1,"Resources":[{"id":"u1"}]}`}
	list := func(ctx context.Context, c *Client) error { _, err := c.ListUsers(ctx, ListParams{}); return err }
	for _, tc := range []struct {
		name     string
		steps    []step
		call     func(context.Context, *Client) error
		wantReqs int
		wantErr  bool
	}{
		{"list page bad once", []step{bad, good}, list, 2, false},
		{"list page bad twice", []step{bad, bad, good}, list, 2, true},
		{"single user bad", []step{bad, {status: 200, body: okUser}}, getU1, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := &sequence{steps: tc.steps}
			c, _ := newTestClient(t, seq, func(o *Options) { o.Clock = &waits{} })
			err := tc.call(ctxT(t), c)
			if (err != nil) != tc.wantErr || seq.count() != tc.wantReqs {
				t.Fatalf("err = %v, requests = %d; want error %v after %d", err, seq.count(), tc.wantErr, tc.wantReqs)
			}
			if err != nil && !strings.Contains(err.Error(), "not valid SCIM JSON") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestWalkSaysItWaitsAndEndsAtTheDeadline: a server that never answers.
// The walk's progress hears that it waits for an answer; the sync's
// deadline (here given by the test once that was heard) ends it with the
// deadline's own words, not "context deadline exceeded".
func TestWalkSaysItWaitsAndEndsAtTheDeadline(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c, _ := newTestClient(t, h, func(o *Options) { o.SlowAnswer = 1 })
	ctx, cancel := context.WithCancelCause(ctxT(t))
	defer cancel(nil)
	var mu sync.Mutex
	var heard []Wait
	_, err := c.AllUsers(ctx, PageOptions{Waiting: func(w Wait) {
		mu.Lock()
		defer mu.Unlock()
		if heard = append(heard, w); len(heard) == 1 {
			cancel(&DeadlineError{After: 2 * time.Minute})
		}
	}})
	mu.Lock()
	defer mu.Unlock()
	if len(heard) < 2 || heard[0].For != "an answer from the server" {
		t.Fatalf("progress heard %+v", heard)
	}
	if heard[len(heard)-1].Waiting() {
		t.Fatalf("the last wait heard is %+v; want the zero Wait once the answer is no longer awaited", heard[len(heard)-1])
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "not done within the sync's deadline of 2m0s") {
		t.Fatalf("err = %v", err)
	}
}

// TestBodyBudgetIsShared: bodies read at once share one budget of
// MaxResponseBytes; a body that does not fit waits for room rather than
// adding to it.
func TestBodyBudgetIsShared(t *testing.T) {
	bb := newBodyBudget(1000)
	ctx := ctxT(t)
	a, releaseA, err := bb.read(ctx, bytes.NewReader(make([]byte, 600)), 600, 1000)
	if err != nil || len(a) != 600 {
		t.Fatalf("a: %d bytes, %v", len(a), err)
	}
	done := make(chan error, 1)
	go func() {
		b, releaseB, err := bb.read(ctx, bytes.NewReader(make([]byte, 600)), 600, 1000)
		if err == nil && len(b) != 600 {
			err = fmt.Errorf("b: %d bytes", len(b))
		}
		if releaseB != nil {
			releaseB()
		}
		done <- err
	}()
	// Until b is queued for room a one-byte try succeeds; then it cannot.
	for bb.sem.TryAcquire(1) {
		bb.sem.Release(1)
		runtime.Gosched()
	}
	select {
	case err := <-done:
		t.Fatalf("b was read while a held the budget (err %v)", err)
	default:
	}
	releaseA()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bb.sem.TryAcquire(1001) {
		t.Fatal("room was not given back")
	}
}

// TestBodyBudgetUnknownLengths: bodies without a Content-Length take room
// in growing steps. Of two that need more than is left while holding
// some, one waits for room and the other gives its room back and fails
// (to be retried): they cannot wait for each other.
func TestBodyBudgetUnknownLengths(t *testing.T) {
	const c = firstChunk
	bb := newBodyBudget(4 * c)
	ctx := ctxT(t)
	_, releaseA, err := bb.read(ctx, bytes.NewReader(make([]byte, c)), -1, 4*c)
	if err != nil {
		t.Fatal(err)
	}
	// a holds 2c (c, and c more to see its end); b gets 2c, then needs 2c.
	bb.grow.Lock() // as if a third body were waiting for room
	_, _, err = bb.read(ctx, bytes.NewReader(make([]byte, 3*c)), -1, 4*c)
	bb.grow.Unlock()
	if !errors.Is(err, errBodiesBusy) {
		t.Fatalf("err = %v, want errBodiesBusy", err)
	}
	done := make(chan error, 1)
	go func() {
		b, release, err := bb.read(ctx, bytes.NewReader(make([]byte, 3*c)), -1, 4*c)
		if err == nil {
			if len(b) != 3*c {
				err = fmt.Errorf("%d bytes", len(b))
			}
			release()
		}
		done <- err
	}()
	for bb.sem.TryAcquire(1) { // until b waits for room
		bb.sem.Release(1)
		runtime.Gosched()
	}
	releaseA()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bb.sem.TryAcquire(4*c + 1) {
		t.Fatal("room was not given back")
	}
}

// TestWalkWithinBodyBudget: pages bigger than a share of the budget still
// all arrive at full concurrency, one after another as room frees.
func TestWalkWithinBodyBudget(t *testing.T) {
	s := &listServer{ids: newIDs(400)}
	c, _ := newTestClient(t, s, func(o *Options) { o.MaxResponseBytes = 8 << 10 })
	us, err := c.AllUsers(ctxT(t), PageOptions{PageSize: 50, Concurrency: 8})
	if err != nil || len(us) != 400 {
		t.Fatalf("%d users, %v", len(us), err)
	}
}
