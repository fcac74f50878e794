package access

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otaccess/otaccess/client/scimtest"
)

// TestSyncConcurrencyIsShared: users and groups are read at once, and
// Concurrency bounds their requests in flight together, not each.
func TestSyncConcurrencyIsShared(t *testing.T) {
	var inflight, peak atomic.Int32
	f := newFixtureWrapped(t, func(_ *scimtest.Server, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := inflight.Add(1)
			defer inflight.Add(-1)
			for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
			}
			time.Sleep(3 * time.Millisecond) // so requests overlap
			next.ServeHTTP(w, r)
		})
	})
	if _, err := f.svc.Sync(ctxT(t), f.opt); err != nil {
		t.Fatal(err)
	}
	if p := int(peak.Load()); p > f.opt.Concurrency || p < 2 {
		t.Fatalf("peak requests in flight %d, want 2..%d", p, f.opt.Concurrency)
	}
}
