package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/bench"
)

func (a *app) benchCmd() *cobra.Command {
	ref := bench.Reference()
	opt := ref
	var asJSON bool
	var measureUI, sequential string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure sync, filter, render, open, matrix, memory and writes on a generated tenant",
		Long: `Generates a fake OneTrust tenant (by default the reference one: 100,000 users,
40 roles x 50 orgs = 2,000 groups, ~300,000 memberships), serves it on
loopback with an injected latency per request, and prints one table: each
figure, what it is compared with (measured in the same run), its target and
whether it passed. Nothing touches your cache or config. --concurrency sets
the sync's requests in flight.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if sequential != "" {
				// The baseline script, timed by the parent from start to exit.
				tok, err := os.ReadFile(a.flags.TokenFile)
				if err != nil {
					return err
				}
				n, err := bench.Sequential(ctx, sequential, strings.TrimSpace(string(tok)))
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), n)
				return nil
			}
			if measureUI != "" {
				// The child half of the memory figure: only the cache and
				// the UI live in this process.
				m, err := bench.MeasureUI(ctx, measureUI)
				if err != nil {
					return err
				}
				return json.NewEncoder(cmd.OutOrStdout()).Encode(m)
			}
			if err := checkTenantSize(opt.Users, opt.Roles, opt.Orgs); err != nil {
				return err
			}
			if opt.Latency < 0 || opt.Latency > 10*time.Second {
				return errors.New("--latency must be 0..10s")
			}
			if opt.Runs < 1 || opt.Runs > 10 {
				return errors.New("--runs must be 1..10")
			}
			if c := a.flags.Concurrency; c < 0 || c > 32 {
				return errors.New("--concurrency must be 1..32 (0: the default, 8)")
			}
			opt.Concurrency = a.flags.Concurrency
			opt.Log = cmd.ErrOrStderr()
			opt.MeasureUI = measureInChild
			opt.CLI = runChild
			rep, err := bench.Run(ctx, opt)
			if err != nil {
				return err
			}
			if asJSON {
				return bench.WriteJSON(cmd.OutOrStdout(), rep)
			}
			return bench.WriteTable(cmd.OutOrStdout(), rep)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opt.Users, "users", ref.Users, "users in the generated tenant")
	fl.IntVar(&opt.Roles, "roles", ref.Roles, "roles in the generated tenant")
	fl.IntVar(&opt.Orgs, "orgs", ref.Orgs, "organizations in the generated tenant")
	fl.Int64Var(&opt.Seed, "seed", ref.Seed, "generator seed")
	fl.DurationVar(&opt.Latency, "latency", ref.Latency, "latency injected before every request is served")
	fl.IntVar(&opt.Runs, "runs", 3, "runs of each sync and of the sequential script; the best counts")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fl.StringVar(&measureUI, "measure-ui", "", "internal: measure opening this cache file in the UI and print JSON")
	_ = fl.MarkHidden("measure-ui")
	fl.StringVar(&sequential, "sequential", "", "internal: run the sequential baseline script against this SCIM URL")
	_ = fl.MarkHidden("sequential") // its token comes from --token-file
	return cmd
}

// measureInChild runs `otaccess bench --measure-ui FILE` so that the
// memory figure counts the UI alone, not the tenant this process serves.
func measureInChild(ctx context.Context, cacheFile string) (bench.UIMeasure, error) {
	exe, err := os.Executable()
	if err != nil {
		return bench.UIMeasure{}, err
	}
	out, err := exec.CommandContext(ctx, exe, "bench", "--measure-ui", cacheFile).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return bench.UIMeasure{}, fmt.Errorf("measuring in a child process: %v: %s", err, ee.Stderr)
		}
		return bench.UIMeasure{}, fmt.Errorf("measuring in a child process: %w", err)
	}
	var m bench.UIMeasure
	if err := json.Unmarshal(out, &m); err != nil {
		return bench.UIMeasure{}, fmt.Errorf("measuring in a child process: %w", err)
	}
	return m, nil
}

// runChild runs `otaccess ARGS` as a user would, timed from its start to
// its exit, with no OTACCESS_* setting of this environment leaking in.
func runChild(ctx context.Context, args []string) (bench.ChildRun, error) {
	exe, err := os.Executable()
	if err != nil {
		return bench.ChildRun{}, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTACCESS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil {
		return bench.ChildRun{}, fmt.Errorf("otaccess %s: %v: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	st := cmd.ProcessState
	return bench.ChildRun{Took: took, CPU: st.UserTime() + st.SystemTime(), PeakRSS: bench.PeakRSS(st), Stdout: stdout.String()}, nil
}
