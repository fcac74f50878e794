// Package numfmt writes counts the way the TUI, the CLI and the benchmark
// report all print them, so that "100,000 users" reads the same everywhere.
package numfmt
