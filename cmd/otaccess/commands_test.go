package main

import (
	"context"
	"encoding/csv"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/client/scimtest"
	"github.com/otaccess/otaccess/tenant"
)

// parse runs cmd on args with its run replaced (runF): what the flags and
// arguments bind, or the error they give, without touching a tenant.
func parse(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}

func testApp() *app {
	return newApp(&ioStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, func(string) string { return "" })
}

// capture is a runF that keeps the options it is given.
func capture[O any](got **O) func(context.Context, *O) error {
	return func(_ context.Context, o *O) error { *got = o; return nil }
}

// TestFlagsBindOptions: each command's flags and arguments land in its
// options as documented, and bad combinations are refused before any run.
func TestFlagsBindOptions(t *testing.T) {
	a := testApp()

	var users *usersOptions
	if err := parse(t, newCmdUsers(a, capture(&users)), "-f", "role:auditor", "--json"); err != nil || users.Filter != "role:auditor" || !users.Output.json || users.Output.csv {
		t.Errorf("users: %+v, %v", users, err)
	}
	if err := parse(t, newCmdUsers(a, capture(&users)), "--json", "--csv"); err == nil || !strings.Contains(err.Error(), "cannot be used together") {
		t.Errorf("users --json --csv: %v", err)
	}

	var grant *grantOptions
	if err := parse(t, newCmdGrant(a, true, capture(&grant)), "ana@acme.test", "Auditor", "Legal", "--dry-run"); err != nil ||
		!grant.Grant || grant.User != "ana@acme.test" || grant.Role != "Auditor" || grant.Org != "Legal" || !grant.Write.dryRun || grant.Write.yes {
		t.Errorf("grant: %+v, %v", grant, err)
	}
	if err := parse(t, newCmdGrant(a, false, capture(&grant)), "u", "r", "o", "-y"); err != nil || grant.Grant || !grant.Write.yes {
		t.Errorf("revoke: %+v, %v", grant, err)
	}

	var dep *deprovisionOptions
	if err := parse(t, newCmdDeactivate(a, capture(&dep)), "u1", "--strip-roles"); err != nil || dep.User != "u1" || !dep.Strip || dep.Delete {
		t.Errorf("deactivate: %+v, %v", dep, err)
	}
	if err := parse(t, newCmdDelete(a, capture(&dep)), "u2"); err != nil || dep.User != "u2" || dep.Strip || !dep.Delete {
		t.Errorf("delete: %+v, %v", dep, err)
	}

	var start *reviewStartOptions
	if err := parse(t, newCmdReviewStart(a, capture(&start)), "Q4", "--org", "Legal", "-f", "status:inactive"); err != nil ||
		start.Name != "Q4" || start.Scope.Org != "Legal" || start.Scope.Filter != "status:inactive" {
		t.Errorf("review start: %+v, %v", start, err)
	}
	if err := parse(t, newCmdReviewStart(a, capture(&start)), "--name", "a", "b"); err == nil || !strings.Contains(err.Error(), "once") {
		t.Errorf("review start with two names: %v", err)
	}

	var decide *reviewDecideOptions
	if err := parse(t, newCmdReviewDecide(a, capture(&decide)), "Q4", "u", "r", "o", "revoke"); err != nil || decide.Verdict != tenant.Revoke || decide.Note != nil {
		t.Errorf("review decide: %+v, %v", decide, err)
	}
	if err := parse(t, newCmdReviewDecide(a, capture(&decide)), "Q4", "u", "r", "o", "keep", "--note", ""); err != nil || decide.Note == nil || *decide.Note != "" {
		t.Errorf("review decide --note '' (clears the note): %+v, %v", decide, err)
	}
	if err := parse(t, newCmdReviewDecide(a, capture(&decide)), "Q4", "u", "r", "o", "maybe"); err == nil {
		t.Error("review decide maybe: no error")
	}

	var show *reviewShowOptions
	if err := parse(t, newCmdReviewShow(a, capture(&show)), "Q4", "--decision", "undecided"); err != nil || show.Only == nil || *show.Only != tenant.Undecided {
		t.Errorf("review show: %+v, %v", show, err)
	}

	var export *reviewExportOptions
	if err := parse(t, newCmdReviewExport(a, capture(&export)), "Q4"); err == nil || !strings.Contains(err.Error(), "--csv FILE") {
		t.Errorf("review export without a file: %v", err)
	}
	if err := parse(t, newCmdReviewExport(a, capture(&export)), "Q4", "--csv", "-", "--json", "-"); err == nil {
		t.Error("review export, both to stdout: no error")
	}

	var apply *reviewApplyOptions
	if err := parse(t, newCmdReviewApply(a, capture(&apply)), "Q4"); err != nil || apply.Concurrency != 4 || apply.Write.yes {
		t.Errorf("review apply defaults: %+v, %v", apply, err)
	}

	var fake *fakeServerOptions
	if err := parse(t, newCmdFakeServer(a, capture(&fake)), "--token", "x"); err != nil || fake.listen != "127.0.0.1:8089" || fake.ratePerMinute != scimtest.OneTrustPerMinute {
		t.Errorf("fake-server defaults: %+v, %v", fake, err)
	}
	if err := parse(t, newCmdFakeServer(a, capture(&fake))); err == nil || !strings.Contains(err.Error(), "--token or --client-id is required") {
		t.Errorf("fake-server without a token: %v", err)
	}
	fake = nil
	if err := parse(t, newCmdFakeServer(a, capture(&fake)), "--client-id", "c", "--client-secret", "s", "--scopes", "scim, user", "--client-org", "Legal"); err != nil ||
		fake.clientID != "c" || strings.Join(scopeList(fake.scopes), ",") != "SCIM,USER" || fake.clientOrg != "Legal" || fake.tokenLifetime != time.Hour {
		t.Errorf("fake-server with client credentials: %+v, %v", fake, err)
	}
	for _, bad := range [][]string{
		{"--client-id", "c"},
		{"--token", "x", "--scopes", "SCIM,ADMIN"},
		{"--token", "x", "--token-lifetime", "0s"},
	} {
		if err := parse(t, newCmdFakeServer(a, capture(&fake)), bad...); err == nil {
			t.Errorf("fake-server %v: no error", bad)
		}
	}

	var demo *demoOptions
	if err := parse(t, newCmdDemo(a, capture(&demo)), "--users", "0"); err == nil || demo != nil {
		t.Errorf("demo --users 0: %+v, %v", demo, err)
	}

	var b *benchOptions
	if err := parse(t, newCmdBench(a, capture(&b)), "--users", "400", "--json"); err != nil || b.Bench.Users != 400 || !b.JSON {
		t.Errorf("bench: %+v, %v", b, err)
	}
}

// TestConfirmOnATerminal: on a terminal a write asks; "n" (or nothing) is
// exit 1 and changes nothing, "y" goes ahead.
func TestConfirmOnATerminal(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 30, Roles: 3, Orgs: 2})
	e.mustRun("sync", "-q")
	_, group, outsider := e.pick()
	roleID, orgID, _ := strings.Cut(group.ID, ":")
	ask := func(answer string) result {
		return invocation{home: e.home, env: e.tenantEnv(), stdin: answer, tty: true}.
			run(t, "--cache", e.cache, "grant", outsider.ID, roleID, orgID)
	}
	for _, no := range []string{"n\n", "\n", "", "nope\n"} {
		r := ask(no)
		if r.code != 1 || !strings.Contains(r.stderr, "Proceed? [y/N]") || !strings.Contains(r.stderr, "cancelled, nothing changed") || e.srv.IsMember(outsider.ID, group.ID) {
			t.Fatalf("answer %q: exit %d, stderr %q, member %v", no, r.code, r.stderr, e.srv.IsMember(outsider.ID, group.ID))
		}
	}
	if r := ask("YES\n"); r.code != 0 || !strings.Contains(r.stdout, "✓ granted") || !e.srv.IsMember(outsider.ID, group.ID) {
		t.Fatalf("answer yes: %+v", r)
	}
}

// TestDeleteAsksForTheEmail: delete cannot be confirmed by a reflexive
// "y": on a terminal it wants the user's email typed out (any case), as
// the terminal UI does; anything else is exit 1 and deletes nothing.
func TestDeleteAsksForTheEmail(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 30, Roles: 3, Orgs: 2})
	e.mustRun("sync", "-q")
	_, _, victim := e.pick()
	email := victim.PrimaryEmail()
	del := func(answer string) result {
		return invocation{home: e.home, env: e.tenantEnv(), stdin: answer, tty: true}.
			run(t, "--cache", e.cache, "delete", victim.ID)
	}
	for _, no := range []string{"y\n", "yes\n", "\n", "", email[:len(email)-1] + "\n"} {
		r := del(no)
		if _, still := e.srv.User(victim.ID); r.code != 1 || !still ||
			!strings.Contains(r.stderr, "To delete, type the user's email ("+email+"): ") || !strings.Contains(r.stderr, "cancelled, nothing changed") {
			t.Fatalf("answer %q: exit %d, stderr %q, still on the server %v", no, r.code, r.stderr, still)
		}
	}
	if r := del("  " + strings.ToUpper(email) + "\n"); r.code != 0 || !strings.Contains(r.stdout, "no longer exists on the server") {
		t.Fatalf("answer with the email: %+v", r)
	}
	if _, still := e.srv.User(victim.ID); still {
		t.Fatal("the user is still on the server after the email was typed")
	}
}

// TestClockIsInjected: what a command stamps (the audit log) and how old
// it calls the snapshot come from the app's clock.
func TestClockIsInjected(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 30, Roles: 3, Orgs: 2})
	e.mustRun("sync", "-q")
	_, group, outsider := e.pick()
	roleID, orgID, _ := strings.Cut(group.ID, ":")
	at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	inv := invocation{home: e.home, env: e.tenantEnv(), now: func() time.Time { return at }}
	if r := inv.run(t, "--cache", e.cache, "grant", outsider.ID, roleID, orgID, "--yes"); r.code != 0 {
		t.Fatalf("grant: %+v", r)
	}
	rows, err := csv.NewReader(strings.NewReader(e.mustRun("audit", "--csv").stdout)).ReadAll()
	if err != nil || len(rows) < 2 || rows[1][0] != at.Format(time.RFC3339) {
		t.Fatalf("audit: %v, %v; want the grant at %s", rows, err, at.Format(time.RFC3339))
	}
	if r := inv.run(t, "--cache", e.cache, "users"); !strings.Contains(r.stderr, "ago") || strings.Contains(r.stderr, "just now") {
		t.Fatalf("users, years after the sync: %q", r.stderr)
	}
}
