package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/gocdb"
	"github.com/pakiti-go/pakiti/internal/store"
)

func newSitesImportGOCDB(g *globals) *cobra.Command {
	var dryRun bool
	var federation, cert, key string
	roles := gocdb.DefaultRoles
	cmd := &cobra.Command{
		Use:   "import-gocdb FILE|URL... [--dry-run]",
		Short: "Make sites, NGIs, users and grants agree with GOCDB (get_site, get_site_contacts, get_roc_contacts, get_user answers)",
		Long: `Reads answers of GOCDB's programmatic interface, as files or URLs (e.g.
https://goc.egi.eu/gocdbpi/private/?method=get_site_contacts, read with
--cert/--key), and makes the database agree with them in one transaction:
every site in its NGI, every NGI under --federation, every contact holding
a site role (--site-role) a viewer of that site, every NGI role holder
(--ngi-role) a viewer of that NGI's sites, every --csirt-role holder a
csirt. Users are named by their certificate DN (what the proxy's
SSL_CLIENT_S_DN gives pakiti serve --auth header). Users and grants an
earlier import made and these answers no longer name are removed; users
made by hand are never changed. --dry-run prints the changes only.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rd := gocdb.NewReader(roles)
			client, err := gocdbClient(cert, key)
			if err != nil {
				return err
			}
			for _, src := range args {
				if err := readGOCDB(ctx, client, rd, src); err != nil {
					return err
				}
			}
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			d := rd.Directory()
			changes, err := st.SyncDirectory(ctx, d.Store(federation), dryRun)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, c := range changes {
				fmt.Fprintln(out, c)
			}
			verb := "applied"
			if dryRun {
				verb = "dry run, nothing changed"
			}
			fmt.Fprintf(out, "%d sites, %d NGIs, %d users read; %d changes (%s)\n", len(d.Sites), len(d.NGIs), len(d.Users), len(changes), verb)
			if dryRun {
				return nil
			}
			return audit(ctx, st, "gocdb.import", strings.Join(args, " "), fmt.Sprintf("changes=%d", len(changes)))
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the changes, make none")
	cmd.Flags().StringVar(&federation, "federation", "EGI", "the group every NGI is put under")
	cmd.Flags().StringVar(&cert, "cert", "", "client certificate (PEM) for GOCDB's private interface")
	cmd.Flags().StringVar(&key, "key", "", "its private key (PEM)")
	cmd.Flags().StringSliceVar(&roles.Site, "site-role", roles.Site, "GOCDB site roles that see their site")
	cmd.Flags().StringSliceVar(&roles.NGI, "ngi-role", roles.NGI, "GOCDB NGI roles that see the NGI's sites")
	cmd.Flags().StringSliceVar(&roles.CSIRT, "csirt-role", roles.CSIRT, "GOCDB roles that see every site (csirt)")
	return cmd
}

func gocdbClient(cert, key string) (*http.Client, error) {
	c := &http.Client{Timeout: 2 * time.Minute}
	if cert == "" && key == "" {
		return c, nil
	}
	if key == "" {
		key = cert
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("--cert/--key: %w", err)
	}
	c.Transport = &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}}
	return c, nil
}

// readGOCDB reads one answer from a file or URL.
func readGOCDB(ctx context.Context, client *http.Client, rd *gocdb.Reader, src string) error {
	if !strings.HasPrefix(src, "https://") && !strings.HasPrefix(src, "http://") {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		return rd.Read(src, f)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", src, resp.Status)
	}
	return rd.Read(src, io.LimitReader(resp.Body, 256<<20))
}

// gocdbFlags are pakiti serve's flags of the scheduled GOCDB import.
type gocdbFlags struct {
	sources               []string
	every                 time.Duration
	federation, cert, key string
}

func (f *gocdbFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.sources, "gocdb-source", nil, "a GOCDB answer (file or URL: get_site, get_site_contacts, get_roc_contacts, get_user) that the scheduled import reads; repeat")
	fl.DurationVar(&f.every, "gocdb-every", 24*time.Hour, "with --gocdb-source: import GOCDB once per period of this length, by one of the servers on the database (0: never)")
	fl.StringVar(&f.federation, "gocdb-federation", "EGI", "the group every NGI is put under")
	fl.StringVar(&f.cert, "gocdb-cert", "", "client certificate (PEM) for GOCDB's private interface")
	fl.StringVar(&f.key, "gocdb-key", "", "its private key (PEM)")
}

// job returns the scheduled import, or nil when none is configured.
func (f *gocdbFlags) job(st syncer, log *slog.Logger) (func(context.Context) error, error) {
	if len(f.sources) == 0 || f.every <= 0 {
		return nil, nil
	}
	client, err := gocdbClient(f.cert, f.key)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		rd := gocdb.NewReader(gocdb.DefaultRoles)
		for _, src := range f.sources {
			if err := readGOCDB(ctx, client, rd, src); err != nil {
				return err
			}
		}
		changes, err := st.SyncDirectory(ctx, rd.Directory().Store(f.federation), false)
		if err != nil {
			return err
		}
		for _, c := range changes {
			log.Info("gocdb change", "change", c)
		}
		log.Info("gocdb import", "changes", len(changes))
		if len(changes) == 0 {
			return nil
		}
		return st.Audit(ctx, store.AuditEntry{Actor: "job:gocdb-import", Action: "gocdb.import",
			Target: strings.Join(f.sources, " "), Detail: fmt.Sprintf("changes=%d", len(changes))})
	}, nil
}

// syncer is what the scheduled import needs of the store.
type syncer interface {
	SyncDirectory(ctx context.Context, d store.Directory, dryRun bool) ([]string, error)
	Audit(ctx context.Context, e store.AuditEntry) error
}
