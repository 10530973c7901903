package auth

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/pakiti-go/pakiti/internal/store"
)

// sessionCookie holds a web session's id (its hash is in the store).
const sessionCookie = "pakiti_session"

//go:embed login.html
var loginFS embed.FS

var loginPage = template.Must(template.ParseFS(loginFS, "login.html"))

// Mux is where routes are registered: an *http.ServeMux, or the web
// server's wrapper of one that lists every pattern for the access tests.
type Mux interface {
	Handle(pattern string, h http.Handler)
	HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request))
}

// Routes adds the login and logout pages to mux.
func (a *Auth) Routes(mux Mux) {
	mux.HandleFunc("GET /login", a.loginForm)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)
	if a.oidc != nil {
		mux.HandleFunc("GET /auth/oidc/login", a.oidcStart)
		mux.HandleFunc("GET /auth/oidc/callback", a.oidcCallback)
	}
}

// next is where to go after logging in: a path on this server only.
func next(r *http.Request) string {
	n := r.FormValue("next")
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, "/\\") {
		return "/hosts"
	}
	return n
}

func (a *Auth) loginForm(w http.ResponseWriter, r *http.Request) {
	if a.Open() {
		http.Redirect(w, r, "/hosts", http.StatusFound)
		return
	}
	a.renderLogin(w, r, http.StatusOK, "")
}

func (a *Auth) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	loginPage.Execute(w, map[string]any{"Next": next(r), "Error": msg, "Local": a.has(Local), "OIDC": a.has(OIDC)})
}

// login checks a local user's password and starts a session.
func (a *Auth) login(w http.ResponseWriter, r *http.Request) {
	if !a.has(Local) {
		http.Error(w, "password login is off (pakiti serve --auth local)", http.StatusNotFound)
		return
	}
	name, password := r.PostFormValue("username"), r.PostFormValue("password")
	u, hash, err := a.c.Store.UserByName(r.Context(), name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		a.c.Log.Error("login", "error", err)
		a.renderLogin(w, r, http.StatusServiceUnavailable, "The user database is unavailable; try again later.")
		return
	}
	if err != nil || hash == "" {
		CheckPassword(dummyHash(), password) // as slow as a wrong password
		hash = ""
	}
	if hash == "" || !CheckPassword(hash, password) {
		a.c.Log.Warn("login failed", "user", name, "addr", r.RemoteAddr)
		a.renderLogin(w, r, http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	if disabled, err := a.c.Store.UserDisabled(r.Context(), u.ID); err != nil {
		a.c.Log.Error("login", "error", err)
		a.renderLogin(w, r, http.StatusServiceUnavailable, "The user database is unavailable; try again later.")
		return
	} else if disabled {
		a.c.Log.Warn("login refused: user disabled", "user", name, "addr", r.RemoteAddr)
		a.renderLogin(w, r, http.StatusForbidden, "This user is disabled: ask an admin.")
		return
	}
	if err := a.startSession(w, r, u); err != nil {
		a.c.Log.Error("login", "error", err)
		a.renderLogin(w, r, http.StatusServiceUnavailable, "The session could not be saved; try again later.")
		return
	}
	a.c.Log.Info("login", "user", u.Name, "addr", r.RemoteAddr, "method", "password")
	http.Redirect(w, r, next(r), http.StatusSeeOther)
}

// startSession stores a new session of u and sets its cookie: HttpOnly,
// SameSite=Lax, Secure when the browser came over HTTPS.
func (a *Auth) startSession(w http.ResponseWriter, r *http.Request, u store.User) error {
	tok, hash := NewToken(sessionPrefix)
	now := a.c.Now()
	if err := a.c.Store.AddSession(r.Context(), u.Name, hash, now, now.Add(a.c.SessionTTL)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: a.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(a.c.SessionTTL.Seconds())})
	return nil
}

func (a *Auth) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := a.c.Store.DeleteSession(r.Context(), HashToken(c.Value)); err != nil {
			a.c.Log.Error("logout", "error", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: a.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
