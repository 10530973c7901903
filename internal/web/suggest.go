package web

import (
	"net/http"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// CVE autocomplete: GET /api/v1/cve-suggestions?q=PREFIX[&limit=N], read
// by static/cve-suggest.js to fill the <datalist> of the CVE inputs
// (hosts and vulnerabilities filters, tags and exceptions forms). Without
// the script the inputs are plain inputs.

// Bounds of the prefix, after normalisation (model.NormalizeIDPrefix).
const (
	minSuggestPrefix = 3  // "CVE", "DSA", "GHS": shorter asks for nearly every id
	maxSuggestPrefix = 64 // the longest id validCVE accepts
)

// CVESuggestionList is the answer of GET /api/v1/cve-suggestions.
type CVESuggestionList struct {
	Prefix      string   `json:"prefix"` // q, normalised
	Suggestions []string `json:"suggestions"`
	Limit       int      `json:"limit"`
}

func (s *Server) apiCVESuggestions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prefix := model.NormalizeIDPrefix(q.Get("q"))
	if len(prefix) < minSuggestPrefix || len(prefix) > maxSuggestPrefix || !validCVE(prefix) {
		apiError(w, http.StatusBadRequest, "q must be the beginning of a CVE or vendor id: 3 to 64 letters, digits and -_.:")
		return
	}
	limit, err := intParam(q, "limit", 20, 1, store.MaxSuggestions)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	ids, err := s.store.CVESuggestions(r.Context(), scope(r), prefix, limit)
	if err != nil {
		s.internal(w, "cve suggestions", err)
		return
	}
	// The answer depends on the caller's sites: kept by its browser only,
	// a minute (the script asks again as the input changes).
	w.Header().Set("Cache-Control", "private, max-age=60")
	w.Header().Set("Vary", "Cookie, Authorization")
	writeJSON(w, http.StatusOK, CVESuggestionList{Prefix: prefix, Suggestions: ids, Limit: limit})
}
