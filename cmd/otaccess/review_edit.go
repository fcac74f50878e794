package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/numfmt"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

type reviewEditOptions struct {
	*app
	Name      string
	Only      *tenant.Verdict // nil: every decision
	Org, Role string
}

func newCmdReviewEdit(a *app, runF func(context.Context, *reviewEditOptions) error) *cobra.Command {
	o := &reviewEditOptions{app: a}
	var only string
	cmd := &cobra.Command{
		Use:   "edit NAME [--decision undecided] [--org ORG] [--role ROLE]",
		Short: "Decide a review in your editor: one line per item, like git rebase -i",
		Long: `Open review NAME in $VISUAL (or $EDITOR, else vi) as a text file with one
line per item:

  keep      12.9f1c2ab3  jane@acme.com  Auditor — Legal  # [admin]

Change the first word to keep, revoke, skip or undecided, or add
"note: TEXT" at the end of a line; when the editor exits, every changed line
is recorded (reviewer: you). Lines with an unknown word, an edited key or
text, lines that were moved or deleted, and items decided or applied by
someone else meanwhile are reported and change nothing; then the file is
kept for "review decide NAME --from-file FILE" and the exit status is 1.

The editor value may carry arguments ("code --wait"): like git, otaccess
runs it through sh with the file's path as its argument.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if only != "" {
				v, err := tenant.ParseVerdict(only)
				if err != nil {
					return fmt.Errorf("--decision: %w", err)
				}
				o.Only = &v
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return reviewEditRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&only, "decision", "", "only items with this decision: keep, revoke, skip or undecided")
	cmd.Flags().StringVar(&o.Org, "org", "", "only items in this org (its exact name, else every org whose name contains it)")
	cmd.Flags().StringVar(&o.Role, "role", "", "only items of this role (its exact name, else every role whose name contains it)")
	return cmd
}

func reviewEditRun(ctx context.Context, o *reviewEditOptions) error {
	_, r, err := o.loadReview(ctx, o.Name)
	if err != nil {
		return err
	}
	items, what, err := selectItems(r, o.Only, o.Role, o.Org)
	if err != nil {
		return err
	}
	editor, err := o.editor()
	if err != nil {
		return err
	}
	h := tenant.HeaderFor(r)
	if what != "" {
		h.Fields, h.FieldsOrder = map[string]string{"selection": what}, []string{"selection"}
	}
	var buf bytes.Buffer
	buf.Grow(len(items) * 96)
	if err := tenant.WriteDecisionFile(&buf, h, items, nil); err != nil {
		return err
	}
	f, err := os.CreateTemp("", "otaccess-review-*.txt") // 0600: it holds names and emails
	if err != nil {
		return fmt.Errorf("the decision file: %w", err)
	}
	path := f.Name()
	keep := false
	defer func() {
		if !keep {
			os.Remove(path)
		}
	}()
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := o.runEditor(ctx, editor, path); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read back %s: %w", path, err)
	}
	if bytes.Equal(data, buf.Bytes()) {
		fmt.Fprintf(o.io.Out, "%s: the file was not changed; nothing recorded\n", textsafe.Line(r.Name))
		return nil
	}
	parsed := tenant.ParseDecisionFile(data)
	problems, err := o.recordFile(ctx, r.Name, parsed, access.DecisionSource{Written: items})
	if err != nil {
		keep = true
		return err
	}
	if problems > 0 {
		keep = true
		fmt.Fprintf(o.io.ErrOut, "the edited file is kept at %s: fix those lines and run `otaccess review decide %s --from-file %s`\n",
			path, textsafe.Line(quoteArg(r.Name)), path)
		return errSilent
	}
	return nil
}

// recordFile reads parsed against the review as it is now (reloaded: an
// editor may have been open for an hour), records what it may and prints
// the result and every problem. It returns how many lines changed nothing.
func (o *app) recordFile(ctx context.Context, name string, parsed *tenant.DecisionFile, src access.DecisionSource) (int, error) {
	svc, r, err := o.loadReview(ctx, name)
	if err != nil {
		return 0, err
	}
	if why := parsed.Header.Matches(r); why != "" && parsed.Header.Review != "" {
		return 0, fmt.Errorf("%s: nothing recorded", why)
	}
	plan := access.PlanDecisions(r, parsed, src)
	recorded, refused, err := svc.RecordDecisions(ctx, r, plan)
	if err != nil {
		return 0, err
	}
	problems := append(plan.Problems, refused...)
	c := plan.Counts()
	fmt.Fprintf(o.io.Out, "%s: recorded %s (keep %s, revoke %s, skip %s, undecided %s); %s unchanged\n",
		textsafe.Line(r.Name), numfmt.Count(recorded, "decision", "decisions"),
		numfmt.Commas(c.Keep), numfmt.Commas(c.Revoke), numfmt.Commas(c.Skip), numfmt.Commas(c.Undecided),
		numfmt.Count(plan.Unchanged, "line", "lines"))
	printProblems(o, problems)
	return len(problems), nil
}

// printProblems lists what changed nothing, at most 50 lines of it.
func printProblems(o *app, problems []tenant.LineProblem) {
	const show = 50
	for i, p := range problems {
		if i == show {
			fmt.Fprintf(o.io.ErrOut, "… and %s more\n", numfmt.Commas(len(problems)-show))
			break
		}
		where := ""
		if p.Line > 0 {
			where = fmt.Sprintf("line %d ", p.Line)
		}
		fmt.Fprintln(o.io.ErrOut, textsafe.Line(where+p.Why))
	}
	if len(problems) > 0 {
		fmt.Fprintf(o.io.ErrOut, "%s changed nothing\n", numfmt.Count(len(problems), "line", "lines"))
	}
}

// selectItems picks the items an edit writes: those with decision only
// (nil: all), in roles and orgs matching role and org (an exact name in
// any case, else every name containing the text). what says it in words
// ("" for all).
func selectItems(r *tenant.Review, only *tenant.Verdict, role, org string) ([]tenant.ReviewItem, string, error) {
	match := func(q string, field func(*tenant.ReviewItem) string) func(*tenant.ReviewItem) bool {
		q = strings.ToLower(strings.TrimSpace(q))
		if q == "" {
			return func(*tenant.ReviewItem) bool { return true }
		}
		exact := false
		for i := range r.Items {
			if strings.ToLower(field(&r.Items[i])) == q {
				exact = true
				break
			}
		}
		return func(it *tenant.ReviewItem) bool {
			v := strings.ToLower(field(it))
			return v == q || (!exact && strings.Contains(v, q))
		}
	}
	roleOK := match(role, func(it *tenant.ReviewItem) string { return it.Role })
	orgOK := match(org, func(it *tenant.ReviewItem) string { return it.Org })
	var out []tenant.ReviewItem
	for i := range r.Items {
		it := &r.Items[i]
		if (only == nil || it.Decision == *only) && roleOK(it) && orgOK(it) {
			out = append(out, *it)
		}
	}
	var words []string
	if only != nil {
		words = append(words, only.String()+" items")
	}
	if role != "" {
		words = append(words, "role "+role)
	}
	if org != "" {
		words = append(words, "org "+org)
	}
	what := strings.Join(words, ", ")
	if len(out) == 0 {
		if what == "" {
			what = "any"
		}
		return nil, "", fmt.Errorf("review %s has no items (%s) to edit", textsafe.Line(r.Name), textsafe.Line(what))
	}
	return out, what, nil
}

// editor is the command to edit with: $VISUAL, else $EDITOR, else vi
// (only at a terminal: a script must say which).
func (o *app) editor() (string, error) {
	for _, k := range []string{"VISUAL", "EDITOR"} {
		if v := strings.TrimSpace(o.getenv(k)); v != "" {
			return v, nil
		}
	}
	if !o.io.InTerminal {
		return "", errors.New("no editor: set VISUAL or EDITOR (or use `review decide NAME --from-file FILE` from a script)")
	}
	return "vi", nil
}

// shellMeta are the characters that make git run an editor through the
// shell (run-command.c): without them the value is one program name.
const shellMeta = "|&;<>()$`\\\"' \t\n*?[#~=%"

// runEditor runs editor on path the way git does: a plain program name is
// run directly; a value with arguments or quoting goes through
// `sh -c 'EDITOR "$@"' EDITOR PATH`, so the value is the user's own shell
// text but the path is an argument, never parsed by the shell.
func (o *app) runEditor(ctx context.Context, editor, path string) error {
	var cmd *exec.Cmd
	if !strings.ContainsAny(editor, shellMeta) {
		cmd = exec.CommandContext(ctx, editor, path)
	} else if sh, err := exec.LookPath("sh"); err == nil {
		cmd = exec.CommandContext(ctx, sh, "-c", editor+` "$@"`, editor, path)
	} else {
		f := strings.Fields(editor)
		cmd = exec.CommandContext(ctx, f[0], append(f[1:], path)...)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.io.In, o.io.Out, o.io.ErrOut
	if f, ok := o.io.In.(*os.File); ok {
		cmd.Stdin = f
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("the editor (%s) failed: %v; nothing recorded", textsafe.Line(editor), err)
	}
	return nil
}

// quoteArg quotes s for a shell command line when it needs it.
func quoteArg(s string) string {
	if s != "" && !strings.ContainsAny(s, shellMeta) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
