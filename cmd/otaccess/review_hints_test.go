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

// TestSoleAdminEndToEnd: on the fake tenant, an org left with one active
// Site Admin (whose last login is stale) marks that item [sole admin] in
// the review's evidence and decision file, suggests a look rather than a
// revoke, and accept-suggestions --hint stale leaves it undecided; a Site
// Admin of an org with others is not marked.
func TestSoleAdminEndToEnd(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 80})
	// A Site Admin group that no user group grants, so its holders are
	// its SCIM members.
	granted := map[string]bool{}
	for _, ug := range e.srv.UserGroups() {
		for _, lv := range ug.Levels {
			granted[lv] = true
		}
	}
	active := map[string]bool{}
	for _, u := range e.srv.Users() {
		active[u.ID] = u.Active
	}
	var sole, soleGroup string
	for _, g := range e.srv.Groups() {
		if !strings.HasPrefix(g.DisplayName, "Site Admin - ") || granted[g.ID] || len(g.Members) < 2 {
			continue
		}
		for _, m := range g.Members {
			if sole == "" && active[m.Value] {
				sole = m.Value
			}
		}
		if sole == "" {
			continue
		}
		soleGroup = g.ID
		for _, m := range g.Members {
			if m.Value != sole {
				if err := e.srv.SetMember(m.Value, g.ID, false); err != nil {
					t.Fatal(err)
				}
			}
		}
		break
	}
	if soleGroup == "" {
		t.Fatal("no Site Admin group with two members that no user group grants")
	}
	if err := e.srv.SetLogin(sole, e.srv.LoginAnchor().AddDate(0, 0, -200), 0); err != nil {
		t.Fatal(err)
	}
	e.mustRun("sync", "-q")
	// review start counts it among the hints it computed.
	if out := e.mustRun("review", "start", "--name", "SA", "--role", "Site Admin").stdout; !strings.Contains(out, ", 1 sole Site Admin of an org, ") {
		t.Fatalf("review start: %s", out)
	}
	rows := reviewJSONItems(t, e, "SA")
	marked, others := 0, 0
	for _, row := range rows {
		hints, _ := row["hints"].(string)
		isSole := row["userId"] == sole && row["groupId"] == soleGroup
		if strings.Contains(hints, "sole admin") != isSole {
			t.Fatalf("row %v: sole admin %v, want %v", row, !isSole, isSole)
		}
		if isSole {
			marked++
			if !strings.Contains(hints, "stale 200d") || !strings.HasPrefix(row["suggestion"].(string), "look (the org's only Site Admin") {
				t.Fatalf("the sole admin's row: %v", row)
			}
		} else {
			others++
		}
	}
	if marked != 1 || others == 0 {
		t.Fatalf("%d sole admin rows, %d others", marked, others)
	}
	// The decision file says so too.
	ed := editorScript(t, "{ print }")
	e.runEnv(append(e.tenantEnv(), "EDITOR="+ed), "review", "edit", "SA")
	found := false
	for _, l := range itemLines(t, ed) {
		if strings.Contains(l, "[sole admin]") {
			found = true
			if !strings.Contains(l, "suggest: look") {
				t.Fatalf("decision file line %q", l)
			}
		}
	}
	if !found {
		t.Fatal("no [sole admin] line in the decision file")
	}
	// Accepting the stale suggestions records none for the sole admin.
	if out := e.mustRun("review", "accept-suggestions", "SA", "--hint", "stale", "--yes").stdout; !strings.Contains(out, "✓ recorded") {
		t.Fatalf("accept-suggestions recorded nothing (no other stale Site Admin: the check tests nothing): %s", out)
	}
	for _, row := range reviewJSONItems(t, e, "SA") {
		if row["userId"] == sole && row["groupId"] == soleGroup && row["decision"] != "undecided" {
			t.Fatalf("accept-suggestions decided the sole admin: %v", row)
		}
	}
}
