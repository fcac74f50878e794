package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeExample returns the first ```sh block after the heading in
// README.md, line by line.
func readmeExample(t *testing.T, heading string) []string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no heading %q", heading)
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if !ok {
		t.Fatalf("no sh block under %q", heading)
	}
	block, _, _ = strings.Cut(block, "```")
	return strings.Split(strings.TrimSuffix(block, "\n"), "\n")
}

// TestReadmeFakeServerExample runs README's "Trying it against the fake
// server" example as written, in a fresh directory with a fresh home, so
// every command in it (the user it grants to included) keeps working.
// Two substitutions, each checked: the build line becomes a copy of this
// test binary, which runs as otaccess (see envAsMain), and the fixed port
// becomes a free one (the script reads the URL from the file either way).
func TestReadmeFakeServerExample(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	lines := readmeExample(t, "### Trying it against the fake server")
	const build = "go build -o otaccess ./cmd/otaccess"
	if lines[0] != build {
		t.Fatalf("the example's first line is %q; the test builds the binary as %q", lines[0], build)
	}
	exe, err := os.Executable() // this test binary, run as otaccess (envAsMain)
	if err != nil {
		t.Fatal(err)
	}
	lines[0] = "cp " + exe + " otaccess"
	port := regexp.MustCompile(`--listen 127\.0\.0\.1:\d+`)
	if !port.MatchString(lines[1]) {
		t.Fatalf("the example's second line does not start the fake server on a loopback port: %q", lines[1])
	}
	lines[1] = port.ReplaceAllString(lines[1], "--listen 127.0.0.1:0")
	script := "set -e\n" + strings.Join(lines, "\n") + "\n"

	dir, home := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_CACHE_HOME=" + filepath.Join(home, "cache")}
	cmd.Env = append(cmd.Env, asMainEnv(t)...)
	// Its own process group, so a failing script cannot leave the fake
	// server behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		t.Fatalf("README example failed: %v\n%s", err, out)
	}
	for _, want := range []string{"synced http://127.0.0.1:", "2,000 users", "granted"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("README example output lacks %q:\n%s", want, out)
		}
	}
}
