package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/web"
)

func newServe(g *globals) *cobra.Command {
	var listen, cert, key string
	var maxReport int64
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the feed (/feed/), the web UI, the API and /healthz",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (cert == "") != (key == "") {
				return errors.New("--tls-cert and --tls-key go together")
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			matcher := match.New(st, log)
			feed := intake.New(st, matcher, log)
			if maxReport > 0 {
				feed.Limits.MaxBytes = maxReport
			}
			h, err := web.New(web.Config{Store: st, Feed: feed, Log: log})
			if err != nil {
				return err
			}
			srv := &http.Server{
				Handler:           h,
				ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout:       2 * time.Minute,
				WriteTimeout:      2 * time.Minute,
				IdleTimeout:       2 * time.Minute,
				MaxHeaderBytes:    64 << 10,
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			scheme := "http"
			if cert != "" {
				scheme = "https"
			}
			log.Info("serving", "addr", ln.Addr().String(), "scheme", scheme, "db", st.Engine(), "version", buildVersion)
			errc := make(chan error, 1)
			go func() {
				if cert != "" {
					errc <- srv.ServeTLS(ln, cert, key)
				} else {
					errc <- srv.Serve(ln)
				}
			}()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", ":8080", "address to listen on")
	cmd.Flags().StringVar(&cert, "tls-cert", "", "TLS certificate file (PEM); serves HTTPS with --tls-key")
	cmd.Flags().StringVar(&key, "tls-key", "", "TLS private key file (PEM)")
	cmd.Flags().Int64Var(&maxReport, "max-report-bytes", 0, "largest report accepted (default 32 MiB)")
	return cmd
}
