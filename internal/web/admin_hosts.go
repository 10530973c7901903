package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Deleting a host (the host page's button, admins only): a confirmation
// page, then the POST that removes it from every listing with its open
// findings resolved as host-removed (store.DeleteHost); a later report
// brings it back.

func (s *Server) confirmDeleteHost(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("hostname")
	h, err := s.store.Host(r.Context(), scope(r), name)
	if errors.Is(err, store.ErrNotFound) {
		s.pageError(w, r, http.StatusNotFound, fmt.Sprintf("no host is named %q", clip(name)))
		return
	}
	if err != nil {
		s.internalPage(w, r, "delete host", err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_host_delete.html", map[string]any{"Title": "Delete " + name, "Host": h})
}

func (s *Server) deleteHost(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("hostname")
	n, err := s.store.DeleteHost(r.Context(), scope(r), name, s.now())
	if errors.Is(err, store.ErrNotFound) {
		s.pageError(w, r, http.StatusNotFound, fmt.Sprintf("no host is named %q", clip(name)))
		return
	}
	if err != nil {
		s.internalPage(w, r, "delete host", err)
		return
	}
	s.audited(r, "host.delete", name, fmt.Sprintf("findings_resolved=%d", n))
	http.Redirect(w, r, "/hosts", http.StatusSeeOther)
}
