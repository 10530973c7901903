package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/policyfile"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/store"
)

// defaultAuthor is who a CLI change is recorded as without --author.
func defaultAuthor() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "cli"
}

// openLocation reads a file or a URL (http, https), decompressed.
func openLocation(ctx context.Context, loc string) (io.ReadCloser, error) {
	fd, err := source.NewFetcher().Fetch(ctx, loc, source.Previous{})
	if err != nil {
		return nil, err
	}
	r, err := fd.Open()
	if err != nil {
		fd.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{r, closerFunc(func() error { return errors.Join(r.Close(), fd.Close()) })}, nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// importTags reads a tags file (Pakiti 3 XML or JSON) from loc and stores
// it, deleting the local tags it lacks when remove is set.
func importTags(ctx context.Context, st *store.Store, loc string, remove bool, author string, now time.Time) (store.SyncResult, int, error) {
	r, err := openLocation(ctx, loc)
	if err != nil {
		return store.SyncResult{}, 0, err
	}
	defer r.Close()
	tags, err := policyfile.ReadTags(r, policyfile.Defaults{Author: author, Now: now})
	if err != nil {
		return store.SyncResult{}, 0, fmt.Errorf("%s: %w", loc, err)
	}
	res, err := st.ImportTags(ctx, tags, remove)
	if err != nil {
		return res, len(tags), err
	}
	return res, len(tags), audit(ctx, st, "tag.import", loc, fmt.Sprintf("tags=%d added=%d changed=%d removed=%d", len(tags), res.Added, res.Changed, res.Removed))
}

// importTagsJob is the serve job "tags-import" (--tags-from, --tags-every).
func importTagsJob(ctx context.Context, st *store.Store, log *slog.Logger, loc string, remove bool) error {
	res, n, err := importTags(ctx, st, loc, remove, "tags-import", time.Now())
	if err != nil {
		log.Error("tags import failed", "location", loc, "error", err)
		return err
	}
	log.Info("tags imported", "location", loc, "tags", n, "added", res.Added, "changed", res.Changed,
		"unchanged", res.Unchanged, "removed", res.Removed)
	return nil
}

func newTags(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tags",
		Short: "CVE tags (EGI-Critical...): what the /feed/ answer, the tagged counts and the cve_tag filters follow",
	}
	var author string
	cmd.PersistentFlags().StringVar(&author, "author", defaultAuthor(), "who the change is recorded as")
	withStore, withReader := g.withStore, g.withReader

	var reason, infoURL string
	var disabled bool
	add := &cobra.Command{
		Use:   "add CVE TAG",
		Short: "Tag a CVE (or change the reason and info URL of its tag)",
		Args:  cobra.ExactArgs(2),
		RunE: withStore(func(ctx context.Context, st *store.Store, args []string, _ io.Writer) error {
			if err := st.PutTag(ctx, store.CVETag{CVE: args[0], Tag: args[1], Reason: reason, InfoURL: infoURL,
				Enabled: !disabled, Author: author, ModifiedAt: time.Now()}); err != nil {
				return err
			}
			return audit(ctx, st, "tag.add", args[0]+" "+args[1], reason)
		}),
	}
	add.Flags().StringVar(&reason, "reason", "", "why the CVE matters")
	add.Flags().StringVar(&infoURL, "info-url", "", "where to read more")
	add.Flags().BoolVar(&disabled, "disabled", false, "add it disabled")

	notFound := func(err error, args []string) error {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("CVE %s has no tag %s", args[0], args[1])
		}
		return err
	}
	remove := &cobra.Command{
		Use: "remove CVE TAG", Short: "Delete a CVE's tag", Args: cobra.ExactArgs(2),
		RunE: withStore(func(ctx context.Context, st *store.Store, args []string, _ io.Writer) error {
			if err := notFound(st.RemoveTag(ctx, args[0], args[1]), args); err != nil {
				return err
			}
			return audit(ctx, st, "tag.remove", args[0]+" "+args[1], "")
		}),
	}
	enable := func(use string, on bool) *cobra.Command {
		return &cobra.Command{
			Use: use + " CVE TAG", Short: strings.ToUpper(use[:1]) + use[1:] + " a CVE's tag", Args: cobra.ExactArgs(2),
			RunE: withStore(func(ctx context.Context, st *store.Store, args []string, _ io.Writer) error {
				if err := notFound(st.SetTagEnabled(ctx, args[0], args[1], on, author, time.Now()), args); err != nil {
					return err
				}
				return audit(ctx, st, "tag."+use, args[0]+" "+args[1], "")
			}),
		}
	}

	var f store.TagFilter
	var format string
	list := &cobra.Command{
		Use: "list", Short: "List CVE tags", Args: cobra.NoArgs,
		RunE: withReader(func(ctx context.Context, st *store.Store, _ []string, out io.Writer) error {
			tags, err := st.Tags(ctx, f)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return writeJSON(out, map[string]any{"cve_tags": tags})
			case "table":
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "CVE\tTAG\tENABLED\tAUTHOR\tMODIFIED\tREASON\tINFO URL")
				for _, t := range tags {
					fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%s\n", t.CVE, t.Tag, t.Enabled, t.Author,
						t.ModifiedAt.Format(time.RFC3339), t.Reason, t.InfoURL)
				}
				return tw.Flush()
			}
			return fmt.Errorf("--format must be table or json, not %q", format)
		}),
	}
	list.Flags().StringVar(&f.CVE, "cve", "", "only this CVE's tags")
	list.Flags().StringVar(&f.Tag, "tag", "", "only this tag")
	list.Flags().BoolVar(&f.EnabledOnly, "enabled", false, "only enabled tags")
	list.Flags().StringVar(&format, "format", "table", "table or json")

	var sync bool
	imp := &cobra.Command{
		Use:   "import FILE|URL",
		Short: "Import tags from Pakiti 3's XML (api/exportCvesTags.php) or our JSON",
		Long: `Import tags from a file or an http(s) URL, in Pakiti 3's XML (what its
api/exportCvesTags.php publishes) or in JSON (pakiti tags export --format json).
Each record's modifier (XML) or author (JSON) is kept; --author fills in where
a record has none. With --remove the local tags absent from the import are
deleted: a site following a CSIRT's list. Tags of CVEs not known locally are
kept (Pakiti 3 skipped them): they count once the data names the CVE.`,
		Args: cobra.ExactArgs(1),
		RunE: withStore(func(ctx context.Context, st *store.Store, args []string, out io.Writer) error {
			res, n, err := importTags(ctx, st, args[0], sync, author, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%d tags read: %d added, %d changed, %d unchanged, %d removed\n",
				n, res.Added, res.Changed, res.Unchanged, res.Removed)
			return nil
		}),
	}
	imp.Flags().BoolVarP(&sync, "remove", "r", false, "delete the local tags absent from the import")

	var exFormat, modifier, output string
	export := &cobra.Command{
		Use: "export", Short: "Write every tag as Pakiti 3's XML or as JSON", Args: cobra.NoArgs,
		RunE: withReader(func(ctx context.Context, st *store.Store, _ []string, out io.Writer) error {
			ff, err := policyfile.ParseFormat(exFormat)
			if err != nil {
				return err
			}
			tags, err := st.Tags(ctx, store.TagFilter{})
			if err != nil {
				return err
			}
			return writeOutput(output, out, func(w io.Writer) error {
				if ff == policyfile.XML {
					return policyfile.WriteTagsXML(w, tags, modifier)
				}
				return policyfile.WriteTagsJSON(w, tags)
			})
		}),
	}
	export.Flags().StringVar(&exFormat, "format", "xml", "xml (Pakiti 3) or json")
	export.Flags().StringVar(&modifier, "modifier", "", "XML: the instance name written as every tag's modifier, as Pakiti 3 did (default: each tag's author)")
	export.Flags().StringVarP(&output, "output", "o", "", "write to this file (default: stdout)")

	cmd.AddCommand(add, remove, enable("enable", true), enable("disable", false), list, imp, export)
	return cmd
}

// writeOutput writes to the named file (atomically, through a temporary
// file) or, for "" or "-", to out.
func writeOutput(name string, out io.Writer, write func(io.Writer) error) error {
	if name == "" || name == "-" {
		return write(out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".pakiti-export-*")
	if err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}
