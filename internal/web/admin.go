package web

import (
	"net/http"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Admin pages: users and grants, the audit log. Each needs the admin role
// (auth.RequireAdmin); each form that changes state is a POST, which
// http.CrossOriginProtection refuses from another origin.

// auditPage is how many audit entries the page and the API show.
const auditPage = 200

func (s *Server) adminRoutes(mux *http.ServeMux) {
	admin := func(h http.HandlerFunc) http.Handler { return auth.RequireAdmin(h) }
	mux.Handle("GET /admin/users", admin(s.pageUsers))
	mux.Handle("POST /admin/grants/revoke", admin(s.revokeGrant))
	mux.Handle("GET /audit", admin(s.pageAudit))
}

func (s *Server) pageUsers(w http.ResponseWriter, r *http.Request) {
	users, err := s.store.Users(r.Context())
	if err != nil {
		s.log.Error("users page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	groups, err := s.store.Groups(r.Context())
	if err != nil {
		s.log.Error("users page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	sites, err := s.store.SiteList(r.Context(), scope(r))
	if err != nil {
		s.log.Error("users page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	s.render(w, r, http.StatusOK, "users.html", map[string]any{"Title": "Users", "Users": users, "Groups": groups, "Sites": sites})
}

// revokeGrant removes a user's grant (a form of the users page).
func (s *Server) revokeGrant(w http.ResponseWriter, r *http.Request) {
	user, target := r.PostFormValue("user"), r.PostFormValue("target")
	if err := s.store.Revoke(r.Context(), user, target); err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	me := auth.FromContext(r.Context())
	if err := s.store.Audit(r.Context(), store.AuditEntry{Actor: me.Name(), Action: "grant.revoke", Target: user, Detail: target}); err != nil {
		s.log.Error("audit", "error", err)
	}
	s.log.Info("grant revoked", "by", me.Name(), "user", user, "target", target)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) {
	log, err := s.store.AuditLog(r.Context(), r.URL.Query().Get("actor"), auditPage)
	if err != nil {
		s.log.Error("audit page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	s.render(w, r, http.StatusOK, "audit.html", map[string]any{"Title": "Audit log", "Log": log})
}

// apiMe says who the caller is and what it may see.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	me := auth.FromContext(r.Context())
	sites, err := s.store.Sites(r.Context(), scope(r))
	if err != nil {
		s.internal(w, "me", err)
		return
	}
	names := []string{}
	for _, st := range sites {
		names = append(names, st.Name)
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": me.Name(), "role": me.User.Role, "method": me.Method,
		"grants": me.User.Grants, "sites": names})
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	if !auth.FromContext(r.Context()).Admin() {
		apiError(w, http.StatusForbidden, "this needs the admin role")
		return
	}
	log, err := s.store.AuditLog(r.Context(), r.URL.Query().Get("actor"), auditPage)
	if err != nil {
		s.internal(w, "audit", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"audit": log})
}
