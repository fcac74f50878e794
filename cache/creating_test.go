package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOpenWaitsForAFileBeingCreated: another process has extended a new cache
// file but not yet written its first page. Open waits for the header rather
// than calling the file foreign (seen as a failed TestTwoProcessesSyncOneCache).
func TestOpenWaitsForAFileBeingCreated(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.db")
	st, err := Open(real)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	done, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "c.db")
	if err := os.WriteFile(path, make([]byte, len(done)), 0o600); err != nil {
		t.Fatal(err)
	}
	waits := 0
	old := awaitCreator
	awaitCreator = func(time.Duration) {
		waits++
		if waits == 2 { // the creator finishes while Open waits
			if err := os.WriteFile(path, done, 0o600); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(func() { awaitCreator = old })
	st, err = Open(path)
	if err != nil {
		t.Fatalf("open while being created: %v", err)
	}
	st.Close()
	if waits != 2 {
		t.Fatalf("waited %d times, want 2", waits)
	}
}

// TestZeroFileIsForeignInTheEnd: a file of zeros that never gets a header is
// refused after the wait, and left as it was.
func TestZeroFileIsForeignInTheEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	if err := os.WriteFile(path, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	waits := 0
	old := awaitCreator
	awaitCreator = func(time.Duration) { waits++ }
	t.Cleanup(func() { awaitCreator = old })
	if _, err := Open(path); err == nil {
		t.Fatal("a file of zeros was opened as a cache")
	}
	if waits != headerRetries {
		t.Fatalf("waited %d times, want %d", waits, headerRetries)
	}
	if b, _ := os.ReadFile(path); len(b) != 4096 || !allZero(b) {
		t.Fatal("the foreign file was changed")
	}
}
