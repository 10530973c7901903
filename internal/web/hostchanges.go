package web

import (
	"errors"
	"net/http"

	"github.com/pakiti-go/pakiti/internal/store"
)

// hostChangesShown is how many changed reports the host page shows (all
// of them in the API).
const hostChangesShown = 5

// hostChangesOpen: a change of at most this many packages is shown
// unfolded on the host page, a longer one folded.
const hostChangesOpen = 12

// ChangeColumns are the columns of a host's changes as CSV: one row per
// package added, removed or updated, kernel change, finding opened or
// closed.
var ChangeColumns = []string{"at", "change", "name", "arch", "old_version", "new_version", "cve", "reason"}

// apiHostChanges answers GET /api/v1/hosts/{hostname}/changes: the
// reports of a host that changed its packages, running kernel or
// findings, newest first, a page of them (limit, offset) with the total;
// as CSV (format=csv), one row per change, all of them unless limit says.
func (s *Server) apiHostChanges(w http.ResponseWriter, r *http.Request) {
	name, sc, q := r.PathValue("hostname"), scope(r), r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		apiError(w, http.StatusBadRequest, "format must be json or csv")
		return
	}
	def := 50
	if format == "csv" {
		def = 1 << 30 // the whole history unless limit says
	}
	limit, err := intParam(q, "limit", def, 1, 1<<30)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	offset, err := intParam(q, "offset", 0, 0, 1<<30)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	ch, err := s.store.HostChanges(r.Context(), sc, name, offset, limit)
	if errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "no host named "+clip(name))
		return
	}
	if err != nil {
		s.internal(w, "host changes", err)
		return
	}
	if format == "csv" {
		writeCSV(w, "changes.csv", ChangeColumns, ChangeRows(ch.Changes))
		return
	}
	writeJSON(w, http.StatusOK, ch)
}

// ChangeRows are changes as CSV rows (ChangeColumns).
func ChangeRows(cs []store.HostChange) [][]string {
	var rows [][]string
	for _, c := range cs {
		at := csvTime(c.At)
		if k := c.Kernel; k != nil {
			rows = append(rows, []string{at, "kernel", "", "", k.Old, k.New, "", ""})
		}
		for _, set := range []struct {
			change string
			pkgs   []store.PackageChange
		}{{"updated", c.Updated}, {"added", c.Added}, {"removed", c.Removed}} {
			for _, p := range set.pkgs {
				rows = append(rows, []string{at, set.change, p.Name, p.Arch, p.Old, p.New, "", ""})
			}
		}
		for _, f := range c.Opened {
			rows = append(rows, []string{at, "finding-opened", f.Package, f.Arch, f.Version, "", f.CVE, ""})
		}
		for _, f := range c.Closed {
			rows = append(rows, []string{at, "finding-closed", f.Package, f.Arch, f.Version, "", f.CVE, f.Reason})
		}
	}
	return rows
}

// hostPageChanges reads the changes the host page shows.
func (s *Server) hostPageChanges(r *http.Request, hostname string) (store.HostChanges, error) {
	return s.store.HostChanges(r.Context(), scope(r), hostname, 0, hostChangesShown)
}
