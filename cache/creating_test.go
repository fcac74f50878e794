package cache

import (
	"os"
	"path/filepath"
	"testing"
)

// TestNewCacheAppearsWhole: a new cache is built in a file of its own and
// only then linked into place, so another process opening the path at the
// same moment finds either nothing or a whole cache, never a file SQLite has
// begun to write (seen as a failed TestTwoProcessesSyncOneCache: "not a
// SQLite database").
func TestNewCacheAppearsWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.db")
	published := 0
	old := beforePublish
	beforePublish = func(tmp, abs string) {
		published++
		if published > 1 {
			return // the second open's own publish: it wins the race
		}
		if _, err := os.Lstat(abs); !os.IsNotExist(err) {
			t.Errorf("the cache path exists before the new cache is finished: %v", err)
		}
		if exists, err := checkHeader(tmp); !exists || err != nil {
			t.Errorf("the new cache is not whole when it is published: exists %v, %v", exists, err)
		}
		st, err := Open(abs) // another process, at this very moment
		if err != nil {
			t.Errorf("a second open while the first publishes: %v", err)
			return
		}
		st.Close()
	}
	t.Cleanup(func() { beforePublish = old })
	st, err := Open(path)
	if err != nil {
		t.Fatalf("open after losing the race to publish: %v", err)
	}
	if st.created {
		t.Error("the open that lost the race says it created the cache")
	}
	st.Close()
	if published != 2 {
		t.Fatalf("published %d times, want 2 (each open built its own)", published)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "c.db" && e.Name() != "c.db-wal" && e.Name() != "c.db-shm" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestZeroFileIsForeign: a file of zeros is not a cache; it is refused and
// left as it was.
func TestZeroFileIsForeign(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	if err := os.WriteFile(path, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil {
		t.Fatal("a file of zeros was opened as a cache")
	}
	b, _ := os.ReadFile(path)
	if len(b) != 4096 {
		t.Fatal("the foreign file was changed")
	}
	for _, c := range b {
		if c != 0 {
			t.Fatal("the foreign file was changed")
		}
	}
}
