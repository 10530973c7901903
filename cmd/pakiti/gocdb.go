package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/gocdb"
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
