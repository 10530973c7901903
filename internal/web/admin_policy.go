package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/policyfile"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/store"
)

// The admin forms of CVE tags (the tags page) and exceptions (the
// exceptions page). A change reaches the findings through the policy
// hook (Config.PolicyChanged): the tags and exceptions are read again and
// the hosts written again.

// maxPolicyUpload bounds an uploaded tags file.
const maxPolicyUpload = 16 << 20

// policyRoutes are the pages of the CVE tags and exceptions everyone
// reads and the admin forms that change them.
func (s *Server) policyRoutes(mux auth.Mux) {
	admin := func(h http.HandlerFunc) http.Handler { return auth.RequireAdmin(h) }
	mux.HandleFunc("GET /tags", s.pageTags)
	mux.Handle("POST /admin/tags/add", admin(s.addTag))
	mux.Handle("POST /admin/tags/remove", admin(s.removeTag))
	mux.Handle("POST /admin/tags/enable", admin(s.enableTag))
	mux.Handle("POST /admin/tags/import", admin(s.importTags))
	mux.Handle("POST /admin/exceptions/add", admin(s.addException))
	mux.Handle("POST /admin/exceptions/remove", admin(s.removeException))
}

// policyChanged runs the policy hook (quick: pakiti serve's refreshes
// the live policy, and its evaluate job writes the hosts again).
func (s *Server) policyChanged(r *http.Request) {
	if s.onPolicy != nil {
		s.onPolicy(r.Context())
	}
}

func (s *Server) pageTags(w http.ResponseWriter, r *http.Request) {
	tags, err := s.store.Tags(r.Context(), store.TagFilter{})
	if err != nil {
		s.internalPage(w, r, "tags", err)
		return
	}
	s.render(w, r, http.StatusOK, "tags.html", map[string]any{"Title": "CVE tags", "Tags": tags})
}

func (s *Server) addTag(w http.ResponseWriter, r *http.Request) {
	t := store.CVETag{CVE: strings.TrimSpace(r.PostFormValue("cve")), Tag: strings.TrimSpace(r.PostFormValue("tag")),
		Reason: r.PostFormValue("reason"), InfoURL: strings.TrimSpace(r.PostFormValue("info_url")), Enabled: true,
		Author: auth.FromContext(r.Context()).Name(), ModifiedAt: s.now()}
	if err := s.store.PutTag(r.Context(), t); err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "tag.add", t.CVE, t.Tag)
	s.policyChanged(r)
	http.Redirect(w, r, "/tags", http.StatusSeeOther)
}

func (s *Server) removeTag(w http.ResponseWriter, r *http.Request) {
	cve, tag := r.PostFormValue("cve"), r.PostFormValue("tag")
	if err := s.store.RemoveTag(r.Context(), cve, tag); err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "tag.remove", cve, tag)
	s.policyChanged(r)
	http.Redirect(w, r, "/tags", http.StatusSeeOther)
}

// enableTag enables (enabled=1) or disables a tag.
func (s *Server) enableTag(w http.ResponseWriter, r *http.Request) {
	cve, tag, on := r.PostFormValue("cve"), r.PostFormValue("tag"), r.PostFormValue("enabled") == "1"
	if err := s.store.SetTagEnabled(r.Context(), cve, tag, on, auth.FromContext(r.Context()).Name(), s.now()); err != nil {
		s.formFailed(w, r, err)
		return
	}
	action := "tag.disable"
	if on {
		action = "tag.enable"
	}
	s.audited(r, action, cve, tag)
	s.policyChanged(r)
	http.Redirect(w, r, "/tags", http.StatusSeeOther)
}

// importTags reads a Pakiti 3 tags file (XML or JSON) uploaded or from an
// http(s) URL; remove=1 deletes the tags it lacks.
func (s *Server) importTags(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPolicyUpload)
	var rd io.Reader
	loc := ""
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		s.pageError(w, r, http.StatusBadRequest, "the form: "+err.Error())
		return
	}
	if f, h, err := r.FormFile("file"); err == nil {
		defer f.Close()
		rd, loc = f, "upload "+h.Filename
	} else if u := strings.TrimSpace(r.PostFormValue("url")); u != "" {
		// Only http and https: a path would read the server's own files.
		if pu, err := url.Parse(u); err != nil || pu.Scheme != "http" && pu.Scheme != "https" || pu.Host == "" {
			s.pageError(w, r, http.StatusBadRequest, "url: want an http:// or https:// URL")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
		defer cancel()
		fd, err := source.NewFetcher().Fetch(ctx, u, source.Previous{})
		if err != nil {
			s.pageError(w, r, http.StatusBadGateway, "fetching "+clip(u)+": "+err.Error())
			return
		}
		defer fd.Close()
		body, err := fd.Open()
		if err != nil {
			s.pageError(w, r, http.StatusBadGateway, "reading "+clip(u)+": "+err.Error())
			return
		}
		defer body.Close()
		rd, loc = io.LimitReader(body, maxPolicyUpload), u
	} else {
		s.pageError(w, r, http.StatusBadRequest, "upload a tags file or give its URL")
		return
	}
	me := auth.FromContext(r.Context()).Name()
	tags, err := policyfile.ReadTags(rd, policyfile.Defaults{Author: me, Now: s.now()})
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, loc+": "+err.Error())
		return
	}
	remove := r.PostFormValue("remove") == "1"
	res, err := s.store.ImportTags(r.Context(), tags, remove)
	if err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "tag.import", loc, fmt.Sprintf("tags=%d added=%d changed=%d unchanged=%d removed=%d remove=%t",
		len(tags), res.Added, res.Changed, res.Unchanged, res.Removed, remove))
	s.policyChanged(r)
	http.Redirect(w, r, "/tags", http.StatusSeeOther)
}

func (s *Server) addException(w http.ResponseWriter, r *http.Request) {
	e := store.Exception{CVE: strings.TrimSpace(r.PostFormValue("cve")), Package: strings.TrimSpace(r.PostFormValue("package")),
		Version: strings.TrimSpace(r.PostFormValue("version")), Arch: strings.TrimSpace(r.PostFormValue("arch")),
		ScopeKind: store.ScopeKind(r.PostFormValue("scope_kind")), Scope: strings.TrimSpace(r.PostFormValue("scope")),
		Reason: strings.TrimSpace(r.PostFormValue("reason")), Author: auth.FromContext(r.Context()).Name(), CreatedAt: s.now()}
	if e.ScopeKind == "" {
		e.ScopeKind = store.ScopeAll
	}
	if v := strings.TrimSpace(r.PostFormValue("expires")); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			s.pageError(w, r, http.StatusBadRequest, "expires: want YYYY-MM-DD (it stops applying at 00:00 UTC that day)")
			return
		}
		e.ExpiresAt = &t
	}
	id, err := s.store.PutException(r.Context(), e)
	if err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "exception.add", e.CVE, fmt.Sprintf("id=%d package=%s version=%s scope=%s:%s reason=%s", id, e.Package, e.Version, e.ScopeKind, e.Scope, e.Reason))
	s.policyChanged(r)
	http.Redirect(w, r, "/exceptions", http.StatusSeeOther)
}

func (s *Server) removeException(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, "id: want an exception's number")
		return
	}
	if err := s.store.RemoveException(r.Context(), id); err != nil {
		s.formFailed(w, r, err)
		return
	}
	s.audited(r, "exception.remove", strconv.FormatInt(id, 10), "")
	s.policyChanged(r)
	http.Redirect(w, r, "/exceptions", http.StatusSeeOther)
}
