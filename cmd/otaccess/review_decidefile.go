package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// maxDecisionFile bounds what --from-file reads: 300k items take ~40 MB.
const maxDecisionFile = 512 << 20

// reviewDecideFileRun records a decision file or CSV export.
func reviewDecideFileRun(ctx context.Context, o *reviewDecideOptions) error {
	data, err := readInput(o.app, o.FromFile)
	if err != nil {
		return err
	}
	_, r, err := o.loadReview(ctx, o.Name)
	if err != nil {
		return err
	}
	parsed, src, err := parseDecisions(r, data)
	if err != nil {
		return fmt.Errorf("%s: %w", textsafe.Line(o.FromFile), err)
	}
	problems, err := o.recordFile(ctx, r.Name, parsed, src)
	if err != nil {
		return err
	}
	if problems > 0 {
		return errSilent
	}
	return nil
}

// parseDecisions reads data as a decision file, or as a CSV export when
// it does not look like one.
func parseDecisions(r *tenant.Review, data []byte) (*tenant.DecisionFile, access.DecisionSource, error) {
	if tenant.LooksLikeDecisionFile(data) {
		return tenant.ParseDecisionFile(data), access.DecisionSource{}, nil
	}
	f, err := access.ReadDecisionCSV(bytes.NewReader(data), r)
	return f, access.DecisionSource{Unordered: true}, err
}

// readInput reads a file, or standard input for "-", up to
// maxDecisionFile bytes.
func readInput(a *app, path string) ([]byte, error) {
	var rd io.Reader
	if path == "-" {
		rd = a.io.In
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		rd = f
	}
	data, err := io.ReadAll(io.LimitReader(rd, maxDecisionFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxDecisionFile {
		return nil, fmt.Errorf("read %s: larger than %d MiB; not a decision file", path, maxDecisionFile>>20)
	}
	return data, nil
}
