package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// exportHostsCSV streams the whole filtered host view as CSV (limit and
// offset do not apply), read from the store a page at a time. A failure
// after the first row cannot change the status any more: the body ends
// with an error line a reader sees as a malformed row.
func (s *Server) exportHostsCSV(w http.ResponseWriter, r *http.Request, f store.HostFilter) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="hosts.csv"`)
	cw := csv.NewWriter(w)
	cw.Write(HostColumns)
	_, err := s.store.EachHost(r.Context(), scope(r), f, func(h model.Host) error {
		cw.Write(HostCSVRow(h))
		return cw.Error()
	})
	cw.Flush()
	if err != nil {
		s.log.Error("export hosts", "format", "csv", "error", err)
		w.Write([]byte("\nexport failed: internal error\n"))
	}
}

// exportHostsJSON streams the whole filtered host view as
// {"hosts": [...], "total": N}, a host at a time.
func (s *Server) exportHostsJSON(w http.ResponseWriter, r *http.Request, f store.HostFilter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="hosts.json"`)
	io.WriteString(w, `{"hosts": [`)
	enc := json.NewEncoder(w)
	sep := "\n"
	n, err := s.store.EachHost(r.Context(), scope(r), f, func(h model.Host) error {
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		sep = ","
		return enc.Encode(h)
	})
	if err != nil {
		s.log.Error("export hosts", "format", "json", "error", err)
		return // a truncated document: the reader's parser fails
	}
	fmt.Fprintf(w, "], \"total\": %d}\n", n)
}
