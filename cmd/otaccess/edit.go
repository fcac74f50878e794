package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otaccess/otaccess/access"
	"github.com/otaccess/otaccess/textsafe"
)

// editOptions are edit's: the attributes given are changed, the others
// are not touched.
type editOptions struct {
	*app
	User   string
	Fields map[access.Field]string // only the flags given
	Write  writeFlags
}

// editFlags names each editable field's flag.
var editFlags = []struct {
	field access.Field
	flag  string
	usage string
}{
	{access.FieldGiven, "given", "given name"},
	{access.FieldFamily, "family", "family name"},
	{access.FieldTitle, "title", "job title (\"\" clears it)"},
	{access.FieldDepartment, "department", "department (\"\" clears it)"},
	{access.FieldManager, "manager", "manager: id, email or userName of a cached user (\"\" clears it)"},
	{access.FieldExternalID, "external-id", "externalId (\"\" clears it)"},
	{access.FieldUserType, "user-type", "Internal or External"},
}

func newCmdEdit(a *app, runF func(context.Context, *editOptions) error) *cobra.Command {
	o := &editOptions{app: a}
	values := make([]string, len(editFlags))
	cmd := &cobra.Command{
		Use:   "edit USER [--title T] [--department D] [--manager USER] [--given G] [--family F] [--external-id X] [--user-type Internal|External]",
		Short: "Change a user's attributes: one PATCH of just the fields given, after checking nobody changed the user since the snapshot",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.User = args[0]
			o.Fields = map[access.Field]string{}
			for i, f := range editFlags {
				if cmd.Flags().Changed(f.flag) {
					o.Fields[f.field] = values[i]
				}
			}
			if len(o.Fields) == 0 {
				return fmt.Errorf("nothing to change: give at least one of --given, --family, --title, --department, --manager, --external-id, --user-type")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return editRun(cmd.Context(), o)
		},
	}
	for i, f := range editFlags {
		cmd.Flags().StringVar(&values[i], f.flag, "", f.usage)
	}
	o.Write.add(cmd)
	return cmd
}

func editRun(ctx context.Context, o *editOptions) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	u, err := findUser(snap, o.User)
	if err != nil {
		return err
	}
	e, err := access.PlanEdit(snap, u, o.Fields)
	if err != nil {
		return err
	}
	w := o.io.Out
	if e.Empty() {
		fmt.Fprintf(w, "nothing to do: %s already has those values (per the snapshot)\n", textsafe.Line(e.UserLabel))
		return nil
	}
	fmt.Fprintf(w, "plan for %s (before → after):\n", textsafe.Line(e.UserLabel))
	for _, c := range e.Changes {
		fmt.Fprintf(w, "  %s\n", textsafe.Line(c.Describe()))
	}
	fmt.Fprintf(w, "  %s\n", textsafe.Line(e.Request()))
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
	res := svc.Edit(ctx, e)
	for _, n := range res.Notes {
		fmt.Fprintf(o.io.ErrOut, "note: %s\n", textsafe.Line(n))
	}
	if res.Err != nil {
		fmt.Fprintf(w, "✗ edit %s\n", textsafe.Line(e.UserLabel))
		return res.Err
	}
	fmt.Fprintf(w, "✓ edited %s: %d field(s) changed\n", textsafe.Line(e.UserLabel), len(e.Changes))
	return nil
}
