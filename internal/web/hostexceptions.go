package web

import (
	"net/http"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// hostException is an exception in force that covers findings of a host,
// with the CVEs it covers there.
type hostException struct {
	store.Exception
	Findings int // the host's findings it covers
}

// hostExceptions returns the exceptions in force that cover findings of
// the host (the host page's "Exceptions that apply"). The host's
// excepted findings are read only when an exception in force names its
// scope (every host, its OS group, site or itself): none is read on a
// fleet without exceptions.
func (s *Server) hostExceptions(r *http.Request, h model.Host) ([]hostException, error) {
	ctx, now := r.Context(), s.now()
	all, err := s.store.Exceptions(ctx, store.ExceptionFilter{ActiveAt: now})
	if err != nil {
		return nil, err
	}
	var es []store.Exception
	for _, e := range all {
		switch {
		case e.ScopeKind == store.ScopeAll, e.ScopeKind == store.ScopeOSGroup && e.Scope == h.OSGroup,
			e.ScopeKind == store.ScopeSite && e.Scope == h.Site, e.ScopeKind == store.ScopeHost && e.Scope == h.Hostname:
			es = append(es, e)
		}
	}
	if len(es) == 0 {
		return nil, nil
	}
	fs, err := s.store.HostFindingsView(ctx, scope(r), h.Hostname, store.FindingsExcepted)
	if err != nil {
		return nil, err
	}
	var out []hostException
	hs := store.HostSite{Hostname: h.Hostname, Site: h.Site}
	for _, e := range es {
		n := 0
		for _, f := range fs {
			if e.Applies(f, hs, h.OSGroup, now) {
				n++
			}
		}
		if n > 0 {
			out = append(out, hostException{e, n})
		}
	}
	return out, nil
}
