package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// maxLeaversFile bounds what --from-file reads: a list of identifiers,
// not a data dump (100k lines of 100-character emails is 10 MB).
const maxLeaversFile = 16 << 20

// leaversHeaders are the column names a CSV's first row may use to say
// which column holds the identifiers (compared lowercased, without spaces,
// "_" and "-").
var leaversHeaders = []string{"email", "username", "externalid", "employeenumber", "employeeid", "id", "user", "userid"}

// leaver is one line of a leavers file.
type leaver struct {
	line int
	id   string
}

// readLeavers parses a leavers file: one identifier per line, or a CSV
// whose identifier column is the first or the one its header names.
// Blank lines and lines starting with # are skipped.
func readLeavers(r io.Reader) ([]leaver, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxLeaversFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxLeaversFile {
		return nil, fmt.Errorf("the file is over %d MiB; a leavers list is one identifier per line", maxLeaversFile>>20)
	}
	cr := csv.NewReader(strings.NewReader(string(data)))
	cr.Comment, cr.FieldsPerRecord, cr.TrimLeadingSpace, cr.LazyQuotes = '#', -1, true, true
	var out []leaver
	col, first := 0, true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if c := headerColumn(rec); c >= 0 {
				col = c
				continue
			}
		}
		if col >= len(rec) || strings.TrimSpace(rec[col]) == "" {
			if strings.TrimSpace(strings.Join(rec, "")) == "" {
				continue // a blank line
			}
			return nil, fmt.Errorf("line %d has no identifier in column %d", line, col+1)
		}
		out = append(out, leaver{line: line, id: strings.TrimSpace(rec[col])})
	}
	if len(out) == 0 {
		return nil, errors.New("the file lists no users")
	}
	return out, nil
}

// headerColumn is the identifier column a header row names, or -1 when
// rec is not a header.
func headerColumn(rec []string) int {
	for i, f := range rec {
		name := strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(strings.TrimSpace(f)))
		for _, h := range leaversHeaders {
			if name == h {
				return i
			}
		}
	}
	return -1
}

// resolveLeavers maps every line to one user. Lines that identify no user
// or several are each reported on problems, like a compiler's errors
// ("leavers.csv:4: no user matches …"), and nothing is sent: a typo in a
// leavers list is fixed, not half applied. A user listed twice counts once.
func resolveLeavers(snap *tenant.Snapshot, name string, list []leaver, problems io.Writer) (users []int, dups int, err error) {
	f := snap.NewFinder()
	seen := make(map[int]bool, len(list))
	bad := 0
	for _, l := range list {
		hits := f.Find(l.id)
		switch {
		case len(hits) == 0:
			fmt.Fprintf(problems, "%s:%d: no user matches %q\n", name, l.line, textsafe.Line(l.id))
		case len(hits) > 1:
			fmt.Fprintf(problems, "%s:%d: %q matches %d users; use the id\n", name, l.line, textsafe.Line(l.id), len(hits))
		case seen[hits[0]]:
			dups++
			continue
		default:
			seen[hits[0]] = true
			users = append(users, hits[0])
			continue
		}
		bad++
	}
	if bad > 0 {
		return nil, 0, fmt.Errorf("%s: %s of %s lines identify no single user; nothing was sent", name, numfmt.Commas(bad), numfmt.Commas(len(list)))
	}
	return users, dups, nil
}

// deactivateFileRun is deactivate --from-file: every listed user's plan,
// one confirmation, then each plan in turn, step by step.
func deactivateFileRun(ctx context.Context, o *deprovisionOptions) error {
	in := o.io.In
	name := "stdin"
	if o.FromFile != "-" {
		f, err := os.Open(o.FromFile)
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, o.FromFile
	}
	list, err := readLeavers(in)
	if err != nil {
		return fmt.Errorf("%s: %w", textsafe.Line(name), err)
	}
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	users, dups, err := resolveLeavers(snap, textsafe.Line(name), list, o.io.ErrOut)
	if err != nil {
		return err
	}
	w := o.io.Out
	var plans []access.Plan
	var idle []string
	removals := 0
	for _, u := range users {
		p := access.PlanDeprovision(snap, u, o.Strip, false)
		if p.Empty() {
			idle = append(idle, p.UserLabel)
			continue
		}
		plans = append(plans, p)
		removals += len(p.Remove)
	}
	summary := fmt.Sprintf("%s: %s users", textsafe.Line(name), numfmt.Commas(len(users)))
	if dups > 0 {
		summary += fmt.Sprintf(" (%s lines name a user listed before)", numfmt.Commas(dups))
	}
	fmt.Fprintln(w, summary)
	for _, p := range plans {
		fmt.Fprintf(w, "plan for %s:\n", textsafe.Line(p.UserLabel))
		for i, s := range p.Steps() {
			fmt.Fprintf(w, "  %d. %s\n", i+1, textsafe.Line(s))
		}
	}
	if len(idle) > 0 {
		fmt.Fprintf(w, "nothing to do for %s already inactive%s: %s\n", plural(len(idle), "user"), map[bool]string{true: " with no memberships", false: ""}[o.Strip], textsafe.Line(strings.Join(idle, ", ")))
	}
	if len(plans) == 0 || o.Write.dryRun {
		return nil
	}
	svc, err := o.service(ctx, true)
	if err != nil {
		return err
	}
	question := fmt.Sprintf("Deprovision %s (%s)?", plural(len(plans), "user"), batchCounts(plans, removals))
	if err := o.confirm(o.Write, question); err != nil {
		return err
	}
	failed := 0
	for i, p := range plans {
		if ctx.Err() != nil {
			fmt.Fprintf(w, "stopped: %s not started\n", plural(len(plans)-i, "user"))
			failed += len(plans) - i
			break
		}
		res := svc.Deprovision(ctx, p, func(r access.StepResult) { printStep(w, p.UserLabel+": ", r) })
		if res.Note != "" {
			fmt.Fprintf(w, "note: %s\n", textsafe.Line(res.Note))
		}
		if res.Err() != nil {
			failed++
		}
	}
	fmt.Fprintf(w, "%s deprovisioned", plural(len(plans)-failed, "user"))
	if failed == 0 {
		fmt.Fprintln(w)
		return nil
	}
	fmt.Fprintf(w, ", %s not fully: run the same command again to retry what is left\n", plural(failed, "user"))
	return exitError{code: 1, err: fmt.Errorf("%s not fully deprovisioned", plural(failed, "user"))}
}

// batchCounts says what a batch of plans sends: "3 deactivations, 7
// removals".
func batchCounts(plans []access.Plan, removals int) string {
	deact := 0
	for _, p := range plans {
		if p.Deactivate {
			deact++
		}
	}
	parts := []string{}
	if deact > 0 {
		parts = append(parts, plural(deact, "deactivation"))
	}
	if removals > 0 {
		parts = append(parts, plural(removals, "membership removal"))
	}
	return strings.Join(parts, ", ")
}

// plural is "1 user", "2,000 users".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return numfmt.Commas(n) + " " + noun + "s"
}

// printStep prints one step's outcome: "✓ remove Auditor — Legal" or
// "✗ deactivate the user: …".
func printStep(w io.Writer, prefix string, r access.StepResult) {
	mark, tail := "✓", ""
	if r.Err != nil {
		mark, tail = "✗", ": "+r.Err.Error()
	}
	fmt.Fprintf(w, "%s %s%s%s\n", mark, textsafe.Line(prefix), textsafe.Line(r.Name), textsafe.Line(tail))
}
