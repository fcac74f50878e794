package scimtest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/otaccess/otaccess/client"
)

// consistent checks both sides of every membership agree.
func consistent(t *testing.T, s *Server) {
	t.Helper()
	fromUsers := map[[2]string]bool{}
	for _, u := range s.Users() {
		for _, g := range u.Groups {
			fromUsers[[2]string{u.ID, g.Value}] = true
		}
	}
	n := 0
	for _, g := range s.Groups() {
		for _, m := range g.Members {
			n++
			if !fromUsers[[2]string{m.Value, g.ID}] {
				t.Fatalf("group %s lists %s but User.groups does not", g.ID, m.Value)
			}
		}
	}
	if n != len(fromUsers) || n != s.Memberships() {
		t.Fatalf("memberships: groups %d users %d counter %d", n, len(fromUsers), s.Memberships())
	}
}

func TestPatchGroupMembers(t *testing.T) {
	ts := newTS(t, Config{Users: 40, Roles: 4, Orgs: 3, Seed: 21})
	g := ts.Groups()[5]
	var outsider, insider client.User
	for _, u := range ts.Users() {
		if ts.IsMember(u.ID, g.ID) {
			insider = u
		} else {
			outsider = u
		}
	}
	if insider.ID == "" || outsider.ID == "" {
		t.Fatal("test tenant lacks a member or an outsider")
	}
	before, _ := ts.Group(g.ID)

	// The documented add: 204 No Content, both sides updated.
	r := do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.AddMemberOp(outsider.ID)))
	expectStatus(t, r, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("204 with body %q", r.body)
	}
	if !ts.IsMember(outsider.ID, g.ID) {
		t.Fatal("not added")
	}
	u, _ := ts.User(outsider.ID)
	if u.Groups[len(u.Groups)-1].Value != g.ID || u.Meta.LastModified == outsider.Meta.LastModified {
		t.Errorf("User.groups %v meta %v", u.Groups, u.Meta)
	}
	after, _ := ts.Group(g.ID)
	if len(after.Members) != len(before.Members)+1 || after.Meta.LastModified == before.Meta.LastModified {
		t.Errorf("members %d → %d", len(before.Members), len(after.Members))
	}
	// Adding again is a no-op.
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.AddMemberOp(outsider.ID))), 204)
	if again, _ := ts.Group(g.ID); len(again.Members) != len(after.Members) {
		t.Error("duplicate member")
	}
	consistent(t, ts.Server)

	// The documented remove.
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.RemoveMemberOp(outsider.ID))), 204)
	if ts.IsMember(outsider.ID, g.ID) {
		t.Fatal("not removed")
	}
	// The filtered form.
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.PatchOperation{Op: "remove", Path: `members[value eq "` + insider.ID + `"]`})), 204)
	if ts.IsMember(insider.ID, g.ID) {
		t.Fatal("filtered remove failed")
	}
	consistent(t, ts.Server)
	// Other members were untouched.
	now, _ := ts.Group(g.ID)
	if len(now.Members) != len(before.Members)-1 {
		t.Errorf("members %d, want %d", len(now.Members), len(before.Members)-1)
	}

	// Several operations, applied in order, in one request.
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(
		client.AddMemberOp(insider.ID), client.AddMemberOp(outsider.ID), client.RemoveMemberOp(insider.ID),
	)), 204)
	if ts.IsMember(insider.ID, g.ID) || !ts.IsMember(outsider.ID, g.ID) {
		t.Error("ordered operations")
	}

	// Errors: unknown user (nothing applied), bad value, immutable attributes, unknown group.
	snapshot, _ := ts.Group(g.ID)
	expectSCIMError(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.AddMemberOp(insider.ID), client.AddMemberOp("no-such-user"))), 400, "invalidValue")
	if ts.IsMember(insider.ID, g.ID) {
		t.Error("partial application")
	}
	expectSCIMError(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.PatchOperation{Op: "add", Path: "members", Value: "x"})), 400, "invalidValue")
	expectSCIMError(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.PatchOperation{Op: "add", Path: "members", Value: []map[string]string{{"display": "x"}}})), 400, "invalidValue")
	expectSCIMError(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.PatchOperation{Op: "replace", Path: "displayName", Value: "x"})), 400, "mutability")
	expectSCIMError(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.PatchOperation{Op: "add", Path: `members[value eq "x"]`, Value: "x"})), 400, "invalidPath")
	expectSCIMError(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.PatchOperation{Op: "remove"})), 400, "noTarget")
	expectSCIMError(t, do(t, ts, "PATCH", "/Groups/"+g.ID, `{"schemas":["`+client.SchemaPatchOp+`"],"Operations":[{"op":"add","path":"members","value":`), 400, "invalidSyntax")
	expectSCIMError(t, do(t, ts, "PATCH", "/Groups/nope:nope", patch(client.AddMemberOp(insider.ID))), 404, "")
	if same, _ := ts.Group(g.ID); !slices.Equal(same.Members, snapshot.Members) {
		t.Error("a failed PATCH changed members")
	}

	// A single object value, and a no-path object, are accepted too.
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.PatchOperation{Op: "add", Path: "members", Value: map[string]string{"value": insider.ID}})), 204)
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.PatchOperation{Op: "add", Value: map[string]any{"members": []map[string]string{{"value": outsider.ID}}}})), 204)
	// replace members and RFC remove-all.
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.PatchOperation{Op: "replace", Path: "members", Value: []client.MemberValue{{Value: insider.ID}}})), 204)
	if m, _ := ts.Group(g.ID); len(m.Members) != 1 || m.Members[0].Value != insider.ID {
		t.Errorf("replace members: %v", m.Members)
	}
	expectStatus(t, do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.PatchOperation{Op: "remove", Path: "members"})), 204)
	if m, _ := ts.Group(g.ID); len(m.Members) != 0 {
		t.Errorf("remove all: %v", m.Members)
	}
	consistent(t, ts.Server)
}

func TestPatchGroupReturnsBody(t *testing.T) {
	ts := newTS(t, Config{Users: 5, GroupPatchReturnsBody: true})
	u := ts.Users()[0]
	g := ts.Groups()[3]
	r := do(t, ts, "PATCH", "/Groups/"+g.ID, patch(client.AddMemberOp(u.ID)))
	expectStatus(t, r, 200)
	body := decode[client.Group](t, r)
	if !slices.ContainsFunc(body.Members, func(m client.Member) bool { return m.Value == u.ID }) {
		t.Errorf("body members %v", body.Members)
	}
}
