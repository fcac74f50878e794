package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// writeFlags are the flags of every command that changes the tenant.
type writeFlags struct{ yes, dryRun bool }

func (f *writeFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation (for scripts)")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print the plan and change nothing")
}

// confirmTyped is confirm for what cannot be undone: on a terminal the
// answer is the thing itself typed out (a delete asks for the user's
// email), so that no reflexive "y" goes through. ok says whether an
// answer confirms; without a terminal it needs --yes.
func (a *app) confirmTyped(f writeFlags, prompt string, ok func(answer string) bool) error {
	if f.yes {
		return nil
	}
	if !a.io.InTerminal {
		return errors.New("not a terminal: pass --yes to confirm, or --dry-run to see the plan")
	}
	fmt.Fprintf(a.io.ErrOut, "%s: ", prompt)
	line, err := bufio.NewReader(a.io.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if !ok(line) {
		why := "that is not it"
		if strings.TrimSpace(line) == "" {
			why = "nothing typed"
		}
		return exitError{code: 1, err: fmt.Errorf("%s: cancelled, nothing changed", why)}
	}
	return nil
}

// confirm asks question on a terminal (the plan is printed already);
// without one it needs --yes. A "no" is exit 1 and changes nothing.
func (a *app) confirm(f writeFlags, question string) error {
	if f.yes {
		return nil
	}
	if !a.io.InTerminal {
		return errors.New("not a terminal: pass --yes to confirm, or --dry-run to see the plan")
	}
	fmt.Fprintf(a.io.ErrOut, "%s [y/N] ", question)
	line, err := bufio.NewReader(a.io.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return exitError{code: 1, err: errors.New("cancelled, nothing changed")}
}
