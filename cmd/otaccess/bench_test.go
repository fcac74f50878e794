package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/otaccess/otaccess/bench"
	"github.com/otaccess/otaccess/client/scimtest"
)

// TestBenchCommand runs `otaccess bench` as a process on a tiny tenant (it
// starts child processes of itself, so it needs one): every figure
// is measured (memory in a child process of its own) and the table and
// JSON forms both come out. Timing targets are not asserted.
func TestBenchCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, scimtest.Config{Users: 10}) // the CLI harness wants a tenant; bench serves its own
	r := e.mustExec("bench", "--users", "400", "--roles", "4", "--orgs", "3", "--latency", "1ms", "--runs", "1", "--json")
	var rep bench.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, r.stdout)
	}
	if len(rep.Rows) != 12 || rep.Tenant.Users != 400 || rep.Tenant.Groups != 12 {
		t.Fatalf("report %+v", rep)
	}
	for _, row := range rep.Rows {
		if row.Err != "" {
			t.Errorf("%s: %s", row.Figure, row.Err)
		}
	}
	if mem := rep.Rows[7]; !strings.Contains(mem.Measured, "a process of its own") || mem.Metrics["rss_bytes"] <= 0 || mem.Metrics["filter_rss_bytes"] <= 0 {
		t.Errorf("memory row %+v", mem)
	}
	if rs := rep.Rows[8]; !strings.Contains(rs.Measured, "a process of its own") || rs.Metrics["last_rss_bytes"] <= 0 {
		t.Errorf("re-sync memory row %+v", rs)
	}
	// The sync and the script ran as child processes of otaccess.
	if sync := rep.Rows[0]; !strings.Contains(sync.Limit, "in a child process") || sync.Metrics["requests"] != 2 || sync.Metrics["throttled_1ms"] != 0 {
		t.Errorf("sync row %+v", sync)
	}
	if acc := rep.Rows[1]; acc.Metrics["requests"] <= 2 || acc.Metrics["throttled"] != 0 {
		t.Errorf("the default sync reads the access APIs too: %+v", acc.Metrics)
	}
	if seq := rep.Rows[2]; seq.Metrics["sequential_requests"] != 2 {
		t.Errorf("sequential row %+v", seq)
	}
	if !strings.Contains(r.stderr, "generating 400 users") {
		t.Errorf("stderr: %s", r.stderr)
	}

	table := e.mustExec("bench", "--users", "300", "--roles", "3", "--orgs", "2", "--latency", "0s", "--runs", "1").stdout
	for _, want := range []string{"figure", "SCIM sync", "full sync with the access APIs", "grant/revoke round trip", "result"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if r := e.exec("bench", "--users", "0"); r.code == 0 || !strings.Contains(r.stderr, "--users") {
		t.Errorf("--users 0: exit %d, %s", r.code, r.stderr)
	}
}
