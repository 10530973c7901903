package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/store"
)

// DefaultReportHistory is how long report history records are kept by
// default: a year and a month, so that a yearly audit still finds a whole
// year. A host's latest record is always kept.
const DefaultReportHistory = "400d"

// DefaultArchiveRetention is how long archived raw reports are kept by
// default (pakiti serve --archive-reports).
const DefaultArchiveRetention = "30d"

// retention is a duration flag that also takes days (400d); 0 keeps for ever.
type retention struct{ d time.Duration }

func (r *retention) String() string {
	if r.d == 0 {
		return "0"
	}
	if r.d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(r.d/(24*time.Hour)), 10) + "d"
	}
	return r.d.String()
}

func (r *retention) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return fmt.Errorf("%q: want days (400d), a duration (720h) or 0 (keep for ever)", s)
		}
		r.d = time.Duration(days) * 24 * time.Hour
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("%q: want days (400d), a duration (720h) or 0 (keep for ever)", s)
	}
	r.d = d
	return nil
}

func (r *retention) Type() string { return "duration" }

// before is the time history older than the retention ends at (zero: none).
func (r *retention) before(now time.Time) time.Time {
	if r.d == 0 {
		return time.Time{}
	}
	return now.Add(-r.d)
}

func newRetention(def string) *retention {
	r := &retention{}
	if err := r.Set(def); err != nil {
		panic(err)
	}
	return r
}

// collect runs one collection and logs what it did (the job "gc").
func collect(ctx context.Context, st *store.Store, log *slog.Logger, keep, archive *retention) error {
	now := time.Now()
	res, err := st.GC(ctx, store.GCOptions{ReportsBefore: keep.before(now), ArchiveBefore: archive.before(now)})
	if err != nil {
		return err
	}
	log.Info("gc done", "sets", res.Sets, "packages", res.Packages, "reports", res.Reports, "package_changes", res.PackageChanges,
		"archived_reports", res.Archived, "batches", res.Batches, "longest_tx", res.LongestTx.Round(time.Microsecond), "duration", res.Duration.Round(time.Millisecond))
	return nil
}

func newDBGC(g *globals) *cobra.Command {
	var dryRun bool
	var batch int
	keep := newRetention(DefaultReportHistory)
	archive := newRetention(DefaultArchiveRetention)
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Delete package sets no host uses, catalogue packages nothing uses and old report history, once",
		Long: `Runs the collection that pakiti serve runs every --gc-every: package sets no
host uses (with their members and evaluation marks), catalogue packages no set
and no finding uses (with their evaluations and verdicts) and report history
older than --report-history (each host's latest record is kept), and archived
raw reports older than --archive-retention. It deletes in
small transactions, so a server may keep storing reports meanwhile; findings
are never changed. --dry-run counts what would go.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			now := time.Now()
			opt := store.GCOptions{Batch: batch, DryRun: dryRun, ReportsBefore: keep.before(now), ArchiveBefore: archive.before(now)}
			if isTerminal(os.Stderr) {
				last := time.Time{}
				opt.Progress = func(phase string, done int64) {
					if time.Since(last) > 200*time.Millisecond {
						last = time.Now()
						fmt.Fprintf(os.Stderr, "\r\033[K%s: %d", phase, done)
					}
				}
			}
			res, err := st.GC(cmd.Context(), opt)
			if opt.Progress != nil {
				fmt.Fprint(os.Stderr, "\r\033[K")
			}
			if err != nil {
				return err
			}
			verb := "deleted"
			if dryRun {
				verb = "would delete"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %d package sets, %d catalogue packages, %d report history records, %d package changes, %d archived reports (%s; longest transaction %s)\n",
				verb, res.Sets, res.Packages, res.Reports, res.PackageChanges, res.Archived, res.Duration.Round(time.Millisecond), res.LongestTx.Round(time.Microsecond))
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "count what would be deleted, delete nothing")
	cmd.Flags().IntVar(&batch, "batch", store.DefaultGCBatch, "set members deleted per transaction (a tenth of it for packages and history)")
	cmd.Flags().Var(keep, "report-history", "keep report history (and the package changes of the reports) this long (400d, 720h; 0: for ever)")
	cmd.Flags().Var(archive, "archive-retention", "keep archived raw reports this long (30d, 720h; 0: for ever)")
	return cmd
}
