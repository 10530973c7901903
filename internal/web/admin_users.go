package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
)

// The admin forms of users, grants and API tokens (the users page). Each
// is a POST behind auth.RequireAdmin and the CSRF check of the handler
// chain, and each is recorded in the audit log: who, what, when.

// audited records an admin action of the request's user.
func (s *Server) audited(r *http.Request, action, target, detail string) {
	me := auth.FromContext(r.Context()).Name()
	if err := s.store.Audit(r.Context(), store.AuditEntry{Actor: me, Action: action, Target: target, Detail: detail}); err != nil {
		s.log.Error("audit", "action", action, "error", err)
	}
	s.log.Info("admin action", "by", me, "action", action, "target", target, "detail", detail)
}

// formFailed answers a form whose action failed: 404 for what does not
// exist, 409 for what exists already, else 400 with the reason.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.pageError(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, store.ErrExists):
		s.pageError(w, r, http.StatusConflict, err.Error())
	default:
		s.pageError(w, r, http.StatusBadRequest, err.Error())
	}
}

// notSelf refuses an action of an admin on its own account that would
// lock it out (disable, delete, demote).
func notSelf(r *http.Request, user string) error {
	if auth.FromContext(r.Context()).Name() == user {
		return errors.New("an admin does not disable or delete its own account here: another admin, or the CLI (pakiti users), does")
	}
	return nil
}

// showSecret renders a new token once: the page is not cached.
func (s *Server) showSecret(w http.ResponseWriter, r *http.Request, title, what, secret, back string) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "admin_secret.html", map[string]any{"Title": title, "What": what, "Secret": secret, "Back": back})
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	name, role := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("role")
	if role == "" {
		role = store.RoleViewer
	}
	hash := ""
	if pw := r.PostFormValue("password"); pw != "" {
		var err error
		if hash, err = auth.HashPassword(pw); err != nil {
			s.formFailed(w, r, err)
			return
		}
	}
	grants := strings.Fields(strings.ReplaceAll(r.PostFormValue("grants"), ",", " "))
	sites, err := s.store.SiteList(r.Context(), store.AllSites())
	if err != nil {
		s.internalPage(w, r, "add user", err)
		return
	}
	groups, err := s.store.Groups(r.Context())
	if err != nil {
		s.internalPage(w, r, "add user", err)
		return
	}
	known := map[string]bool{}
	for _, st := range sites {
		known[st.Name] = true
	}
	for _, g := range groups {
		known[g.Name] = true
	}
	for _, g := range grants {
		if !known[g] {
			s.pageError(w, r, http.StatusBadRequest, fmt.Sprintf("grant %q: no site or group has that name", g))
			return
		}
	}
	if err := s.store.AddUser(r.Context(), store.User{Name: name, Role: role, DN: strings.TrimSpace(r.PostFormValue("dn"))}, hash); err != nil {
		s.formFailed(w, r, err)
		return
	}
	for _, g := range grants {
		if err := s.store.Grant(r.Context(), name, g, store.OriginLocal); err != nil {
			s.formFailed(w, r, err)
			return
		}
	}
	s.audited(r, "user.add", name, fmt.Sprintf("role=%s grants=%s password=%t", role, strings.Join(grants, ","), hash != ""))
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) addGrant(w http.ResponseWriter, r *http.Request) {
	user, target := r.PostFormValue("user"), strings.TrimSpace(r.PostFormValue("target"))
	if err := s.store.Grant(r.Context(), user, target, store.OriginLocal); err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "grant.add", user, target)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// setUserDisabled disables (disabled=1) or enables a user.
func (s *Server) setUserDisabled(w http.ResponseWriter, r *http.Request) {
	user, disable := r.PostFormValue("user"), r.PostFormValue("disabled") == "1"
	if err := notSelf(r, user); disable && err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.store.SetUserDisabled(r.Context(), user, disable, s.now()); err != nil {
		s.formFailed(w, r, err)
		return
	}
	action := "user.enable"
	if disable {
		action = "user.disable"
	}
	s.audited(r, action, user, "")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	user := r.PostFormValue("user")
	if err := notSelf(r, user); err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if r.PostFormValue("confirm") != user {
		s.pageError(w, r, http.StatusBadRequest, "to delete a user, type its name in the confirmation field")
		return
	}
	if err := s.store.RemoveUser(r.Context(), user); err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "user.remove", user, "")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// setPassword sets a local user's password (its sessions end).
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) {
	user := r.PostFormValue("user")
	u, _, err := s.store.UserByName(r.Context(), user)
	if err != nil {
		s.formFailed(w, r, err)
		return
	}
	if u.Origin != store.OriginLocal {
		s.pageError(w, r, http.StatusBadRequest, fmt.Sprintf("%s comes from %s: its password is not this server's", user, u.Origin))
		return
	}
	hash, err := auth.HashPassword(r.PostFormValue("password"))
	if err != nil {
		s.formFailed(w, r, err)
		return
	}
	if err := s.store.SetUser(r.Context(), user, "", nil, &hash); err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "user.password", user, "")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// addAPIToken makes a user's API token and shows it once.
func (s *Server) addAPIToken(w http.ResponseWriter, r *http.Request) {
	user := r.PostFormValue("user")
	var expires time.Time
	if d := strings.TrimSpace(r.PostFormValue("expires")); d != "" {
		age, err := store.ParseAge(d)
		if err != nil {
			s.pageError(w, r, http.StatusBadRequest, "expires: "+err.Error()+" (e.g. 90d)")
			return
		}
		expires = s.now().Add(age)
	}
	tok, hash := auth.NewToken(auth.APITokenPrefix)
	id, err := s.store.AddAPIToken(r.Context(), user, hash, expires)
	if err != nil {
		s.formFailed(w, r, err)
		return
	}
	detail := "id=" + strconv.FormatInt(id, 10)
	if !expires.IsZero() {
		detail += " expires=" + expires.UTC().Format(time.RFC3339)
	}
	s.audited(r, "token.add", user, detail)
	s.showSecret(w, r, "API token", fmt.Sprintf("API token %d of %s", id, user), tok, "/admin/users")
}

func (s *Server) revokeAPIToken(w http.ResponseWriter, r *http.Request) {
	user := r.PostFormValue("user")
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, "id: want a token's number")
		return
	}
	if err := s.store.RevokeAPIToken(r.Context(), user, id); err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "token.revoke", user, "id="+strconv.FormatInt(id, 10))
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// internalPage logs err and answers 500.
func (s *Server) internalPage(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.Error("admin page", "what", what, "error", err)
	s.pageError(w, r, http.StatusInternalServerError, "internal error")
}
