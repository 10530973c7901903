package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/version"
)

func newVercmp() *cobra.Command {
	return &cobra.Command{
		Use:   "vercmp deb|rpm|apk A B",
		Short: "Compare two versions as the matcher does; prints <, = or >",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			sch, err := version.Lookup(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), [...]string{"<", "=", ">"}[sch.Compare(args[1], args[2])+1])
			return nil
		},
	}
}
