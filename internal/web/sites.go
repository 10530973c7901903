package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web/plot"
)

// Sites (Pakiti 3's host groups): /sites, /sites/{name} and their API,
// scoped; an admin edits a site's contact, URL and note on its page (a
// POST that http.CrossOriginProtection guards).

// ttpDays is the period of a site's time to patch.
const ttpDays = 90

// SiteList is the answer of GET /api/v1/sites.
type SiteList struct {
	Sites []store.SiteSummary `json:"sites"`
	Total int                 `json:"total"` // sites in the list (all of them: it is not paged)
}

// SiteDetail is the answer of GET /api/v1/sites/{site}.
type SiteDetail struct {
	Site store.SiteSummary `json:"site"`
	// TimeToPatch of the findings resolved by a package update in the last
	// TTPDays days, per CVE tag and "all".
	TimeToPatch map[string]store.TTP `json:"time_to_patch"`
	TTPDays     int                  `json:"time_to_patch_days"`
	History     ExposureHistory      `json:"history"`
}

// SiteColumns are the columns of the sites CSV.
var SiteColumns = []string{"site", "group", "hosts", "exposed", "critical", "high", "medium", "low", "other",
	"tagged_hosts", "stale", "contact", "url", "note"}

// SitePeriodColumns follow SiteColumns when a period is asked (from,
// to): the site's report statistics over it (store.SitePeriod).
var SitePeriodColumns = []string{"from", "to", "period_hosts", "period_vulnerable_hosts", "period_reports", "period_vulnerable_reports"}

func siteRow(x store.SiteSummary) []string {
	n := strconv.Itoa
	row := []string{x.Name, x.Group, n(x.Hosts), n(x.Exposed), n(x.BySeverity["critical"]), n(x.BySeverity["high"]),
		n(x.BySeverity["medium"]), n(x.BySeverity["low"]), n(x.BySeverity["other"]), n(x.TaggedHosts), n(x.Stale),
		x.Contact, x.URL, x.Note}
	if p := x.Period; p != nil {
		row = append(row, p.From, p.To, n(p.Hosts), n(p.VulnerableHosts), n(p.Reports), n(p.VulnerableReports))
	}
	return row
}

// writeSitesCSV answers sites as CSV, with the period's columns when
// one was asked.
func writeSitesCSV(w http.ResponseWriter, filename string, sites []store.SiteSummary, period bool) {
	header := SiteColumns
	if period {
		header = append(slices.Clone(SiteColumns), SitePeriodColumns...)
	}
	rows := make([][]string, len(sites))
	for i, x := range sites {
		rows[i] = siteRow(x)
	}
	writeCSV(w, filename, header, rows)
}

// sitePeriod reads the period of a sites view (?from=&to=, YYYY-MM-DD,
// to excluded); asked is false when neither is given.
func sitePeriod(r *http.Request) (p store.Period, asked bool, err error) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" && to == "" {
		return store.Period{}, false, nil
	}
	p, err = store.ParsePeriod(from, to)
	return p, err == nil, err
}

// withPeriods returns a copy of sites (which the sites cache may hold)
// with their statistics over p.
func (s *Server) withPeriods(r *http.Request, sites []store.SiteSummary, site string, p store.Period) ([]store.SiteSummary, error) {
	per, err := s.store.SitePeriods(r.Context(), scope(r), site, p)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(sites)
	for i := range out {
		c, ok := per[out[i].Name]
		if !ok {
			c = store.EmptySitePeriod(p)
		}
		out[i].Period = &c
	}
	return out, nil
}

// siteList reads (or keeps) the sites in scope.
func (s *Server) siteList(r *http.Request) ([]store.SiteSummary, time.Time, error) {
	return s.sitesCache.get(r, s, func(ctx context.Context, sc store.Scope, _ time.Time) ([]store.SiteSummary, error) {
		return s.store.SiteSummaries(ctx, sc, "")
	})
}

func (s *Server) apiSiteList(w http.ResponseWriter, r *http.Request) {
	p, asked, err := sitePeriod(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	sites, _, err := s.siteList(r)
	if err == nil && asked {
		sites, err = s.withPeriods(r, sites, "", p)
	}
	if err != nil {
		s.internal(w, "sites", err)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		writeSitesCSV(w, "sites.csv", sites, asked)
		return
	}
	writeJSON(w, http.StatusOK, SiteList{Sites: sites, Total: len(sites)})
}

// siteDetail reads one site in scope; ErrNotFound when it is not.
func (s *Server) siteDetail(r *http.Request, name string) (SiteDetail, error) {
	days, err := intParam(r.URL.Query(), "days", plotDays, 1, 400)
	if err != nil {
		return SiteDetail{}, errBadRequest{err}
	}
	p, asked, err := sitePeriod(r)
	if err != nil {
		return SiteDetail{}, errBadRequest{err}
	}
	sites, err := s.store.SiteSummaries(r.Context(), scope(r), name)
	if err != nil {
		return SiteDetail{}, err
	}
	if len(sites) != 1 {
		return SiteDetail{}, store.ErrNotFound
	}
	if asked {
		if sites, err = s.withPeriods(r, sites, name, p); err != nil {
			return SiteDetail{}, err
		}
	}
	d := SiteDetail{Site: sites[0], TTPDays: ttpDays}
	h, err := s.store.FindingHistory(r.Context(), scope(r), "", name, s.now().Add(-(ttpDays-1)*24*time.Hour), s.now())
	if err != nil {
		return d, err
	}
	d.TimeToPatch = h.TimeToPatch
	d.History, err = s.exposureHistory(r, name, days)
	return d, err
}

func (s *Server) apiSite(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("site")
	d, err := s.siteDetail(r, name)
	var bad errBadRequest
	switch {
	case errors.As(err, &bad):
		apiError(w, http.StatusBadRequest, bad.Error())
	case errors.Is(err, store.ErrNotFound):
		apiError(w, http.StatusNotFound, "no site "+clip(name))
	case err != nil:
		s.internal(w, "site", err)
	case r.URL.Query().Get("format") == "csv":
		writeSitesCSV(w, "site.csv", []store.SiteSummary{d.Site}, d.Site.Period != nil)
	default:
		writeJSON(w, http.StatusOK, d)
	}
}

func (s *Server) pageSites(w http.ResponseWriter, r *http.Request) {
	p, asked, err := sitePeriod(r)
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	sites, at, err := s.siteList(r)
	if err == nil && asked {
		sites, err = s.withPeriods(r, sites, "", p)
	}
	if err != nil {
		s.log.Error("sites page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	v := viewValues(r.URL.Query(), []string{"from", "to"})
	s.render(w, r, http.StatusOK, "sites.html", map[string]any{"Title": "Sites", "Sites": sites, "At": at, "Period": asked,
		"From": v.Get("from"), "To": v.Get("to"),
		"CSV": withParams("/api/v1/sites", v, "format", "csv"), "JSON": withParams("/api/v1/sites", v)})
}

func (s *Server) pageSite(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("site")
	d, err := s.siteDetail(r, name)
	var bad errBadRequest
	switch {
	case errors.As(err, &bad):
		s.pageError(w, r, http.StatusBadRequest, bad.Error())
		return
	case errors.Is(err, store.ErrNotFound):
		s.pageError(w, r, http.StatusNotFound, "No site is named "+name+" (among the sites you see).")
		return
	case err != nil:
		s.log.Error("site page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	var bySev []plot.Series
	var sev []count
	for _, v := range severities {
		bySev = append(bySev, plot.Series{Name: v, Values: floats(d.History.BySeverity[v])})
		sev = append(sev, count{v, d.Site.BySeverity[v], hostsLink("site", name, "status", "exposed", "severity", v), v != "other"})
	}
	plots := []template.HTML{
		plot.StackedBar(plot.Chart{ID: "plot-site-severity", Title: "Exposed hosts of " + name + " by severity",
			Desc:   "The site's hosts with an open CVE, stacked by the worst of their open CVEs, per daily snapshot.",
			Labels: d.History.Days, Series: bySev}),
		plot.Line(plot.Chart{ID: "plot-site-tags", Title: "Exposed hosts of " + name + " per CVE tag",
			Desc:   "The site's hosts with an open CVE carrying each enabled tag, per daily snapshot.",
			Labels: d.History.Days, Series: topSeries(d.History.ByTag, 8)}),
	}
	var ttp []ttpRow
	for _, k := range sortedKeys(d.TimeToPatch) {
		v := d.TimeToPatch[k]
		ttp = append(ttp, ttpRow{Tag: k, Findings: v.Findings, Median: hours(v.MedianHours), P90: hours(v.P90Hours)})
	}
	me := auth.FromContext(r.Context())
	s.render(w, r, http.StatusOK, "site.html", map[string]any{"Title": name, "D": d, "Plots": plots, "TTP": ttp, "Sev": sev,
		"CanEdit": me != nil && me.Admin(), "Saved": r.URL.Query().Get("saved") == "1",
		"From": r.URL.Query().Get("from"), "To": r.URL.Query().Get("to")})
}

// ttpRow is a line of a site's time to patch.
type ttpRow struct {
	Tag         string
	Findings    int
	Median, P90 string
}

// hours says a duration in hours as hours or days.
func hours(h float64) string {
	if h < 48 {
		return strconv.FormatFloat(h, 'f', 1, 64) + " h"
	}
	return strconv.FormatFloat(h/24, 'f', 1, 64) + " days"
}

// postSiteInfo sets a site's contact, URL and note (admins; the form of
// the site's page). A field the form lacks keeps its value; a form that
// cannot be read changes nothing.
func (s *Server) postSiteInfo(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("site")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, http.StatusBadRequest, "The form could not be read: "+err.Error())
		return
	}
	cur, err := s.store.SiteSummaries(r.Context(), scope(r), name)
	if err != nil {
		s.log.Error("site info", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	if len(cur) != 1 {
		s.pageError(w, r, http.StatusNotFound, "No site is named "+name+".")
		return
	}
	field := func(key, old string) string {
		if v, ok := r.PostForm[key]; ok && len(v) > 0 {
			return v[0]
		}
		return old
	}
	contact, link, note := field("contact", cur[0].Contact), field("url", cur[0].URL), field("note", cur[0].Note)
	err = s.store.SetSiteInfo(r.Context(), name, contact, link, note)
	if errors.Is(err, store.ErrNotFound) {
		s.pageError(w, r, http.StatusNotFound, "No site is named "+name+".")
		return
	}
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	me := auth.FromContext(r.Context())
	if err := s.store.Audit(r.Context(), store.AuditEntry{Actor: me.Name(), Action: "site.info", Target: name,
		Detail: "contact=" + strings.TrimSpace(contact) + " url=" + strings.TrimSpace(link)}); err != nil {
		s.log.Error("audit", "error", err)
	}
	s.log.Info("site info set", "by", me.Name(), "site", name)
	http.Redirect(w, r, "/sites/"+url.PathEscape(name)+"?saved=1", http.StatusSeeOther)
}
