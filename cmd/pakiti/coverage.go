package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/store"
)

// coverageConfig is how the store works out data states: the drivers say
// which groups' data a group reads.
func coverageConfig(maxAge time.Duration) store.CoverageConfig {
	reg := drivers.Registry()
	return store.CoverageConfig{MaxAge: maxAge, DataGroups: func(g string) []string {
		if d, ok := reg.For(g); ok {
			return d.DataGroups(g)
		}
		return []string{g}
	}, NeedsSourceMap: func(g string) bool {
		d, ok := reg.For(g)
		return ok && d.LearnsSources()
	}}
}

// writeParts says which locations are in force, part by part.
func writeParts(w io.Writer, parts []store.Part) {
	if len(parts) == 0 {
		return
	}
	fmt.Fprintln(w, "in force:")
	for _, p := range parts {
		complete := "complete for nothing"
		if len(p.Complete) > 0 {
			complete = "complete for " + strings.Join(p.Complete, " ")
		}
		fmt.Fprintf(w, "  %s: %d records, %s, loaded %s\n", p.Name, p.Records, complete, p.LoadedAt.Format(time.RFC3339))
		locs := p.Locations
		if len(locs) > maxPartLocations {
			// A tracker directory is 33,000 files: the first few and the
			// last say where; sources list --format json lists them all.
			for _, l := range locs[:maxPartLocations-1] {
				fmt.Fprintf(w, "    %s\n", l)
			}
			fmt.Fprintf(w, "    ... %d more ...\n", len(locs)-maxPartLocations)
			locs = locs[len(locs)-1:]
		}
		for _, l := range locs {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
}

// maxPartLocations is how many locations of a part writeParts lists.
const maxPartLocations = 10

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// showAdvisory prints an advisory: its CVEs and the hosts it affects.
func showAdvisory(cmd *cobra.Command, st *store.Store, id, format string) error {
	info, err := st.Advisory(cmd.Context(), store.AllSites(), id)
	if err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	out := cmd.OutOrStdout()
	if format == "json" {
		return writeJSON(out, info)
	}
	cves := strings.Join(info.CVEs, " ")
	if cves == "" {
		cves = "no CVE (its findings are counted as advisory findings)"
	}
	fmt.Fprintf(out, "%s  CVEs: %s\n\n", info.ID, cves)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "AFFECTED HOSTS (%d)\tSITE\tPACKAGE\tINSTALLED\tFIXED\n", len(info.Hosts))
	for _, h := range info.Hosts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", h.Hostname, h.Site, h.Package, h.Version, h.Fixed)
	}
	return tw.Flush()
}
