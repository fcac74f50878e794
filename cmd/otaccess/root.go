package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// newRootCmd is the command tree over a: the global flags, the terminal UI
// when no subcommand is given, and every subcommand.
func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "otaccess",
		Short: "A terminal access browser for OneTrust tenants (SCIM 2.0)",
		Long: `otaccess loads a tenant's users and groups (role x organization) into a local
cache and lets you find users, read role x org matrices, grant and revoke
memberships, deprovision users and run access reviews — from a terminal.

Run with no subcommand to open the terminal UI on the configured tenant.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// An unknown top-level command ("otaccess sycn") gets the same
		// suggestion as one under a group, not cobra.NoArgs' bare message.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return tuiRun(cmd.Context(), a)
		},
	}
	root.SetIn(a.io.In)
	root.SetOut(a.io.Out)
	root.SetErr(a.io.ErrOut)
	pf := root.PersistentFlags()
	pf.StringVarP(&a.flags.Profile, "profile", "p", "", "profile from the config file (env OTACCESS_PROFILE)")
	pf.StringVar(&a.flags.URL, "url", "", "SCIM base URL, e.g. https://acme.onetrust.com/api/scim/v2 (env OTACCESS_URL)")
	pf.StringVar(&a.flags.Domain, "domain", "", "OneTrust domain: acme, acme.my.onetrust.com, app-au.onetrust.com (env OTACCESS_DOMAIN)")
	pf.StringVar(&a.flags.TokenFile, "token-file", "", "read the API token from this file (or env OTACCESS_TOKEN)")
	pf.StringVar(&a.flags.Cache, "cache", "", "cache file (env OTACCESS_CACHE; default: user cache dir/otaccess/PROFILE.db, or one named after the --url)")
	pf.StringVar(&a.cfgPath, "config", "", "config file (env OTACCESS_CONFIG; default: user config dir/otaccess/config.toml)")
	pf.BoolVar(&a.flags.Offline, "offline", false, "use the cached snapshot only, read-only")
	pf.IntVar(&a.flags.Concurrency, "concurrency", 0, "parallel page requests during sync (default 8)")
	addAsOf(root, a) // the TUI, read-only on an older snapshot

	root.AddCommand(
		newCmdSync(a, nil),
		newCmdUsers(a, nil), newCmdUser(a, nil), newCmdGroups(a, nil), newCmdOrgs(a, nil), newCmdMatrix(a, nil), newCmdAudit(a, nil),
		newCmdGrant(a, true, nil), newCmdGrant(a, false, nil), newCmdDeactivate(a, nil), newCmdDelete(a, nil),
		newCmdActivate(a, nil), newCmdRestore(a, nil), newCmdEdit(a, nil), newCmdCreate(a, nil),
		newCmdFakeServer(a, nil), newCmdDemo(a, nil), newCmdBench(a, nil),
		newCmdReview(a), newCmdEvidence(a), newCmdDiff(a, nil), newCmdSnapshots(a, nil), newCmdConfig(a), newCmdCompare(a, nil),
	)
	closeAfter(root, a.close)
	return root
}

// closeAfter makes every command of the tree run done when it returns,
// error or not: cobra's post-run hooks run only after a success, and a
// failed command must close its cache too (see access.Service.CloseDiscardingUnused).
func closeAfter(c *cobra.Command, done func()) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			defer done()
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		closeAfter(sub, done)
	}
}

// groupRun is the RunE of a command that only groups subcommands
// ("review"): alone it prints its help, and an unknown subcommand is an
// error (exit 1) with a suggestion, where cobra would print the help and
// exit 0, so a typo in a script does not pass for success.
func groupRun(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return unknownCommand(cmd, args[0])
}

// unknownCommand is the error for name, not a subcommand of cmd: cobra's
// suggestions when there are some, else the list of commands.
func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, set only on the root's path
	}
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		return fmt.Errorf("%s: did you mean %q?", msg, strings.Join(s, `" or "`))
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return fmt.Errorf("%s: the commands are %s (`%s --help` says more)", msg, strings.Join(names, ", "), cmd.CommandPath())
}
