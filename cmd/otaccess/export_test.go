package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/otaccess/otaccess/client/scimtest"
)

// TestReviewDecideTakesIDs: `review decide` names a membership by role and
// org ids, as `grant` does.
func TestReviewDecideTakesIDs(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 30, Roles: 3, Orgs: 2})
	e.mustRun("sync", "-q")
	member, group, _ := e.pick()
	roleID, orgID, _ := strings.Cut(group.ID, ":")
	e.mustRun("review", "start", "--name", "ids")
	r := e.mustRun("review", "decide", "ids", member.ID, roleID, orgID, "revoke")
	if !strings.HasPrefix(r.stdout, "revoke: ") {
		t.Fatalf("decide by ids: %q", r.stdout)
	}
	if out := e.mustRun("review", "show", "ids", "--decision", "revoke").stdout; !strings.Contains(out, member.PrimaryEmail()) {
		t.Fatalf("the decision is not recorded:\n%s", out)
	}
}

// TestExportRefusesLinksAndSpecialFiles: an export over a symbolic link, a
// named pipe or a directory is refused with a message that says why, and
// leaves it as it was; over a regular file it replaces it.
func TestExportRefusesLinksAndSpecialFiles(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 20, Roles: 3, Orgs: 2})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "ex")
	dir := t.TempDir()
	target := filepath.Join(dir, "precious.txt")
	if err := os.WriteFile(target, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{link: "symbolic link (to " + target + ")", fifo: "not a regular file", dir: "is a directory"} {
		for _, flag := range []string{"--csv", "--json"} {
			r := e.run("review", "export", "ex", flag, path)
			if r.code == 0 || !strings.Contains(r.stderr, want) {
				t.Errorf("export %s %s: exit %d, stderr %q; want it to say %q", flag, path, r.code, r.stderr, want)
			}
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v %v", fi, err)
	}
	if data, _ := os.ReadFile(target); string(data) != "keep me" {
		t.Errorf("the link's target changed: %q", data)
	}
	regular := filepath.Join(dir, "old.csv")
	if err := os.WriteFile(regular, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.mustRun("review", "export", "ex", "--csv", regular)
	if data, _ := os.ReadFile(regular); string(data) == "old" {
		t.Errorf("a regular file is not replaced: %q", data)
	}
}
