package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/client"
	"github.com/otaccess/otaccess/client/scimtest"
)

// cachedUser is `otaccess user ID --json` decoded: what the cache holds.
type cachedUser struct {
	ID          string `json:"id"`
	Active      bool   `json:"active"`
	Title       string `json:"title"`
	Memberships []struct {
		GroupID string `json:"groupId"`
	} `json:"memberships"`
}

func (e *env) cached(id string) cachedUser {
	e.t.Helper()
	r := e.mustRun("user", id, "--json")
	var u cachedUser
	if err := json.Unmarshal([]byte(r.stdout), &u); err != nil {
		e.t.Fatalf("user --json: %v\n%s", err, r.stdout)
	}
	return u
}

func (u cachedUser) groups() []string {
	var out []string
	for _, m := range u.Memberships {
		out = append(out, m.GroupID)
	}
	slices.Sort(out)
	return out
}

func serverGroups(u client.User) []string {
	var out []string
	for _, g := range u.Groups {
		out = append(out, g.Value)
	}
	slices.Sort(out)
	return out
}

func TestFlagsOfTheOnboardingCommands(t *testing.T) {
	a := testApp()
	var ed *editOptions
	if err := parse(t, newCmdEdit(a, capture(&ed)), "u", "--title", "T", "--department", ""); err != nil ||
		len(ed.Fields) != 2 || ed.Fields["title"] != "T" || ed.Fields["department"] != "" {
		t.Errorf("edit: %+v, %v", ed, err)
	}
	if err := parse(t, newCmdEdit(a, capture(&ed)), "u"); err == nil || !strings.Contains(err.Error(), "nothing to change") {
		t.Errorf("edit without a field: %v", err)
	}
	var g *grantOptions
	if err := parse(t, newCmdGrant(a, true, capture(&g)), "u", "--like", "o", "--only-missing"); err != nil || g.Like != "o" || !g.OnlyMissing || g.User != "u" {
		t.Errorf("grant --like: %+v, %v", g, err)
	}
	if err := parse(t, newCmdGrant(a, true, capture(&g)), "u", "r", "--like", "o"); err == nil {
		t.Error("grant --like with a role: no error")
	}
	var c *createOptions
	if err := parse(t, newCmdCreate(a, capture(&c)), "--email", "e@x.com", "--grant", "A/B", "--like", "o"); err == nil {
		t.Error("create --grant and --like: no error")
	}
	var r *restoreOptions
	if err := parse(t, newCmdRestore(a, capture(&r)), "u", "--from", "12"); err != nil || r.From != 12 {
		t.Errorf("restore: %+v, %v", r, err)
	}
}

// deactivate --strip-roles, then restore: the user is exactly as before, on
// the server and in the cache, direct and user-group access alike.
func TestRestoreAfterStripRoles(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	member, _, _ := e.pick()
	// In a user group that grants a role the user holds no other way, so
	// some access is held only through it.
	var only string
	for _, g := range e.srv.Groups() {
		if !e.srv.IsMember(member.ID, g.ID) && strings.Contains(g.ID, ":") {
			only = g.ID
			break
		}
	}
	ug, err := e.srv.AddUserGroup("Restore Team", []string{only}, []string{member.ID})
	if err != nil {
		t.Fatal(err)
	}
	e.mustRun("sync", "-q")
	before, beforeUG := serverGroups(member), e.srv.UserGroupsOf(member.ID)
	cachedBefore := e.mustRun("user", member.ID, "--json").stdout
	if !strings.Contains(cachedBefore, `"Restore Team"`) {
		t.Fatalf("the cache does not show the user group:\n%s", cachedBefore)
	}
	e.mustRun("deactivate", member.PrimaryEmail(), "--strip-roles", "--yes")
	if got := e.srv.UserGroupsOf(member.ID); len(got) != 0 {
		t.Fatalf("the strip left %d user groups", len(got))
	}
	r := e.mustRun("restore", member.PrimaryEmail(), "--dry-run")
	if !strings.Contains(r.stdout, "reactivate the user") || strings.Count(r.stdout, ". grant ") != len(before) ||
		strings.Count(r.stdout, ". rejoin user group ") != len(beforeUG) || !strings.Contains(r.stdout, ". rejoin user group Restore Team") {
		t.Fatalf("restore plan:\n%s", r.stdout)
	}
	r = e.mustRun("restore", member.PrimaryEmail(), "--yes")
	if strings.Count(r.stdout, "✓ ") != len(before)+len(beforeUG)+1 || strings.Contains(r.stdout, "✗") {
		t.Fatalf("restore:\n%s", r.stdout)
	}
	after, _ := e.srv.User(member.ID)
	if !after.Active || !slices.Equal(serverGroups(after), before) {
		t.Fatalf("server after restore: active %v %v, want %v", after.Active, serverGroups(after), before)
	}
	if got := e.srv.UserGroupsOf(member.ID); !slices.EqualFunc(got, beforeUG, func(a, b scimtest.UserGroup) bool { return a.ID == b.ID }) {
		t.Fatalf("server user groups after restore: %+v, want %+v", got, beforeUG)
	}
	if c := e.cached(member.ID); !c.Active || !slices.Contains(c.groups(), only) {
		t.Fatalf("cache after restore: %+v", c)
	}
	if cachedAfter := e.mustRun("user", member.ID, "--json").stdout; stripVolatile(cachedAfter) != stripVolatile(cachedBefore) {
		t.Fatalf("the cache differs after the restore:\nbefore %s\nafter  %s", cachedBefore, cachedAfter)
	}
	audit := e.mustRun("audit", "--json").stdout
	if !strings.Contains(audit, `"join user group"`) || !strings.Contains(audit, ug) {
		t.Fatalf("no join audit row for %s:\n%s", ug, audit)
	}
	r = e.mustRun("restore", member.PrimaryEmail(), "--yes")
	if !strings.Contains(r.stdout, "nothing to do") {
		t.Fatalf("second restore: %s", r.stdout)
	}
	never := e.srv.Users()[0]
	if never.ID == member.ID {
		never = e.srv.Users()[1]
	}
	if r := e.run("restore", never.ID, "--yes"); r.code == 0 || !strings.Contains(r.stderr, "no deprovisioning") {
		t.Fatalf("restore of a user never deprovisioned: %+v", r)
	}
	assertNoToken(t, e)
}

// stripVolatile drops what a write changes by itself from user --json: the
// server's lastModified, the cache's snapshot time.
func stripVolatile(js string) string {
	var m map[string]any
	if json.Unmarshal([]byte(js), &m) != nil {
		return js
	}
	for _, k := range []string{"lastModified", "snapshot", "snapshotAt", "disabledDateTime", "disabledBy"} {
		delete(m, k)
	}
	out, _ := json.Marshal(m)
	return string(out)
}

func TestActivateAndEdit(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	var inactive client.User
	for _, u := range e.srv.Users() {
		if !u.Active && u.PrimaryEmail() != "" {
			inactive = u
			break
		}
	}
	e.mustRun("sync", "-q")
	r := e.mustRun("activate", inactive.ID, "--yes")
	if !strings.Contains(r.stdout, "✓ activated") {
		t.Fatalf("activate: %s", r.stdout)
	}
	if u, _ := e.srv.User(inactive.ID); !u.Active || !e.cached(inactive.ID).Active {
		t.Fatal("not active after activate")
	}

	r = e.mustRun("edit", inactive.ID, "--title", "Head of Things", "--user-type", "external", "--dry-run")
	if !strings.Contains(r.stdout, "title: ") || !strings.Contains(r.stdout, "→ Head of Things") || !strings.Contains(r.stdout, "PATCH /Users/"+inactive.ID) {
		t.Fatalf("edit plan: %s", r.stdout)
	}
	e.mustRun("edit", inactive.ID, "--title", "Head of Things", "--yes")
	if u, _ := e.srv.User(inactive.ID); u.Title != "Head of Things" || e.cached(inactive.ID).Title != "Head of Things" {
		t.Fatalf("after edit: server %q cache %q", u.Title, e.cached(inactive.ID).Title)
	}
	for _, rec := range e.srv.RequestLog() {
		if rec.Method == "PUT" {
			t.Fatalf("edit sent PUT %s", rec.Path)
		}
	}
	// Changed on the server since the sync: the edit stops, nothing sent.
	e.srv.UpdateUser(inactive.ID, func(u *client.User) { u.Title = "Set elsewhere" })
	r = e.run("edit", inactive.ID, "--title", "Mine", "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "changed on the server since the snapshot") {
		t.Fatalf("edit after a server change: %+v", r)
	}
	if u, _ := e.srv.User(inactive.ID); u.Title != "Set elsewhere" {
		t.Fatalf("the conflicting edit was sent: %q", u.Title)
	}
	if r := e.run("edit", inactive.ID, "--user-type", "Contractor", "--yes"); r.code == 0 || !strings.Contains(r.stderr, "Internal or External") {
		t.Fatalf("bad userType: %+v", r)
	}
	assertNoToken(t, e)
}

func TestGrantLikeGrantsOnlyWhatIsMissing(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	users := e.srv.Users()
	var other, target client.User
	for _, u := range users {
		if len(u.Groups) >= 2 {
			other = u
			break
		}
	}
	for _, u := range users {
		if u.ID != other.ID && u.PrimaryEmail() != "" {
			target = u
			break
		}
	}
	// target shares one membership with other already.
	e.srv.SetMember(target.ID, other.Groups[0].Value, true)
	target, _ = e.srv.User(target.ID)
	e.mustRun("sync", "-q")
	var missing []string
	for _, g := range serverGroups(other) {
		if !slices.Contains(serverGroups(target), g) {
			missing = append(missing, g)
		}
	}
	mark := len(e.srv.RequestLog())
	r := e.mustRun("grant", target.PrimaryEmail(), "--like", other.ID, "--yes")
	if strings.Count(r.stdout, "  + ") != len(missing) || strings.Count(r.stdout, "✓ grant ") != len(missing) || !strings.Contains(r.stdout, "(both)") {
		t.Fatalf("grant --like:\n%s", r.stdout)
	}
	patches := 0
	for _, rec := range e.srv.RequestLog()[mark:] {
		if rec.Method == "PATCH" {
			patches++
		}
	}
	if patches != len(missing) {
		t.Fatalf("%d PATCHes for %d missing", patches, len(missing))
	}
	after, _ := e.srv.User(target.ID)
	for _, g := range serverGroups(other) {
		if !slices.Contains(serverGroups(after), g) {
			t.Fatalf("still missing %s", g)
		}
	}
	for _, g := range serverGroups(target) {
		if !slices.Contains(serverGroups(after), g) {
			t.Fatalf("grant --like removed %s", g)
		}
	}
	r = e.mustRun("grant", target.PrimaryEmail(), "--like", other.ID, "--yes", "--only-missing")
	if !strings.Contains(r.stdout, "nothing to do") || strings.Contains(r.stdout, "(both)") {
		t.Fatalf("second grant --like: %s", r.stdout)
	}
	assertNoToken(t, e)
}

func TestCreateEndToEnd(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	member, group, _ := e.pick()
	gi := strings.Index(group.DisplayName, " - ")
	spec := group.DisplayName[:gi] + "/" + group.DisplayName[gi+3:]
	r := e.mustRun("create", "--email", "new.hire@example.com", "--given", "New", "--family", "Hire", "--manager", member.PrimaryEmail(),
		"--grant", spec, "--activate", "--yes")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var steps []string
	for _, l := range lines {
		if strings.HasPrefix(l, "✓") || strings.HasPrefix(l, "✗") {
			steps = append(steps, l)
		}
	}
	if len(steps) != 3 || !strings.Contains(steps[0], "default: ") || !strings.Contains(steps[1], "✓ grant ") || !strings.Contains(steps[2], "✓ activate") {
		t.Fatalf("create steps:\n%s", r.stdout)
	}
	u, ok := e.srv.UserByName("new.hire@example.com")
	if !ok || !u.Active || u.Enterprise.Manager.Value != member.ID || !slices.Contains(serverGroups(u), group.ID) || !slices.Contains(serverGroups(u), e.srv.DefaultGroupID()) {
		t.Fatalf("server: %+v", u)
	}
	if c := e.cached(u.ID); !c.Active || !slices.Equal(c.groups(), serverGroups(u)) {
		t.Fatalf("cache: %+v", c)
	}
	// A duplicate userName is refused with a clear line, before sending.
	mark := len(e.srv.RequestLog())
	r = e.run("create", "--email", "NEW.HIRE@example.com", "--given", "A", "--family", "B", "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "userName is taken") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("duplicate: %+v", r)
	}
	if len(e.srv.RequestLog()) != mark {
		t.Fatal("the duplicate was sent")
	}
	// Taken only on the server (invited): the 409, said as plainly.
	e.srv.AddInvitedUser(client.User{UserName: "invited@example.com"})
	r = e.run("create", "--email", "invited@example.com", "--given", "A", "--family", "B", "--yes")
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "already has a user with userName \"invited@example.com\" (409)") {
		t.Fatalf("duplicate on the server: %+v", r)
	}
	for _, bad := range [][]string{
		{"--email", "not-an-email", "--given", "A", "--family", "B"},
		{"--email", "a@example.com", "--family", "B"},
		{"--email", "a@example.com", "--given", "A", "--family", "B", "--user-type", "Robot"},
		{"--email", "a@example.com", "--given", "A", "--family", "B", "--grant", "NoSuchRole/NoSuchOrg"},
	} {
		if r := e.run(append([]string{"create", "--yes"}, bad...)...); r.code == 0 || r.stderr == "" {
			t.Errorf("create %v accepted: %+v", bad, r)
		}
	}
	assertNoToken(t, e)
}
