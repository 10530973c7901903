package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

func newCVE(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "cve ID",
		Short: "Show a CVE (or an advisory: DSA-5343-1, USN-6000-1, RHSA-2024:0811): vendor status per release and the affected hosts",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			id := model.NormalizeID(args[0])
			if model.IsAdvisoryID(id) {
				return showAdvisory(cmd, st, id, format)
			}
			info, err := st.CVE(cmd.Context(), store.AllSites(), id)
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(out, info)
			}
			fmt.Fprintf(out, "%s  %s\n%s\n\n", info.ID, info.Severity, info.Description)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "OS GROUP\tPACKAGE\tVENDOR STATUS\tFIXED\tSEVERITY\tADVISORY")
			for _, r := range info.Records {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.OSGroup, r.Package, r.Status, r.FixedVersion, r.Severity, r.AdvisoryID)
			}
			// The finding's status (open, unfixed, reboot-pending), not the vendor's.
			fmt.Fprintf(tw, "\nAFFECTED HOSTS (%d)\tSITE\tPACKAGE\tINSTALLED\tFIXED\tSTATUS\n", info.HostCount)
			for _, h := range info.Hosts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", h.Hostname, h.Site, h.Package, h.Version, h.Fixed, h.Status)
			}
			writeCVETagsExceptions(tw, info)
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}

// writeCVETagsExceptions adds to the CVE's table its tags and the
// exceptions of it, as the CVE page shows them; nothing when it has none.
func writeCVETagsExceptions(tw io.Writer, info store.CVEInfo) {
	if len(info.Tags) > 0 {
		fmt.Fprintf(tw, "\nTAGS (%d)\tENABLED\tREASON\tINFO URL\tAUTHOR\tMODIFIED\n", len(info.Tags))
		for _, t := range info.Tags {
			fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%s\t%s\n", t.Tag, t.Enabled, t.Reason, t.InfoURL, t.Author, t.ModifiedAt.UTC().Format(time.DateOnly))
		}
	}
	if len(info.Exceptions) > 0 {
		fmt.Fprintf(tw, "\nEXCEPTIONS (%d)\tPACKAGE\tVERSION\tSCOPE\tEXPIRES\tIN FORCE\tREASON\tAUTHOR\n", len(info.Exceptions))
		for _, e := range info.Exceptions {
			version, scope, expires := "any", string(e.ScopeKind), "never"
			if e.Version != "" {
				version = e.Version
			}
			if e.Scope != "" {
				scope += " " + e.Scope
			}
			if e.ExpiresAt != nil {
				expires = e.ExpiresAt.UTC().Format(time.DateOnly)
			}
			fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%v\t%s\t%s\n", e.ID, e.Package, version, scope, expires, e.Active, e.Reason, e.Author)
		}
	}
}
