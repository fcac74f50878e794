package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

type reviewSplitOptions struct {
	*app
	Name, By, Dir string
}

func newCmdReviewSplit(a *app, runF func(context.Context, *reviewSplitOptions) error) *cobra.Command {
	o := &reviewSplitOptions{app: a}
	cmd := &cobra.Command{
		Use:   "split NAME --by org|role|manager --dir DIR",
		Short: "Write one decision file per reviewer (by org, role or the user's manager)",
		Long: `Write review NAME as one decision file per slice into DIR, the reviewers as
the review's snapshot names them:
  --by org      one file per reviewer: the defaultApprover OneTrust gives an
                org (one file for all the orgs an approver approves); an org
                without one (or a snapshot without the organization tree) is
                a file of its own that names no reviewer
  --by manager  one file per manager: a user's items go to their manager
  --by role     one file per role, naming no reviewer
Nobody decides their own access: an approver's own items go to the
approver of the nearest org above, else to their manager (a manager's to
their manager). Each file's header names the review, the snapshot, the
slice, its reviewer, where the reviewer comes from and a checksum of the
slice; "review merge NAME FILE…" takes the files back.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return reviewSplitRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.By, "by", "", "org, role or manager")
	cmd.Flags().StringVar(&o.Dir, "dir", ".", "the directory to write the files into")
	return cmd
}

func reviewSplitRun(ctx context.Context, o *reviewSplitOptions) error {
	svc, r, err := o.loadReview(ctx, o.Name)
	if err != nil {
		return err
	}
	var snap *tenant.Snapshot
	if o.By == "manager" || o.By == "org" {
		if snap, err = svc.ReviewSnapshot(ctx, r); err != nil {
			return o.explain(err)
		}
	}
	slices, err := access.SplitReview(r, o.By, snap)
	if err != nil {
		return err
	}
	if err := bundleDir(o.Dir); err != nil {
		return err
	}
	for i, sl := range slices {
		var buf bytes.Buffer
		if err := tenant.WriteDecisionFile(&buf, access.SliceHeader(r, sl), access.SliceItems(r, sl), movedComment(r, sl)); err != nil {
			return err
		}
		name := fmt.Sprintf("%02d-%s.txt", i+1, slug(sl.Name))
		if err := writeFileAtomic(o.io.Out, filepath.Join(o.Dir, name), buf.Bytes()); err != nil {
			return err
		}
		who := sl.Reviewer
		if who == "" {
			who = "reviewer not known"
			if sl.Basis != "" {
				who = sl.Basis
			}
		}
		fmt.Fprintf(o.io.Out, "%s  %s (%s, %s)\n", name, textsafe.Line(sl.Name), textsafe.Line(who), numfmt.Count(len(sl.Items), "item", "items"))
	}
	return nil
}

// movedComment is each line's comment (its hints), saying of an item
// given to this reviewer because it is its org approver's own access why it
// is here; nil when the slice has none.
func movedComment(r *tenant.Review, sl access.ReviewSlice) func(*tenant.ReviewItem) string {
	if len(sl.Moved) == 0 {
		return nil
	}
	bySeq := make(map[int]string, len(sl.Moved))
	for k, why := range sl.Moved {
		bySeq[r.Items[k].Seq] = why
	}
	return func(it *tenant.ReviewItem) string {
		c := it.Comment()
		if why, ok := bySeq[it.Seq]; ok {
			if c != "" {
				c += "; "
			}
			c += why
		}
		return c
	}
}

// slug keeps letters and digits of s for a file name.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

type reviewMergeOptions struct {
	*app
	Name  string
	Files []string
}

func newCmdReviewMerge(a *app, runF func(context.Context, *reviewMergeOptions) error) *cobra.Command {
	o := &reviewMergeOptions{app: a}
	cmd := &cobra.Command{
		Use:   "merge NAME FILE…",
		Short: "Record reviewers' decision files written by review split",
		Long: `Record the decisions of reviewers' files (from "review split"), each decision
with the file's reviewer. A file of another review or snapshot, or whose
slice checksum does not match, is refused whole; a line for an item outside
the file's slice, or for the reviewer's own access, changes nothing.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name, o.Files = args[0], args[1:]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return reviewMergeRun(cmd.Context(), o)
		},
	}
	return cmd
}

func reviewMergeRun(ctx context.Context, o *reviewMergeOptions) error {
	svc, r, err := o.loadReview(ctx, o.Name)
	if err != nil {
		return err
	}
	var snap *tenant.Snapshot
	failed := false
	for _, path := range o.Files {
		data, err := readInput(o.app, path)
		if err != nil {
			return err
		}
		f := tenant.ParseDecisionFile(data)
		if why := f.Header.Matches(r); why != "" {
			fmt.Fprintf(o.io.ErrOut, "%s refused: %s\n", textsafe.Line(path), why)
			failed = true
			continue
		}
		if (strings.HasPrefix(f.Header.Slice, "manager ") || strings.HasPrefix(f.Header.Slice, "org ")) && snap == nil {
			if snap, err = svc.ReviewSnapshot(ctx, r); err != nil {
				return o.explain(err)
			}
		}
		sl, err := access.MatchSlice(r, f.Header, snap)
		if err != nil {
			fmt.Fprintf(o.io.ErrOut, "%s refused: %s\n", textsafe.Line(path), err)
			failed = true
			continue
		}
		src := access.DecisionSource{Slice: map[int]bool{}, Reviewer: f.Header.Reviewer}
		for _, k := range sl.Items {
			src.Slice[r.Items[k].Seq] = true
		}
		for k, why := range sl.Moved {
			if src.Moved == nil {
				src.Moved = map[int]string{}
			}
			src.Moved[r.Items[k].Seq] = why
		}
		fmt.Fprintf(o.io.Out, "%s (%s):\n", textsafe.Line(path), textsafe.Line(sl.Name))
		problems, err := o.recordFile(ctx, r.Name, f, src)
		if err != nil {
			return err
		}
		if problems > 0 {
			failed = true
		}
	}
	if failed {
		return errSilent
	}
	return nil
}
