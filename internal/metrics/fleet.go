package metrics

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pakiti-go/pakiti/internal/store"
)

// OtherSite is the site label of the sites beyond Config.MaxSites.
const OtherSite = "other"

// severities are the severity labels of the site exposure, worst first.
var severities = []string{"critical", "high", "medium", "low", "other"}

var (
	descEvalQueue    = prometheus.NewDesc("pakiti_evaluation_queue_depth", "(OS group, package set) pairs waiting in the evaluation queue (eval_queue).", nil, nil)
	descIntakeQueue  = prometheus.NewDesc("pakiti_intake_queue_depth", "Reports waiting in the intake queue (--intake async).", nil, nil)
	descIntakeOldest = prometheus.NewDesc("pakiti_intake_queue_oldest_age_seconds", "Age of the oldest queued report (0: none queued).", nil, nil)
	descSourceAge    = prometheus.NewDesc("pakiti_source_age_seconds", "Time since the source's latest successful check.", []string{"source"}, nil)
	descSourceRec    = prometheus.NewDesc("pakiti_source_records", "Records of the source's import in force.", []string{"source"}, nil)
	descSourceState  = prometheus.NewDesc("pakiti_source_state", "1 for the source's state: current, stale or failing.", []string{"source", "state"}, nil)
	descSiteHosts    = prometheus.NewDesc("pakiti_site_hosts", "Hosts per site (sites beyond --metrics-max-sites summed under site=\"other\").", []string{"site"}, nil)
	descSiteExposed  = prometheus.NewDesc("pakiti_site_exposed_hosts", "Hosts with open findings per site by their worst open severity (other: negligible or unassigned only).", []string{"site", "severity"}, nil)
	descTagExposed   = prometheus.NewDesc("pakiti_tag_exposed_hosts", "Hosts with open findings of CVEs carrying an enabled tag, by the worst severity of those findings.", []string{"tag", "severity"}, nil)
	descDataState    = prometheus.NewDesc("pakiti_hosts_data_state", "Hosts per data state (complete, partial, stale, none).", []string{"state"}, nil)
	descReadSeconds  = prometheus.NewDesc("pakiti_metrics_store_read_seconds", "Duration of the latest store read behind the fleet metrics.", nil, nil)
	descReadAt       = prometheus.NewDesc("pakiti_metrics_store_read_timestamp_seconds", "When the fleet metrics were read from the store (they are cached).", nil, nil)
)

// snapshot is one store read.
type snapshot struct {
	at         time.Time
	took       time.Duration
	evalQueue  int
	queue      store.QueueDepth
	sources    []store.SourceStatus
	sites      []store.SiteExposure
	tags       []store.TagExposure
	dataStates map[string]int
}

// fleet collects the store-read metrics, cached for ttl.
type fleet struct {
	st       *store.Store
	log      *slog.Logger
	maxSites int
	ttl      time.Duration
	now      func() time.Time

	mu   sync.Mutex
	snap *snapshot
}

func newFleet(c Config) *fleet {
	return &fleet{st: c.Store, log: c.Log, maxSites: c.MaxSites, ttl: c.CacheTTL, now: c.Now}
}

func (f *fleet) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descEvalQueue, descIntakeQueue, descIntakeOldest, descSourceAge, descSourceRec,
		descSourceState, descSiteHosts, descSiteExposed, descTagExposed, descDataState, descReadSeconds, descReadAt} {
		ch <- d
	}
}

// Collect serves the cached snapshot, read again when older than ttl.
// Only /metrics scrapes by admins or CSIRT members get here (web), so
// the read is of all sites.
func (f *fleet) Collect(ch chan<- prometheus.Metric) {
	s, err := f.get()
	if err != nil {
		f.log.Error("metrics store read", "error", err)
		ch <- prometheus.NewInvalidMetric(descReadAt, err)
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descEvalQueue, float64(s.evalQueue))
	gauge(descIntakeQueue, float64(s.queue.Reports))
	oldest := 0.0
	if !s.queue.Oldest.IsZero() {
		oldest = s.at.Sub(s.queue.Oldest).Seconds()
	}
	gauge(descIntakeOldest, oldest)
	for _, src := range s.sources {
		if !src.CheckedAt.IsZero() {
			gauge(descSourceAge, s.at.Sub(src.CheckedAt).Seconds(), src.Source)
		}
		gauge(descSourceRec, float64(src.Records), src.Source)
		for _, st := range []string{store.SourceCurrent, store.SourceStale, store.SourceFailing} {
			v := 0.0
			if src.State == st {
				v = 1
			}
			gauge(descSourceState, v, src.Source, st)
		}
	}
	for _, e := range capSites(s.sites, f.maxSites) {
		gauge(descSiteHosts, float64(e.Hosts), e.Site)
		for _, sev := range severities {
			gauge(descSiteExposed, float64(e.Exposed[sev]), e.Site, sev)
		}
	}
	for _, t := range s.tags {
		for sev, n := range t.Exposed {
			gauge(descTagExposed, float64(n), t.Tag, sev)
		}
	}
	for st, n := range s.dataStates {
		gauge(descDataState, float64(n), st)
	}
	gauge(descReadSeconds, s.took.Seconds())
	gauge(descReadAt, float64(s.at.UnixMilli())/1000)
}

// get returns the snapshot, read again when older than the ttl. Scrapes
// arriving during a read wait for it (one read at a time).
func (f *fleet) get() (*snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if f.snap != nil && f.ttl > 0 && now.Sub(f.snap.at) < f.ttl {
		return f.snap, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := f.read(ctx, now)
	if err != nil {
		return nil, err
	}
	f.snap = s
	return s, nil
}

func (f *fleet) read(ctx context.Context, now time.Time) (*snapshot, error) {
	start := time.Now()
	s := &snapshot{at: now}
	var err error
	if s.evalQueue, err = f.st.EvalQueueDepth(ctx); err != nil {
		return nil, err
	}
	if s.queue, err = f.st.Queue(ctx); err != nil {
		return nil, err
	}
	if s.sources, err = f.st.Sources(ctx); err != nil {
		return nil, err
	}
	all := store.AllSites()
	if s.sites, s.tags, err = f.st.Exposure(ctx, all); err != nil {
		return nil, err
	}
	if _, s.dataStates, err = f.st.DataStates(ctx, all); err != nil {
		return nil, err
	}
	s.took = time.Since(start)
	return s, nil
}

// capSites keeps the max sites with the most exposed hosts (then the most
// hosts, then by name) and sums the others under OtherSite.
func capSites(sites []store.SiteExposure, max int) []store.SiteExposure {
	if len(sites) <= max {
		return sites
	}
	exposed := func(e store.SiteExposure) int {
		n := 0
		for _, v := range e.Exposed {
			n += v
		}
		return n
	}
	sorted := slices.Clone(sites)
	slices.SortFunc(sorted, func(a, b store.SiteExposure) int {
		return cmp.Or(cmp.Compare(exposed(b), exposed(a)), cmp.Compare(b.Hosts, a.Hosts), cmp.Compare(a.Site, b.Site))
	})
	out := sorted[:max:max]
	other := store.SiteExposure{Site: OtherSite, Exposed: map[string]int{}}
	for _, e := range sorted[max:] {
		other.Hosts += e.Hosts
		for k, v := range e.Exposed {
			other.Exposed[k] += v
		}
	}
	return append(out, other)
}
