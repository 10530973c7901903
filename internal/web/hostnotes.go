package web

import (
	"net/http"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Why a host listing is empty (hosts.html says it in words).
const (
	emptyNoHost  = "no-host"  // no host in scope at all
	emptyNoData  = "no-data"  // the OS group's hosts are all not evaluated: no data for it
	emptyNoMatch = "no-match" // hosts exist, none passes the filter
)

// filtered tells whether f narrows the listing (paging and order aside).
func filtered(f store.HostFilter) bool {
	return f.Site != "" || f.Tag != "" || f.Query != "" || f.CVE != "" || f.CVETag != "" || f.OSGroup != "" ||
		f.Status != "" || f.Activity.Within > 0 || f.Stale
}

// countHosts counts the hosts in scope that pass f.
func (s *Server) countHosts(r *http.Request, f store.HostFilter) (int, error) {
	f.Limit, f.Offset, f.Sort = 1, 0, ""
	_, n, err := s.store.ListHosts(r.Context(), scope(r), f)
	return n, err
}

// notEvaluatedBeside counts, for a filter on a CVE or a CVE tag, the hosts
// of the same view without that filter that are not evaluated: they are
// left out of the answer, yet may well be exposed. 0 without such a filter.
func (s *Server) notEvaluatedBeside(r *http.Request, f store.HostFilter) (int, error) {
	if f.CVE == "" && f.CVETag == "" {
		return 0, nil
	}
	f.CVE, f.CVETag, f.Status = "", "", store.StatusNotEvaluated
	return s.countHosts(r, f)
}

// emptyReason says why a listing of f in scope has no host.
func (s *Server) emptyReason(r *http.Request, f store.HostFilter) (string, error) {
	if !filtered(f) {
		n, err := s.countHosts(r, store.HostFilter{})
		if err != nil || n > 0 {
			return emptyNoMatch, err // past the last page
		}
		return emptyNoHost, nil
	}
	if f.OSGroup != "" {
		all, err := s.countHosts(r, store.HostFilter{OSGroup: f.OSGroup})
		if err != nil {
			return "", err
		}
		ne, err := s.countHosts(r, store.HostFilter{OSGroup: f.OSGroup, Status: store.StatusNotEvaluated})
		if err != nil {
			return "", err
		}
		if all > 0 && ne == all && f.Status != store.StatusNotEvaluated {
			return emptyNoData, nil
		}
	}
	return emptyNoMatch, nil
}
