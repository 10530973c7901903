package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/spf13/cobra"
)

// snapshotExposure takes the day's exposure snapshot and logs what it saw
// (the job "exposure-snapshot").
func snapshotExposure(ctx context.Context, st *store.Store, log *slog.Logger) error {
	res, err := st.SnapshotExposure(ctx, time.Now())
	if err != nil {
		return err
	}
	log.Info("exposure snapshot taken", "day", res.Day, "hosts", res.Hosts, "exposed", res.Exposed,
		"finding_reads", res.Reads, "duration", res.Duration.Round(time.Millisecond))
	return nil
}

// warmVulnsEvery is how often a server looks for targets whose CVEs it
// has not read yet (one read of the host cells when there are none).
const warmVulnsEvery = 30 * time.Second

// warmVulns keeps this server's cache of the targets' CVEs filled (the
// vulnerabilities listing and the tag gauges read it), and its stats' CVE
// count, until ctx ends: at start, then every warmVulnsEvery, so that new
// targets (after an evaluation) and new data (after an import) are read
// here, not by the first view of /cves or /stats.
func warmVulns(ctx context.Context, st *store.Store, log *slog.Logger) {
	t := time.NewTicker(warmVulnsEvery)
	defer t.Stop()
	for {
		start := time.Now()
		n, err := st.WarmTargetCVEs(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("targets' cves not read", "error", err)
		case n > 0:
			log.Debug("targets' cves read", "targets", n, "duration", time.Since(start).Round(time.Millisecond))
		}
		// The stats' CVE count, counted once per data generation: after
		// an import, here rather than at the first view of /stats.
		if _, err := st.Stats(ctx, store.AllSites()); err != nil && ctx.Err() == nil {
			log.Warn("stats not counted", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func newDashboard(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "The dashboard's daily exposure snapshots",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "snapshot",
		Short: "Take today's exposure snapshot now (the dashboard's plots, top CVEs, newly exposed hosts)",
		Long: `Records, per site, the hosts, the exposed hosts (by worst severity and per CVE
tag), the stale and reboot-pending hosts, the hosts per open CVE and since when
each host is exposed, as of now: the snapshot pakiti serve takes every
--snapshot-every. A second snapshot on one day (UTC) replaces the first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := st.SnapshotExposure(cmd.Context(), time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "snapshot of %s: %d hosts, %d exposed (%d finding reads, %s)\n",
				res.Day, res.Hosts, res.Exposed, res.Reads, res.Duration.Round(time.Millisecond))
			return nil
		},
	})
	return cmd
}
