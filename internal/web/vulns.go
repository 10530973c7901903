package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pakiti-go/pakiti/internal/store"
)

// VulnList is the answer of GET /api/v1/cves: one page of the CVEs present
// on at least one host the caller sees.
type VulnList struct {
	CVEs   []store.Vuln `json:"cves"`
	Total  int          `json:"total"`
	Limit  int          `json:"limit"`
	Offset int          `json:"offset"`
}

// VulnColumns are the columns of the vulnerabilities listing as CSV.
var VulnColumns = []string{"cve", "hosts", "severity", "severity_word", "tags", "exploited"}

// vulnFilterKeys are the parameters of a vulnerabilities view.
var vulnFilterKeys = []string{"site", "os_group", "tag", "severity", "status", "q", "exploited", "activity", "sort", "limit"}

var vulnSeverities = []string{"critical", "high", "medium", "low", "negligible", "unknown"}

// vulnQuery reads the vulnerabilities listing's parameters.
func vulnQuery(q url.Values) (store.VulnFilter, error) {
	f := store.VulnFilter{Site: q.Get("site"), OSGroup: q.Get("os_group"), Tag: q.Get("tag"), Severity: q.Get("severity"),
		Status: q.Get("status"), Query: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort")}
	switch {
	case f.Sort != "" && !slices.Contains(store.VulnSorts, f.Sort):
		return f, fmt.Errorf("sort must be one of %s", strings.Join(store.VulnSorts, ", "))
	case f.Severity != "" && !slices.Contains(vulnSeverities, f.Severity):
		return f, fmt.Errorf("severity must be one of %s", strings.Join(vulnSeverities, ", "))
	case f.Status != "" && !slices.Contains(store.VulnStatuses, f.Status):
		return f, fmt.Errorf("status must be one of %s", strings.Join(store.VulnStatuses, ", "))
	case len(f.Site) > 256 || len(f.Query) > 64 || len(f.OSGroup) > 64 || len(f.Tag) > 128:
		return f, fmt.Errorf("site takes at most 256 bytes, q and os_group 64, tag 128")
	}
	var err error
	if f.Exploited, err = flagParam(q, "exploited"); err != nil {
		return f, err
	}
	// The hosts listing's parser: "24h", "7d", and Pakiti 3's "-7d".
	if f.Activity, err = store.ParseActivity(q.Get("activity")); err != nil {
		return f, err
	}
	if f.Limit, err = intParam(q, "limit", store.DefaultLimit, 1, store.MaxLimit); err != nil {
		return f, err
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, 1<<31-1); err != nil {
		return f, err
	}
	return f, nil
}

// VulnRow is a vulnerability as the strings of VulnColumns.
func VulnRow(v store.Vuln) []string {
	return []string{v.CVE, strconv.Itoa(v.Hosts), v.Severity, v.SeverityWord, strings.Join(v.Tags, " "), strconv.FormatBool(v.Exploited)}
}

func (s *Server) apiVulns(w http.ResponseWriter, r *http.Request) {
	f, err := vulnQuery(r.URL.Query())
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		s.exportVulnsCSV(w, r, f)
		return
	}
	list, total, err := s.store.Vulns(r.Context(), scope(r), f)
	if err != nil {
		s.internal(w, "vulnerabilities", err)
		return
	}
	writeJSON(w, http.StatusOK, VulnList{CVEs: list, Total: total, Limit: f.Limit, Offset: f.Offset})
}

// exportVulnsCSV writes the whole filtered view (limit and offset do not
// apply), a page of MaxLimit CVEs at a time.
func (s *Server) exportVulnsCSV(w http.ResponseWriter, r *http.Request, f store.VulnFilter) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="cves.csv"`)
	cw := csv.NewWriter(w)
	cw.Write(VulnColumns)
	f.Limit = store.MaxLimit
	for f.Offset = 0; ; f.Offset += f.Limit {
		list, total, err := s.store.Vulns(r.Context(), scope(r), f)
		if err != nil {
			cw.Flush()
			s.log.Error("export vulnerabilities", "error", err)
			w.Write([]byte("\nexport failed: internal error\n"))
			return
		}
		for _, v := range list {
			cw.Write(csvRow(VulnRow(v)))
		}
		if f.Offset+f.Limit >= total {
			break
		}
	}
	cw.Flush()
}

func (s *Server) pageVulns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := vulnQuery(q)
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	sc := scope(r)
	list, total, err := s.store.Vulns(r.Context(), sc, f)
	if err != nil {
		s.log.Error("vulnerabilities page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	// The site filter's names: from the cells of the hosts (no host read).
	sites, err := s.store.SiteSummaries(r.Context(), sc, "")
	if err != nil {
		s.log.Error("vulnerabilities page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	v := viewValues(q, vulnFilterKeys)
	export := viewValues(q, vulnFilterKeys)
	export.Del("limit")
	p := newPager(f.Offset, f.Limit, total)
	links := map[string]string{"CSV": withParams("/api/v1/cves", export, "format", "csv")}
	if p.HasPrev {
		links["Prev"] = withParams("/cves", v, "offset", strconv.Itoa(p.PrevOffset))
	}
	if p.HasNext {
		links["Next"] = withParams("/cves", v, "offset", strconv.Itoa(p.NextOff))
	}
	cols := sortColumns("/cves", v, f.Sort, "-hosts", []column{{Label: "CVE"}, {Label: "Hosts", Num: true,
		Title: "hosts with an open finding, each counted once"}, {Label: "Severity", Title: "the worst among its findings"}, {Label: "Tags"},
		{Label: "Known exploited", Title: "in CISA's Known Exploited Vulnerabilities catalogue"}},
		[]string{"cve", "hosts", "severity", "", ""}, descFirst)
	// A host link keeps the view's site and OS group.
	hostView := viewValues(q, []string{"site", "os_group"})
	rows := make([]map[string]any, len(list))
	for i, c := range list {
		rows[i] = map[string]any{"V": c, "Hosts": withParams("/hosts", hostView, "cve", c.CVE), "Class": sevClass(c.Severity)}
	}
	empty := ""
	if total == 0 {
		empty = "no-match"
		if all, _, err := s.store.Vulns(r.Context(), sc, store.VulnFilter{Limit: 1}); err == nil && len(all) == 0 {
			empty = "none"
		}
	}
	_, kevLoaded, err := s.store.KEVCatalogueInForce(r.Context())
	if err != nil {
		s.log.Error("vulnerabilities page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	s.render(w, r, http.StatusOK, "vulns.html", map[string]any{"Title": "Vulnerabilities", "Rows": rows, "Total": total,
		"Filter": f, "Sites": sites, "Pager": p, "Links": links, "Columns": cols, "Severities": vulnSeverities,
		"Statuses": store.VulnStatuses, "Empty": empty, "Activity": q.Get("activity"), "KEVLoaded": kevLoaded})
}
