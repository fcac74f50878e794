package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// TestUserHistory: user --history reads the audit trail from the tenant:
// the generated grants (User Management) and, after a grant through
// otaccess, that grant as User Provisioning, newest first; --json carries
// it under "history"; without the USER scope the error says so.
func TestUserHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync")
	member, group, outsider := e.pick()
	r := e.mustRun("user", member.PrimaryEmail(), "--history")
	if !strings.Contains(r.stdout, "WHEN") || !strings.Contains(r.stdout, "User Management") {
		t.Fatalf("history of a seeded member:\n%s", r.stdout)
	}
	gi := strings.Index(group.DisplayName, " - ")
	e.mustRun("grant", outsider.PrimaryEmail(), group.DisplayName[:gi], group.DisplayName[gi+3:], "--yes")
	r = e.mustRun("user", outsider.PrimaryEmail(), "--history", "--json")
	var out struct {
		ID      string `json:"id"`
		History []struct {
			FieldName, OldValue, NewValue, Method string
		} `json:"history"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if len(out.History) == 0 || out.History[0].Method != "User Provisioning" || out.History[0].NewValue != group.DisplayName || out.History[0].FieldName != "Role" {
		t.Fatalf("history after a grant: %+v", out.History)
	}
	// Plain user (no --history) sends nothing.
	before := len(e.srv.RequestLog())
	e.mustRun("user", outsider.PrimaryEmail())
	if len(e.srv.RequestLog()) != before {
		t.Error("user without --history went to the tenant")
	}

	e2 := newEnv(t, scimtest.Config{Scopes: []string{"SCIM"}})
	e2.mustRun("sync")
	m2, _, _ := e2.pick()
	r = e2.run("user", m2.PrimaryEmail(), "--history")
	if r.code == 0 || !strings.Contains(r.stderr, "lacks the USER scope") {
		t.Fatalf("without USER: %+v", r)
	}
}
