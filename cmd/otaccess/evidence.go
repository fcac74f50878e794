package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/textsafe"
)

// newCmdEvidence is the evidence noun: checking a bundle that
// `review export --bundle` wrote. It needs no cache and no tenant.
func newCmdEvidence(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evidence",
		Short: "Check an evidence bundle (review export --bundle) without the cache or the tenant",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRun,
	}
	cmd.AddCommand(newCmdEvidenceVerify(a, nil))
	return cmd
}

type evidenceVerifyOptions struct {
	*app
	Dir            string
	AllowedSigners string
}

func newCmdEvidenceVerify(a *app, runF func(context.Context, *evidenceVerifyOptions) error) *cobra.Command {
	o := &evidenceVerifyOptions{app: a}
	cmd := &cobra.Command{
		Use:   "verify DIR [--allowed-signers FILE]",
		Short: "Check every file of an evidence bundle against its manifest, and its signature",
		Long: `Check the evidence bundle in DIR: every file's SHA-256 against
MANIFEST.sha256 (naming each file that changed, is missing, or was added),
and with --allowed-signers FILE (ssh-keygen's allowed_signers format:
"PRINCIPALS [namespaces=\"otaccess-evidence\"] KEYTYPE KEY") the manifest's
signature, which must be by one of those keys in namespace otaccess-evidence.
Exit status 0 only when all of it holds.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return evidenceVerifyRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.AllowedSigners, "allowed-signers", "", "check the signature against this ssh-keygen allowed_signers file")
	return cmd
}

func evidenceVerifyRun(_ context.Context, o *evidenceVerifyOptions) error {
	var allowed []byte
	if o.AllowedSigners != "" {
		var err error
		if allowed, err = os.ReadFile(o.AllowedSigners); err != nil {
			return fmt.Errorf("--allowed-signers: %w", err)
		}
	}
	rep, err := access.VerifyBundle(o.Dir, allowed)
	if err != nil {
		return fmt.Errorf("%s: %w", textsafe.Line(o.Dir), err)
	}
	w := o.io.Out
	changed := map[string]string{}
	for _, n := range rep.Changed {
		changed[n] = "CHANGED: its SHA-256 is not the manifest's"
	}
	for _, n := range rep.Missing {
		changed[n] = "MISSING (or not a regular file)"
	}
	for _, n := range rep.Files {
		if why, bad := changed[n]; bad {
			fmt.Fprintf(w, "✗ %s  %s\n", textsafe.Line(n), why)
		} else {
			fmt.Fprintf(w, "✓ %s\n", textsafe.Line(n))
		}
	}
	for _, n := range rep.Extra {
		fmt.Fprintf(w, "✗ %s  ADDED: not in the manifest\n", textsafe.Line(n))
	}
	switch {
	case rep.Checked && rep.SignatureErr == "":
		fmt.Fprintf(w, "✓ signature: signed by %s\n", rep.Signer)
	case rep.Checked:
		fmt.Fprintf(w, "✗ signature: %s\n", textsafe.Line(rep.SignatureErr))
	case rep.Signed:
		fmt.Fprintln(w, "  signature: present, not checked (give --allowed-signers FILE)")
	default:
		fmt.Fprintln(w, "  signature: none")
	}
	if !rep.OK() {
		var what []string
		if n := len(rep.Changed) + len(rep.Missing) + len(rep.Extra); n > 0 {
			if n == 1 {
				what = append(what, "1 of its files does not match the manifest")
			} else {
				what = append(what, fmt.Sprintf("%d of its files do not match the manifest", n))
			}
		}
		if rep.SignatureErr != "" {
			what = append(what, "the signature does not hold")
		}
		return fmt.Errorf("the bundle in %s does not verify: %s", textsafe.Line(o.Dir), strings.Join(what, "; "))
	}
	fmt.Fprintf(o.io.ErrOut, "the bundle in %s verifies: %d files as listed\n", textsafe.Line(o.Dir), len(rep.Files))
	return nil
}
