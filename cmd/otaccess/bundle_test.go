package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/client/scimtest"
)

// sshKey writes a new ed25519 key as OpenSSH writes it (0600) and returns
// its path and its allowed_signers line for principal.
func sshKey(t *testing.T, dir, name, principal string) (string, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, principal)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	spub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return path, principal + ` namespaces="otaccess-evidence" ` + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spub)))
}

func TestEvidenceBundle(t *testing.T) {
	e := newEnv(t, scimtest.Config{})
	e.mustRun("sync", "-q")
	e.mustRun("review", "start", "--name", "Q4", "--org", "Legal")
	tg := legalTargets(t, e, 2)
	for _, x := range tg {
		e.mustRun("review", "decide", "Q4", x.email, x.role, x.org, "revoke")
	}
	e.mustRun("review", "apply", "Q4", "--yes")

	keys := t.TempDir()
	key, line := sshKey(t, keys, "auditor", "auditor@acme.com")
	other, _ := sshKey(t, keys, "other", "mallory@acme.com")
	allowed := filepath.Join(keys, "allowed_signers")
	if err := os.WriteFile(allowed, []byte("# who may sign evidence\n"+line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "q4-bundle")
	r := e.mustRun("review", "export", "Q4", "--bundle", dir, "--sign", key)
	if !strings.Contains(r.stderr, "7 files") {
		t.Fatalf("export: %s", r.stderr)
	}
	for _, n := range []string{"evidence.csv", "evidence.json", "scope.json", "population.json", "audit.json", access.ManifestName, access.SignatureName} {
		st, err := os.Stat(filepath.Join(dir, n))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", n, err, st)
		}
	}
	var pop access.BundlePopulation
	raw, _ := os.ReadFile(filepath.Join(dir, "population.json"))
	lowerCamelKeys(t, "population.json", raw)
	if err := json.Unmarshal(raw, &pop); err != nil {
		t.Fatal(err)
	}
	// 120 users at the fake's default page of 1,000: one users page, and
	// the groups' pages of 25; nothing read again.
	if pop.Users != 120 || pop.Groups != 24 || pop.Memberships == 0 || pop.RequestsMade == nil || *pop.RequestsMade < 2 || pop.Rereads == nil || *pop.Rereads != 0 || pop.Tenant != e.srv.URL {
		t.Fatalf("population %+v (requests %v)", pop, pop.RequestsMade)
	}
	if pop.LastLogins != "read" || pop.UserGroups != "read" {
		t.Fatalf("population: last logins %q, user groups %q", pop.LastLogins, pop.UserGroups)
	}
	var audit []map[string]any
	raw, _ = os.ReadFile(filepath.Join(dir, "audit.json"))
	if err := json.Unmarshal(raw, &audit); err != nil || len(audit) != 3 || audit[2]["action"] != "review apply" || audit[0]["action"] != "revoke" {
		t.Fatalf("audit.json: %v %s", err, raw)
	}

	r = e.mustRun("evidence", "verify", dir, "--allowed-signers", allowed)
	if !strings.Contains(r.stdout, "✓ signature: signed by auditor@acme.com (SHA256:") || strings.Contains(r.stdout, "✗") {
		t.Fatalf("verify: %+v", r)
	}
	if r := e.mustRun("evidence", "verify", dir); !strings.Contains(r.stdout, "not checked") {
		t.Fatalf("verify without signers: %+v", r)
	}

	// OpenSSH's own tool reads the signature, and otaccess reads its.
	if kg, err := exec.LookPath("ssh-keygen"); err == nil {
		cmd := exec.Command(kg, "-Y", "verify", "-f", allowed, "-I", "auditor@acme.com", "-n", "otaccess-evidence", "-s", filepath.Join(dir, access.SignatureName))
		cmd.Stdin, _ = os.Open(filepath.Join(dir, access.ManifestName))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen -Y verify of otaccess's signature: %v\n%s", err, out)
		}
		os.Remove(filepath.Join(dir, access.SignatureName))
		if out, err := exec.Command(kg, "-Y", "sign", "-f", key, "-n", "otaccess-evidence", filepath.Join(dir, access.ManifestName)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen -Y sign: %v\n%s", err, out)
		}
		if r := e.run("evidence", "verify", dir, "--allowed-signers", allowed); r.code != 0 || !strings.Contains(r.stdout, "signed by auditor@acme.com") {
			t.Fatalf("verify of ssh-keygen's signature: %+v", r)
		}
	} else {
		t.Log("no ssh-keygen: the cross-check with OpenSSH is skipped")
	}

	// One byte changed: verify names that file, and only it.
	csvPath := filepath.Join(dir, "evidence.csv")
	data, _ := os.ReadFile(csvPath)
	data[len(data)/2] ^= 0x01
	os.WriteFile(csvPath, data, 0o600)
	r = e.run("evidence", "verify", dir, "--allowed-signers", allowed)
	if r.code != 1 || !strings.Contains(r.stdout, "✗ evidence.csv  CHANGED") || strings.Count(r.stdout, "✗") != 1 || !strings.Contains(r.stderr, "1 of its files does not match") {
		t.Fatalf("tampered: %+v", r)
	}
	data[len(data)/2] ^= 0x01
	os.WriteFile(csvPath, data, 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600)
	if r := e.run("evidence", "verify", dir); r.code != 1 || !strings.Contains(r.stdout, "✗ notes.txt  ADDED") {
		t.Fatalf("added file: %+v", r)
	}
	os.Remove(filepath.Join(dir, "notes.txt"))

	// Signed by a key that is not allowed: refused.
	e.mustRun("review", "export", "Q4", "--bundle", dir, "--sign", other)
	r = e.run("evidence", "verify", dir, "--allowed-signers", allowed)
	if r.code != 1 || !strings.Contains(r.stdout, "not in the allowed signers") {
		t.Fatalf("another signer: %+v", r)
	}
	// A manifest edited to match a changed file breaks the signature.
	e.mustRun("review", "export", "Q4", "--bundle", dir, "--sign", key)
	m, _ := os.ReadFile(filepath.Join(dir, access.ManifestName))
	forged := []byte("{}\n")
	os.WriteFile(filepath.Join(dir, "scope.json"), forged, 0o600)
	if r := e.run("evidence", "verify", dir, "--allowed-signers", allowed); r.code != 1 || !strings.Contains(r.stdout, "✗ scope.json  CHANGED") {
		t.Fatalf("changed scope: %+v", r)
	}
	sum := sha256.Sum256(forged)
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(string(m), "\n"), "\n") {
		if strings.HasSuffix(l, "  scope.json") {
			l = hex.EncodeToString(sum[:]) + "  scope.json"
		}
		lines = append(lines, l)
	}
	os.WriteFile(filepath.Join(dir, access.ManifestName), []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	if r := e.run("evidence", "verify", dir, "--allowed-signers", allowed); r.code != 1 || strings.Contains(r.stdout, "✗ scope.json") ||
		!strings.Contains(r.stdout, "✗ signature: the signature by auditor@acme.com") || !strings.Contains(r.stdout, "does not match") {
		t.Fatalf("manifest forged to match: %+v", r)
	}
	// Unsigned export: an old signature is removed, and verify with
	// allowed signers says the bundle is not signed.
	e.mustRun("review", "export", "Q4", "--bundle", dir)
	if _, err := os.Stat(filepath.Join(dir, access.SignatureName)); !os.IsNotExist(err) {
		t.Fatalf("old signature kept: %v", err)
	}
	if r := e.run("evidence", "verify", dir, "--allowed-signers", allowed); r.code != 1 || !strings.Contains(r.stdout, "not signed") {
		t.Fatalf("unsigned: %+v", r)
	}

	// No writing through links.
	os.Remove(csvPath)
	os.Symlink(filepath.Join(t.TempDir(), "elsewhere.csv"), csvPath)
	if r := e.run("review", "export", "Q4", "--bundle", dir); r.code == 0 || !strings.Contains(r.stderr, "symbolic link") {
		t.Fatalf("link in the bundle: %+v", r)
	}
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(t.TempDir(), link)
	if r := e.run("review", "export", "Q4", "--bundle", link); r.code == 0 || !strings.Contains(r.stderr, "symbolic link") {
		t.Fatalf("linked bundle dir: %+v", r)
	}
}

// TestEvidenceSaysWhatTheSnapshotLacks: a review of a snapshot synced
// with a key without the USER scope holds direct access only; review
// start and review export say so, and the bundle's population.json
// records why, so an auditor's completeness check sees it.
func TestEvidenceSaysWhatTheSnapshotLacks(t *testing.T) {
	e := newEnv(t, scimtest.Config{Scopes: []string{"SCIM", "ORGANIZATION"}})
	e.mustRun("sync", "-q")
	const why = "the key lacks the USER scope (403 from /api/access/v2/user-groups)"
	r := e.mustRun("review", "start", "--name", "Q4", "--org", "Legal")
	if !strings.Contains(r.stderr, "note: user groups not available — "+why+": access held only through a user group is not in this review") ||
		!strings.Contains(r.stderr, "note: last logins not available — the key lacks the USER scope (403 from /api/access/v2/users)") {
		t.Fatalf("review start: %s", r.stderr)
	}
	dir := filepath.Join(t.TempDir(), "b")
	r = e.mustRun("review", "export", "Q4", "--bundle", dir)
	if !strings.Contains(r.stderr, "note: user groups not available — "+why) {
		t.Fatalf("review export: %s", r.stderr)
	}
	var pop access.BundlePopulation
	raw, _ := os.ReadFile(filepath.Join(dir, "population.json"))
	if err := json.Unmarshal(raw, &pop); err != nil {
		t.Fatal(err)
	}
	if pop.UserGroups != "not available — "+why || !strings.Contains(pop.LastLogins, "not available — the key lacks the USER scope") {
		t.Fatalf("population.json: %s", raw)
	}
	if r := e.mustRun("evidence", "verify", dir); strings.Contains(r.stdout, "✗") {
		t.Fatalf("verify: %s", r.stdout)
	}
}
