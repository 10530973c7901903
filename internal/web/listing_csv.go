package web

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// csvListings are the CSV answers (?format=csv) of the listings whose
// JSON handler answers JSON only: the route's handler is csvOr'ed with
// them where the routes are registered.
func (s *Server) csvListings() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/api/v1/sources":  s.sourcesCSV,
		"/api/v1/tags":     s.tagsCSV,
		"/api/v1/oses":     s.osesCSV,
		"/api/v1/os-rules": s.osRulesCSV,
		"/api/v1/audit":    s.auditCSV,
	}
}

// osRulesCSV is the OS group rules in force, in the order they are
// tried.
func (s *Server) osRulesCSV(w http.ResponseWriter, r *http.Request) {
	es, err := s.osRules.List(r.Context())
	if err != nil {
		s.internal(w, "OS rules", err)
		return
	}
	rows := make([][]string, len(es))
	for i, e := range es {
		id := ""
		if e.ID != 0 {
			id = strconv.FormatInt(e.ID, 10)
		}
		rows[i] = []string{string(e.Origin), strconv.Itoa(e.Position), id, strconv.FormatBool(e.OSIDRule), e.Match, e.Group}
	}
	writeCSV(w, "os-rules.csv", []string{"origin", "position", "id", "os_id_rule", "match", "group"}, rows)
}

// auditCSV is the audit log (admins), as GET /api/v1/audit gives it.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) {
	if !auth.FromContext(r.Context()).Admin() {
		apiError(w, http.StatusForbidden, "this needs the admin role")
		return
	}
	log, err := s.store.AuditLog(r.Context(), r.URL.Query().Get("actor"), auditPage)
	if err != nil {
		s.internal(w, "audit", err)
		return
	}
	rows := make([][]string, len(log))
	for i, e := range log {
		rows[i] = []string{csvTime(e.At), e.Actor, e.Action, e.Target, e.Detail}
	}
	writeCSV(w, "audit.csv", []string{"at", "actor", "action", "target", "detail"}, rows)
}

// csvOr answers ?format=csv with c, anything else with h.
func csvOr(c, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("format") == "csv" {
			c(w, r)
			return
		}
		h(w, r)
	}
}

// writeCSV answers a whole CSV document: header, rows (each cell
// csvSafe), as filename.
func writeCSV(w http.ResponseWriter, filename string, header []string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	cw := csv.NewWriter(w)
	cw.Write(header)
	for _, r := range rows {
		cw.Write(csvRow(r))
	}
	cw.Flush()
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Server) sourcesCSV(w http.ResponseWriter, r *http.Request) {
	src, err := s.store.Sources(r.Context())
	if err != nil {
		s.internal(w, "sources", err)
		return
	}
	rows := make([][]string, len(src))
	for i, c := range src {
		groups := append([]string(nil), c.OSGroups...)
		rows[i] = []string{c.Source, c.State, strconv.Itoa(c.Records), strings.Join(groups, " "), csvTime(c.LoadedAt),
			csvTime(c.CheckedAt), c.LastError, csvTime(c.LastErrorAt), strings.Join(c.Locations, " ")}
	}
	writeCSV(w, "sources.csv", []string{"source", "state", "records", "os_groups", "loaded_at", "checked_at", "last_error",
		"last_error_at", "locations"}, rows)
}

func (s *Server) tagsCSV(w http.ResponseWriter, r *http.Request) {
	tags, ok := s.tagList(w, r)
	if !ok {
		return
	}
	rows := make([][]string, len(tags))
	for i, t := range tags {
		rows[i] = []string{t.CVE, t.Tag, t.Reason, t.InfoURL, strconv.FormatBool(t.Enabled), t.Author, csvTime(t.ModifiedAt)}
	}
	writeCSV(w, "tags.csv", []string{"cve", "tag", "reason", "info_url", "enabled", "author", "modified_at"}, rows)
}

// HostPackageList is the answer of GET /api/v1/hosts/{hostname}/packages.
type HostPackageList struct {
	Packages []model.Package `json:"packages"`
	Total    int             `json:"total"`
}

// HostFindingList is the answer of GET /api/v1/hosts/{hostname}/findings.
type HostFindingList struct {
	Findings []model.Finding `json:"findings"`
	Total    int             `json:"total"`
}

func (s *Server) apiHostPackages(w http.ResponseWriter, r *http.Request) {
	name, sc := r.PathValue("hostname"), scope(r)
	if _, err := s.store.Host(r.Context(), sc, name); errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "no host named "+clip(name))
		return
	} else if err != nil {
		s.internal(w, "host packages", err)
		return
	}
	pkgs, err := s.store.HostPackages(r.Context(), sc, name)
	if err != nil {
		s.internal(w, "host packages", err)
		return
	}
	if q := strings.ToLower(r.URL.Query().Get("q")); q != "" { // the host page's package search
		kept := pkgs[:0]
		for _, p := range pkgs {
			if strings.Contains(strings.ToLower(p.Name), q) {
				kept = append(kept, p)
			}
		}
		pkgs = kept
	}
	if r.URL.Query().Get("format") == "csv" {
		rows := make([][]string, len(pkgs))
		for i, p := range pkgs {
			rows[i] = []string{p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion, p.Module}
		}
		writeCSV(w, "packages.csv", []string{"name", "version", "arch", "source", "source_version", "module"}, rows)
		return
	}
	writeJSON(w, http.StatusOK, HostPackageList{Packages: pkgs, Total: len(pkgs)})
}

// FindingColumns are the columns of a host's findings as CSV.
var FindingColumns = []string{"cve", "package", "version", "arch", "source", "fixed", "status", "vendor_status", "severity",
	"advisory", "tags", "first_seen", "resolved_at", "resolution"}

func (s *Server) apiHostFindings(w http.ResponseWriter, r *http.Request) {
	name, sc := r.PathValue("hostname"), scope(r)
	if _, err := s.store.Host(r.Context(), sc, name); errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "no host named "+clip(name))
		return
	} else if err != nil {
		s.internal(w, "host findings", err)
		return
	}
	tagged, err := flagParam(r.URL.Query(), "tagged")
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	fs, err := s.store.HostFindings(r.Context(), sc, name, r.URL.Query().Get("history") == "1")
	if err != nil {
		s.internal(w, "host findings", err)
		return
	}
	if tagged {
		fs = onlyTagged(fs)
	}
	if r.URL.Query().Get("format") == "csv" {
		rows := make([][]string, len(fs))
		for i, f := range fs {
			resolved := ""
			if f.ResolvedAt != nil {
				resolved = csvTime(*f.ResolvedAt)
			}
			rows[i] = []string{f.CVE, f.Package, f.Version, f.Arch, f.SourcePackage, f.FixedVersion, f.Status, string(f.VendorStatus),
				f.Severity, f.AdvisoryID, strings.Join(f.Tags, " "), csvTime(f.FirstSeen), resolved, f.Resolution}
		}
		writeCSV(w, "findings.csv", FindingColumns, rows)
		return
	}
	writeJSON(w, http.StatusOK, HostFindingList{Findings: fs, Total: len(fs)})
}
