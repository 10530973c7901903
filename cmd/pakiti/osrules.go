package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/osgroup"
)

// newOSRules is `pakiti os-rules`: the rules that map a host's OS to its
// OS group.
func newOSRules() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "os-rules",
		Short: "OS group rules (which vulnerability data a host's OS reads)",
	}
	var file string
	list := &cobra.Command{
		Use:   "list",
		Short: "Print the rules in force, in the rule file format (a start for serve --os-rules FILE)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rs, err := osgroup.Load(file)
			if err != nil {
				return err
			}
			return osgroup.Format(cmd.OutOrStdout(), rs)
		},
	}
	list.Flags().StringVar(&file, "os-rules", "", "rule file given to serve: its rules first, then the built-in ones")
	var facts osgroup.Facts
	check := &cobra.Command{
		Use:   "check SYSTEM",
		Short: "Print the OS group a report's system: line (and os-release facts) maps to",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := osgroup.Load(file)
			if err != nil {
				return err
			}
			facts.System = args[0]
			g := rs.Group(facts)
			if g == "" {
				g = "(none: not evaluated)"
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), g)
			return err
		},
	}
	check.Flags().StringVar(&file, "os-rules", "", "rule file given to serve")
	check.Flags().StringVar(&facts.OSID, "os-id", "", "os-release ID (protocol 6)")
	check.Flags().StringVar(&facts.OSVersionID, "os-version-id", "", "os-release VERSION_ID (protocol 6)")
	cmd.AddCommand(list, check)
	return cmd
}
