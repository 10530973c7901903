// Package metrics is pakiti's Prometheus surface (/metrics): HTTP request
// counters and latency per route pattern (bounded labels, never the raw
// path), intake outcomes and latency, evaluation durations, and, read from
// the store at scrape time with a short cache, the queue depths, the
// sources' age and records and the fleet's exposure (hosts with open
// findings per site and per CVE tag, by severity; hosts per data state).
// Per-site series are capped (Config.MaxSites): the smallest sites are
// summed under site="other".
package metrics

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Defaults of pakiti serve.
const (
	DefaultMaxSites = 200
	DefaultCacheTTL = 30 * time.Second
)

// Config configures Metrics.
type Config struct {
	Store    *store.Store // nil: no fleet metrics (tests of the HTTP metrics)
	Log      *slog.Logger
	MaxSites int              // per-site series kept; the rest are site="other" (0: DefaultMaxSites)
	CacheTTL time.Duration    // how long a store read serves scrapes (0: DefaultCacheTTL; <0: none)
	Now      func() time.Time // injected clock; nil is time.Now
}

// Metrics holds the registry and the instruments the server updates.
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	intake         *prometheus.CounterVec
	intakeSeconds  *prometheus.HistogramVec
	evalSeconds    *prometheus.HistogramVec
}

// New returns the metrics with their registry: the Go and process
// collectors, the instruments, and the fleet collector when c.Store is set.
func New(c Config) *Metrics {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.MaxSites <= 0 {
		c.MaxSites = DefaultMaxSites
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pakiti_http_requests_total",
			Help: "HTTP requests by route pattern (none: no route matched, or refused before routing), method and status code.",
		}, []string{"route", "method", "code"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pakiti_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		intake: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pakiti_intake_reports_total",
			Help: "Reports received on /feed/ by outcome (stored, unchanged, queued, checked, refused, failed) and status class.",
		}, []string{"outcome", "code"}),
		intakeSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pakiti_intake_duration_seconds",
			Help:    "Time to answer a report on /feed/ by outcome.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"outcome"}),
		evalSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pakiti_evaluation_duration_seconds",
			Help:    "Evaluation durations by kind: report (a host after its report), queue (a drain of the evaluation queue), policy (every host again after a tag or exception change).",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"kind"}),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.requestSeconds, m.intake, m.intakeSeconds, m.evalSeconds)
	if c.Store != nil {
		m.reg.MustRegister(newFleet(c))
	}
	return m
}

// Handler serves the registry in the Prometheus text format. A failed
// store read fails only the fleet series (logged), the rest is served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is the registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Evaluation records one evaluation of kind (report, queue, policy) that
// took d.
func (m *Metrics) Evaluation(kind string, d time.Duration) {
	if m == nil {
		return
	}
	m.evalSeconds.WithLabelValues(kind).Observe(d.Seconds())
}

// Report records a report answered on /feed/ with status after d: outcome
// is stored, unchanged, queued or checked for a 2xx; refused (4xx) and
// failed (5xx) are derived from status.
func (m *Metrics) Report(outcome string, status int, d time.Duration) {
	if m == nil {
		return
	}
	switch {
	case status >= 500:
		outcome = "failed"
	case status >= 400:
		outcome = "refused"
	}
	m.intake.WithLabelValues(outcome, statusClass(status)).Inc()
	m.intakeSeconds.WithLabelValues(outcome).Observe(d.Seconds())
}

func statusClass(status int) string {
	switch {
	case status >= 100 && status < 600:
		return string(rune('0'+status/100)) + "xx"
	}
	return "other"
}
