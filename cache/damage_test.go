package cache

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedCacheIsReportedNotRewritten damages a real cache file in the
// ways disks and interrupted copies do. Opening, loading and syncing into it
// must each either work on intact data or fail with an error that names the
// file and says it is damaged; no attempt may change a byte of it.
func TestDamagedCacheIsReportedNotRewritten(t *testing.T) {
	ctx := context.Background()
	users, groups := genTenant(3000, 10, 5, 3, 1)
	damages := map[string]func([]byte) []byte{
		"truncated to half":      func(b []byte) []byte { return b[:len(b)/2] },
		"only the first page":    func(b []byte) []byte { return b[:4096] },
		"bytes scribbled over":   func(b []byte) []byte { scribble(b[len(b)/3:len(b)/3+20000], 7); return b },
		"pages zeroed":           func(b []byte) []byte { clear(b[4096 : 4*4096]); return b },
		"last page half written": func(b []byte) []byte { scribble(b[len(b)-8192:], 13); return b }, // half of a 16 KiB page
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "acme.db")
			st, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.SaveSnapshot(ctx, input(users, groups)); err != nil {
				t.Fatal(err)
			}
			st.Close()
			foldForTest(t, path) // the damage is to the file: nothing of it left in the log
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			damaged := damage(data)
			if err := os.WriteFile(path, damaged, 0o600); err != nil {
				t.Fatal(err)
			}

			reported := 0
			check := func(op string, err error) {
				t.Helper()
				if err == nil {
					return
				}
				reported++
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrForeign) {
					t.Errorf("%s: %v is neither ErrCorrupt nor ErrForeign", op, err)
				}
				if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "damaged") {
					t.Errorf("%s: %q does not name the file and say it is damaged", op, msg)
				}
			}
			st, err = Open(path)
			check("open", err)
			if err == nil {
				_, lerr := st.Load(ctx)
				check("load", lerr)
				_, serr := st.SaveSnapshot(ctx, input(users[:50], groups))
				check("save", serr)
				if serr == nil {
					t.Error("a sync wrote into a damaged cache")
				}
				st.Close()
			}
			if reported == 0 {
				t.Fatal("the damage went unnoticed")
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, damaged) {
				t.Fatal("the damaged file was modified")
			}
		})
	}
}

func scribble(b []byte, k int) {
	for i := range b {
		b[i] = byte(i*k + 1)
	}
}
