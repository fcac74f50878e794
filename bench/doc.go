// Package bench measures otaccess against the scale the design is held to:
// a generated tenant (by default the reference one, 100,000 users and 40
// roles x 50 orgs) served over loopback with an injected per-request
// latency. Run produces one table: every figure next to what it is compared
// with, measured in the same run, and the target it is held to. The
// `otaccess bench` command and the Go benchmarks in this package share the
// measuring code.
package bench
