package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/store"
)

// newArchive is `pakiti archive list|show`: the raw reports pakiti serve
// --archive-reports kept, for forensics.
func newArchive(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "archive",
		Short: "Raw reports kept by pakiti serve --archive-reports (list, show)",
	}
	var host, format string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List archived reports, newest first (no bodies)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("--format must be table or json, not %q", format)
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			recs, err := st.ArchivedReports(cmd.Context(), store.AllSites(), host, limit)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				if recs == nil {
					recs = []store.ArchivedReport{}
				}
				return writeJSON(out, recs)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tRECEIVED\tHOST\tSITE\tADDR\tBYTES\tSHA256")
			for _, r := range recs {
				addr := r.Addr
				if r.ProxyAddr != "" {
					addr += " via " + r.ProxyAddr
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%.16s\n", r.ID, r.ReceivedAt.Format(time.RFC3339), r.Hostname,
					r.Site, addr, r.Size, r.BodyHash)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&host, "host", "", "only this host's reports")
	list.Flags().IntVar(&limit, "limit", 100, "at most this many")
	list.Flags().StringVar(&format, "format", "table", "table or json")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Write one archived report's body, as received, to standard output",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not an archived report id (pakiti archive list shows them)", args[0])
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := st.ArchivedReportBody(cmd.Context(), store.AllSites(), id)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(r.Body)
			return err
		},
	}
	cmd.AddCommand(list, show)
	return cmd
}
