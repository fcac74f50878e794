package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/otaccess/otaccess/numfmt"
)

// WriteTable prints the report as one aligned table (figure, measured,
// comparison, target, pass/FAIL), then what limits each figure.
func WriteTable(w io.Writer, r Report) error {
	t := r.Tenant
	var b strings.Builder
	fmt.Fprintf(&b, "tenant: %s users, %d roles x %d orgs = %s groups, %s memberships; %s per request, concurrency %d; %s, %d CPUs; run took %s\n\n",
		numfmt.Commas(t.Users), t.Roles, t.Orgs, numfmt.Commas(t.Groups), numfmt.Commas(t.Memberships), t.Latency, t.Concurrency, r.Go, r.CPUs, fmtDur(r.Took))
	rows := [][]string{{"figure", "measured", "comparison (same run)", "target", "result"}}
	for _, row := range r.Rows {
		result := "pass"
		if !row.Pass {
			result = "FAIL"
		}
		rows = append(rows, []string{row.Figure, row.Measured, row.Comparison, row.Target, result})
	}
	widths := make([]int, len(rows[0]))
	for _, cells := range rows {
		for i, c := range cells {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)))
			}
		}
		b.WriteByte('\n')
	}
	line(rows[0])
	sep := make([]string, len(widths))
	for i, n := range widths {
		sep[i] = strings.Repeat("-", n)
	}
	line(sep)
	var missed []string
	for i, cells := range rows[1:] {
		line(cells)
		if !r.Rows[i].Pass {
			missed = append(missed, r.Rows[i].Figure)
		}
	}
	if len(missed) == 0 {
		fmt.Fprintf(&b, "\nall %d targets met\n\n", len(r.Rows))
	} else {
		fmt.Fprintf(&b, "\n%d of %d targets missed: %s\n\n", len(missed), len(r.Rows), strings.Join(missed, ", "))
	}
	for _, row := range r.Rows {
		if row.Err != "" {
			fmt.Fprintf(&b, "- %s: could not be measured: %s\n", row.Figure, row.Err)
		}
		if row.Limit != "" {
			fmt.Fprintf(&b, "- %s: %s\n", row.Figure, row.Limit)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as indented JSON.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
