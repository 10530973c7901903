package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
)

// The sites cert commands register the TLS client certificates whose
// reports /feed/ maps to a site (pakiti serve --feed-client-ca).

func newSitesCert(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "cert", Short: "TLS client certificates that report for a site (by DN or SHA-256 fingerprint; a proxy's for several sites)"}
	cmd.AddCommand(newSitesCertAdd(g, true), newSitesCertAdd(g, false), newSitesCertList(g))
	return cmd
}

// certFlags name a certificate: --dn, --fingerprint, or --from FILE (a
// PEM certificate, registered by its DN).
type certFlags struct{ dn, fingerprint, from string }

func (f *certFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dn, "dn", "", "the certificate's subject DN, as /DC=org/DC=example/CN=host (openssl x509 -noout -subject -nameopt compat)")
	cmd.Flags().StringVar(&f.fingerprint, "fingerprint", "", "the certificate's SHA-256 fingerprint (openssl x509 -noout -fingerprint -sha256)")
	cmd.Flags().StringVar(&f.from, "from-cert", "", "a PEM certificate file: registered by its DN (with --fingerprint-only, by its fingerprint)")
}

func (f *certFlags) cert(site string, byFingerprint bool) (store.FeedCert, error) {
	c := store.FeedCert{Site: site}
	n := 0
	for _, v := range []string{f.dn, f.fingerprint, f.from} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return c, errors.New("name the certificate with one of --dn, --fingerprint, --from-cert")
	}
	switch {
	case f.dn != "":
		c.Match, c.Value = store.CertByDN, f.dn
	case f.fingerprint != "":
		c.Match, c.Value = store.CertByFingerprint, f.fingerprint
	default:
		b, err := os.ReadFile(f.from)
		if err != nil {
			return c, err
		}
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != "CERTIFICATE" {
			return c, fmt.Errorf("%s: no PEM certificate in it", f.from)
		}
		x, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return c, fmt.Errorf("%s: %w", f.from, err)
		}
		c.Match, c.Value = store.CertByDN, auth.CertificateDN(x)
		if byFingerprint {
			c.Match, c.Value = store.CertByFingerprint, auth.CertFingerprint(x)
		}
	}
	return c, nil
}

func newSitesCertAdd(g *globals, add bool) *cobra.Command {
	var f certFlags
	var proxy, byFP bool
	use, short := "add SITE --dn DN | --fingerprint SHA256 | --from-cert FILE [--proxy]",
		"Register a client certificate for a site: its reports must be for that site (a proxy's: for any site it is registered for)"
	if !add {
		use, short = "remove SITE --dn DN | --fingerprint SHA256 | --from-cert FILE", "Remove a client certificate's registration for a site"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.cert(args[0], byFP)
			if err != nil {
				return err
			}
			c.Proxy = proxy
			ctx := cmd.Context()
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if !add {
				if err := st.RemoveFeedCert(ctx, c); err != nil {
					return err
				}
				return audit(ctx, st, "site.cert.remove", args[0], c.Match+"="+c.Value)
			}
			id, err := st.AddFeedCert(ctx, c)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "certificate %d registered for %s\n", id, args[0])
			return audit(ctx, st, "site.cert.add", args[0], fmt.Sprintf("%s=%s proxy=%t", c.Match, c.Value, c.Proxy))
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&byFP, "fingerprint-only", false, "with --from-cert: register the certificate by its fingerprint (this very certificate, not a renewal of it)")
	if add {
		cmd.Flags().BoolVar(&proxy, "proxy", false, "a proxy's certificate: it may forward reports for every site it is registered for (add it to each)")
	}
	return cmd
}

func newSitesCertList(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list [SITE] [--format table|json]",
		Short: "List the client certificates registered for sites",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			site := ""
			if len(args) == 1 {
				site = args[0]
			}
			certs, err := st.FeedCerts(cmd.Context(), site)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(out, map[string]any{"certificates": certs})
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SITE\tBY\tPROXY\tVALUE")
			for _, c := range certs {
				fmt.Fprintf(tw, "%s\t%s\t%t\t%s\n", c.Site, c.Match, c.Proxy, c.Value)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}
