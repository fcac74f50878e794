package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/bench"
	"github.com/otaccess/otaccess/client"
)

type benchOptions struct {
	*app
	Bench     bench.Options
	JSON      bool
	MeasureUI string // internal: the child half of the memory figure
	// internal: the child half of the re-sync memory figure, against --url
	MeasureResyncs string
	Sequential     string // internal: the baseline script, against this URL
}

func newCmdBench(a *app, runF func(context.Context, *benchOptions) error) *cobra.Command {
	ref := bench.Reference()
	o := &benchOptions{app: a, Bench: ref}
	opt := &o.Bench
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure sync, filter, render, open, matrix, memory, writes and review files and hints on a generated tenant",
		Long: `Generates a fake OneTrust tenant (by default the reference one: 100,000 users,
40 roles x 50 orgs = 2,000 groups, ~300,000 memberships), serves it on
loopback with an injected latency per request, and prints one table: each
figure, what it is compared with (measured in the same run), its target and
whether it passed. Nothing touches your cache or config. --concurrency sets
the sync's requests in flight.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return benchRun(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opt.Users, "users", ref.Users, "users in the generated tenant")
	fl.IntVar(&opt.Roles, "roles", ref.Roles, "roles in the generated tenant")
	fl.IntVar(&opt.Orgs, "orgs", ref.Orgs, "organizations in the generated tenant")
	fl.Int64Var(&opt.Seed, "seed", ref.Seed, "generator seed")
	fl.DurationVar(&opt.Latency, "latency", ref.Latency, "latency injected before every request is served")
	fl.IntVar(&opt.Runs, "runs", 3, "runs of each sync and of the sequential script; the best counts")
	fl.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fl.BoolVar(&opt.SyncOnly, "sync-only", false, "measure only the sync figures (SCIM sync, default sync with the access APIs, sequential script)")
	fl.StringVar(&o.MeasureUI, "measure-ui", "", "internal: measure opening this cache file in the UI and print JSON")
	_ = fl.MarkHidden("measure-ui")
	fl.StringVar(&o.MeasureResyncs, "measure-resyncs", "", "internal: measure the TUI on this cache file re-syncing from --url and print JSON")
	_ = fl.MarkHidden("measure-resyncs") // its token comes from --token-file
	fl.StringVar(&o.Sequential, "sequential", "", "internal: run the sequential baseline script against this SCIM URL")
	_ = fl.MarkHidden("sequential") // its token comes from --token-file
	return cmd
}

func benchRun(ctx context.Context, o *benchOptions) error {
	if o.Sequential != "" {
		// The baseline script, timed by the parent from start to exit.
		tok, err := os.ReadFile(o.flags.TokenFile)
		if err != nil {
			return err
		}
		n, err := bench.Sequential(ctx, o.Sequential, strings.TrimSpace(string(tok)))
		if err != nil {
			return err
		}
		fmt.Fprintln(o.io.Out, n)
		return nil
	}
	if o.MeasureResyncs != "" {
		tok, err := os.ReadFile(o.flags.TokenFile)
		if err != nil {
			return err
		}
		m, err := bench.MeasureResyncs(ctx, o.MeasureResyncs, o.flags.URL, strings.TrimSpace(string(tok)), bench.ResyncCount)
		if err != nil {
			return err
		}
		return json.NewEncoder(o.io.Out).Encode(m)
	}
	if o.MeasureUI != "" {
		// The child half of the memory figure: only the cache and
		// the UI live in this process.
		m, err := bench.MeasureUI(ctx, o.MeasureUI)
		if err != nil {
			return err
		}
		return json.NewEncoder(o.io.Out).Encode(m)
	}
	if err := checkTenantSize(o.Bench.Users, o.Bench.Roles, o.Bench.Orgs); err != nil {
		return err
	}
	if o.Bench.Latency < 0 || o.Bench.Latency > 10*time.Second {
		return errors.New("--latency must be 0..10s")
	}
	if o.Bench.Runs < 1 || o.Bench.Runs > 10 {
		return errors.New("--runs must be 1..10")
	}
	if c := o.flags.Concurrency; c < 0 || c > 32 {
		return fmt.Errorf("--concurrency must be 1..32 (0: the default, %d)", client.DefaultConcurrency)
	}
	o.Bench.Concurrency = o.flags.Concurrency
	o.Bench.Log = o.io.ErrOut
	o.Bench.MeasureUI = measureInChild
	o.Bench.MeasureResyncs = resyncsInChild
	o.Bench.CLI = runChild
	rep, err := bench.Run(ctx, o.Bench)
	if err != nil {
		return err
	}
	if o.JSON {
		return bench.WriteJSON(o.io.Out, rep)
	}
	return bench.WriteTable(o.io.Out, rep)
}

// measureInChild runs `otaccess bench --measure-ui FILE` (see runChild) so that the
// memory figure counts the UI alone, not the tenant this process serves.
func measureInChild(ctx context.Context, cacheFile string) (bench.UIMeasure, error) {
	run, err := runChild(ctx, []string{"bench", "--measure-ui", cacheFile})
	if err != nil {
		return bench.UIMeasure{}, fmt.Errorf("measuring in a child process: %w", err)
	}
	var m bench.UIMeasure
	if err := json.Unmarshal([]byte(run.Stdout), &m); err != nil {
		return bench.UIMeasure{}, fmt.Errorf("measuring in a child process: %w", err)
	}
	return m, nil
}

// resyncsInChild runs `otaccess bench --measure-resyncs FILE` against the
// served tenant: the TUI's memory counts the UI alone.
func resyncsInChild(ctx context.Context, cacheFile, url, tokenFile string) (bench.ResyncMeasure, error) {
	run, err := runChild(ctx, []string{"bench", "--measure-resyncs", cacheFile, "--url", url, "--token-file", tokenFile})
	if err != nil {
		return bench.ResyncMeasure{}, fmt.Errorf("measuring re-syncs in a child process: %w", err)
	}
	var m bench.ResyncMeasure
	if err := json.Unmarshal([]byte(run.Stdout), &m); err != nil {
		return bench.ResyncMeasure{}, fmt.Errorf("measuring re-syncs in a child process: %w", err)
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
	cmd.Env = append(cmd.Env, bench.PeakEnv+"=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil {
		said, _, _ := strings.Cut(stderr.String(), bench.PeakLine)
		return bench.ChildRun{}, fmt.Errorf("otaccess %s: %v: %s", args[0], err, strings.TrimSpace(said))
	}
	st := cmd.ProcessState
	peak := bench.PeakRSS(st)
	for _, line := range strings.Split(stderr.String(), "\n") {
		if n, ok := strings.CutPrefix(line, bench.PeakLine); ok {
			if v, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64); err == nil && v > 0 {
				peak = v // the child's own (see bench.PeakEnv)
			}
		}
	}
	return bench.ChildRun{Took: took, CPU: st.UserTime() + st.SystemTime(), PeakRSS: peak, Stdout: stdout.String()}, nil
}
