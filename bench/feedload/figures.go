package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Figures are one phase's counts and latencies, for all servers or one.
type Figures struct {
	Sent   int `json:"sent"`
	OK     int `json:"ok"`
	Errors int `json:"errors"`
	// ErrorsBy counts the errors by kind: "http-503", "not-ok" (200
	// without OK), "timeout", "transport".
	ErrorsBy map[string]int `json:"errors_by,omitempty"`
	Seconds  float64        `json:"seconds"`
	// PerSecond is acknowledged reports per second of the phase's wall time.
	PerSecond float64 `json:"reports_per_s"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	Maxms     float64 `json:"max_ms"`
}

// ServerFigures are one server's share of a phase.
type ServerFigures struct {
	URL string `json:"url"`
	Figures
}

// PhaseFigures are one phase's figures, overall and per server.
type PhaseFigures struct {
	Phase string `json:"phase"`
	Figures
	Servers []ServerFigures `json:"servers"`
}

// Result is what -json prints.
type Result struct {
	Mode        string         `json:"mode"` // "in-process" or "remote"
	Servers     []string       `json:"servers,omitempty"`
	Pick        string         `json:"pick,omitempty"`
	Clients     int            `json:"clients,omitempty"`
	MaxReports  int            `json:"max_reports_per_phase,omitempty"` // 0: bounded by time only
	DurationS   float64        `json:"duration_s,omitempty"`            // 0: bounded by count only
	Packages    int            `json:"packages_per_report,omitempty"`
	ReportBytes int            `json:"report_bytes,omitempty"`
	GOMAXPROCS  int            `json:"gomaxprocs,omitempty"`
	Phases      []PhaseFigures `json:"phases,omitempty"`
	Acked       string         `json:"acked_file,omitempty"`
	Check       *CheckResult   `json:"check,omitempty"`
}

// figures sums samples (all of them, or one server's when server >= 0).
func figures(samples []sample, wall time.Duration, server int) Figures {
	var f Figures
	var lat []time.Duration
	for _, s := range samples {
		if server >= 0 && s.server != server {
			continue
		}
		f.Sent++
		lat = append(lat, s.lat)
		if s.class == "" {
			f.OK++
			continue
		}
		f.Errors++
		if f.ErrorsBy == nil {
			f.ErrorsBy = map[string]int{}
		}
		f.ErrorsBy[s.class]++
	}
	slices.Sort(lat)
	f.Seconds = wall.Seconds()
	if f.Seconds > 0 {
		f.PerSecond = float64(f.OK) / f.Seconds
	}
	f.P50ms, f.P99ms, f.Maxms = ms(pct(lat, 0.50)), ms(pct(lat, 0.99)), ms(pct(lat, 1))
	return f
}

func phaseFigures(r phaseRun, targets []target) PhaseFigures {
	p := PhaseFigures{Phase: r.name, Figures: figures(r.samples, r.wall, -1)}
	for i, t := range targets {
		p.Servers = append(p.Servers, ServerFigures{URL: t.Feed, Figures: figures(r.samples, r.wall, i)})
	}
	return p
}

// pct is the p-quantile of sorted d (nearest rank).
func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(p*float64(len(d))) - 1
	return d[max(0, min(i, len(d)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// printTable writes one block per phase: all servers, then each server
// when there are several.
func printTable(w io.Writer, phases []PhaseFigures) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tserver\tsent\tok\terrors\treports/s\tp50 ms\tp99 ms\tmax ms\terrors by kind\t")
	row := func(phase, server string, f Figures) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%s\t\n", phase, server, f.Sent, f.OK, f.Errors,
			f.PerSecond, f.P50ms, f.P99ms, f.Maxms, errorsBy(f.ErrorsBy))
	}
	for _, p := range phases {
		row(p.Phase, "all", p.Figures)
		if len(p.Servers) > 1 {
			for _, s := range p.Servers {
				row("", s.URL, s.Figures)
			}
		}
	}
	return tw.Flush()
}

func errorsBy(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
