package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
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
// hosts, hosts with tagged CVEs and stale hosts; with --from and/or --to,
// its report statistics over [from, to) too (store.SitePeriod).
func newSitesStats(g *globals) *cobra.Command {
	var format, site, from, to string
	cmd := &cobra.Command{
		Use:   "stats [--site S] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format table|json|csv]",
		Short: "Per site: hosts, exposed hosts (by worst severity), hosts with tagged CVEs, stale hosts, contact, and the reports over a period (Pakiti 3's hostGroupsStats)",
		Long: `Per site: hosts, exposed hosts (by worst severity), hosts with tagged CVEs, stale hosts, contact.

With --from and/or --to (YYYY-MM-DD, to excluded; an open side when not
given), per site over [from, to) as well: the hosts that sent a report
(period_hosts), those of them with an open tagged CVE now
(period_vulnerable_hosts), their reports (period_reports), and the reports
of vulnerable hosts that carried the package set the host has now
(period_vulnerable_reports). A run of identical reports the history keeps
as one record is taken as evenly spaced where it crosses a bound.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" && format != "csv" {
				return fmt.Errorf("--format must be table, json or csv, not %q", format)
			}
			period, err := store.ParsePeriod(from, to)
			if err != nil {
				return fmt.Errorf("--%s", err)
			}
			asked := from != "" || to != ""
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
			if asked {
				per, err := st.SitePeriods(cmd.Context(), store.AllSites(), site, period)
				if err != nil {
					return err
				}
				for i := range sites {
					c, ok := per[sites[i].Name]
					if !ok {
						c = store.EmptySitePeriod(period)
					}
					sites[i].Period = &c
				}
			}
			return writeSiteStats(cmd.OutOrStdout(), format, sites, asked)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json or csv")
	cmd.Flags().StringVar(&site, "site", "", "only this site")
	cmd.Flags().StringVar(&from, "from", "", "the reports from this day (YYYY-MM-DD, UTC)")
	cmd.Flags().StringVar(&to, "to", "", "the reports before this day (YYYY-MM-DD, UTC, excluded)")
	return cmd
}

func writeSiteStats(out io.Writer, format string, sites []store.SiteSummary, period bool) error {
	header := append(append([]string{"site", "group", "hosts", "exposed"}, siteSeverities...), "tagged_hosts", "stale", "contact", "url", "note")
	if period {
		header = append(header, web.SitePeriodColumns...)
	}
	n := strconv.Itoa
	row := func(s store.SiteSummary) []string {
		r := []string{s.Name, s.Group, n(s.Hosts), n(s.Exposed)}
		for _, sev := range siteSeverities {
			r = append(r, n(s.BySeverity[sev]))
		}
		r = append(r, n(s.TaggedHosts), n(s.Stale), s.Contact, s.URL, s.Note)
		if p := s.Period; p != nil {
			r = append(r, p.From, p.To, n(p.Hosts), n(p.VulnerableHosts), n(p.Reports), n(p.VulnerableReports))
		}
		return r
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
	// The table leaves out the URL and the note (long, free text).
	skip := func(r []string) []string {
		i := slices.Index(header, "url")
		return append(slices.Clone(r[:i]), r[i+2:]...)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(skip(header), "\t")))
	for _, s := range sites {
		fmt.Fprintln(tw, strings.Join(skip(row(s)), "\t"))
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
