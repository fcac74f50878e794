// Command otaccess is a terminal access browser for OneTrust tenants (SCIM
// 2.0): it syncs a tenant's users and groups (role x organization) into a
// local cache, reads them (users, user, groups, matrix, diff, audit),
// changes them (grant, revoke, deactivate, delete), runs access reviews,
// and opens the terminal UI when run without a subcommand.
//
// The commands follow the gh CLI's shape: one file per noun, and in it a
// newCmdX(app, runF) that binds flags and arguments into an xOptions
// struct, and an xRun(ctx, opts) that does the work. The app (app.go) is
// what every command shares: its standard streams, environment and clock
// (all injected, so tests run the real root command in-process against a
// fake tenant), the resolved settings, and access.Service — the only door
// to the cache and the tenant. runF lets a test check what the flags bound
// without running anything.
//
// Files: main.go (the process: signals, exit codes), root.go (the command
// tree and global flags), app.go (settings, the service, shared errors),
// iostreams.go, confirm.go, output.go and table.go (how commands talk),
// atomicfile.go (evidence files written whole or not at all), then one
// file per command: sync, users, user, groups, matrix, grant (and
// revoke), deprovision (deactivate and delete), audit, review and
// review_*.go, diff, tui (the root command's UI), demo, fakeserver, bench.
//
// Tests (harness_test.go) run the root command through run, as main does,
// with buffers for the streams, a map for the environment, a home
// directory for the config file and default caches, and a clock; a few
// (exec_test.go, bench_test.go) run the built binary for exit statuses,
// signals and the bench's child processes.
package main
