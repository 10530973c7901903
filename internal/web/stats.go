package web

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Stats (Pakiti 3's stats page): the counts of what the database holds
// (hosts and reports in scope; the vulnerability data, tags and
// exceptions of the whole instance) and cumulative counters: the reports
// the kept history stands for, and since this server started, the
// reports /feed/ answered by outcome (its metrics counters).

// StatsAnswer is the answer of GET /api/v1/stats.
type StatsAnswer struct {
	store.Stats
	// Intake counts the reports this server answered on /feed/ since it
	// started, by outcome (stored, unchanged, queued, checked, refused,
	// failed); absent without metrics.
	Intake map[string]float64 `json:"intake_since_start,omitempty"`
	// Started is when the counters of Intake started.
	Started time.Time `json:"started,omitzero"`
	// CountedAt is when the counts were read (kept per set of sites for
	// the server's --dashboard-cache).
	CountedAt time.Time `json:"counted_at"`
}

func (s *Server) stats(r *http.Request) (StatsAnswer, error) {
	st, at, err := s.statsCache.get(r, s, func(ctx context.Context, sc store.Scope, _ time.Time) (store.Stats, error) {
		return s.store.Stats(ctx, sc)
	})
	if err != nil {
		return StatsAnswer{}, err
	}
	a := StatsAnswer{Stats: st, CountedAt: at}
	if s.metrics != nil {
		a.Intake, a.Started = map[string]float64{}, s.started
		mfs, err := s.metrics.Registry().Gather()
		if err != nil {
			s.log.Warn("stats: metrics", "error", err)
		}
		for _, mf := range mfs {
			if mf.GetName() != "pakiti_intake_reports_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "outcome" {
						a.Intake[l.GetValue()] += m.GetCounter().GetValue()
					}
				}
			}
		}
	}
	return a, nil
}

func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) {
	a, err := s.stats(r)
	if err != nil {
		s.internal(w, "stats", err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// statLine is a line of the stats page.
type statLine struct {
	Label string
	N     any
	Link  string
}

func (s *Server) pageStats(w http.ResponseWriter, r *http.Request) {
	a, err := s.stats(r)
	if err != nil {
		s.log.Error("stats page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	scoped := []statLine{
		{"Sites", a.Sites, "/sites"},
		{"Hosts", a.Hosts, "/hosts"},
		{"Hosts removed (kept for history)", a.RemovedHosts, ""},
		{"Reported OS strings", a.OSes, ""},
		{"OS groups of the hosts", a.OSGroups, ""},
		{"Report history records", a.ReportRecords, ""},
	}
	instance := []statLine{
		{"Installed packages (distinct name, version, arch)", a.Packages, ""},
		{"Package lists (hosts alike share one)", a.PackageSets, ""},
		{"CVEs with vulnerability data", a.CVEs, ""},
		{"Vulnerability records", a.Advisories, "/sources"},
		{"Sources", a.Sources, "/sources"},
		{"CVE tags (enabled)", a.Tags, ""},
		{"Exceptions", a.Exceptions, "/exceptions"},
		{"Users", a.Users, ""},
		{"Exposure snapshots (days)", a.Snapshots, "/"},
	}
	var intake []statLine
	for _, k := range sortedKeys(a.Intake) {
		intake = append(intake, statLine{k, int64(a.Intake[k]), ""})
	}
	sort.SliceStable(intake, func(i, j int) bool { return intake[i].Label < intake[j].Label })
	s.render(w, r, http.StatusOK, "stats.html", map[string]any{"Title": "Statistics", "A": a,
		"Scoped": scoped, "Instance": instance, "Intake": intake, "Metrics": a.Intake != nil})
}
