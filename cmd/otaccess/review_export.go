package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/export"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/textsafe"
)

type reviewExportOptions struct {
	*app
	Name              string
	CSVPath, JSONPath string // "-": standard output
	Bundle            string // a directory for the evidence bundle
	SignKey           string // an SSH private key to sign the bundle's manifest with
	History           bool   // each item's history in the JSON evidence
}

func newCmdReviewExport(a *app, runF func(context.Context, *reviewExportOptions) error) *cobra.Command {
	o := &reviewExportOptions{app: a}
	cmd := &cobra.Command{
		Use:   "export NAME (--csv FILE --json FILE | --bundle DIR [--sign KEY])",
		Short: "Export a review as evidence: one row per membership, a summary, the snapshot time, tenant URL and a SHA-256 of the rows",
		Long: `Export review NAME. The CSV has one row per item (user, email, role, org,
decision, note, reviewer, decided-at, apply result, snapshot time, tenant URL),
every cell guarded against spreadsheet formula injection. The JSON has the same
rows, a summary (counts per decision, reviewers) and rowsSha256: the SHA-256
of the CSV export, which "sha256sum FILE.csv" reproduces. Rows are always in
the review's fixed order, so the same review exports the same bytes.
FILE "-" writes to standard output.

--bundle DIR writes evidence anyone can check without otaccess: evidence.csv,
evidence.json, scope.json, population.json (the snapshot's users, groups,
memberships, requests made, re-reads), audit.json (the audit rows of the
apply) and MANIFEST.sha256 (their SHA-256 sums; "sha256sum -c" reads it).
--sign KEY signs the manifest with that SSH private key into
MANIFEST.sha256.sig, as "ssh-keygen -Y sign -n otaccess-evidence" does;
"otaccess evidence verify DIR --allowed-signers FILE" (or ssh-keygen -Y
verify) checks it.

--history adds each item's membership history to the JSON evidence
(--json and the bundle's evidence.json): its changes in the user's
OneTrust audit trail, who, when and how, with the time the trail was read.
The trails kept in the cache are used; online, those not read yet are read
first (one walk per user; needs the USER scope).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if o.CSVPath == "" && o.JSONPath == "" && o.Bundle == "" {
				return errors.New("say where to write: --csv FILE and/or --json FILE, or --bundle DIR")
			}
			if o.History && o.JSONPath == "" && o.Bundle == "" {
				return errors.New("--history goes into the JSON evidence: give --json FILE or --bundle DIR too")
			}
			if o.SignKey != "" && o.Bundle == "" {
				return errors.New("--sign signs a bundle: give --bundle DIR too")
			}
			if o.CSVPath == "-" && o.JSONPath == "-" {
				return errors.New("only one of --csv and --json can be - (standard output)")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return reviewExportRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.CSVPath, "csv", "", "write the CSV evidence to FILE")
	cmd.Flags().StringVar(&o.JSONPath, "json", "", "write the JSON evidence (rows, summary, hash) to FILE")
	cmd.Flags().StringVar(&o.Bundle, "bundle", "", "write an evidence bundle (CSV, JSON, scope, population, audit rows, SHA-256 manifest) into DIR")
	cmd.Flags().BoolVar(&o.History, "history", false, "add each item's membership history (who, when, how, from OneTrust's audit trail) to the JSON evidence")
	cmd.Flags().StringVar(&o.SignKey, "sign", "", "sign the bundle's manifest with this SSH private key (ssh-keygen -Y sign format)")
	return cmd
}

func reviewExportRun(ctx context.Context, o *reviewExportOptions) error {
	svc, r, err := o.loadReview(ctx, o.Name)
	if err != nil {
		return err
	}
	if o.History { // online when it can be: the trails not kept yet are read
		if svc, err = o.service(ctx, false); err != nil {
			return err
		}
	}
	ev, data, err := access.BuildEvidence(r, o.now(), svc.Actor)
	if err != nil {
		return err
	}
	w := o.io.Out
	if o.CSVPath != "" {
		if err := writeFileAtomic(w, o.CSVPath, data); err != nil {
			return err
		}
	}
	if o.History && o.JSONPath != "" {
		n, err := svc.AddHistory(ctx, ev, r)
		if err != nil {
			return err
		}
		if n > 0 {
			fmt.Fprintf(o.io.ErrOut, "read the history of %s from OneTrust\n", numfmt.Count(n, "user", "users"))
		}
	}
	if o.JSONPath != "" {
		var buf strings.Builder
		if err := export.WriteJSON(&buf, ev); err != nil {
			return err
		}
		if err := writeFileAtomic(w, o.JSONPath, []byte(buf.String())); err != nil {
			return err
		}
	}
	if o.Bundle != "" {
		if err := writeBundle(ctx, o, svc, r); err != nil {
			return err
		}
	}
	s := ev.Summary
	info := o.io.ErrOut
	fmt.Fprintf(info, "exported %s: %s rows (keep %s, revoke %s, skip %s, undecided %s; %s revocations applied, %s failed)\n",
		textsafe.Line(r.Name), numfmt.Commas(s.Total), numfmt.Commas(s.Keep), numfmt.Commas(s.Revoke), numfmt.Commas(s.Skip), numfmt.Commas(s.Undecided), numfmt.Commas(s.Applied), numfmt.Commas(s.ApplyFailed))
	fmt.Fprintf(info, "rows sha256 %s\n", ev.RowsSHA256)
	return reviewAccessNotes(ctx, info, svc, r)
}
