package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/pakiti-go/pakiti/internal/auth"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/pakiti-go/pakiti/internal/osgroup"
	"github.com/pakiti-go/pakiti/internal/osrules"
	"github.com/pakiti-go/pakiti/internal/store"
)

// The OS group rules: GET /os-rules (the page, with a test box) and
// /api/v1/os-rules (list, check, add, change, move, remove). The rules a
// change touches re-map and re-evaluate the stored hosts (osrules).

// OSRuleList is the answer of GET /api/v1/os-rules: every rule in force,
// the database's first, then the --os-rules file's, then the built-in
// ones; Check when the query asks which group an OS gets.
type OSRuleList struct {
	Rules []osrules.Entry  `json:"rules"`
	Check *osrules.Verdict `json:"check,omitempty"`
}

// OSRuleUpdate is the body of PUT /api/v1/os-rules/{id}: the fields to
// change. Position alone moves the rule.
type OSRuleUpdate struct {
	Match    *string `json:"match"`
	OSIDRule *bool   `json:"os_id_rule"`
	Group    *string `json:"group"`
	Position *int    `json:"position"`
}

// adminOnly wraps every handler that changes configuration (the OS group
// rules): only admins pass (auth.RequireAdmin), others get 403.
func adminOnly(h http.HandlerFunc) http.HandlerFunc { return auth.RequireAdmin(h).ServeHTTP }

// osRuleRoutes registers what the GET routes (apiRoutes) do not: the
// writes and the page.
func (s *Server) osRuleRoutes(mux auth.Mux) {
	mux.HandleFunc("POST /api/v1/os-rules", adminOnly(s.apiAddOSRule))
	mux.HandleFunc("PUT /api/v1/os-rules/{id}", adminOnly(s.apiUpdateOSRule))
	mux.HandleFunc("DELETE /api/v1/os-rules/{id}", adminOnly(s.apiRemoveOSRule))
	mux.HandleFunc("GET /os-rules", s.pageOSRules)
}

// factsQuery reads the facts of a check from the query (system, os_id,
// os_version_id); ok is false when none is given.
func factsQuery(r *http.Request) (osgroup.Facts, bool) {
	q := r.URL.Query()
	f := osgroup.Facts{System: q.Get("system"), OSID: q.Get("os_id"), OSVersionID: q.Get("os_version_id")}
	return f, f.System != "" || f.OSID != ""
}

func (s *Server) apiOSRules(w http.ResponseWriter, r *http.Request) {
	var out OSRuleList
	var err error
	if out.Rules, err = s.osRules.List(r.Context()); err != nil {
		s.internal(w, "OS rules", err)
		return
	}
	if f, ok := factsQuery(r); ok {
		v, err := s.osRules.Check(r.Context(), f)
		if err != nil {
			s.internal(w, "OS rules check", err)
			return
		}
		out.Check = &v
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiOSRule(w http.ResponseWriter, r *http.Request) {
	id, ok := ruleID(w, r)
	if !ok {
		return
	}
	es, err := s.osRules.List(r.Context())
	if err != nil {
		s.internal(w, "OS rules", err)
		return
	}
	for _, e := range es {
		if e.Origin == osrules.Database && e.ID == id {
			writeJSON(w, http.StatusOK, e)
			return
		}
	}
	apiError(w, http.StatusNotFound, fmt.Sprintf("no OS group rule %d in the database", id))
}

func ruleID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		apiError(w, http.StatusBadRequest, "a rule id is a positive number")
		return 0, false
	}
	return id, true
}

// maxRuleBody bounds the JSON body of a rule.
const maxRuleBody = 64 << 10

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxRuleBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		apiError(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	return true
}

// changed answers a change, or its error: 400 for a refused rule, 404
// for a missing one.
// A change that took is audited as action.
func (s *Server) changed(w http.ResponseWriter, r *http.Request, action string, status int, ch osrules.Change, err error) {
	switch {
	case errors.Is(err, osrules.ErrInvalid) || errors.Is(err, store.ErrBadPosition):
		apiError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, store.ErrNotFound):
		apiError(w, http.StatusNotFound, err.Error())
	case err != nil:
		s.internal(w, "OS rule change", err)
	default:
		s.audited(r, action, r.URL.Path, fmt.Sprintf("%+v", ch))
		writeJSON(w, status, ch)
	}
}

func (s *Server) apiAddOSRule(w http.ResponseWriter, r *http.Request) {
	var sp osrules.Spec
	if !decodeBody(w, r, &sp) {
		return
	}
	ch, err := s.osRules.Add(r.Context(), sp)
	s.changed(w, r, "osrule.add", http.StatusCreated, ch, err)
}

func (s *Server) apiUpdateOSRule(w http.ResponseWriter, r *http.Request) {
	id, ok := ruleID(w, r)
	if !ok {
		return
	}
	var u OSRuleUpdate
	if !decodeBody(w, r, &u) {
		return
	}
	if u.Match == nil && u.Group == nil && u.OSIDRule == nil {
		if u.Position == nil {
			apiError(w, http.StatusBadRequest, "nothing to change: give match, os_id_rule, group or position")
			return
		}
		ch, err := s.osRules.Move(r.Context(), id, *u.Position)
		s.changed(w, r, "osrule.move", http.StatusOK, ch, err)
		return
	}
	es, err := s.osRules.List(r.Context())
	if err != nil {
		s.internal(w, "OS rules", err)
		return
	}
	var sp *osrules.Spec
	for _, e := range es {
		if e.Origin == osrules.Database && e.ID == id {
			sp = &osrules.Spec{Match: e.Match, OSIDRule: e.OSIDRule, Group: e.Group}
		}
	}
	if sp == nil {
		apiError(w, http.StatusNotFound, fmt.Sprintf("no OS group rule %d in the database", id))
		return
	}
	if u.Match != nil {
		sp.Match = *u.Match
		if strings.HasPrefix(sp.Match, "id:") {
			sp.OSIDRule = true
		}
	}
	if u.OSIDRule != nil {
		sp.OSIDRule = *u.OSIDRule
	}
	if u.Group != nil {
		sp.Group = *u.Group
	}
	if u.Position != nil {
		if *u.Position < 1 {
			apiError(w, http.StatusBadRequest, store.ErrBadPosition.Error())
			return
		}
		sp.Position = *u.Position
	}
	ch, err := s.osRules.Update(r.Context(), id, *sp)
	s.changed(w, r, "osrule.change", http.StatusOK, ch, err)
}

func (s *Server) apiRemoveOSRule(w http.ResponseWriter, r *http.Request) {
	id, ok := ruleID(w, r)
	if !ok {
		return
	}
	ch, err := s.osRules.Remove(r.Context(), id)
	s.changed(w, r, "osrule.remove", http.StatusOK, ch, err)
}

// pageOSRules lists the rules in force and answers the test box.
func (s *Server) pageOSRules(w http.ResponseWriter, r *http.Request) {
	es, err := s.osRules.List(r.Context())
	if err != nil {
		s.log.Error("OS rules page", "error", err)
		s.pageError(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	data := map[string]any{"Title": "OS group rules", "Rules": es, "File": s.osRules.FileName, "Hit": -1}
	if f, ok := factsQuery(r); ok {
		v, err := s.osRules.Check(r.Context(), f)
		if err != nil {
			s.log.Error("OS rules page", "error", err)
			s.pageError(w, r, http.StatusInternalServerError, "internal error")
			return
		}
		data["Check"] = v
		for i, e := range es {
			if v.Rule != nil && e.Origin == v.Rule.Origin && e.Position == v.Rule.Position {
				data["Hit"] = i
			}
		}
	}
	data["Facts"], _ = factsQuery(r)
	s.render(w, r, http.StatusOK, "osrules.html", data)
}
