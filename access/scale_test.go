package access

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/otaccess/otaccess/cache"
	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestAccessSyncAtScale measures what reading the access APIs adds to a
// sync of the reference tenant (100,000 users, 40 roles x 50 orgs, 200
// user groups): requests, wall time and CPU with and without them, at the
// latency in OTACCESS_SCALE (e.g. OTACCESS_SCALE=20ms). It is a
// measurement, not a test: skipped unless asked for, and it asserts no
// timing.
func TestAccessSyncAtScale(t *testing.T) {
	lat, err := time.ParseDuration(os.Getenv("OTACCESS_SCALE"))
	if err != nil {
		t.Skip("set OTACCESS_SCALE=<latency> to measure")
	}
	srv := scimtest.NewTestServer(t, scimtest.Config{Users: 100_000, Roles: 40, Orgs: 50, Seed: 1, Token: testToken, Latency: lat})
	run := func(scimOnly bool, i int) (time.Duration, time.Duration, int64) {
		st, err := cache.Open(filepath.Join(t.TempDir(), fmt.Sprintf("c%d.db", i)))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		svc := New(srv.NewClient(t, client.Options{RequestsPerMinute: client.DefaultRequestsPerMinute}), st, "scale")
		srv.ResetRateLimits()
		before := srv.Requests()
		var ru0, ru1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		info, err := svc.Sync(ctx, SyncOptions{SCIMOnly: scimOnly, Deadline: 10 * time.Minute})
		took := time.Since(start)
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		if err != nil {
			t.Fatal(err)
		}
		if !scimOnly && (!info.Access.Logins.Read || !info.Access.UserGroups.Read) {
			t.Fatalf("access %+v", info.Access)
		}
		cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
		return took, cpu, srv.Requests() - before
	}
	for i := range 2 {
		a, ac, an := run(true, 2*i)
		b, bc, bn := run(false, 2*i+1)
		t.Logf("run %d at %s: SCIM only %s (CPU %s, %d requests); with the access APIs %s (CPU %s, %d requests): %.2fx time, %d more requests",
			i+1, lat, a.Round(time.Millisecond), ac.Round(time.Millisecond), an, b.Round(time.Millisecond), bc.Round(time.Millisecond), bn, b.Seconds()/a.Seconds(), bn-an)
	}
}
