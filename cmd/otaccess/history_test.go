package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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

// The history, once read, is kept in the cache: user --history --offline
// shows it with the time it was read; review export --history puts each
// item's changes (who, when, how) in the JSON evidence, reading the trails
// not kept yet when online, and offline says which are unknown.
func TestHistoryKeptAndInEvidence(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scimtest.Config{Users: 30, Roles: 3, Orgs: 2})
	e.mustRun("sync", "-q")
	member, group, outsider := e.pick()
	gi := strings.Index(group.DisplayName, " - ")
	role, org := group.DisplayName[:gi], group.DisplayName[gi+3:]
	e.mustRun("grant", outsider.PrimaryEmail(), role, org, "--yes")
	e.mustRun("user", outsider.PrimaryEmail(), "--history")

	r := e.mustRun("user", outsider.PrimaryEmail(), "--history", "--offline", "--json")
	var out struct {
		History []struct {
			NewValue, Method string
		} `json:"history"`
		FetchedAt string `json:"historyFetchedAt"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if len(out.History) == 0 || out.History[0].Method != "User Provisioning" || out.FetchedAt == "" || !strings.Contains(r.stderr, "kept in the cache, read at") {
		t.Fatalf("kept history offline: %+v\nstderr %s", out, r.stderr)
	}
	if r := e.run("user", member.PrimaryEmail(), "--history", "--offline"); r.code == 0 || !strings.Contains(r.stderr, "never read into the cache") {
		t.Fatalf("offline, a history never read: %+v", r)
	}

	type evidence struct {
		History []struct {
			UserID, GroupID string
			ReadAt          string `json:"historyReadAt"`
			Changes         []struct{ At, Change, By, How string }
		} `json:"history"`
		HistoryNote string `json:"historyNote"`
	}
	e.mustRun("review", "start", "--name", "h")
	read := func(args ...string) evidence {
		path := filepath.Join(t.TempDir(), "ev.json")
		e.mustRun(append([]string{"review", "export", "h", "--json", path, "--history"}, args...)...)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var ev evidence
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	// Offline: only the outsider's trail is kept; the others are unknown.
	ev := read("--offline")
	known, unknown := 0, 0
	for _, h := range ev.History {
		if h.ReadAt == "" {
			unknown++
			continue
		}
		known++
		if h.UserID == outsider.ID && h.GroupID == group.ID {
			if len(h.Changes) == 0 || h.Changes[0].How != "User Provisioning" || h.Changes[0].Change != "granted "+group.DisplayName || h.Changes[0].At == "" {
				t.Fatalf("the grant's history in the evidence: %+v", h)
			}
		}
	}
	if known == 0 || unknown == 0 || !strings.Contains(ev.HistoryNote, "were never read (offline)") {
		t.Fatalf("offline evidence: %d known, %d unknown, note %q", known, unknown, ev.HistoryNote)
	}
	// Online: every trail is read (and kept), and the seeded grants show
	// who made them.
	ev = read()
	seeded := false
	for _, h := range ev.History {
		if h.ReadAt == "" {
			t.Fatalf("online, an item's history is unknown: %+v", h)
		}
		if h.UserID == member.ID && h.GroupID == group.ID && len(h.Changes) > 0 && h.Changes[0].How == "User Management" && h.Changes[0].By != "" {
			seeded = true
		}
	}
	if !seeded || strings.Contains(ev.HistoryNote, "never read") {
		t.Fatalf("online evidence: seeded grant found %v, note %q", seeded, ev.HistoryNote)
	}
	if r := e.run("review", "export", "h", "--csv", filepath.Join(t.TempDir(), "x.csv"), "--history"); r.code == 0 {
		t.Fatal("--history without JSON evidence was accepted")
	}
}
