package web

import (
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/osgroup"
	"github.com/pakiti-go/pakiti/internal/policyfile"
	"github.com/pakiti-go/pakiti/internal/store"
)

// The old Pakiti 3 API (shared/docs/pakiti3.md, "API"), for the scripts
// sites and CSIRTs already run: same paths (also under /pakiti/), same
// parameters, same columns. Unlike Pakiti 3 it is scoped like every other
// read: with authentication on, a token or session is needed, and each
// caller sees the hosts of its sites only.

// oldAPIPaths are the old API's paths, each served at / and at /pakiti/.
var oldAPIPaths = []string{"/api/hosts.php", "/api/cve.php", "/api/exportCvesTags.php", "/api/exportCvesExceptions.php"}

// oldTime is how Pakiti 3 wrote times (MySQL DATETIME, UTC here).
const oldTime = "2006-01-02 15:04:05"

func (s *Server) oldAPIRoutes(mux auth.Mux) {
	handlers := []http.HandlerFunc{s.oldHosts, s.oldCVE, s.oldTags, s.oldExceptions}
	for i, p := range oldAPIPaths {
		mux.HandleFunc("GET "+p, handlers[i])
		mux.HandleFunc("GET /pakiti"+p, handlers[i])
	}
}

// parseOldActivity reads Pakiti 3's activity filter, [+-]N[smhdwy]:
// reported within the period ("24h", "+2d"), or not ("-7d").
func parseOldActivity(s string) (store.Activity, error) {
	var a store.Activity
	if s == "" {
		return a, nil
	}
	v := s
	switch v[0] {
	case '-':
		a.Absent, v = true, v[1:]
	case '+':
		v = v[1:]
	}
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour,
		'w': 7 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}
	if len(v) < 2 {
		return a, fmt.Errorf("activity %q: want [+-]N[smhdwy], e.g. 24h, 2d, -7d", clip(s))
	}
	unit, ok := units[v[len(v)-1]]
	n, err := strconv.Atoi(v[:len(v)-1])
	if !ok || err != nil || n <= 0 || n > 100000 {
		return a, fmt.Errorf("activity %q: want [+-]N[smhdwy], e.g. 24h, 2d, -7d", clip(s))
	}
	a.Within = time.Duration(n) * unit
	return a, nil
}

// OldHostsColumns are the columns of api/hosts.php.
var OldHostsColumns = []string{"tag", "cve", "site", "host", "os", "arch", "last_report"}

// oldHosts is api/hosts.php: one CSV row per host × tagged CVE × tag, of
// the open findings not excepted. hostGroup, cveName, tag (a tag name, or
// "true" for any) and activity filter.
func (s *Server) oldHosts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.TaggedFilter{Site: q.Get("hostGroup"), CVE: model.NormalizeID(q.Get("cveName")), Tag: q.Get("tag"), Now: s.now()}
	if f.Tag == "true" {
		f.Tag = store.AnyTag
	}
	var err error
	if f.Activity, err = parseOldActivity(q.Get("activity")); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(f.Site) > 256 || len(f.CVE) > 64 || len(f.Tag) > 128 {
		http.Error(w, "hostGroup takes at most 256 bytes, cveName 64, tag 128", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	cw.Write(OldHostsColumns)
	err = s.store.TaggedHostCVEs(r.Context(), scope(r), f, func(t store.TaggedHostCVE) error {
		cw.Write(csvRow([]string{t.Tag, t.CVE, t.Site, t.Host, t.OS, t.Arch, t.LastReport.Format(oldTime)}))
		return cw.Error()
	})
	cw.Flush()
	if err != nil {
		s.log.Error("old api hosts", "error", err)
		io.WriteString(w, "\nexport failed: internal error\n")
	}
}

// OldCVEColumns are the columns of api/cve.php as CSV.
var OldCVEColumns = []string{"CVE", "Os", "Package name", "Operator", "Package version"}

// oldDefinition is one row of api/cve.php.
type oldDefinition struct {
	CVE      string `xml:"cve"`
	OS       string `xml:"os"`
	Package  string `xml:"packageName"`
	Operator string `xml:"operator"`
	Version  string `xml:"packageVersion"`
}

// oldCVE is api/cve.php: the definitions of a CVE (the vendor records in
// force) for the OS groups of os (an OS string as hosts report it; none:
// every group). A fixed record is "<" its fixed version; a record without
// a fix (affected, will-not-fix...) is "*", every version; records saying
// the release is not affected are left out. type=csv (the default) or
// xml (<definitions><definition><cve/><os/><packageName/><operator/>
// <packageVersion/></definition>...: pakiti3.md names no XML layout, so
// its elements mirror the CSV columns).
func (s *Server) oldCVE(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, osName, typ := model.NormalizeID(q.Get("cve")), q.Get("os"), q.Get("type")
	switch {
	case !validCVE(id):
		http.Error(w, "cve must be a CVE or vendor id", http.StatusBadRequest)
		return
	case typ != "" && typ != "csv" && typ != "xml":
		http.Error(w, "type must be csv or xml", http.StatusBadRequest)
		return
	case len(osName) > 256:
		http.Error(w, "os takes at most 256 bytes", http.StatusBadRequest)
		return
	}
	group := ""
	if osName != "" {
		v, err := s.osRules.Check(r.Context(), osgroup.Facts{System: osName})
		if err != nil {
			s.log.Error("old api cve", "error", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		if group = v.Group; group == "" {
			http.Error(w, "no OS group rule matches os "+clip(osName), http.StatusNotFound)
			return
		}
	}
	info, err := s.store.CVE(r.Context(), scope(r), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("old api cve", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defs := []oldDefinition{}
	for _, a := range info.Records {
		if group != "" && a.OSGroup != group || a.Status == model.StatusNotAffected {
			continue
		}
		d := oldDefinition{CVE: id, OS: a.OSGroup, Package: a.Package, Operator: "*"}
		if osName != "" {
			d.OS = osName
		}
		if a.Status == model.StatusFixed {
			d.Operator, d.Version = "<", a.FixedVersion
		}
		defs = append(defs, d)
	}
	if typ == "xml" {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		io.WriteString(w, xml.Header)
		enc := xml.NewEncoder(w)
		enc.Indent("", " ")
		enc.Encode(struct {
			XMLName xml.Name        `xml:"definitions"`
			Defs    []oldDefinition `xml:"definition"`
		}{Defs: defs})
		io.WriteString(w, "\n")
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	cw.Write(OldCVEColumns)
	for _, d := range defs {
		cw.Write(csvRow([]string{d.CVE, d.OS, d.Package, d.Operator, d.Version}))
	}
	cw.Flush()
}

// oldTags is api/exportCvesTags.php: every CVE tag as Pakiti 3's XML,
// modifier the instance name (--instance-name) or each tag's author.
func (s *Server) oldTags(w http.ResponseWriter, r *http.Request) {
	tags, err := s.store.Tags(r.Context(), store.TagFilter{})
	if err != nil {
		s.log.Error("old api tags", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	if err := policyfile.WriteTagsXML(w, tags, s.instance); err != nil {
		s.log.Error("old api tags", "error", err)
	}
}

// oldExceptions is api/exportCvesExceptions.php: the exceptions Pakiti 3's
// XML can carry (every host or one OS group; site and host exceptions are
// left out, so no host or site name leaves a caller's scope), modifier as
// oldTags'.
func (s *Server) oldExceptions(w http.ResponseWriter, r *http.Request) {
	es, err := s.store.Exceptions(r.Context(), store.ExceptionFilter{})
	if err != nil {
		s.log.Error("old api exceptions", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	if _, err := policyfile.WriteExceptionsXML(w, es, s.instance); err != nil {
		s.log.Error("old api exceptions", "error", err)
	}
}
