package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// HostList is the answer of GET /api/v1/hosts.
type HostList struct {
	Hosts  []model.Host `json:"hosts"`
	Total  int          `json:"total"`
	Limit  int          `json:"limit"`
	Offset int          `json:"offset"`
	// Tagged are the listed hosts' open findings of tagged CVEs and
	// their excepted findings, by host name (hosts with none are absent).
	Tagged map[string]store.HostTagCounts `json:"tagged"`
	// TaggedCVEs, with inline=1 only, are the listed hosts' open tagged
	// CVEs (enabled tags, excepted findings left out) and their tags, by
	// host name (hosts with none are absent).
	TaggedCVEs map[string][]store.TaggedCVE `json:"tagged_cves,omitempty"`
}

// HostDetail is the answer of GET /api/v1/hosts/{hostname}.
type HostDetail struct {
	Host     model.Host      `json:"host"`
	Packages []model.Package `json:"packages"`
	Findings []model.Finding `json:"findings"`
	// IdleKernels are installed kernel images other than the running
	// one: their CVEs are not counted.
	IdleKernels []store.IdleKernel   `json:"idle_kernels"`
	Reports     []model.ReportRecord `json:"reports"`
	// Updates are the "update available" findings (the release's security
	// suite has a newer version of an installed binary), kept apart from
	// the CVE findings; UpdatesAvailable counts the open ones.
	Updates          []store.UpdateFinding `json:"updates"`
	UpdatesAvailable int                   `json:"updates_available"`
}

// reportHistory is how many history records a host's detail shows.
const reportHistory = 50

func (s *Server) apiHosts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := hostQuery(q)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	f.At = s.now()
	inline, err := flagParam(q, "inline")
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	format := q.Get("format")
	switch {
	case format == "csv":
		s.exportHostsCSV(w, r, f)
		return
	case format != "" && format != "json":
		apiError(w, http.StatusBadRequest, "format must be json or csv")
		return
	case q.Get("all") == "1":
		s.exportHostsJSON(w, r, f)
		return
	}
	hosts, total, err := s.store.ListHosts(r.Context(), scope(r), f)
	if err != nil {
		s.internal(w, "list hosts", err)
		return
	}
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.Hostname
	}
	tagged, err := s.tagCounts(r, names)
	if err != nil {
		s.internal(w, "list hosts", err)
		return
	}
	list := HostList{Hosts: hosts, Total: total, Limit: f.Limit, Offset: f.Offset, Tagged: tagged}
	if inline {
		list.TaggedCVEs = inlineTagged(tagged)
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) apiHost(w http.ResponseWriter, r *http.Request) {
	d, err := s.hostDetail(r)
	if errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "no host named "+r.PathValue("hostname"))
		return
	}
	if err != nil {
		s.internal(w, "host", err)
		return
	}
	// Not indented: a host's detail is about 1 MB (1,500 packages, over
	// a thousand findings), and indenting it cost more than encoding it.
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(d)
}

func (s *Server) hostDetail(r *http.Request) (HostDetail, error) {
	name, sc := r.PathValue("hostname"), scope(r)
	h, err := s.store.Host(r.Context(), sc, name)
	if err != nil {
		return HostDetail{}, err
	}
	pkgs, err := s.store.HostPackages(r.Context(), sc, name)
	if err != nil {
		return HostDetail{}, err
	}
	reps, err := s.store.HostReports(r.Context(), sc, name, reportHistory)
	if err != nil {
		return HostDetail{}, err
	}
	fs, err := s.store.HostFindings(r.Context(), sc, name, r.URL.Query().Get("history") == "1")
	if err != nil {
		return HostDetail{}, err
	}
	idle, err := s.store.HostIdleKernels(r.Context(), sc, name)
	if err != nil {
		return HostDetail{}, err
	}
	ups, err := s.store.HostUpdates(r.Context(), sc, name, r.URL.Query().Get("history") == "1")
	if err != nil {
		return HostDetail{}, err
	}
	open := 0
	for _, u := range ups {
		if u.ResolvedAt == nil {
			open++
		}
	}
	return HostDetail{Host: h, Packages: pkgs, Findings: fs, IdleKernels: idle, Reports: reps, Updates: ups, UpdatesAvailable: open}, nil
}

func (s *Server) apiCVE(w http.ResponseWriter, r *http.Request) {
	id := model.NormalizeID(r.PathValue("id"))
	if !validCVE(id) {
		apiError(w, http.StatusBadRequest, "not a CVE or vendor id: "+clip(id))
		return
	}
	info, err := s.store.CVE(r.Context(), scope(r), id)
	if errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "nothing is known of "+id)
		return
	}
	if err != nil {
		s.internal(w, "cve", err)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		WriteAffectedCSV(w, info.Hosts)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) apiSources(w http.ResponseWriter, r *http.Request) {
	src, err := s.store.Sources(r.Context())
	if err != nil {
		s.internal(w, "sources", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": src, "total": len(src)})
}

// internal logs err and answers 500 without details.
func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.log.Error("request failed", "what", what, "error", err)
	apiError(w, http.StatusInternalServerError, "internal error")
}
