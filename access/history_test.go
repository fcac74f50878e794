package access

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestTenSyncsStayCompact (issue 12 item 5): ten syncs of a tenant that
// changes a little between them (an edited user, a membership granted)
// keep ten snapshots in a file at most 2.2x the size of a cache holding
// one: the snapshots share what did not change (see cache/blocks.go) and
// the pages freed are given back.
func TestTenSyncsStayCompact(t *testing.T) {
	if testing.Short() || raceEnabled {
		// The file's size does not depend on the race detector, which
		// makes these eleven syncs several minutes long on a busy machine.
		t.Skip("eleven syncs of 10k users")
	}
	srv := scimtest.NewTestServer(t, scimtest.Config{Users: 10_000, Roles: 10, Orgs: 5, Token: scimtest.TestToken})
	ctx := context.Background()
	dir := t.TempDir()
	size := func(path string, syncs int, change func(i int)) int64 {
		svc, err := Open(srv.NewClient(t, client.Options{}), path, "test")
		if err != nil {
			t.Fatal(err)
		}
		for i := range syncs {
			change(i)
			if _, err := svc.Sync(ctx, SyncOptions{}); err != nil {
				t.Fatal(err)
			}
			svc.Settle()
		}
		if list, err := svc.Snapshots(ctx); err != nil || len(list) != syncs {
			t.Fatalf("%d snapshots kept after %d syncs (%v)", len(list), syncs, err)
		}
		if err := svc.Close(); err != nil {
			t.Fatal(err)
		}
		// The housekeeping Settle waited for folded the log into the file
		// (closing does not): what is left of it counts too.
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		n := fi.Size()
		if wal, err := os.Stat(path + "-wal"); err == nil {
			n += wal.Size()
		}
		return n
	}
	one := size(filepath.Join(dir, "one.db"), 1, func(int) {})
	users := srv.Users()
	groups := srv.Groups()
	ten := size(filepath.Join(dir, "ten.db"), 10, func(i int) {
		if i == 0 {
			return
		}
		u := users[(i*997)%len(users)]
		if err := srv.UpdateUser(u.ID, func(u *client.User) { u.Title = fmt.Sprint("Title ", i) }); err != nil {
			t.Fatal(err)
		}
		if err := srv.SetMember(users[(i*7919)%len(users)].ID, groups[i%len(groups)].ID, true); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("one snapshot: %d bytes; ten: %d bytes (%.2fx)", one, ten, float64(ten)/float64(one))
	if float64(ten) > 2.2*float64(one) {
		t.Fatalf("ten snapshots take %d bytes, %.2fx one snapshot's %d: want at most 2.2x", ten, float64(ten)/float64(one), one)
	}
}
