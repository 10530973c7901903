package web

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// ExceptionList is the answer of GET /api/v1/exceptions: the exceptions
// audit.
type ExceptionList struct {
	Exceptions []store.ExceptionCoverage `json:"exceptions"`
	Total      int                       `json:"total"`
}

// TagList is the answer of GET /api/v1/tags.
type TagList struct {
	Tags  []store.CVETag `json:"cve_tags"`
	Total int            `json:"total"`
}

// ExceptionColumns are the columns of the exceptions audit as CSV and as
// a table.
var ExceptionColumns = []string{"id", "cve", "package", "version", "arch", "scope_kind", "scope", "reason", "author",
	"created_at", "expires_at", "active", "hosts", "findings", "sample_hosts"}

// ExceptionRow is an exception as the strings of ExceptionColumns.
func ExceptionRow(c store.ExceptionCoverage) []string {
	exp := ""
	if c.ExpiresAt != nil {
		exp = c.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return []string{strconv.FormatInt(c.ID, 10), c.CVE, c.Package, c.Version, c.Arch, string(c.ScopeKind), c.Scope,
		c.Reason, c.Author, c.CreatedAt.UTC().Format(time.RFC3339), exp, strconv.FormatBool(c.Active),
		strconv.Itoa(c.Hosts), strconv.Itoa(c.Findings), strings.Join(c.Sample, " ")}
}

// WriteExceptionsCSV writes the exceptions audit as CSV with a header
// row, formula-looking cells quoted as in WriteHostsCSV.
func WriteExceptionsCSV(w io.Writer, cov []store.ExceptionCoverage) error {
	cw := csv.NewWriter(w)
	cw.Write(ExceptionColumns)
	for _, c := range cov {
		row := ExceptionRow(c)
		for i, v := range row {
			row[i] = csvSafe(v)
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func (s *Server) apiExceptions(w http.ResponseWriter, r *http.Request) {
	cov, err := s.store.AuditExceptions(r.Context(), scope(r), s.now())
	if err != nil {
		s.internal(w, "exceptions", err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, ExceptionList{Exceptions: cov, Total: len(cov)})
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="exceptions.csv"`)
		WriteExceptionsCSV(w, cov)
	default:
		apiError(w, http.StatusBadRequest, "format must be json or csv")
	}
}

// tagList reads the tags the API's filters (cve, tag, enabled=1) ask
// for; false when it answered an error.
func (s *Server) tagList(w http.ResponseWriter, r *http.Request) ([]store.CVETag, bool) {
	q := r.URL.Query()
	f := store.TagFilter{CVE: q.Get("cve"), Tag: q.Get("tag"), EnabledOnly: q.Get("enabled") == "1"}
	if len(f.CVE) > 64 || len(f.Tag) > 128 {
		apiError(w, http.StatusBadRequest, "cve takes at most 64 bytes, tag 128")
		return nil, false
	}
	tags, err := s.store.Tags(r.Context(), f)
	if err != nil {
		s.internal(w, "tags", err)
		return nil, false
	}
	return tags, true
}

func (s *Server) apiTags(w http.ResponseWriter, r *http.Request) {
	tags, ok := s.tagList(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, TagList{Tags: tags, Total: len(tags)})
}

func (s *Server) pageExceptions(w http.ResponseWriter, r *http.Request) {
	cov, err := s.store.AuditExceptions(r.Context(), scope(r), s.now())
	if err != nil {
		s.log.Error("exceptions page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	s.render(w, r, http.StatusOK, "exceptions.html", map[string]any{"Title": "Exceptions", "Exceptions": cov})
}

// tagCounts returns the tagged and excepted counts of a listing's hosts.
func (s *Server) tagCounts(r *http.Request, hostnames []string) (map[string]store.HostTagCounts, error) {
	return s.store.TaggedCounts(r.Context(), scope(r), hostnames, s.now())
}

// inlineTagged returns the tagged CVEs of the listed hosts (tagged, what
// tagCounts read for the page: one read for all of them), by host name,
// for "list tagged CVEs inline" (?inline=1); hosts with none are absent.
func inlineTagged(tagged map[string]store.HostTagCounts) map[string][]store.TaggedCVE {
	out := map[string][]store.TaggedCVE{}
	for name, c := range tagged {
		if len(c.CVEs) > 0 {
			out[name] = c.CVEs
		}
	}
	return out
}
