// Command pakiti is the Pakiti server and its admin CLI: `pakiti serve`
// runs the feed, the web UI and the API; the other subcommands read and
// manage the same database for scripts and admins.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/buildinfo"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "pakiti:", err)
		os.Exit(1)
	}
}

// globals are the flags every subcommand takes.
type globals struct {
	db         string
	logFormat  string
	dataMaxAge time.Duration
	sources    sourceConfig // serve, import and sources only
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "pakiti",
		Short: "Pakiti: which hosts run packages with known, fixable vulnerabilities",
		Long: `Pakiti collects the package lists of a fleet of Linux hosts (sent daily by
pakiti-client to /feed/) and shows them in a web UI, a JSON API and this CLI.`,
		Version:       buildinfo.Get().String("pakiti"),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	def := os.Getenv("PAKITI_DB")
	if def == "" {
		def = "sqlite:pakiti.db"
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().StringVar(&g.db, "db", def, "database: sqlite:FILE[?synchronous=normal] or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=... (env PAKITI_DB)")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format on stderr: text or json")
	root.PersistentFlags().DurationVar(&g.dataMaxAge, "data-max-age", store.DefaultDataMaxAge,
		"how long after its last successful check a source's data stays current: older data makes hosts stale and /readyz fail")
	root.AddCommand(newServe(g), newHosts(g), newHost(g), newCVE(g), newImport(g), newSources(g), newEvaluate(g), newDB(g), newArchive(g), newVercmp(), newOSRules(g), newTags(g), newExceptions(g), newUsers(g), newSites(g), newAudit(g), newDashboard(g))
	return root
}

func (g *globals) logger() (*slog.Logger, error) {
	switch g.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, nil)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", g.logFormat)
}

func (g *globals) open(ctx context.Context) (*store.Store, error) {
	st, err := store.Open(ctx, g.db)
	if err != nil {
		return nil, err
	}
	return g.setUp(st), nil
}

// storeCmd is a command's body run on an open store.
type storeCmd func(ctx context.Context, st *store.Store, args []string, out io.Writer) error

// withStore runs fn on the store (created when missing) and closes it.
func (g *globals) withStore(fn storeCmd) func(*cobra.Command, []string) error {
	return g.storeRun(g.open, fn)
}

// withReader is withStore for the commands that only read: a missing
// SQLite file is an error, not a new empty database.
func (g *globals) withReader(fn storeCmd) func(*cobra.Command, []string) error {
	return g.storeRun(g.openExisting, fn)
}

func (g *globals) storeRun(open func(context.Context) (*store.Store, error), fn storeCmd) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		st, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer st.Close()
		return fn(cmd.Context(), st, args, cmd.OutOrStdout())
	}
}

// openExisting is open for the commands that only read: a missing SQLite
// file is an error, not a new empty database.
func (g *globals) openExisting(ctx context.Context) (*store.Store, error) {
	st, err := store.OpenExisting(ctx, g.db)
	if errors.Is(err, store.ErrNoDatabase) {
		return nil, fmt.Errorf("%w (--db or PAKITI_DB)", err)
	}
	if err != nil {
		return nil, err
	}
	return g.setUp(st), nil
}

func (g *globals) setUp(st *store.Store) *store.Store {
	st.SetSeverity(drivers.Registry().Severity)
	st.SetCoverage(coverageConfig(g.dataMaxAge))
	// CVE tags and exceptions, as the findings writer applies them: a
	// change by another server or command is seen within PolicyMaxAge.
	st.SetPolicy(store.NewLivePolicy(st, PolicyMaxAge, nil, func(err error) {
		slog.Warn("policy", "error", err)
	}))
	return st
}

// PolicyMaxAge is how long a server keeps a read of the CVE tags and
// exceptions before reading them again.
const PolicyMaxAge = 30 * time.Second
