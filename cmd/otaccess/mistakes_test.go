package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/export"
)

// Mistakes on the command line are explained (issue 14.4): a filter's
// unknown key or a role/org that matches nothing is exit 1 with the valid
// keys or the closest names, not "0 of N users" and exit 0.
func TestFilterMistakesExplained(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	role := e.srv.Roles()[0].Name
	typo := role[:len(role)-1] + "x" + role[len(role)-1:] // one letter too many
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{"roel:admin", []string{"unknown key roel:", "did you mean role:?", "role: org: group: status: type:"}},
		{"role:" + typo, []string{"no role matches", "closest: " + role}},
		{"org:zzzzzzzz", []string{`no organization matches "zzzzzzzz"`}},
		{`org:"EMEA`, []string{"unterminated quote"}},
	} {
		r := e.run("users", "--filter", c.filter)
		if r.code == 0 {
			t.Errorf("--filter %s: exit 0\n%s", c.filter, r.stdout)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("--filter %s: stderr %q lacks %q", c.filter, r.stderr, w)
			}
		}
		if r.stdout != "" {
			t.Errorf("--filter %s printed a list: %q", c.filter, r.stdout)
		}
	}
	// A quoted colon is text, not a key.
	if r := e.run("users", "--filter", `"roel:admin"`); r.code != 0 {
		t.Errorf("a quoted colon: exit %d %s", r.code, r.stderr)
	}
}

// A user named on the command line may be a unique display name; a name
// that matches no one gets the closest users; a shared name asks for the
// email.
func TestUserByNameAndSuggestions(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	add := func(name, email string) string {
		given, family, _ := strings.Cut(name, " ")
		return e.srv.AddUser(client.User{UserName: email, DisplayName: name, Active: true,
			Name:   client.Name{GivenName: given, FamilyName: family},
			Emails: []client.MultiValue{{Value: email, Primary: true}}})
	}
	id := add("Zofia Quintana-Ortiz", "zofia.quintana@acme.test")
	add("Yusuf Twin", "yusuf.twin1@acme.test")
	add("Yusuf Twin", "yusuf.twin2@acme.test")
	e.mustRun("sync", "-q")

	r := e.mustRun("user", "zofia quintana-ortiz", "--json")
	var one export.User
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || one.ID != id {
		t.Fatalf("by display name: %v %+v", err, one)
	}
	r = e.run("user", "zofia.quintna@acme.test")
	if r.code == 0 || !strings.Contains(r.stderr, `no user matches "zofia.quintna@acme.test"; did you mean zofia.quintana@acme.test (Zofia Quintana-Ortiz)`) {
		t.Fatalf("typo: exit %d, %q", r.code, r.stderr)
	}
	r = e.run("grant", "Yusuf Twin", "x", "y")
	if r.code == 0 || !strings.Contains(r.stderr, `2 users are named "Yusuf Twin"`) || !strings.Contains(r.stderr, "yusuf.twin2@acme.test") {
		t.Fatalf("shared name: exit %d, %q", r.code, r.stderr)
	}
}
