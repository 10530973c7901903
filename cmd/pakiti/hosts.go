package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

func newHosts(g *globals) *cobra.Command {
	var f store.HostFilter
	var format, activity string
	var staleAfter time.Duration
	cmd := &cobra.Command{
		Use:   "hosts",
		Short: "List hosts (the same listing as /hosts and /api/v1/hosts)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := checkFormat(format)
			if err != nil {
				return err
			}
			if f.Activity, err = store.ParseActivity(activity); err != nil {
				return err
			}
			f.CVE = model.NormalizeID(f.CVE)
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			st.SetStaleAfter(staleAfter)
			out := cmd.OutOrStdout()
			if format == "csv" && !cmd.Flags().Changed("limit") && !cmd.Flags().Changed("offset") {
				// The whole view, streamed: never truncated at --limit.
				cw := csv.NewWriter(out)
				cw.Write(web.HostColumns)
				_, err := st.EachHost(cmd.Context(), store.AllSites(), f, func(h model.Host) error {
					cw.Write(web.HostCSVRow(h))
					return cw.Error()
				})
				cw.Flush()
				return errors.Join(err, cw.Error())
			}
			hosts, total, err := st.ListHosts(cmd.Context(), store.AllSites(), f)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return writeJSON(out, web.HostList{Hosts: hosts, Total: total, Limit: f.Limit, Offset: f.Offset})
			case "csv":
				return web.WriteHostsCSV(out, hosts)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, strings.ToUpper(strings.Join(web.HostColumns, "\t")))
			for _, h := range hosts {
				fmt.Fprintln(tw, strings.Join(web.HostRow(h), "\t"))
			}
			tw.Flush()
			if total > len(hosts) {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d of %d hosts shown (--limit, --offset)\n", len(hosts), total)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&f.Site, "site", "", "only hosts of this site")
	cmd.Flags().StringVar(&f.Tag, "tag", "", "only hosts of this tag (the report's tag:, pakiti-client --tag)")
	cmd.Flags().StringVarP(&f.Query, "query", "q", "", "only hosts whose name, OS or kernel contains this (any case)")
	cmd.Flags().StringVar(&f.CVE, "cve", "", "only hosts with an open finding of this CVE")
	cmd.Flags().StringVar(&f.CVETag, "cve-tag", "", "only hosts with an open, unexcepted finding of a CVE carrying this enabled tag (* for any tag)")
	cmd.Flags().StringVar(&f.OSGroup, "os-group", "", "only hosts of this OS group (debian:12...)")
	cmd.Flags().StringVar(&f.Status, "status", "", "update-available: only hosts for which the release's security suite has a newer version of an installed package")
	cmd.Flags().StringVar(&f.Sort, "sort", "", "hostname, site, os, cves, reports, last_report; - first for descending (-cves: most exposed first)")
	cmd.Flags().IntVar(&f.Limit, "limit", store.MaxLimit, "at most this many hosts")
	cmd.Flags().IntVar(&f.Offset, "offset", 0, "skip this many hosts")
	cmd.Flags().StringVar(&format, "format", "table", "table, json or csv")
	cmd.Flags().StringVar(&activity, "activity", "", "24h: only hosts that reported in the last 24 hours; -7d: only those that did not for 7 days (h or d)")
	cmd.Flags().BoolVar(&f.Stale, "stale", false, "only stale hosts (no report for --stale-after)")
	cmd.Flags().DurationVar(&staleAfter, "stale-after", store.DefaultStaleAfter, "a host that did not report for this long is stale")
	cmd.AddCommand(newHostsDelete(g), newHostsPrune(g), newHostsChanges(g))
	return cmd
}

func newHostsDelete(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME...",
		Short: "Delete hosts: they leave every listing, their open findings resolve as host-removed (kept as history); a new report brings a host back",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			for _, name := range args {
				n, err := st.DeleteHost(cmd.Context(), store.AllSites(), name, time.Now())
				if err != nil {
					return fmt.Errorf("host %s: %w", name, err)
				}
				if err := audit(cmd.Context(), st, "host.delete", name, fmt.Sprintf("findings_resolved=%d", n)); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "deleted %s (%d findings resolved)\n", name, n)
			}
			return nil
		},
	}
}

func newHostsPrune(g *globals) *cobra.Command {
	var age string
	var yes bool
	cmd := &cobra.Command{
		Use:   "prune --not-reported-for 90d [--yes]",
		Short: "Delete the hosts that did not report for a period; without --yes only lists them (dry run)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := store.ParseAge(age)
			if err != nil {
				return fmt.Errorf("--not-reported-for: %w", err)
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			now := time.Now()
			names, err := st.HostsNotReportedSince(cmd.Context(), store.AllSites(), now.Add(-d))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, name := range names {
				if !yes {
					fmt.Fprintf(out, "would delete %s\n", name)
					continue
				}
				n, err := st.DeleteHost(cmd.Context(), store.AllSites(), name, now)
				if err != nil {
					return fmt.Errorf("host %s: %w", name, err)
				}
				if err := audit(cmd.Context(), st, "host.prune", name, fmt.Sprintf("not_reported_for=%s findings_resolved=%d", age, n)); err != nil {
					return err
				}
				fmt.Fprintf(out, "deleted %s (%d findings resolved)\n", name, n)
			}
			if !yes {
				fmt.Fprintf(out, "%d hosts not reported for %s; nothing deleted (dry run: add --yes)\n", len(names), age)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&age, "not-reported-for", "", "hosts whose last report is older than this (90d, 36h)")
	cmd.Flags().BoolVar(&yes, "yes", false, "delete them (default: list only)")
	cmd.MarkFlagRequired("not-reported-for")
	return cmd
}

func newHost(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "host NAME",
		Short: "Show one host: facts, packages and report history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("--format must be table or json, not %q", format)
			}
			ctx := cmd.Context()
			st, err := g.openExisting(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			sc, name := store.AllSites(), args[0]
			h, err := st.Host(ctx, sc, name)
			if err != nil {
				return fmt.Errorf("host %s: %w", name, err)
			}
			pkgs, err := st.HostPackages(ctx, sc, name)
			if err != nil {
				return err
			}
			reps, err := st.HostReports(ctx, sc, name, 50)
			if err != nil {
				return err
			}
			fs, err := st.HostFindings(ctx, sc, name, false)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(out, web.HostDetail{Host: h, Packages: pkgs, Findings: fs, Reports: reps})
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			kernel := h.Kernel // only when the report had a kernel line
			if kernel == "" {
				kernel = "unknown (not reported)"
			}
			for _, kv := range [][2]string{{"Host", h.Hostname}, {"Site", h.Site}, {"Tag", h.Tag}, {"OS", h.OS},
				{"Kernel", kernel}, {"Arch", h.Arch}, {"Packager", h.Packager}, {"Reported from", h.ReporterAddr},
				{"First report", h.FirstReport.Format(time.RFC3339)}, {"Last report", h.LastReport.Format(time.RFC3339)},
				{"Packages", fmt.Sprint(h.Packages)}, {"OS group", h.OSGroup}, {"Vulnerabilities", vulnSummary(h)}} {
				fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
			}
			if len(fs) > 0 {
				fmt.Fprintln(tw, "\nPACKAGE\tINSTALLED\tSOURCE\tCVE\tFIXED\tSTATUS\tSEVERITY\tADVISORY")
				for _, f := range fs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Package, f.Version, f.SourcePackage, f.CVE,
						f.FixedVersion, f.Status, f.Severity, f.AdvisoryID)
				}
			}
			fmt.Fprintln(tw, "\nNAME\tVERSION\tARCH\tSOURCE")
			for _, p := range pkgs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.Version, p.Arch, p.SourceName)
			}
			fmt.Fprintln(tw, "\nFIRST RECEIVED\tLAST RECEIVED\tREPORTS\tFROM\tPACKAGES")
			for _, r := range reps {
				from := r.ReporterAddr
				if r.ThroughProxy {
					from += " via proxy " + r.ProxyAddr
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\n", r.FirstReceived.Format(time.RFC3339),
					r.LastReceived.Format(time.RFC3339), r.Count, from, r.Packages)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}

func checkFormat(f string) error {
	switch f {
	case "table", "json", "csv":
		return nil
	}
	return fmt.Errorf("--format must be table, json or csv, not %q", f)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func vulnSummary(h model.Host) string {
	if !h.Evaluated {
		return "not evaluated (" + h.DataReason + ")"
	}
	s := fmt.Sprintf("%d vulnerable packages, %d CVEs", h.VulnerablePackages, h.CVEs)
	if h.AdvisoryFindings > 0 {
		s += fmt.Sprintf(", %d advisories without CVE", h.AdvisoryFindings)
	}
	if h.DataState != model.DataComplete {
		s += "; data " + h.DataState + ": " + h.DataReason
	}
	for _, d := range h.DataSources {
		cover := "partial"
		if d.Complete {
			cover = "complete"
		}
		s += fmt.Sprintf("\n  evaluated against %s data of %s (%d records, %s), checked %s", d.Source, d.OSGroup,
			d.Records, cover, d.CheckedAt.Format(time.RFC3339))
		if !d.Newest.IsZero() {
			s += ", newest record " + d.Newest.Format(time.RFC3339)
		}
	}
	return s
}
