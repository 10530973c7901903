package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// historyDays is how many days a history covers unless ?days= says.
const historyDays = 30

// historySince reads ?days= (1 to 400).
func (s *Server) historySince(r *http.Request) (time.Time, error) {
	days, err := intParam(r.URL.Query(), "days", historyDays, 1, 400)
	if err != nil {
		return time.Time{}, err
	}
	return s.now().UTC().Add(-time.Duration(days-1) * 24 * time.Hour), nil
}

func (s *Server) apiHostHistory(w http.ResponseWriter, r *http.Request) {
	name, sc := r.PathValue("hostname"), scope(r)
	since, err := s.historySince(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	if _, err := s.store.Host(r.Context(), sc, name); errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "no host "+clip(name))
		return
	} else if err != nil {
		s.internal(w, "host history", err)
		return
	}
	h, err := s.store.FindingHistory(r.Context(), sc, name, "", since, s.now())
	if err != nil {
		s.internal(w, "host history", err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) apiSiteHistory(w http.ResponseWriter, r *http.Request) {
	name, sc := r.PathValue("site"), scope(r)
	since, err := s.historySince(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	sites, err := s.store.Sites(r.Context(), sc)
	if err != nil {
		s.internal(w, "site history", err)
		return
	}
	found := false
	for _, st := range sites {
		found = found || st.Name == name
	}
	if !found {
		apiError(w, http.StatusNotFound, "no site "+clip(name))
		return
	}
	h, err := s.store.FindingHistory(r.Context(), sc, "", name, since, s.now())
	if err != nil {
		s.internal(w, "site history", err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}
