package access

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A sync allocates about ten times what it keeps (a page's JSON, its
// decoded users, the page packed for the cache), and with the collector's
// default pacing the heap grows to twice what is live before a collection:
// at 100,000 users the process peaked at 2.5 times the memory the sync
// needed. memoryBudget sets a soft limit (runtime/debug.SetMemoryLimit)
// from the tenant's size once the first page says it: what the process
// held when the sync began, plus budgetBase, plus budgetPerUser for every
// user. Under it the collector runs more often (the sync's heap is small,
// so each run is cheap), never instead of the sync: a soft limit is
// exceeded rather than thrashed against. A GOMEMLIMIT the user set wins.
const (
	budgetBase    = 64 << 20
	budgetPerUser = 1536
)

type memoryBudget struct {
	once sync.Once
	held uint64 // heap live when the sync began
	prev int64  // the limit before, restored by release
	set  bool
}

// newMemoryBudget notes the process's live heap; nil when GOMEMLIMIT is set.
func newMemoryBudget() *memoryBudget {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	b := &memoryBudget{}
	if s[0].Value.Kind() == metrics.KindUint64 {
		b.held = s[0].Value.Uint64()
	}
	return b
}

// forUsers sets the limit for a tenant of users, once.
func (b *memoryBudget) forUsers(users int) {
	if b == nil || users <= 0 {
		return
	}
	b.once.Do(func() {
		limit := b.held + budgetBase + uint64(users)*budgetPerUser
		if limit > math.MaxInt64 {
			return
		}
		b.prev = debug.SetMemoryLimit(int64(limit))
		b.set = true
	})
}

// release restores the limit there was before the sync.
func (b *memoryBudget) release() {
	if b == nil {
		return
	}
	b.once.Do(func() {}) // no limit set from here on
	if b.set {
		debug.SetMemoryLimit(b.prev)
	}
}
