package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/bench"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestBenchCommand runs `otaccess bench` on a tiny tenant: every figure is
// measured (memory in a child process of the real binary) and the table and
// JSON forms both come out. Timing targets are not asserted.
func TestBenchCommand(t *testing.T) {
	e := newEnv(t, scimtest.Config{Users: 10}) // the CLI harness wants a tenant; bench serves its own
	r := e.mustRun("bench", "--users", "400", "--roles", "4", "--orgs", "3", "--latency", "1ms", "--json")
	var rep bench.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, r.stdout)
	}
	if len(rep.Rows) != 7 || rep.Tenant.Users != 400 || rep.Tenant.Groups != 12 {
		t.Fatalf("report %+v", rep)
	}
	for _, row := range rep.Rows {
		if row.Err != "" {
			t.Errorf("%s: %s", row.Figure, row.Err)
		}
	}
	if mem := rep.Rows[5]; !strings.Contains(mem.Measured, "a process of its own") || mem.Metrics["rss_bytes"] <= 0 {
		t.Errorf("memory row %+v", mem)
	}
	if !strings.Contains(r.stderr, "generating 400 users") {
		t.Errorf("stderr: %s", r.stderr)
	}

	table := e.mustRun("bench", "--users", "300", "--roles", "3", "--orgs", "2", "--latency", "0s").stdout
	for _, want := range []string{"figure", "full sync", "grant/revoke round trip", "result"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if r := e.run("bench", "--users", "0"); r.code == 0 || !strings.Contains(r.stderr, "--users") {
		t.Errorf("--users 0: exit %d, %s", r.code, r.stderr)
	}
}
