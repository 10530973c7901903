package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pakiti-go/pakiti/internal/store"
)

// The OSes page (Pakiti 3's OSes / OS groups): every OS string the
// hosts in scope report and the OS group it maps to, the hosts and
// exposed hosts per OS and per group, and each group's data state with
// the sources it was evaluated against.

// OSesAnswer is the answer of GET /api/v1/oses.
type OSesAnswer struct {
	Groups []store.OSGroupCount `json:"os_groups"`
	Total  int                  `json:"total"` // OS groups
}

func (s *Server) apiOSes(w http.ResponseWriter, r *http.Request) {
	gs, err := s.store.OSGroups(r.Context(), scope(r))
	if err != nil {
		s.internal(w, "oses", err)
		return
	}
	writeJSON(w, http.StatusOK, OSesAnswer{Groups: gs, Total: len(gs)})
}

// osesCSV answers one line per OS string with its group's counts and
// data state.
func (s *Server) osesCSV(w http.ResponseWriter, r *http.Request) {
	gs, err := s.store.OSGroups(r.Context(), scope(r))
	if err != nil {
		s.internal(w, "oses", err)
		return
	}
	var rows [][]string
	for _, g := range gs {
		var src []string
		for _, d := range g.Sources {
			src = append(src, d.Source)
		}
		slices.Sort(src)
		src = slices.Compact(src)
		for _, o := range g.OSes {
			rows = append(rows, []string{o.OS, o.OSGroup, strconv.Itoa(o.Hosts), strconv.Itoa(o.Exposed),
				strconv.Itoa(g.Hosts), strconv.Itoa(g.Exposed), strconv.Itoa(g.NotEvaluated), g.State, strings.Join(src, " ")})
		}
	}
	writeCSV(w, "oses.csv", []string{"os", "os_group", "hosts", "exposed", "group_hosts", "group_exposed",
		"group_not_evaluated", "data_state", "data_sources"}, rows)
}

func (s *Server) pageOSes(w http.ResponseWriter, r *http.Request) {
	gs, err := s.store.OSGroups(r.Context(), scope(r))
	if err != nil {
		s.log.Error("oses page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	oses := 0
	for _, g := range gs {
		oses += len(g.OSes)
	}
	s.render(w, r, http.StatusOK, "oses.html", map[string]any{"Title": "OSes", "Groups": gs, "OSes": oses})
}
