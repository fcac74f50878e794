package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// outputFlags choose a read command's output: a table (the default), JSON
// or CSV.
type outputFlags struct{ json, csv bool }

func (o *outputFlags) add(cmd *cobra.Command, withCSV bool) {
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	if withCSV {
		cmd.Flags().BoolVar(&o.csv, "csv", false, "print CSV")
		// Checked here rather than by cobra's MarkFlagsMutuallyExclusive,
		// whose message ("if any flags in the group [json csv] are set
		// none of the others can be") is not a sentence a user reads.
		prev := cmd.PreRunE
		cmd.PreRunE = func(c *cobra.Command, args []string) error {
			if o.json && o.csv {
				return errors.New("--json and --csv cannot be used together: choose one")
			}
			if prev != nil {
				return prev(c, args)
			}
			return nil
		}
	}
}
