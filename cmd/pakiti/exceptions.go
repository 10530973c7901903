package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/policyfile"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

// parseExpiry reads --expires: a date (the exception stops applying at
// 00:00 UTC that day) or an RFC 3339 time.
func parseExpiry(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	for _, l := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(l, s); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, fmt.Errorf("--expires %q: want YYYY-MM-DD (stops applying at 00:00 UTC that day) or an RFC 3339 time", s)
}

func newExceptions(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exceptions",
		Short: "CVE exceptions: a CVE that does not apply to a package in an OS group, a site or a host",
	}
	var author string
	cmd.PersistentFlags().StringVar(&author, "author", defaultAuthor(), "who the change is recorded as")
	withStore, withReader := g.withStore, g.withReader

	var e store.Exception
	var osGroup, site, host, expires string
	add := &cobra.Command{
		Use:   "add --cve CVE --package NAME [--version V] [--os-group G | --site S | --host H] --reason R [--expires DATE]",
		Short: "Except a CVE for a package (any version, or exactly --version) everywhere, or in an OS group, a site or a host",
		Args:  cobra.NoArgs,
		RunE: withStore(func(ctx context.Context, st *store.Store, _ []string, out io.Writer) error {
			n := 0
			e.ScopeKind = store.ScopeAll
			for _, sc := range []struct {
				kind store.ScopeKind
				v    string
			}{{store.ScopeOSGroup, osGroup}, {store.ScopeSite, site}, {store.ScopeHost, host}} {
				if sc.v != "" {
					n++
					e.ScopeKind, e.Scope = sc.kind, sc.v
				}
			}
			if n > 1 {
				return errors.New("give one of --os-group, --site and --host (none: every host)")
			}
			exp, err := parseExpiry(expires)
			if err != nil {
				return err
			}
			e.ExpiresAt, e.Author, e.CreatedAt = exp, author, time.Now()
			id, err := st.PutException(ctx, e)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "exception %d\n", id)
			return nil
		}),
	}
	add.Flags().StringVar(&e.CVE, "cve", "", "the CVE")
	add.Flags().StringVar(&e.Package, "package", "", "the binary package name, as hosts report it")
	add.Flags().StringVar(&e.Version, "version", "", "only this exact installed version (default: every version)")
	add.Flags().StringVar(&e.Arch, "arch", "", "only this arch (default: every arch)")
	add.Flags().StringVar(&osGroup, "os-group", "", "only hosts of this OS group (debian:12...)")
	add.Flags().StringVar(&site, "site", "", "only hosts of this site")
	add.Flags().StringVar(&host, "host", "", "only this host")
	add.Flags().StringVar(&e.Reason, "reason", "", "why (required)")
	add.Flags().StringVar(&expires, "expires", "", "YYYY-MM-DD (stops applying at 00:00 UTC that day) or an RFC 3339 time (default: never)")
	add.MarkFlagRequired("cve")
	add.MarkFlagRequired("package")
	add.MarkFlagRequired("reason")

	remove := &cobra.Command{
		Use: "remove ID", Short: "Delete an exception (its id: pakiti exceptions list)", Args: cobra.ExactArgs(1),
		RunE: withStore(func(ctx context.Context, st *store.Store, args []string, _ io.Writer) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("exception id %q: want a number", args[0])
			}
			if err := st.RemoveException(ctx, id); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no exception %d", id)
			} else if err != nil {
				return err
			}
			return nil
		}),
	}

	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "The exceptions audit: every exception, whether it is in force, and the hosts and current findings it covers (open or already excepted)",
		Args:  cobra.NoArgs,
		RunE: withReader(func(ctx context.Context, st *store.Store, _ []string, out io.Writer) error {
			cov, err := st.AuditExceptions(ctx, store.AllSites(), time.Now())
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return writeJSON(out, web.ExceptionList{Exceptions: cov})
			case "csv":
				return web.WriteExceptionsCSV(out, cov)
			case "table":
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, strings.ToUpper(strings.Join(web.ExceptionColumns, "\t")))
				for _, c := range cov {
					fmt.Fprintln(tw, strings.Join(web.ExceptionRow(c), "\t"))
				}
				return tw.Flush()
			}
			return fmt.Errorf("--format must be table, json or csv, not %q", format)
		}),
	}
	list.Flags().StringVar(&format, "format", "table", "table, json or csv")

	var sync bool
	imp := &cobra.Command{
		Use:   "import FILE|URL",
		Short: "Import exceptions from Pakiti 3's XML (api/exportCvesExceptions.php) or our JSON",
		Long: `Import exceptions from a file or an http(s) URL, in Pakiti 3's XML or in JSON
(pakiti exceptions export --format json). In Pakiti 3's XML a missing arch,
type or osGroup means every one; version and release join as VERSION-RELEASE.
With --remove the local exceptions absent from the import are deleted (all of
the import counts: Pakiti 3's -r kept only the last node's).`,
		Args: cobra.ExactArgs(1),
		RunE: withStore(func(ctx context.Context, st *store.Store, args []string, out io.Writer) error {
			r, err := openLocation(ctx, args[0])
			if err != nil {
				return err
			}
			defer r.Close()
			es, err := policyfile.ReadExceptions(r, policyfile.Defaults{Author: author, Now: time.Now()})
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			res, err := st.ImportExceptions(ctx, es, sync)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%d exceptions read: %d added, %d changed, %d unchanged, %d removed\n",
				len(es), res.Added, res.Changed, res.Unchanged, res.Removed)
			return nil
		}),
	}
	imp.Flags().BoolVarP(&sync, "remove", "r", false, "delete the local exceptions absent from the import")

	var exFormat, modifier, output string
	export := &cobra.Command{
		Use: "export", Short: "Write every exception as Pakiti 3's XML or as JSON", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ff, err := policyfile.ParseFormat(exFormat)
			if err != nil {
				return err
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			es, err := st.Exceptions(cmd.Context(), store.ExceptionFilter{})
			if err != nil {
				return err
			}
			skipped := 0
			err = writeOutput(output, cmd.OutOrStdout(), func(w io.Writer) error {
				if ff == policyfile.XML {
					var err error
					skipped, err = policyfile.WriteExceptionsXML(w, es, modifier)
					return err
				}
				return policyfile.WriteExceptionsJSON(w, es)
			})
			if skipped > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d exceptions with a site or host scope left out: Pakiti 3's XML cannot carry them (use --format json)\n", skipped)
			}
			return err
		},
	}
	export.Flags().StringVar(&exFormat, "format", "xml", "xml (Pakiti 3) or json")
	export.Flags().StringVar(&modifier, "modifier", "", "XML: the instance name written as every exception's modifier, as Pakiti 3 did (default: each one's author)")
	export.Flags().StringVarP(&output, "output", "o", "", "write to this file (default: stdout)")

	cmd.AddCommand(add, remove, list, imp, export)
	return cmd
}
