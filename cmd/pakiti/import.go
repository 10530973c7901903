package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/store"
)

func newImporter(g *globals, st *store.Store) (*source.Importer, error) {
	log, err := g.logger()
	if err != nil {
		return nil, err
	}
	reg, err := g.sources.registry()
	if err != nil {
		return nil, err
	}
	im := &source.Importer{Store: st, Sources: reg, Fetcher: source.NewFetcher(), Eval: match.New(st, drivers.Registry(), log),
		Log: log, Now: time.Now}
	if isTerminal(os.Stderr) {
		im.Progress = os.Stderr
	}
	return im, nil
}

func newImport(g *globals) *cobra.Command {
	var name, asOf string
	var force bool
	cmd := &cobra.Command{
		Use:   "import --source NAME [PATH|URL...]",
		Short: "Load a source's vulnerability data (its vendor URL by default, or files, URLs, mirror directories)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return fmt.Errorf("--source is required (one of %s)", strings.Join(registry().Names(), ", "))
			}
			st, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			im, err := newImporter(g, st)
			if err != nil {
				return err
			}
			if asOf != "" {
				t, err := time.Parse(time.RFC3339, asOf)
				if err != nil {
					return fmt.Errorf("--as-of: %w", err)
				}
				im.Now = func() time.Time { return t }
			}
			res, err := im.Import(cmd.Context(), name, args, force)
			if err != nil {
				return err
			}
			// A source change by hand is an admin action (the scheduled
			// update job is not: it logs instead).
			if err := audit(cmd.Context(), st, "source.import", name, fmt.Sprintf("locations=%q records=%d unchanged=%t", args, res.Records, res.Unchanged)); err != nil {
				return err
			}
			if res.Unchanged {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: unchanged since the last import (%s)\n", name, res.Duration.Round(time.Millisecond))
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d records, %d packages changed, %d hosts re-evaluated (%s)\n",
					name, res.Records, res.Changed, res.Hosts, res.Duration.Round(time.Millisecond))
			}
			writeParts(cmd.OutOrStdout(), res.Parts)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "source", "", "source name ("+strings.Join(registry().Names(), ", ")+")")
	cmd.Flags().BoolVar(&force, "force", false, "import even when the data did not change")
	g.sources.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&asOf, "as-of", "", "record the import as made at this RFC 3339 time (tests of staleness)")
	cmd.Flags().MarkHidden("as-of")
	return cmd
}

func newSources(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "sources", Short: "Vulnerability data sources"}
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "Show what each source has loaded and how old it is",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			srcs, err := st.Sources(cmd.Context())
			if err != nil {
				return err
			}
			if format == "json" {
				reg, err := g.sources.registry()
				if err != nil {
					return err
				}
				out, err := sourceListings(cmd.Context(), st, reg, srcs)
				if err != nil {
					return err
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"sources": out})
			}
			loaded := map[string]store.SourceStatus{}
			for _, s := range srcs {
				loaded[s.Source] = s
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SOURCE\tSTATE\tRECORDS\tOS GROUPS\tCOMPLETE FOR\tNEWEST RECORD\tLAST SUCCESS\tLAST ERROR")
			for _, n := range registry().Names() {
				s, ok := loaded[n]
				if !ok {
					fmt.Fprintf(tw, "%s\tnever loaded\t-\t-\t-\t-\t-\t-\n", n)
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", n, s.State, s.Records, orDash(strings.Join(s.OSGroups, " ")),
					orDash(strings.Join(s.Complete, " ")), orDash(timeOrEmpty(s.DataDate)), orDash(timeOrEmpty(s.LastSuccess)), orDash(s.LastError))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, s := range srcs {
				fmt.Fprintf(cmd.OutOrStdout(), "\n%s:", s.Source)
				if s.Reason != "" {
					fmt.Fprintf(cmd.OutOrStdout(), " %s", s.Reason)
				}
				fmt.Fprintln(cmd.OutOrStdout())
				writeParts(cmd.OutOrStdout(), s.Parts)
			}
			return nil
		},
	}
	list.Flags().StringVar(&format, "format", "table", "table or json")
	update := &cobra.Command{
		Use:   "update [NAME...]",
		Short: "Import the named sources (all) from their vendor URLs",
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			im, err := newImporter(g, st)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				args = defaultSources(registry())
			}
			for _, n := range args {
				res, err := im.Import(cmd.Context(), n, nil, false)
				if err != nil {
					return fmt.Errorf("%s: %w", n, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d records, unchanged %v (%s)\n", n, res.Records, res.Unchanged,
					res.Duration.Round(time.Millisecond))
			}
			return nil
		},
	}
	cmd.AddCommand(list, update)
	g.sources.addFlags(cmd.PersistentFlags())
	return cmd
}

func newEvaluate(g *globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "evaluate [HOST...]",
		Short: "Recompute findings (of the named hosts, or all); --all forgets every cached verdict first",
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if all {
				if err := st.ForgetEvaluations(cmd.Context()); err != nil {
					return err
				}
			}
			var names []string
			if len(args) > 0 {
				names = args
			}
			for _, name := range names {
				if _, err := st.Host(cmd.Context(), store.AllSites(), name); errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no host named %s (pakiti hosts lists them)", name)
				} else if err != nil {
					return err
				}
			}
			t := time.Now()
			m := match.New(st, drivers.Registry(), log)
			if isTerminal(os.Stderr) {
				last := time.Time{}
				m.Progress = func(done, total int) {
					if done == total || time.Since(last) > 200*time.Millisecond {
						last = time.Now()
						fmt.Fprintf(os.Stderr, "\revaluating: %d/%d hosts", done, total)
						if done == total {
							fmt.Fprintln(os.Stderr)
						}
					}
				}
			}
			n, err := m.EvaluateHosts(cmd.Context(), names)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d hosts evaluated (%s)\n", n, time.Since(t).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "forget cached verdicts and evaluate everything again")
	return cmd
}

// isTerminal tells whether f is a terminal (progress lines go there only).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// defaultSources names the sources that have default locations: the
// others (updateinfo) are imported only from the locations an admin gives.
func defaultSources(r *source.Registry) []string {
	var out []string
	for _, n := range r.Names() {
		if s, err := r.Get(n); err == nil && len(s.Locations()) > 0 {
			out = append(out, n)
		}
	}
	return out
}
