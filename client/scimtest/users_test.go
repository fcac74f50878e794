package scimtest

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"

	"github.com/otaccess/otaccess/client"
)

// The documents' POST body, with the short "User" schema.
const postBody = `{
    "name": {"familyName": "Test", "givenName": "User4"},
    "userType": "Internal",
    "emails": [{"value": "user4@example.com", "type": "work"}],
    "schemas": ["User"]
}`

func TestCreateUser(t *testing.T) {
	ts := newTS(t, Config{Users: 20, Seed: 2})
	r := do(t, ts, "POST", "/Users", postBody)
	expectStatus(t, r, http.StatusCreated)
	u := decode[client.User](t, r)
	if u.ID == "" || u.UserName != "user4@example.com" || u.Active || u.Name.GivenName != "User4" {
		t.Fatalf("created %+v", u)
	}
	if len(u.Emails) != 1 || !u.Emails[0].Primary || u.Emails[0].Display != "user4@example.com" {
		t.Errorf("emails %+v", u.Emails)
	}
	def := ts.DefaultGroupID()
	roles, orgs := ts.Roles(), ts.Orgs()
	if def != roles[0].ID+":"+orgs[0].ID {
		t.Fatalf("default group %s", def)
	}
	if len(u.Groups) != 1 || u.Groups[0].Value != def || !ts.IsMember(u.ID, def) {
		t.Fatalf("groups %+v", u.Groups)
	}
	if r.header.Get("Location") != u.Meta.Location || u.Meta.Created == "" || u.Meta.Created != u.Meta.LastModified {
		t.Errorf("Location %q meta %+v", r.header.Get("Location"), u.Meta)
	}
	if got, _ := ts.User(u.ID); !reflect.DeepEqual(got, u) {
		t.Errorf("stored user differs:\n%+v\n%+v", got, u)
	}
	if len(ts.Users()) != 21 {
		t.Errorf("%d users", len(ts.Users()))
	}

	// Duplicate userName (case-insensitive) → 409 uniqueness.
	expectSCIMError(t, do(t, ts, "POST", "/Users", map[string]any{
		"schemas": []string{client.SchemaUser}, "userName": "USER4@example.com",
	}), http.StatusConflict, "uniqueness")
	// The URN works, active:true in the body is ignored.
	r = do(t, ts, "POST", "/Users", map[string]any{
		"schemas": []string{client.SchemaUser}, "userName": "explicit", "active": true,
		client.SchemaEnterpriseUser: map[string]any{"department": "Legal", "manager": map[string]string{"value": u.ID}},
	})
	expectStatus(t, r, http.StatusCreated)
	u2 := decode[client.User](t, r)
	if u2.Active || u2.UserName != "explicit" || u2.Enterprise.Department != "Legal" || u2.Enterprise.Manager.Value != u.ID || u2.Enterprise.Manager.DisplayName != "User4 Test" {
		t.Errorf("created %+v %+v", u2, u2.Enterprise)
	}
	expectSCIMError(t, do(t, ts, "POST", "/Users", `{"schemas":["User"],"name":{"givenName":"No"}}`), 400, "invalidValue")
	// A body that is not an email address where one belongs → 400, and no
	// user is stored (the userName stays free).
	for _, body := range []string{
		`{"schemas":["User"],"emails":[{"value":"not an email"}]}`,
		`{"schemas":["User"],"emails":[{"value":"jane@"}]}`,
		`{"schemas":["User"],"emails":[{"value":"Jane <jane@example.com>"}]}`,
		`{"schemas":["User"],"userName":"jane@@example.com"}`,
		`{"schemas":["User"],"userName":"jane2@example.com","emails":[{"value":"@example.com"}]}`,
	} {
		expectSCIMError(t, do(t, ts, "POST", "/Users", body), 400, "invalidValue")
	}
	// An unknown manager is refused as PATCH refuses it, and stores nothing.
	expectSCIMError(t, do(t, ts, "POST", "/Users", `{"schemas":["User"],"userName":"m@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"nobody"}}}`), 400, "invalidValue")
	if _, ok := ts.UserByName("m@example.com"); ok {
		t.Error("a refused POST stored its user")
	}
	expectSCIMError(t, do(t, ts, "POST", "/Users", `{"schemas":["Group"],"userName":"g"}`), 400, "invalidValue")
	expectSCIMError(t, do(t, ts, "POST", "/Users", `{"userName":`), 400, "invalidSyntax")
	// An invited user's name is taken although the user is invisible.
	id := ts.AddInvitedUser(client.User{UserName: "invited@example.com"})
	expectSCIMError(t, do(t, ts, "POST", "/Users", `{"userName":"invited@example.com"}`), 409, "uniqueness")
	expectSCIMError(t, do(t, ts, "GET", "/Users/"+id, nil), 404, "")
	if n := decode[userList](t, do(t, ts, "GET", "/Users?count=0", nil)).TotalResults; n != 22 {
		t.Errorf("total %d, want 22 (invited excluded)", n)
	}
	if len(decode[userList](t, do(t, ts, "GET", "/Users?filter="+url.QueryEscape(`userName eq "invited@example.com"`), nil)).Resources) != 0 {
		t.Error("invited user listed")
	}
}

// POST gives the configured default role and organization, and every view
// of the tenant agrees: the user's groups, GET /Groups/{id}'s members, the
// filter, and a manager's name that follows a rename.
func TestCreateUserDefaultGroupAndViews(t *testing.T) {
	ts := newTS(t, Config{Users: 5, Roles: 3, Orgs: 2, Seed: 3})
	want := ts.Groups()[4].ID
	ts2 := newTS(t, Config{Users: 5, Roles: 3, Orgs: 2, Seed: 3, DefaultGroup: want})
	r := do(t, ts2, "POST", "/Users", postBody)
	expectStatus(t, r, http.StatusCreated)
	u := decode[client.User](t, r)
	if ts2.DefaultGroupID() != want || len(u.Groups) != 1 || u.Groups[0].Value != want || u.Active {
		t.Fatalf("created with groups %+v active %v, want only %s inactive", u.Groups, u.Active, want)
	}
	g := decode[client.Group](t, do(t, ts2, "GET", "/Groups/"+want, nil))
	if !slices.ContainsFunc(g.Members, func(m client.Member) bool { return m.Value == u.ID }) {
		t.Errorf("GET /Groups/%s does not list the new user: %+v", want, g.Members)
	}
	l := decode[userList](t, do(t, ts2, "GET", "/Users?filter="+url.QueryEscape(`userName eq "user4@example.com"`), nil))
	if len(l.Resources) != 1 || l.Resources[0].ID != u.ID || l.Resources[0].Active {
		t.Errorf("filter finds %+v", l.Resources)
	}
	if u.DisplayName != "User4 Test" {
		t.Errorf("displayName %q, want it derived from the names", u.DisplayName)
	}
	// A report's manager name follows the manager's rename by PATCH.
	rep := decode[client.User](t, do(t, ts2, "POST", "/Users", map[string]any{
		"schemas": []string{"User"}, "userName": "rep@example.com",
		client.SchemaEnterpriseUser: map[string]any{"manager": map[string]string{"value": u.ID}},
	}))
	expectStatus(t, do(t, ts2, "PATCH", "/Users/"+u.ID, patch(client.PatchOperation{Op: "replace", Path: "name.givenName", Value: "Renamed"})), 200)
	got, _ := ts2.User(rep.ID)
	if got.Enterprise.Manager.DisplayName != "Renamed Test" {
		t.Errorf("manager name %q after the rename", got.Enterprise.Manager.DisplayName)
	}
	// PATCH refuses a bad email as POST does, and changes nothing.
	before, _ := ts2.User(u.ID)
	expectSCIMError(t, do(t, ts2, "PATCH", "/Users/"+u.ID, patch(client.PatchOperation{Op: "replace", Path: "emails", Value: []map[string]string{{"value": "nope"}}})), 400, "invalidValue")
	expectSCIMError(t, do(t, ts2, "PUT", "/Users/"+u.ID, map[string]any{"userName": u.UserName, "emails": []map[string]string{{"value": "a b@example.com"}}}), 400, "invalidValue")
	if after, _ := ts2.User(u.ID); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused write changed the user:\n%+v\n%+v", before, after)
	}
	// Without a configured default (or an unknown one), the first role x org.
	if ts.DefaultGroupID() != ts.Groups()[0].ID {
		t.Errorf("default %s", ts.DefaultGroupID())
	}
}

// The documents' PUT body.
func TestReplaceUser(t *testing.T) {
	ts := newTS(t, Config{Users: 10, Seed: 4})
	orig := ts.Users()[3]
	if len(orig.Groups) == 0 {
		ts.SetMember(orig.ID, ts.Groups()[1].ID, true)
		orig, _ = ts.User(orig.ID)
	}
	r := do(t, ts, "PUT", "/Users/"+orig.ID, map[string]any{
		"id": orig.ID, "externalId": "externalid", "userName": orig.UserName,
		"name":     map[string]string{"familyName": "1", "givenName": "2"},
		"userType": "Internal", "active": false,
		"emails":  []map[string]any{{"value": "new@example.com", "type": "work", "primary": true}},
		"schemas": []string{"User"},
	})
	expectStatus(t, r, 200)
	u := decode[client.User](t, r)
	if u.ExternalID != "externalid" || u.Name.FamilyName != "1" || u.Name.GivenName != "2" || u.Active || u.Emails[0].Value != "new@example.com" {
		t.Errorf("replaced %+v", u)
	}
	if !reflect.DeepEqual(u.Groups, orig.Groups) {
		t.Errorf("PUT changed groups: %v → %v", orig.Groups, u.Groups)
	}
	if u.Meta.LastModified == orig.Meta.LastModified || u.Meta.Created != orig.Meta.Created {
		t.Errorf("meta %+v → %+v", orig.Meta, u.Meta)
	}
	// active absent keeps it.
	r = do(t, ts, "PUT", "/Users/"+orig.ID, map[string]any{"userName": orig.UserName})
	if decode[client.User](t, r).Active {
		t.Error("active flipped")
	}
	other := ts.Users()[4]
	expectSCIMError(t, do(t, ts, "PUT", "/Users/"+orig.ID, map[string]any{"userName": other.UserName}), 409, "uniqueness")
	expectSCIMError(t, do(t, ts, "PUT", "/Users/nope", map[string]any{"userName": "x"}), 404, "")
}

func patch(ops ...client.PatchOperation) client.PatchRequest { return client.NewPatch(ops...) }

func TestPatchUser(t *testing.T) {
	ts := newTS(t, Config{Users: 10, Seed: 9})
	users := ts.Users()
	u := users[5]
	mgr := users[0]
	r := do(t, ts, "PATCH", "/Users/"+u.ID, patch(
		client.PatchOperation{Op: "replace", Path: "active", Value: false},
		client.PatchOperation{Op: "replace", Path: "name.givenName", Value: "Zoë"},
		client.PatchOperation{Op: "Replace", Path: "name.familyName", Value: "D'Angelo"},
		client.PatchOperation{Op: "replace", Path: "externalId", Value: "X-1"},
		client.PatchOperation{Op: "replace", Path: "userType", Value: "External"},
		client.PatchOperation{Op: "add", Path: "title", Value: "Auditor"},
		client.PatchOperation{Op: "replace", Path: "displayName", Value: "Zoë D'Angelo"},
		client.PatchOperation{Op: "replace", Path: client.SchemaEnterpriseUser + ":department", Value: "Finance"},
		client.PatchOperation{Op: "replace", Path: client.SchemaEnterpriseUser + ":manager", Value: map[string]string{"value": mgr.ID}},
	))
	expectStatus(t, r, 200)
	got := decode[client.User](t, r)
	if got.Active || got.Name.GivenName != "Zoë" || got.Name.FamilyName != "D'Angelo" || got.ExternalID != "X-1" ||
		got.UserType != "External" || got.Title != "Auditor" || got.DisplayName != "Zoë D'Angelo" ||
		got.Enterprise.Department != "Finance" || got.Enterprise.Manager.Value != mgr.ID || got.Enterprise.Manager.DisplayName != mgr.DisplayName {
		t.Fatalf("patched %+v %+v", got, got.Enterprise)
	}
	if !reflect.DeepEqual(got.Groups, u.Groups) || got.Meta.LastModified == u.Meta.LastModified {
		t.Errorf("groups or meta wrong")
	}
	if stored, _ := ts.User(u.ID); !reflect.DeepEqual(stored, got) {
		t.Errorf("stored differs")
	}

	// No path: an object, with Azure AD's string booleans and dotted keys.
	r = do(t, ts, "PATCH", "/Users/"+u.ID, patch(client.PatchOperation{Op: "replace", Value: map[string]any{
		"active": "True", "name.familyName": "Ng", "name": map[string]string{"givenName": "Wei"},
		client.SchemaEnterpriseUser: map[string]string{"jobTitle": "CFO"},
	}}))
	expectStatus(t, r, 200)
	got = decode[client.User](t, r)
	if !got.Active || got.Name.FamilyName != "Ng" || got.Name.GivenName != "Wei" || got.Enterprise.JobTitle != "CFO" {
		t.Errorf("no-path patch %+v", got)
	}
	// emails[type eq "work"].value and remove.
	r = do(t, ts, "PATCH", "/Users/"+u.ID, patch(
		client.PatchOperation{Op: "replace", Path: `emails[type eq "work"].value`, Value: "wei.ng@acme.com"},
		client.PatchOperation{Op: "remove", Path: "title"},
		client.PatchOperation{Op: "remove", Path: client.SchemaEnterpriseUser + ":manager"},
	))
	got = decode[client.User](t, r)
	if got.PrimaryEmail() != "wei.ng@acme.com" || got.Title != "" || got.Enterprise.Manager.Value != "" {
		t.Errorf("email/remove patch %+v", got)
	}

	// Errors change nothing (all operations or none).
	before, _ := ts.User(u.ID)
	bad := []struct {
		body     any
		status   int
		scimType string
	}{
		{patch(client.PatchOperation{Op: "replace", Path: "title", Value: "x"}, client.PatchOperation{Op: "replace", Path: "password", Value: "x"}), 400, "invalidPath"},
		{patch(client.PatchOperation{Op: "replace", Path: "active", Value: "maybe"}), 400, "invalidValue"},
		{patch(client.PatchOperation{Op: "remove", Path: "active"}), 400, "mutability"},
		{patch(client.PatchOperation{Op: "add", Path: "groups", Value: []map[string]string{{"value": "x"}}}), 400, "mutability"},
		{patch(client.PatchOperation{Op: "replace", Path: "title", Value: 5}), 400, "invalidValue"},
		{patch(client.PatchOperation{Op: "move", Path: "title", Value: "x"}), 400, "invalidSyntax"},
		{patch(client.PatchOperation{Op: "replace", Path: "title[", Value: "x"}), 400, "invalidPath"},
		{patch(client.PatchOperation{Op: "replace", Path: client.SchemaEnterpriseUser + ":manager", Value: "nobody"}), 400, "invalidValue"},
		{patch(client.PatchOperation{Op: "replace", Path: "userName", Value: users[1].UserName}), 409, "uniqueness"},
		{map[string]any{"schemas": []string{"urn:wrong"}, "Operations": []any{}}, 400, "invalidSyntax"},
		{map[string]any{"schemas": []string{client.SchemaPatchOp}}, 400, "invalidSyntax"},
	}
	for _, b := range bad {
		expectSCIMError(t, do(t, ts, "PATCH", "/Users/"+u.ID, b.body), b.status, b.scimType)
	}
	if after, _ := ts.User(u.ID); !reflect.DeepEqual(after, before) {
		t.Errorf("a failed PATCH changed the user")
	}
	expectSCIMError(t, do(t, ts, "PATCH", "/Users/nope", patch(client.PatchOperation{Op: "replace", Path: "active", Value: false})), 404, "")
}

func TestDeleteUser(t *testing.T) {
	ts := newTS(t, Config{Users: 50, Seed: 12})
	var victim client.User
	for _, u := range ts.Users() {
		if len(u.Groups) > 1 {
			victim = u
			break
		}
	}
	expectStatus(t, do(t, ts, "DELETE", "/Users/"+victim.ID, nil), http.StatusNoContent)
	if _, ok := ts.User(victim.ID); ok {
		t.Fatal("user still there")
	}
	for _, ref := range victim.Groups {
		if ts.IsMember(victim.ID, ref.Value) {
			t.Fatal("membership survived")
		}
		g, _ := ts.Group(ref.Value)
		for _, m := range g.Members {
			if m.Value == victim.ID {
				t.Fatal("group still lists the user")
			}
		}
	}
	expectSCIMError(t, do(t, ts, "GET", "/Users/"+victim.ID, nil), 404, "")
	expectSCIMError(t, do(t, ts, "DELETE", "/Users/"+victim.ID, nil), 404, "")
	// Paging after deletion is still consistent.
	all := ts.Users()
	page := decode[userList](t, do(t, ts, "GET", "/Users?count=1000", nil))
	if page.TotalResults != 49 || len(all) != 49 {
		t.Fatalf("total %d", page.TotalResults)
	}
	for i := range all {
		if page.Resources[i].ID != all[i].ID {
			t.Fatal("order broken after delete")
		}
		if u, ok := ts.User(all[i].ID); !ok || u.ID != all[i].ID {
			t.Fatal("index broken after delete")
		}
	}

	soft := newTS(t, Config{Users: 5, DeleteDeactivates: true})
	u := soft.Users()[0]
	expectStatus(t, do(t, soft, "DELETE", "/Users/"+u.ID, nil), http.StatusNoContent)
	if got, ok := soft.User(u.ID); !ok || got.Active || !reflect.DeepEqual(got.Groups, u.Groups) {
		t.Errorf("DeleteDeactivates: %v %+v", ok, got)
	}
}

func TestMutators(t *testing.T) {
	ts := newTS(t, Config{Users: 5, Seed: 1})
	u := ts.Users()[2]
	g := ts.Groups()[7]
	if err := ts.SetMember(u.ID, g.ID, true); err != nil || !ts.IsMember(u.ID, g.ID) {
		t.Fatal(err)
	}
	if err := ts.SetMember("nope", g.ID, true); err == nil {
		t.Error("no error for unknown user")
	}
	if err := ts.SetActive(u.ID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := ts.User(u.ID); got.Active {
		t.Error("SetActive")
	}
	if err := ts.SetGroupName(g.ID, "Renamed"); err != nil {
		t.Fatal(err)
	}
	got, _ := ts.User(u.ID)
	found := false
	for _, ref := range got.Groups {
		found = found || (ref.Value == g.ID && ref.Display == "Renamed")
	}
	if !found {
		t.Error("User.groups display not renamed")
	}
	org := ts.Orgs()[1]
	if err := ts.RenameOrg(org.ID, "EMEA - Legal"); err != nil {
		t.Fatal(err)
	}
	for _, gr := range ts.Groups() {
		if gr.ID[len(gr.ID)-36:] == org.ID && gr.ID != g.ID {
			if gr.DisplayName[len(gr.DisplayName)-len(" - EMEA - Legal"):] != " - EMEA - Legal" {
				t.Errorf("after RenameOrg: %q", gr.DisplayName)
			}
		}
	}
	if !ts.RemoveUser(u.ID) || ts.IsMember(u.ID, g.ID) || ts.RemoveUser(u.ID) {
		t.Error("RemoveUser")
	}
	id := ts.AddUser(client.User{UserName: "added@example.com", Active: true, Groups: []client.GroupRef{{Value: g.ID}}})
	if !ts.IsMember(id, g.ID) {
		t.Error("AddUser groups")
	}
	if err := ts.UpdateUser(id, func(u *client.User) { u.UserName = "renamed@example.com" }); err != nil {
		t.Fatal(err)
	}
	if _, ok := ts.UserByName("RENAMED@example.com"); !ok {
		t.Error("UserByName after rename")
	}
}
