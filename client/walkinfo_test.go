package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWalkInfo: the walk reports what a caller needs to tell a faithful copy
// of the list from one a changing or unstable server garbled.
func TestWalkInfo(t *testing.T) {
	tests := []struct {
		name       string
		srv        *listServer
		consistent bool
		check      func(t *testing.T, info WalkInfo)
	}{
		{name: "clean", srv: &listServer{ids: newIDs(35)}, consistent: true,
			check: func(t *testing.T, i WalkInfo) {
				if i.Total != 35 || i.PageSize != 10 {
					t.Errorf("%+v", i)
				}
			}},
		{name: "server caps pages", srv: &listServer{ids: newIDs(35), pageCap: func(int) int { return 7 }}, consistent: true,
			check: func(t *testing.T, i WalkInfo) {
				if i.PageSize != 7 {
					t.Errorf("page size %d, want the cap 7", i.PageSize)
				}
			}},
		{name: "total overstated", srv: &listServer{ids: newIDs(30), total: func(int) int { return 32 }},
			check: func(t *testing.T, i WalkInfo) {
				if i.Total != 32 || i.TotalChanged || i.Moved != 0 {
					t.Errorf("%+v", i)
				}
			}},
		{name: "total changes mid-walk", srv: &listServer{ids: newIDs(30), mutate: func(req int, ids []string) []string {
			if req == 2 {
				return ids[1:] // the first user is deleted: one is skipped
			}
			return ids
		}},
			check: func(t *testing.T, i WalkInfo) {
				if !i.TotalChanged {
					t.Errorf("%+v", i)
				}
			}},
		{name: "an item moves between pages", srv: &listServer{ids: newIDs(30), mutate: func(req int, ids []string) []string {
			if req == 2 {
				return append([]string{"front"}, ids[:len(ids)-1]...) // same total, shifted
			}
			return ids
		}},
			check: func(t *testing.T, i WalkInfo) {
				if i.Moved == 0 || i.TotalChanged {
					t.Errorf("%+v", i)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, tt.srv)
			var info WalkInfo
			users, err := c.AllUsers(ctxT(t), PageOptions{PageSize: 10, Concurrency: 1, Info: &info})
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Consistent(len(users)); got != tt.consistent {
				t.Errorf("Consistent(%d) = %v, want %v (%+v)", len(users), got, tt.consistent, info)
			}
			tt.check(t, info)
		})
	}
}

// TestTimeoutIsNamed: a server that does not answer within the per-request
// timeout gives an error that says so, and still matches DeadlineExceeded.
func TestTimeoutIsNamed(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	c, _ := newTestClient(t, h, func(o *Options) { o.Timeout = 50 * time.Millisecond; o.MaxRetries = 1 })
	_, err := c.GetUser(context.Background(), "u1")
	if err == nil || !strings.Contains(err.Error(), "timed out: no complete answer within 50ms") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if n := strings.Count(err.Error(), "/Users/u1"); n != 1 {
		t.Fatalf("URL appears %d times in %q", n, err)
	}
}
