package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web/plot"
)

// The dashboard (/ and /api/v1/dashboard): the fleet in scope at a glance.
// Its live numbers come from the hosts' counters (store.Dashboard); its
// plots, top CVEs and "newly exposed" from the daily exposure snapshots
// (store.SnapshotExposure), which the page dates.

// plotDays is how many days the dashboard's plots cover unless ?days= says.
const plotDays = 90

// Dashboard is the answer of GET /api/v1/dashboard.
type Dashboard struct {
	store.DashboardData
	// ComputedAt is when the numbers were read (they are kept for
	// --dashboard-cache per set of sites).
	ComputedAt time.Time `json:"computed_at"`
	// StaleSources are the sources not current (stale or failing).
	StaleSources []SourceState `json:"stale_sources"`
	// History is the exposure per snapshot day: all sites in scope, per
	// CVE tag and per site.
	History ExposureHistory `json:"history"`
}

// SourceState is a source that is not current, and why.
type SourceState struct {
	Source string `json:"source"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// ExposureHistory is exposed hosts per snapshot day (Days, oldest first):
// in all the sites in scope, per CVE tag and per site.
type ExposureHistory struct {
	Days    []string         `json:"days"`
	Exposed []int            `json:"exposed"`
	ByTag   map[string][]int `json:"by_tag"`
	BySite  map[string][]int `json:"by_site"`
	// BySeverity is exposed hosts by their worst open CVE (a site's page).
	BySeverity map[string][]int `json:"by_severity"`
}

// severities are the severity buckets of exposed hosts, worst first.
var severities = []string{"critical", "high", "medium", "low", "other"}

// exposureHistory reads the snapshots of the sites in scope (site alone
// when not "") over days, summed per day.
func (s *Server) exposureHistory(r *http.Request, site string, days int) (ExposureHistory, error) {
	since := s.now().UTC().Add(-time.Duration(days-1) * 24 * time.Hour)
	dl, pts, err := s.store.ExposureHistory(r.Context(), scope(r), site, since)
	if err != nil {
		return ExposureHistory{}, err
	}
	h := ExposureHistory{Days: dl, Exposed: make([]int, len(dl)), ByTag: map[string][]int{}, BySite: map[string][]int{},
		BySeverity: map[string][]int{}}
	at := map[string]int{}
	for i, d := range dl {
		at[d] = i
	}
	add := func(m map[string][]int, k string, i, n int) {
		if m[k] == nil {
			m[k] = make([]int, len(dl))
		}
		m[k][i] += n
	}
	for _, sev := range severities {
		h.BySeverity[sev] = make([]int, len(dl))
	}
	for _, p := range pts {
		i, ok := at[p.Day]
		if !ok {
			continue
		}
		switch {
		case p.Series == store.SeriesExposed:
			h.Exposed[i] += p.Hosts
			add(h.BySite, p.Site, i, p.Hosts)
		case len(p.Series) > len(store.SeriesSev) && p.Series[:len(store.SeriesSev)] == store.SeriesSev:
			add(h.BySeverity, p.Series[len(store.SeriesSev):], i, p.Hosts)
		default:
			if tag, ok := store.SeriesTagName(p.Series); ok {
				add(h.ByTag, tag, i, p.Hosts)
			}
		}
	}
	return h, nil
}

// dashboard gathers the dashboard of the request's scope.
func (s *Server) dashboard(r *http.Request) (Dashboard, error) {
	days, err := intParam(r.URL.Query(), "days", plotDays, 1, 400)
	if err != nil {
		return Dashboard{}, errBadRequest{err}
	}
	d := Dashboard{StaleSources: []SourceState{}}
	if d.DashboardData, d.ComputedAt, err = s.dashCache.get(r, s, func(ctx context.Context, sc store.Scope, now time.Time) (store.DashboardData, error) {
		return s.store.Dashboard(ctx, sc, now)
	}); err != nil {
		return d, err
	}
	srcs, err := s.store.Sources(r.Context())
	if err != nil {
		return d, err
	}
	for _, src := range srcs {
		if src.State != store.SourceCurrent {
			d.StaleSources = append(d.StaleSources, SourceState{Source: src.Source, State: src.State, Reason: src.Reason})
		}
	}
	d.History, err = s.exposureHistory(r, "", days)
	return d, err
}

// errBadRequest is a request's own fault: answered 400 with its text.
type errBadRequest struct{ error }

func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) {
	d, err := s.dashboard(r)
	if e, ok := err.(errBadRequest); ok {
		apiError(w, http.StatusBadRequest, e.Error())
		return
	}
	if err != nil {
		s.internal(w, "dashboard", err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// count is a number of the dashboard with the hosts listing it links to.
type count struct {
	Label string
	N     int
	Link  string // the hosts listing's query, "" for no link
	Bad   bool   // shown as a warning when above 0
}

func hostsLink(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return "/hosts?" + q.Encode()
}

func (s *Server) pageDashboard(w http.ResponseWriter, r *http.Request) {
	d, err := s.dashboard(r)
	if e, ok := err.(errBadRequest); ok {
		s.pageError(w, r, http.StatusBadRequest, e.Error())
		return
	}
	if err != nil {
		s.log.Error("dashboard page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	t := d.Totals
	totals := []count{
		{"Hosts", t.Hosts, "/hosts", false},
		{"Evaluated", t.Evaluated, "", false},
		{"Exposed", t.Exposed, hostsLink("status", "exposed"), true},
		{"Clean", t.Clean, hostsLink("status", "clean"), false},
		{"Not evaluated", t.NotEvaluated, hostsLink("status", "not-evaluated"), true},
		{"Partial data", t.DataStates["partial"], hostsLink("status", "partial-data"), true},
		{"Stale data", t.DataStates["stale"], hostsLink("status", "stale-data"), true},
		{"Stale hosts", t.StaleHosts, hostsLink("stale", "1"), true},
		{"Reboot pending", t.RebootPending, hostsLink("status", "reboot-pending"), true},
	}
	var bySev []count
	for _, sev := range severities {
		bySev = append(bySev, count{sev, d.BySeverity[sev], hostsLink("status", "exposed", "severity", sev), sev != "other"})
	}
	var byTag []count
	for _, tag := range sortedKeys(d.ByTag) {
		byTag = append(byTag, count{tag, d.ByTag[tag], hostsLink("cve_tag", tag), true})
	}
	s.render(w, r, http.StatusOK, "dashboard.html", map[string]any{"Title": "Dashboard", "D": d,
		"Totals": totals, "BySeverity": bySev, "ByTag": byTag, "Plots": dashboardPlots(d.History)})
}

// dashboardPlots draws the dashboard's plots of h.
func dashboardPlots(h ExposureHistory) []template.HTML {
	out := []template.HTML{plot.Line(plot.Chart{ID: "plot-exposed", Title: "Exposed hosts",
		Desc:   "Hosts with at least one open CVE in the sites you see, per daily snapshot.",
		Labels: h.Days, Series: []plot.Series{{Name: "exposed hosts", Values: floats(h.Exposed)}}})}
	out = append(out, plot.Line(plot.Chart{ID: "plot-tags", Title: "Exposed hosts per CVE tag",
		Desc:   "Hosts with an open CVE carrying each enabled tag, per daily snapshot.",
		Labels: h.Days, Series: topSeries(h.ByTag, 8)}))
	out = append(out, plot.StackedBar(plot.Chart{ID: "plot-sites", Title: "Exposed hosts per site",
		Desc:   "Hosts with at least one open CVE, stacked by site (the sites with most exposed hosts; the others summed).",
		Labels: h.Days, Series: topSeries(h.BySite, 7)}))
	return out
}

// topSeries makes series of m, the n with the highest last value first
// and the rest summed as "others".
func topSeries(m map[string][]int, n int) []plot.Series {
	keys := sortedKeys(m)
	last := func(k string) int {
		if v := m[k]; len(v) > 0 {
			return v[len(v)-1]
		}
		return 0
	}
	sort.SliceStable(keys, func(i, j int) bool { return last(keys[i]) > last(keys[j]) })
	var out []plot.Series
	var others []float64
	for i, k := range keys {
		if i < n {
			out = append(out, plot.Series{Name: k, Values: floats(m[k])})
			continue
		}
		if others == nil {
			others = make([]float64, len(m[k]))
		}
		for j, v := range m[k] {
			others[j] += float64(v)
		}
	}
	if others != nil {
		out = append(out, plot.Series{Name: "others", Values: others})
	}
	return out
}

func floats(v []int) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
