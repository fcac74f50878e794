package access

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// A tenant that lists one user without an id and one under another user's
// id: the sync can keep neither, and says how many it dropped; a review on
// such a snapshot would silently miss them, so it does not start.
func TestSyncReportsUsersItDropped(t *testing.T) {
	var corrupt bool
	var noID, dup string // userNames
	var dupID string
	f := newFixtureWrapped(t, func(_ *scimtest.Server, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !corrupt || r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/Users") {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var page map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
				t.Errorf("page: %v", err)
				return
			}
			res, _ := page["Resources"].([]any)
			for _, it := range res {
				u := it.(map[string]any)
				switch u["userName"] {
				case noID:
					u["id"] = ""
				case dup:
					u["id"] = dupID
				}
			}
			body, _ := json.Marshal(page)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = bytes.NewReader(body).WriteTo(w)
		})
	})
	ctx := ctxT(t)
	users := f.srv.Users()
	noID, dup = users[3].UserName, users[12].UserName
	dupID = users[7].ID
	corrupt = true
	info, err := f.svc.Sync(ctx, f.opt)
	if err != nil {
		t.Fatal(err)
	}
	if info.Dropped != 2 || info.Users != len(users)-2 {
		t.Fatalf("sync info %+v: want 2 dropped and %d users", info, len(users)-2)
	}
	snap := f.load(t)
	for i := range snap.Users {
		if snap.Users[i].ID == "" {
			t.Fatal("a user without an id reached the cache")
		}
	}
	if snap.Info.Dropped != 2 {
		t.Fatalf("stored info %+v", snap.Info)
	}
	if _, err := f.svc.StartReview(ctx, "q", ReviewScope{}); err == nil || !strings.Contains(err.Error(), "dropped 2 users") {
		t.Fatalf("review start on a snapshot that dropped users: %v", err)
	}
	corrupt = false
	if info, err := f.svc.Sync(ctx, f.opt); err != nil || info.Dropped != 0 {
		t.Fatalf("clean sync: %+v %v", info, err)
	}
	if _, err := f.svc.StartReview(ctx, "q", ReviewScope{}); err != nil {
		t.Fatal(err)
	}
}
