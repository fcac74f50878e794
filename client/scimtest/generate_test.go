package scimtest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// dump is the whole tenant as the API shows it.
func dump(t *testing.T, s *Server) []byte {
	t.Helper()
	b, err := json.Marshal(struct {
		Users  any
		Groups any
		Roles  any
		Orgs   any
	}{s.Users(), s.Groups(), s.Roles(), s.Orgs()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterminism(t *testing.T) {
	cfg := Config{Users: 500, Roles: 8, Orgs: 5, Seed: 42}
	a, b := dump(t, NewServer(cfg)), dump(t, NewServer(cfg))
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different tenant")
	}
	cfg.Seed = 43
	if bytes.Equal(a, dump(t, NewServer(cfg))) {
		t.Fatal("different seed, same tenant")
	}
	// Writes are deterministic too: same requests → same ids and timestamps.
	run := func() []byte {
		ts := newTS(t, Config{Users: 20, Seed: 42})
		do(t, ts, "POST", "/Users", postBody)
		u := ts.Users()[3]
		do(t, ts, "PATCH", "/Groups/"+ts.Groups()[2].ID, patch(addOp(u.ID)))
		// Ports differ between servers; locations are otherwise equal.
		return bytes.ReplaceAll(dump(t, ts.Server), []byte(ts.HTTPServer.URL), []byte("ROOT"))
	}
	if !bytes.Equal(run(), run()) {
		t.Fatal("same writes, different tenant")
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestGeneratedData(t *testing.T) {
	s := NewServer(Config{Users: 3000, Roles: 10, Orgs: 6, Seed: 8})
	users := s.Users()
	names, emails := map[string]bool{}, map[string]bool{}
	external, inactive, none, withManager := 0, 0, 0, 0
	for _, u := range users {
		if !uuidRE.MatchString(u.ID) {
			t.Fatalf("id %q", u.ID)
		}
		if names[strings.ToLower(u.UserName)] {
			t.Fatalf("duplicate userName %q", u.UserName)
		}
		names[strings.ToLower(u.UserName)] = true
		if u.UserName != u.PrimaryEmail() || !strings.Contains(u.UserName, "@") || strings.ContainsAny(u.UserName, " éü") {
			t.Fatalf("userName %q email %q", u.UserName, u.PrimaryEmail())
		}
		emails[u.PrimaryEmail()] = true
		if u.UserType == "External" {
			external++
		} else if u.UserType != "Internal" {
			t.Fatalf("userType %q", u.UserType)
		}
		if !u.Active {
			inactive++
		}
		if len(u.Groups) == 0 {
			none++
		}
		if u.Enterprise.Manager.Value != "" {
			withManager++
			if _, ok := s.User(u.Enterprise.Manager.Value); !ok {
				t.Fatalf("manager %q is not a user", u.Enterprise.Manager.Value)
			}
		}
		if time.Time(parse(u.Meta.Created)).IsZero() {
			t.Fatalf("created %q", u.Meta.Created)
		}
	}
	pct := func(n int) float64 { return 100 * float64(n) / float64(len(users)) }
	if p := pct(external); p < 11 || p > 19 {
		t.Errorf("external %.1f%%", p)
	}
	if p := pct(inactive); p < 5 || p > 11 {
		t.Errorf("inactive %.1f%%", p)
	}
	if p := pct(none); p < 1 || p > 3.5 {
		t.Errorf("no groups %.1f%%", p)
	}
	if withManager == 0 {
		t.Error("no managers")
	}
	for _, g := range s.Groups() {
		parts := strings.Split(g.ID, ":")
		if len(parts) != 2 || !uuidRE.MatchString(parts[0]) || !uuidRE.MatchString(parts[1]) {
			t.Fatalf("group id %q", g.ID)
		}
	}
	consistent(t, s)
}

func TestGeneratorScale(t *testing.T) {
	if testing.Short() {
		t.Skip("100k users: skipped with -short")
	}
	t0 := time.Now()
	s := NewServer(Config{Users: 100_000, Roles: 40, Orgs: 50, Seed: 1})
	d := time.Since(t0)
	if m := s.Memberships(); m < 250_000 || m > 350_000 {
		t.Errorf("%d memberships", m)
	}
	if n := len(s.groups); n != 2000 {
		t.Errorf("%d groups", n)
	}
	// About 0.4 s on an idle machine; its speed is BenchmarkGenerate100k's
	// to measure, not a test's to assert on a shared machine.
	t.Logf("generated 100k users in %v, %d memberships", d, s.Memberships())
	// Paging deep into the tenant is O(page): the last page is as quick as the first.
	ts := httpServe(t, s)
	t0 = time.Now()
	page := decode[userList](t, do(t, ts, "GET", "/Users?startIndex=99001&count=1000", nil))
	if len(page.Resources) != 1000 || page.TotalResults != 100_000 {
		t.Fatalf("last page %d/%d", len(page.Resources), page.TotalResults)
	}
	t.Logf("last page in %v", time.Since(t0))
}
