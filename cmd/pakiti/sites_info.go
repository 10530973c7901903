package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

// siteSeverities are the columns of a site's exposed hosts by worst
// severity, as the sites page shows them.
var siteSeverities = []string{"critical", "high", "medium", "low", "other"}

// newSitesStats is Pakiti 3's hostGroupsStats (of now; the history of a
// site is GET /api/v1/sites/{site}/history): per site its hosts, exposed
// hosts, hosts with tagged CVEs and stale hosts.
func newSitesStats(g *globals) *cobra.Command {
	var format, site string
	cmd := &cobra.Command{
		Use:   "stats [--site S] [--format table|json|csv]",
		Short: "Per site: hosts, exposed hosts (by worst severity), hosts with tagged CVEs, stale hosts, contact (Pakiti 3's hostGroupsStats)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" && format != "csv" {
				return fmt.Errorf("--format must be table, json or csv, not %q", format)
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			sites, err := st.SiteSummaries(cmd.Context(), store.AllSites(), site)
			if err != nil {
				return err
			}
			if site != "" && len(sites) == 0 {
				return fmt.Errorf("no site named %s (pakiti sites list)", site)
			}
			return writeSiteStats(cmd.OutOrStdout(), format, sites)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json or csv")
	cmd.Flags().StringVar(&site, "site", "", "only this site")
	return cmd
}

func writeSiteStats(out io.Writer, format string, sites []store.SiteSummary) error {
	header := append(append([]string{"site", "group", "hosts", "exposed"}, siteSeverities...), "tagged_hosts", "stale", "contact", "url", "note")
	row := func(s store.SiteSummary) []string {
		r := []string{s.Name, s.Group, strconv.Itoa(s.Hosts), strconv.Itoa(s.Exposed)}
		for _, sev := range siteSeverities {
			r = append(r, strconv.Itoa(s.BySeverity[sev]))
		}
		return append(r, strconv.Itoa(s.TaggedHosts), strconv.Itoa(s.Stale), s.Contact, s.URL, s.Note)
	}
	switch format {
	case "json":
		return writeJSON(out, map[string]any{"sites": sites})
	case "csv":
		cw := csv.NewWriter(out)
		cw.Write(header)
		for _, s := range sites {
			cw.Write(web.CSVRow(row(s)))
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(header[:len(header)-2], "\t")))
	for _, s := range sites {
		fmt.Fprintln(tw, strings.Join(row(s)[:len(header)-2], "\t"))
	}
	return tw.Flush()
}

// newSitesInfo sets a site's contact, web page and note (Pakiti 3's
// hostGroups -c store --url --contact --note); the fields not given keep
// their values. Reports never change them.
func newSitesInfo(g *globals) *cobra.Command {
	var contact, link, note string
	cmd := &cobra.Command{
		Use:   "info SITE [--contact C] [--url URL] [--note N]",
		Short: "Set a site's contact, web page (http or https) and note, as an admin does on the site's page; without flags print them",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, name := cmd.Context(), args[0]
			set := cmd.Flags().Changed("contact") || cmd.Flags().Changed("url") || cmd.Flags().Changed("note")
			st, err := g.openExisting(ctx) // a site to set needs a database that has it

			if err != nil {
				return err
			}
			defer st.Close()
			cur, err := st.SiteSummaries(ctx, store.AllSites(), name)
			if err != nil {
				return err
			}
			if len(cur) == 0 {
				return fmt.Errorf("no site named %s (pakiti sites list)", name)
			}
			s := cur[0]
			if !set {
				fmt.Fprintf(cmd.OutOrStdout(), "Site:     %s\nContact:  %s\nWeb page: %s\nNote:     %s\n", s.Name, s.Contact, s.URL, s.Note)
				return nil
			}
			if cmd.Flags().Changed("contact") {
				s.Contact = contact
			}
			if cmd.Flags().Changed("url") {
				s.URL = link
			}
			if cmd.Flags().Changed("note") {
				s.Note = note
			}
			if err := st.SetSiteInfo(ctx, name, s.Contact, s.URL, s.Note); err != nil {
				return err
			}
			return audit(ctx, st, "site.info", name, "contact="+strings.TrimSpace(s.Contact)+" url="+strings.TrimSpace(s.URL))
		},
	}
	cmd.Flags().StringVar(&contact, "contact", "", "who to contact about the site's hosts")
	cmd.Flags().StringVar(&link, "url", "", "the site's web page (http or https)")
	cmd.Flags().StringVar(&note, "note", "", "a note shown on the site's page")
	return cmd
}
