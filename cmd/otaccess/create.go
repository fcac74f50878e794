package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/tenant"
	"github.com/otaccess/otaccess/textsafe"
)

// createOptions are create's: a new user, its access and its activation.
type createOptions struct {
	*app
	User     access.NewUser // Manager holds what was typed until resolved
	Activate bool
	Like     string   // grant what this user holds
	Grants   []string // "Role/Org"
	Write    writeFlags
}

func newCmdCreate(a *app, runF func(context.Context, *createOptions) error) *cobra.Command {
	o := &createOptions{app: a}
	cmd := &cobra.Command{
		Use:   "create --email E --given G --family F [--user-type Internal|External] [--external-id X] [--title T] [--department D] [--manager USER] [--activate] [--like USER | --grant Role/Org ...]",
		Short: "Create a user (POST /Users: OneTrust adds its default role and organization, inactive), then grant and activate",
		Long: `Create a user: POST /Users with the email as userName. OneTrust gives a new
user its default role and organization and makes it inactive; create reports
that default, then grants --like USER's memberships or each --grant "Role/Org",
then activates the user with --activate: each a step with ✓/✗. An email that
the snapshot already has is refused before anything is sent, and so is an
email that is not an address.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Like != "" && len(o.Grants) > 0 {
				return errors.New("--like and --grant do not go together: give one")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return createRun(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.User.Email, "email", "", "email, also the userName (required)")
	f.StringVar(&o.User.Given, "given", "", "given name (required)")
	f.StringVar(&o.User.Family, "family", "", "family name (required)")
	f.StringVar(&o.User.UserType, "user-type", "Internal", "Internal or External")
	f.StringVar(&o.User.ExternalID, "external-id", "", "externalId")
	f.StringVar(&o.User.Title, "title", "", "job title")
	f.StringVar(&o.User.Department, "department", "", "department")
	f.StringVar(&o.User.Manager, "manager", "", "manager: id, email or userName of a cached user")
	f.BoolVar(&o.Activate, "activate", false, "activate the user after the grants")
	f.StringVar(&o.Like, "like", "", "grant every role x org membership this user holds")
	f.StringArrayVar(&o.Grants, "grant", nil, `grant "Role/Org" (repeatable)`)
	o.Write.add(cmd)
	return cmd
}

func createRun(ctx context.Context, o *createOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	p := access.CreatePlan{User: o.User, Activate: o.Activate}
	if m := strings.TrimSpace(p.User.Manager); m != "" {
		i, err := findUser(snap, m)
		if err != nil {
			return fmt.Errorf("--manager: %w", err)
		}
		p.User.Manager, p.User.ManagerLabel = snap.Users[i].ID, snap.Users[i].Label()
	}
	if err := p.Validate(snap); err != nil {
		return err
	}
	if o.Like != "" {
		other, err := findUser(snap, o.Like)
		if err != nil {
			return fmt.Errorf("--like: %w", err)
		}
		for _, g := range snap.Users[other].Groups {
			p.Grants = append(p.Grants, access.Change{Grant: true, GroupID: snap.Groups[g].ID, Group: access.MembershipLabel(snap, int(g))})
		}
	}
	for _, spec := range o.Grants {
		g, err := findGroupSpec(snap, spec)
		if err != nil {
			return fmt.Errorf("--grant %q: %w", spec, err)
		}
		p.Grants = append(p.Grants, access.Change{Grant: true, GroupID: snap.Groups[g].ID, Group: access.MembershipLabel(snap, g)})
	}
	w := o.io.Out
	fmt.Fprintln(w, "plan:")
	for i, s := range p.Steps() {
		fmt.Fprintf(w, "  %d. %s\n", i+1, textsafe.Line(s))
	}
	if p.User.Manager != "" {
		fmt.Fprintf(w, "  manager: %s\n", textsafe.Line(p.User.ManagerLabel))
	}
	if o.Write.dryRun {
		return nil
	}
	svc, err := o.service(ctx, true)
	if err != nil {
		return err
	}
	if err := o.confirm(o.Write, "Proceed?"); err != nil {
		return err
	}
	res := svc.Create(ctx, p, func(r access.StepResult) { printStep(w, "", r) })
	if res.Note != "" {
		fmt.Fprintf(w, "note: %s\n", textsafe.Line(res.Note))
	}
	if res.Created != nil {
		fmt.Fprintf(w, "id %s\n", textsafe.Line(res.Created.ID))
		if n := res.Failed(); n > 0 {
			fmt.Fprintf(w, "%d of %d steps failed; the user exists: finish with `otaccess grant` / `otaccess activate`\n", n, len(res.Steps))
		}
	}
	return res.Err()
}

// findGroupSpec resolves "Role/Org": role and organization names may hold
// a "/" themselves, so every split is tried and exactly one must name a
// group.
func findGroupSpec(snap *tenant.Snapshot, spec string) (int, error) {
	var hits []int
	var lastErr error
	for i := 0; i < len(spec); i++ {
		if spec[i] != '/' {
			continue
		}
		g, err := findGroup(snap, strings.TrimSpace(spec[:i]), strings.TrimSpace(spec[i+1:]))
		if err != nil {
			lastErr = err
			continue
		}
		hits = append(hits, g)
	}
	switch {
	case len(hits) == 1:
		return hits[0], nil
	case len(hits) > 1:
		return 0, errors.New("names more than one group (role and organization names hold a /): give ROLE and ORG to `otaccess grant` instead")
	case lastErr != nil:
		return 0, lastErr
	}
	return 0, errors.New(`give it as "Role/Org"`)
}
