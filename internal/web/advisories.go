package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// advisoryID reads the {id} of an advisory route as people type it; ok
// false when it is not an advisory id.
func advisoryID(r *http.Request) (string, bool) {
	id := model.NormalizeID(r.PathValue("id"))
	return id, validCVE(id) && model.IsAdvisoryID(id)
}

// apiAdvisory answers GET /api/v1/advisories/{id}: the advisory's CVEs,
// records and affected hosts in scope.
func (s *Server) apiAdvisory(w http.ResponseWriter, r *http.Request) {
	id, ok := advisoryID(r)
	if !ok {
		apiError(w, http.StatusBadRequest, "not an advisory id (DSA-5343-1, USN-6000-1, RHSA-2024:0811, ...): "+clip(r.PathValue("id")))
		return
	}
	info, err := s.store.Advisory(r.Context(), scope(r), id)
	if errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "nothing is known of "+id)
		return
	}
	if err != nil {
		s.internal(w, "advisory", err)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		WriteAffectedCSV(w, info.Hosts)
		return
	}
	n, _ := affectedBySite(info.Hosts)
	writeJSON(w, http.StatusOK, struct {
		store.AdvisoryInfo
		HostCount int `json:"host_count"` // distinct hosts among Hosts (one row per host and package)
	}{info, n})
}

// pageAdvisory shows an advisory; an id typed in another case or with
// spaces is redirected to its canonical URL.
func (s *Server) pageAdvisory(w http.ResponseWriter, r *http.Request) {
	id, ok := advisoryID(r)
	if !ok {
		s.pageError(w, r, http.StatusBadRequest, "Not an advisory id.")
		return
	}
	if id != r.PathValue("id") {
		http.Redirect(w, r, "/advisories/"+url.PathEscape(id), http.StatusMovedPermanently)
		return
	}
	info, err := s.store.Advisory(r.Context(), scope(r), id)
	if errors.Is(err, store.ErrNotFound) {
		s.pageError(w, r, http.StatusNotFound, "Nothing is known of "+id+".")
		return
	}
	if err != nil {
		s.log.Error("advisory page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	n, bySite := affectedBySite(info.Hosts)
	var groups []string
	for _, rec := range info.Records {
		groups = append(groups, rec.OSGroup)
	}
	s.render(w, r, http.StatusOK, "advisory.html", map[string]any{"Title": id, "A": info, "HostCount": n, "BySite": bySite,
		"Links": advisoryLinks(id, groups)})
}
