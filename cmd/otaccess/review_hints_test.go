package main

import (
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// TestNewSinceLastReview: of two reviews of the same scope, the second
// marks [new since last review] on the membership granted between them and
// on nothing else; a review of another scope started in between is not
// the baseline, and the first review of a scope marks nothing.
func TestNewSinceLastReview(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 60})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "Legal-1", "--org", "Legal")
	type key struct{ user, group string }
	first := map[key]bool{}
	for _, row := range reviewJSONItems(t, e, "Legal-1") {
		first[key{row["userId"].(string), row["groupId"].(string)}] = true
		if strings.Contains(row["hints"].(string), "new since last review") {
			t.Fatalf("the first review of a scope marks %v", row)
		}
	}
	// Grant a Legal membership that the first review did not have.
	var grant key
	for _, g := range e.srv.Groups() {
		if !strings.HasSuffix(g.DisplayName, " - Legal") {
			continue
		}
		for _, u := range e.srv.Users() {
			if u.Active && !first[key{u.ID, g.ID}] {
				grant = key{u.ID, g.ID}
				break
			}
		}
		if grant.user != "" {
			break
		}
	}
	if grant.user == "" {
		t.Fatal("every user holds every Legal group")
	}
	if err := e.srv.SetMember(grant.user, grant.group, true); err != nil {
		t.Fatal(err)
	}
	e.mustRun("sync", "-q")
	// Another scope, started after the grant: a baseline it must not be.
	e.mustRun("review", "start", "--name", "Finance-1", "--org", "Finance")
	for _, row := range reviewJSONItems(t, e, "Finance-1") {
		if strings.Contains(row["hints"].(string), "new since last review") {
			t.Fatalf("the first Finance review marks %v", row)
		}
	}
	// The same scope, asked for in other words (a name in any case).
	e.mustRun("review", "start", "--name", "Legal-2", "--org", "legal")
	marked, items := 0, 0
	for _, row := range reviewJSONItems(t, e, "Legal-2") {
		items++
		k := key{row["userId"].(string), row["groupId"].(string)}
		isNew := strings.Contains(row["hints"].(string), "new since last review")
		if isNew != (k == grant) {
			t.Fatalf("item %v: new since last review %v, want %v (granted %v)", row, isNew, k == grant, grant)
		}
		if isNew {
			marked++
		}
	}
	if marked != 1 || items != len(first)+1 {
		t.Fatalf("%d of %d items marked; the first review had %d", marked, items, len(first))
	}
}
