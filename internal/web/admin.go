package web

import (
	"net/http"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Admin pages: users, grants and API tokens (admin_users.go), sites
// (admin_sites.go), host deletion (admin_hosts.go), the audit log; the
// CVE tags and exceptions forms are in admin_policy.go. Each needs the
// admin role (auth.RequireAdmin); each form that changes state is a POST,
// which http.CrossOriginProtection refuses from another origin, and is
// recorded in the audit log.

// auditPage is how many audit entries the page and the API show.
const auditPage = 200

func (s *Server) adminRoutes(mux auth.Mux) {
	admin := func(h http.HandlerFunc) http.Handler { return auth.RequireAdmin(h) }
	mux.Handle("GET /admin/users", admin(s.pageUsers))
	mux.Handle("POST /admin/users/add", admin(s.addUser))
	mux.Handle("POST /admin/users/disable", admin(s.setUserDisabled))
	mux.Handle("POST /admin/users/delete", admin(s.deleteUser))
	mux.Handle("POST /admin/users/password", admin(s.setPassword))
	mux.Handle("POST /admin/tokens/add", admin(s.addAPIToken))
	mux.Handle("POST /admin/tokens/revoke", admin(s.revokeAPIToken))
	mux.Handle("POST /admin/grants/add", admin(s.addGrant))
	mux.Handle("POST /admin/grants/revoke", admin(s.revokeGrant))
	mux.Handle("GET /admin/sites", admin(s.pageAdminSites))
	mux.Handle("POST /admin/sites/add", admin(s.addSite))
	mux.Handle("POST /admin/groups/set", admin(s.setGroup))
	mux.Handle("POST /admin/sites/token", admin(s.rotateFeedToken))
	mux.Handle("POST /admin/sites/cert/add", admin(s.addSiteCert))
	mux.Handle("POST /admin/sites/cert/remove", admin(s.removeSiteCert))
	mux.Handle("GET /admin/hosts/{hostname}/delete", admin(s.confirmDeleteHost))
	mux.Handle("POST /admin/hosts/{hostname}/delete", admin(s.deleteHost))
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
	tokens, err := s.store.APITokens(r.Context(), "")
	if err != nil {
		s.internalPage(w, r, "users", err)
		return
	}
	byUser := map[string][]store.APIToken{}
	for _, t := range tokens {
		if t.RevokedAt == nil {
			byUser[t.User] = append(byUser[t.User], t)
		}
	}
	disabled, err := s.store.DisabledUsers(r.Context())
	if err != nil {
		s.internalPage(w, r, "users", err)
		return
	}
	s.render(w, r, http.StatusOK, "users.html", map[string]any{"Title": "Users", "Users": users, "Groups": groups, "Sites": sites,
		"Tokens": byUser, "Disabled": disabled, "Roles": []string{store.RoleViewer, store.RoleCSIRT, store.RoleAdmin}})
}

// revokeGrant removes a user's grant (a form of the users page).
func (s *Server) revokeGrant(w http.ResponseWriter, r *http.Request) {
	user, target := r.PostFormValue("user"), r.PostFormValue("target")
	if err := s.store.Revoke(r.Context(), user, target); err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	s.audited(r, "grant.revoke", user, target)
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
