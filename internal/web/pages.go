package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/buildinfo"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds one template set per page, each with the base layout.
type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"ago": func(t time.Time) string { return ago(time.Since(t)) },
	// olderThan tells a time more than hours ago: a host's last report
	// older than two days is shown in a warning colour, as Pakiti 3 did.
	"olderThan": func(t time.Time, hours int) bool { return time.Since(t) > time.Duration(hours)*time.Hour },
	// query builds a URL query from key/value pairs, dropping empty values.
	"query": func(kv ...any) template.URL {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if v := fmt.Sprint(kv[i+1]); v != "" && v != "0" {
				q.Set(fmt.Sprint(kv[i]), v)
			}
		}
		return template.URL("?" + q.Encode())
	},
	"pathEscape": url.PathEscape,
	"deref":      func(b *bool) bool { return b != nil && *b },
	"sevClass":   sevClass,
}

func loadPages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/base.html" {
			continue
		}
		t, err := template.New("base.html").Funcs(funcs).ParseFS(templateFS, "templates/base.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		p.byName[n[len("templates/"):]] = t
	}
	return p, nil
}

// version is this build's version and commit, in every page's footer
// (Pakiti 3's landing page showed its version).
var version = buildinfo.Get().String("Pakiti")

// render writes a page, or a 500 if the template fails (before any byte
// reaches the client).
// renderBuffers are the buffers pages are rendered into, kept for the
// next pages (a few, up to renderBufferKept bytes each; a sync.Pool
// would drop them at every garbage collection): a host page of thousands
// of findings (~1 MB) is not grown and cleared again for every request.
var renderBuffers = make(chan *bytes.Buffer, 4)

// renderBufferKept is the largest buffer renderBuffers keeps.
const renderBufferKept = 4 << 20

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var b *bytes.Buffer
	select {
	case b = <-renderBuffers:
	default:
		b = new(bytes.Buffer)
	}
	defer func() {
		if b.Cap() <= renderBufferKept {
			b.Reset()
			select {
			case renderBuffers <- b:
			default:
			}
		}
	}()
	if m, ok := data.(map[string]any); ok {
		m["Banner"] = s.banner
		m["Me"] = auth.FromContext(r.Context())
		m["Open"] = s.auth.Open()
		m["InstanceName"] = s.instance
		m["Version"] = version
	}
	if err := s.pages.byName[name].Execute(b, data); err != nil {
		s.log.Error("render", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error.html", map[string]any{"Title": http.StatusText(status), "Message": msg})
}

func (s *Server) pageHosts(w http.ResponseWriter, r *http.Request) {
	f, err := hostQuery(r.URL.Query())
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	inline, err := flagParam(r.URL.Query(), "inline")
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	sc := scope(r)
	f.At = s.now()
	hosts, total, sites, err := s.store.ListHostsAndSites(r.Context(), sc, f)
	if err != nil {
		s.log.Error("hosts page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.Hostname
	}
	tagged, err := s.tagCounts(r, names)
	if err != nil {
		s.log.Error("hosts page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	notEval, err := s.notEvaluatedBeside(r, f)
	if err != nil {
		s.log.Error("hosts page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	empty := ""
	if len(hosts) == 0 {
		if empty, err = s.emptyReason(r, f); err != nil {
			s.log.Error("hosts page", "error", err)
			s.pageError(w, r, http.StatusInternalServerError, "internal error")
			return
		}
	}
	data := map[string]any{
		"Title": "Hosts", "Hosts": hosts, "Total": total, "Filter": f, "Sites": sites, "Tagged": tagged, "Inline": inline,
		"Pager": newPager(f.Offset, f.Limit, total), "NotEvaluated": notEval, "Empty": empty,
		"Saved": savedFilterLinks(s.saved.List(s.now()), r.URL.Query()),
	}
	for k, v := range hostListing(r.URL.Query(), f, total) {
		data[k] = v
	}
	if f.Site != "" { // a site's page: what changed there
		hist, err := s.store.FindingHistory(r.Context(), sc, "", f.Site, s.now().Add(-6*24*time.Hour), s.now())
		if err != nil {
			s.log.Error("hosts page", "error", err)
			s.pageError(w, r, http.StatusInternalServerError, "internal error")
			return
		}
		data["History"] = hist
	}
	s.render(w, r, http.StatusOK, "hosts.html", data)
}

// hostPackagesShown is how many installed packages a host page shows at
// once (a host has about 1,500: searched and paged, all in the CSV).
const hostPackagesShown = 100

func (s *Server) pageHost(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	search := q.Get("pkg")
	offset, _ := strconv.Atoi(q.Get("pkg_offset"))
	offset = max(offset, 0)
	d, pkgs, hist, err := s.hostPageDetail(r, search, offset)
	if errors.Is(err, store.ErrNotFound) {
		s.pageError(w, r, http.StatusNotFound, "No host is named "+r.PathValue("hostname")+".")
		return
	}
	if err != nil {
		s.log.Error("host page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	exc, err := s.hostExceptions(r, d.Host)
	if err != nil {
		s.log.Error("host page exceptions", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	changes, err := s.hostPageChanges(r, d.Host.Hostname)
	if err != nil {
		s.log.Error("host page changes", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	// The findings of CVEs CISA's catalogue lists are marked; with
	// ?exploited=1 only they are shown.
	exploited, err := flagParam(q, "exploited")
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	kev, kevLoaded, err := s.store.KEVListed(r.Context(), findingCVEs(d.Findings))
	if err != nil {
		s.log.Error("host page known exploited", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	if exploited {
		d.Findings = slices.DeleteFunc(slices.Clone(d.Findings), func(f model.Finding) bool { return !kev[f.CVE] })
	}
	// With ?tagged=1 only the findings of CVEs with an enabled tag
	// (Pakiti 3's "only tagged" checkbox).
	tagged, err := flagParam(q, "tagged")
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if tagged {
		d.Findings = onlyTagged(d.Findings)
	}
	groups := withVendorLinks(groupFindings(d.Findings), d.Host.OSGroup)
	pg := newPager(offset, hostPackagesShown, pkgs.Total)
	link := func(off int) string {
		v := url.Values{}
		if search != "" {
			v.Set("pkg", search)
		}
		if off > 0 {
			v.Set("pkg_offset", strconv.Itoa(off))
		}
		u := "/hosts/" + url.PathEscape(d.Host.Hostname)
		if len(v) > 0 {
			u += "?" + v.Encode()
		}
		return u + "#packages-title"
	}
	links := map[string]string{}
	if pg.HasPrev {
		links["Prev"] = link(pg.PrevOffset)
	}
	if pg.HasNext {
		links["Next"] = link(pg.NextOff)
	}
	s.render(w, r, http.StatusOK, "host.html", map[string]any{"Title": d.Host.Hostname, "D": d,
		"Groups": groups, "FindingRows": findingRows(groups, kev), "History": hist, "Exploited": exploited,
		"KEVLoaded": kevLoaded, "KEVFindings": len(kev), "Tagged": tagged, "TaggedKeep": keepParams(q, "tagged"),
		"PkgSearch": search, "PkgPager": pg, "PkgLinks": links, "Exceptions": exc,
		"SevCounts": sevCounts(d.Host.BySeverity), "Changes": changes, "ChangesOpen": hostChangesOpen,
		"UntaggedURL": hostURL(d.Host.Hostname, keepParams(q, "tagged")) + "#findings-title"})
}

// hostPageDetail reads what the host page shows: a host's detail as the
// API gives it, without the "update available" findings (not shown) and
// with one page of its packages instead of all, and the history of its
// findings of the last 7 days (one replay with the findings).
func (s *Server) hostPageDetail(r *http.Request, search string, offset int) (HostDetail, store.PackagesPage, store.History, error) {
	ctx, name, sc := r.Context(), r.PathValue("hostname"), scope(r)
	var d HostDetail
	var pkgs store.PackagesPage
	var hist store.History
	h, err := s.store.Host(ctx, sc, name)
	if err != nil {
		return d, pkgs, hist, err
	}
	if pkgs, err = s.store.HostPackagesPage(ctx, sc, name, search, offset, hostPackagesShown); err != nil {
		return d, pkgs, hist, err
	}
	reps, err := s.store.HostReports(ctx, sc, name, reportHistory)
	if err != nil {
		return d, pkgs, hist, err
	}
	v := store.FindingsOpen
	if r.URL.Query().Get("history") == "1" {
		v = store.FindingsAll
	}
	fs, hist, err := s.store.HostFindingsHistory(ctx, sc, name, v, s.now().Add(-6*24*time.Hour), s.now())
	if err != nil {
		return d, pkgs, hist, err
	}
	idle, err := s.store.HostIdleKernels(ctx, sc, name)
	if err != nil {
		return d, pkgs, hist, err
	}
	return HostDetail{Host: h, Packages: pkgs.Packages, Findings: fs, IdleKernels: idle, Reports: reps}, pkgs, hist, nil
}

// packageFindings are the findings of one installed package.
type packageFindings struct {
	Package, Version, Arch, Source, SourceVersion, Basis string
	Fixed                                                string   // the highest fixed version among them
	Severity                                             string   // the most severe vendor word among them
	Advisories                                           []string // the advisories of its findings, each once, in order met
	VendorLinks                                          []string // the vendor's page of each of Advisories, "" when unknown (withVendorLinks)
	Findings                                             []model.Finding
}

// onlyTagged returns the findings of fs whose CVE carries an enabled
// tag: those the findings writer gave tags (it writes only the enabled
// ones), the tags the page shows and the host's tagged counts come from.
func onlyTagged(fs []model.Finding) []model.Finding {
	return slices.DeleteFunc(slices.Clone(fs), func(f model.Finding) bool { return len(f.Tags) == 0 })
}

// hostPageParams are the host page's parameters a form of the page keeps
// as hidden fields when it sets one of them.
var hostPageParams = []string{"exploited", "tagged", "history", "pkg", "pkg_offset"}

// param is a query parameter kept by a form.
type param struct{ Name, Value string }

// keepParams returns the host page's parameters of q but drop, each with
// its (first) value, for a form that sets drop to keep the others.
func keepParams(q url.Values, drop string) []param {
	var out []param
	for _, n := range hostPageParams {
		if v := q.Get(n); n != drop && v != "" {
			out = append(out, param{n, v})
		}
	}
	return out
}

// hostURL is the host page of hostname with the parameters ps.
func hostURL(hostname string, ps []param) string {
	v := url.Values{}
	for _, p := range ps {
		v.Set(p.Name, p.Value)
	}
	u := "/hosts/" + url.PathEscape(hostname)
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// findingCVEs are the CVE ids of fs.
func findingCVEs(fs []model.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.CVE)
	}
	return out
}

// groupFindings groups findings (sorted by package) by installed package.
func groupFindings(fs []model.Finding) []packageFindings {
	var out []packageFindings
	for _, f := range fs {
		if n := len(out); n == 0 || out[n-1].Package != f.Package || out[n-1].Version != f.Version || out[n-1].Arch != f.Arch {
			out = append(out, packageFindings{Package: f.Package, Version: f.Version, Arch: f.Arch,
				Source: f.SourcePackage, SourceVersion: f.SourceVersion, Basis: f.Basis})
		}
		g := &out[len(out)-1]
		g.Findings = append(g.Findings, f)
		if f.AdvisoryID != "" && !slices.Contains(g.Advisories, f.AdvisoryID) {
			g.Advisories = append(g.Advisories, f.AdvisoryID)
		}
		if len(g.Findings) == 1 || sevRank[sevClass(f.Severity)] > sevRank[sevClass(g.Severity)] {
			g.Severity = f.Severity
		}
		if f.FixedVersion != "" && f.FixedVersion > g.Fixed {
			g.Fixed = f.FixedVersion // display only: the matcher compares properly
		}
	}
	return out
}

func (s *Server) pageCVE(w http.ResponseWriter, r *http.Request) {
	id := model.NormalizeID(r.PathValue("id"))
	if id != r.PathValue("id") && validCVE(id) {
		http.Redirect(w, r, "/cves/"+url.PathEscape(id), http.StatusMovedPermanently)
		return
	}
	if !validCVE(id) {
		s.pageError(w, r, http.StatusBadRequest, "Not a CVE or vendor id.")
		return
	}
	info, err := s.store.CVE(r.Context(), scope(r), id)
	if errors.Is(err, store.ErrNotFound) {
		s.pageError(w, r, http.StatusNotFound, "Nothing is known of "+id+".")
		return
	}
	if err != nil {
		s.log.Error("cve page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	_, bySite := affectedBySite(info.Hosts)
	s.render(w, r, http.StatusOK, "cve.html", map[string]any{"Title": id, "C": info, "BySite": bySite, "Links": cveLinks(id)})
}

func (s *Server) pageSources(w http.ResponseWriter, r *http.Request) {
	src, err := s.store.Sources(r.Context())
	if err != nil {
		s.log.Error("sources page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	s.render(w, r, http.StatusOK, "sources.html", map[string]any{"Title": "Sources", "Sources": src, "MaxAge": s.store.DataMaxAge()})
}

// pager is the paging bar of a listing page.
type pager struct {
	From, To, Total     int
	PrevOffset, NextOff int
	HasPrev, HasNext    bool
	Limit               int
}

func newPager(offset, limit, total int) pager {
	p := pager{Total: total, Limit: limit, From: min(offset+1, total), To: min(offset+limit, total)}
	p.HasPrev = offset > 0
	p.PrevOffset = max(offset-limit, 0)
	p.HasNext = offset+limit < total
	p.NextOff = offset + limit
	return p
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h ago"
	default:
		return strconv.Itoa(int(d.Hours()/24)) + " days ago"
	}
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	return http.FileServerFS(sub)
}

// sevCounts are a host's open CVEs by severity, worst first, the
// severities without any left out.
func sevCounts(by map[string]int) []statLine {
	var out []statLine
	for _, sv := range []string{"critical", "high", "medium", "low", "negligible"} {
		if n := by[sv]; n > 0 {
			out = append(out, statLine{Label: sv, N: n})
		}
	}
	return out
}
