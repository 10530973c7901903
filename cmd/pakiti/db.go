package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/store"
)

func newDB(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "db", Short: "The database: status, garbage collection, migration from SQLite to PostgreSQL"}
	var format string
	status := &cobra.Command{
		Use:   "status",
		Short: "Show the engine, the schema version and the rows of every table",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			s, err := st.Status(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(out, s)
			}
			fmt.Fprintf(out, "engine: %s\nschema version: %d\n\n", s.Engine, s.SchemaVersion)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TABLE\tROWS")
			for _, t := range s.Tables {
				fmt.Fprintf(tw, "%s\t%d\n", t.Table, t.Rows)
			}
			return tw.Flush()
		},
	}
	status.Flags().StringVar(&format, "format", "table", "table or json")

	var batch int
	migrate := &cobra.Command{
		Use:   "migrate-from sqlite:FILE --db postgres://...",
		Short: "Copy a SQLite database into an empty PostgreSQL database (--db), verifying row counts",
		Long: `Copies every table of a SQLite database into the PostgreSQL database named
by --db (or PAKITI_DB), which must be empty: rows keep their ids, and the
identity sequences restart after them. The SQLite file is read as one
snapshot, so its server may keep running; reports it stores after the
snapshot are not copied (stop it, or let those hosts report again). The
copy is one transaction: if it fails, the target stays empty.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file, ok := strings.CutPrefix(args[0], "sqlite:")
			if !ok || file == "" {
				return fmt.Errorf("the source must be sqlite:FILE, not %q", args[0])
			}
			if !strings.HasPrefix(g.db, "postgres://") && !strings.HasPrefix(g.db, "postgresql://") {
				return fmt.Errorf("--db must name the PostgreSQL database to copy into (postgres://USER:PASSWORD@HOST:PORT/DB)")
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			st, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			opt := store.CopyOptions{Batch: batch, Log: log}
			if isTerminal(os.Stderr) {
				last := time.Time{}
				opt.Progress = func(table string, done, total int64) {
					if done == total || time.Since(last) > 200*time.Millisecond {
						last = time.Now()
						fmt.Fprintf(os.Stderr, "\r\033[Kcopying %s: %d/%d rows", table, done, total)
						if done == total {
							fmt.Fprintln(os.Stderr)
						}
					}
				}
			}
			log.Info("migrate-from started", "source", file, "target", st.Engine())
			res, err := st.CopyFromSQLite(cmd.Context(), file, opt)
			if err != nil {
				return err
			}
			var rows int64
			for _, t := range res.Tables {
				rows += t.Rows
			}
			log.Info("migrate-from done", "source", file, "tables", len(res.Tables), "rows", rows,
				"duration", res.Duration.Round(time.Millisecond))
			fmt.Fprintf(cmd.OutOrStdout(), "copied %d rows in %d tables from %s (%s); row counts verified\n",
				rows, len(res.Tables), file, res.Duration.Round(time.Millisecond))
			return nil
		},
	}
	migrate.Flags().IntVar(&batch, "batch", 10000, "rows per COPY batch")
	cmd.AddCommand(status, migrate, newDBGC(g))
	return cmd
}
