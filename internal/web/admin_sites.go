package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
)

// The admin forms of sites: add a site (or set its NGI), set a group's
// parent, rotate a site's report token (shown once), register client
// certificates for its reports.

func (s *Server) pageAdminSites(w http.ResponseWriter, r *http.Request) {
	sites, err := s.store.SiteList(r.Context(), scope(r))
	if err != nil {
		s.internalPage(w, r, "sites", err)
		return
	}
	groups, err := s.store.Groups(r.Context())
	if err != nil {
		s.internalPage(w, r, "sites", err)
		return
	}
	certs, err := s.store.FeedCerts(r.Context(), "")
	if err != nil {
		s.internalPage(w, r, "sites", err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_sites.html", map[string]any{"Title": "Site administration", "Sites": sites, "Groups": groups, "Certs": certs})
}

func (s *Server) addSite(w http.ResponseWriter, r *http.Request) {
	name, parent := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("parent"))
	if err := s.store.AddSite(r.Context(), name, parent, nil); err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "site.add", name, "parent="+parent)
	http.Redirect(w, r, "/admin/sites", http.StatusSeeOther)
}

func (s *Server) setGroup(w http.ResponseWriter, r *http.Request) {
	name, parent := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("parent"))
	if err := s.store.SetGroup(r.Context(), name, parent, store.OriginLocal); err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "group.set", name, "parent="+parent)
	http.Redirect(w, r, "/admin/sites", http.StatusSeeOther)
}

// rotateFeedToken revokes a site's report tokens and shows a new one once.
func (s *Server) rotateFeedToken(w http.ResponseWriter, r *http.Request) {
	site := r.PostFormValue("site")
	if !s.siteExists(w, r, site) {
		return
	}
	n, err := s.store.RevokeFeedTokens(r.Context(), site)
	if err != nil {
		s.internalPage(w, r, "feed token", err)
		return
	}
	tok, hash := auth.NewToken(auth.FeedTokenPrefix)
	id, err := s.store.AddFeedToken(r.Context(), site, hash)
	if err != nil {
		s.internalPage(w, r, "feed token", err)
		return
	}
	s.audited(r, "site.token.rotate", site, fmt.Sprintf("id=%d revoked=%d", id, n))
	s.showSecret(w, r, "Report token", fmt.Sprintf("Report token %d of site %s (its %d earlier tokens are revoked); its hosts send it with pakiti-client --token", id, site, n),
		tok, "/admin/sites")
}

// siteExists answers 404 for a site that does not exist (AddFeedToken
// would create it).
func (s *Server) siteExists(w http.ResponseWriter, r *http.Request, site string) bool {
	sites, err := s.store.SiteList(r.Context(), store.AllSites())
	if err != nil {
		s.internalPage(w, r, "sites", err)
		return false
	}
	for _, st := range sites {
		if st.Name == site {
			return true
		}
	}
	s.pageError(w, r, http.StatusNotFound, fmt.Sprintf("no site is named %q", clip(site)))
	return false
}

// feedCert is the certificate a site form names.
func feedCert(r *http.Request) store.FeedCert {
	return store.FeedCert{Site: r.PostFormValue("site"), Match: r.PostFormValue("match"), Value: r.PostFormValue("value"),
		Proxy: r.PostFormValue("proxy") == "1"}
}

func (s *Server) addSiteCert(w http.ResponseWriter, r *http.Request) {
	c := feedCert(r)
	id, err := s.store.AddFeedCert(r.Context(), c)
	if err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "site.cert.add", c.Site, fmt.Sprintf("id=%d %s=%s proxy=%t", id, c.Match, strings.TrimSpace(c.Value), c.Proxy))
	http.Redirect(w, r, "/admin/sites", http.StatusSeeOther)
}

func (s *Server) removeSiteCert(w http.ResponseWriter, r *http.Request) {
	c := feedCert(r)
	if err := s.store.RemoveFeedCert(r.Context(), c); err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "site.cert.remove", c.Site, c.Match+"="+c.Value)
	http.Redirect(w, r, "/admin/sites", http.StatusSeeOther)
}
