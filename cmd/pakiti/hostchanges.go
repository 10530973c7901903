package main

import (
	"encoding/csv"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

// newHostsChanges is `pakiti hosts changes HOST`: what the host's
// reports changed (as /api/v1/hosts/{h}/changes), newest first.
func newHostsChanges(g *globals) *cobra.Command {
	var format string
	var limit, offset int
	cmd := &cobra.Command{
		Use:   "changes HOST",
		Short: "What a host's reports changed, newest first: packages added, removed and updated, the running kernel, findings opened and closed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			if limit < 1 || offset < 0 {
				return fmt.Errorf("--limit must be at least 1 and --offset at least 0")
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if format == "csv" && !cmd.Flags().Changed("limit") {
				limit = 1 << 30 // all of them unless --limit says
			}
			ch, err := st.HostChanges(cmd.Context(), store.AllSites(), args[0], offset, limit)
			if err != nil {
				return fmt.Errorf("host %s: %w", args[0], err)
			}
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				return writeJSON(out, ch)
			case "csv":
				cw := csv.NewWriter(out)
				cw.Write(web.ChangeColumns)
				for _, r := range web.ChangeRows(ch.Changes) {
					cw.Write(web.CSVRow(r))
				}
				cw.Flush()
				return cw.Error()
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, strings.ToUpper(strings.Join(web.ChangeColumns, "\t")))
			for _, r := range web.ChangeRows(ch.Changes) {
				fmt.Fprintln(tw, strings.Join(r, "\t"))
			}
			tw.Flush()
			if ch.Total > len(ch.Changes) {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d of %d changed reports shown (--limit, --offset)\n", len(ch.Changes), ch.Total)
			}
			if ch.Total == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no report kept in the host's history changed its packages, running kernel or findings")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json or csv")
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many changed reports (csv: all unless given)")
	cmd.Flags().IntVar(&offset, "offset", 0, "skip this many changed reports")
	return cmd
}
