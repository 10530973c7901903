package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// DefaultDataMaxAge is how long after its last successful check a
// source's data stays current.
const DefaultDataMaxAge = 48 * time.Hour

// CoverageConfig says how data states are worked out (SetCoverage).
type CoverageConfig struct {
	// DataGroups lists the OS groups whose records a host of group reads
	// (match.Driver.DataGroups); nil: the group itself.
	DataGroups func(group string) []string
	// MaxAge is how long after its last successful check a source's data
	// stays current; 0 is DefaultDataMaxAge.
	MaxAge time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// NeedsSourceMap tells whether the hosts of group are matched by
	// source package through a binary -> source map when their report
	// names binaries only (protocol 5: match.Driver.LearnsSources); nil:
	// no group does.
	NeedsSourceMap func(group string) bool
}

// SetCoverage sets how data states are worked out. Call it once, before
// serving.
func (s *Store) SetCoverage(c CoverageConfig) { s.coverage = c }

func (c CoverageConfig) maxAge() time.Duration {
	if c.MaxAge <= 0 {
		return DefaultDataMaxAge
	}
	return c.MaxAge
}

func (c CoverageConfig) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

func (c CoverageConfig) groups(g string) []string {
	if c.DataGroups == nil || g == "" {
		return []string{g}
	}
	return c.DataGroups(g)
}

// coverageSnapshot is what data states are worked out from: per source,
// its OS groups with records, the groups it covers completely, its last
// successful check, newest record and failed import.
type coverageSnapshot struct {
	sources map[string]*sourceCoverage
	names   []string // sorted
	// indexed are the OS groups a Packages index was loaded for: their
	// binary -> source map is the release's (sourcemap.go).
	indexed map[string]bool
	// nameMatched are the OS groups with packages evaluated by their
	// binary name for want of a map (sourcemap.go).
	nameMatched map[string]bool
}

type sourceCoverage struct {
	records   map[string]int // OS group -> records
	complete  map[string]bool
	checkedAt time.Time
	newest    time.Time
	failedAt  time.Time
	failure   string
}

func (s *Store) coverageSnapshot(ctx context.Context) (*coverageSnapshot, error) {
	cs := &coverageSnapshot{sources: map[string]*sourceCoverage{}, indexed: map[string]bool{}, nameMatched: map[string]bool{}}
	get := func(name string) *sourceCoverage {
		sc := cs.sources[name]
		if sc == nil {
			sc = &sourceCoverage{records: map[string]int{}, complete: map[string]bool{}}
			cs.sources[name] = sc
			cs.names = append(cs.names, name)
		}
		return sc
	}
	queries := []struct {
		q    string
		scan func(*sql.Rows) error
	}{
		{`SELECT source, os_group, records FROM os_group_data`, func(r *sql.Rows) error {
			var src, g string
			var n int
			err := r.Scan(&src, &g, &n)
			get(src).records[g] = n
			return err
		}},
		{`SELECT source, complete, newest FROM source_parts`, func(r *sql.Rows) error {
			var src, complete string
			var newest sql.NullTime
			err := r.Scan(&src, &complete, &newest)
			sc := get(src)
			for _, g := range strings.Fields(complete) {
				sc.complete[g] = true
			}
			if newest.Valid && newest.Time.After(sc.newest) {
				sc.newest = newest.Time.UTC()
			}
			return err
		}},
		{`SELECT i.source, i.started_at FROM source_imports i WHERE i.id = (SELECT MAX(id) FROM source_imports j WHERE j.source = i.source)`,
			func(r *sql.Rows) error {
				var src string
				var at time.Time
				err := r.Scan(&src, &at)
				get(src).checkedAt = at.UTC()
				return err
			}},
		{`SELECT DISTINCT os_group FROM source_indexes`, func(r *sql.Rows) error {
			var g string
			err := r.Scan(&g)
			cs.indexed[g] = true
			return err
		}},
		{`SELECT DISTINCT os_group FROM evaluated WHERE basis = '` + basisBinaryName + `'`, func(r *sql.Rows) error {
			var g string
			err := r.Scan(&g)
			cs.nameMatched[g] = true
			return err
		}},
		{`SELECT source, failed_at, error FROM source_errors`, func(r *sql.Rows) error {
			var src, msg string
			var at time.Time
			err := r.Scan(&src, &at, &msg)
			sc := get(src)
			sc.failedAt, sc.failure = at.UTC(), msg
			return err
		}},
	}
	for _, q := range queries {
		rows, err := s.r.QueryContext(ctx, q.q)
		if err != nil {
			return nil, fmt.Errorf("coverage: %w", err)
		}
		for rows.Next() {
			if err := q.scan(rows); err != nil {
				rows.Close()
				return nil, fmt.Errorf("coverage: %w", err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("coverage: %w", err)
		}
	}
	slices.Sort(cs.names)
	return cs, nil
}

// dataState works out a host's data state from its OS group and whether
// it was evaluated: complete (and current) when a source that covers one
// of the group's data groups completely was checked successfully within
// MaxAge; stale when such a source was checked longer ago; partial when
// sources have records for the group but none covers it completely; none
// when the host was not evaluated. It says which data the host was
// evaluated against.
func (c CoverageConfig) dataState(cs *coverageSnapshot, group string, evaluated bool) (state, reason string, basis []model.DataSource) {
	if group == "" {
		return model.DataNone, "the host's OS is not recognised: no OS group", []model.DataSource{}
	}
	now, maxAge := c.now(), c.maxAge()
	var complete, stale []model.DataSource
	basis = []model.DataSource{}
	for _, g := range c.groups(group) {
		for _, name := range cs.names {
			sc := cs.sources[name]
			n, has := sc.records[g]
			if !has {
				continue
			}
			d := model.DataSource{Source: name, OSGroup: g, Records: n, Complete: sc.complete[g], CheckedAt: sc.checkedAt,
				Newest: sc.newest}
			basis = append(basis, d)
			if !d.Complete {
				continue
			}
			if now.Sub(sc.checkedAt) > maxAge {
				stale = append(stale, d)
			} else {
				complete = append(complete, d)
			}
		}
	}
	switch {
	case !evaluated || len(basis) == 0:
		return model.DataNone, fmt.Sprintf("no vulnerability data for %s", group), basis
	case len(complete) > 0 && c.unmapped(cs, group):
		return model.DataPartial, nameMatchedReason(group), basis
	case len(complete) > 0:
		return model.DataComplete, "", basis
	case len(stale) > 0:
		d := stale[0]
		return model.DataStale, fmt.Sprintf("%s data of %s last checked %s (%s ago; current for %s)", d.Source, d.OSGroup,
			d.CheckedAt.Format(time.RFC3339), now.Sub(d.CheckedAt).Round(time.Minute), maxAge), basis
	}
	var names []string
	for _, d := range basis {
		names = append(names, fmt.Sprintf("%s (%d records of %s)", d.Source, d.Records, d.OSGroup))
	}
	return model.DataPartial, "no source covers " + group + " completely: only " + strings.Join(names, ", "), basis
}

// unmapped tells whether group is matched by source package, has no
// Packages index and has packages evaluated by their binary name: its
// data is partial for every view of the group (the dashboard, metrics,
// the data_state and status=clean filters), whatever a source covers;
// a host's own page names its own unmapped packages (hostDataState).
func (c CoverageConfig) unmapped(cs *coverageSnapshot, group string) bool {
	return c.NeedsSourceMap != nil && c.NeedsSourceMap(group) && !cs.indexed[group] && cs.nameMatched[group]
}

// nameMatchedReason is the partial reason of a group with packages
// evaluated by their binary name.
func nameMatchedReason(group string) string {
	return fmt.Sprintf("no binary -> source map for %s: packages of protocol-5 reports were matched by their binary name (import the release's Packages indexes (Debian, Ubuntu), or let a protocol-6 host of %s report)", group, group)
}

// fillDataStates sets the data state of hosts.
func (s *Store) fillDataStates(ctx context.Context, hosts []model.Host) error {
	if len(hosts) == 0 {
		return nil
	}
	cs, err := s.coverageSnapshot(ctx)
	if err != nil {
		return err
	}
	for i := range hosts {
		if err := s.hostDataState(ctx, cs, &hosts[i]); err != nil {
			return err
		}
	}
	return nil
}

// GroupDataState is the data state of one OS group.
type GroupDataState struct {
	OSGroup string             `json:"os_group"`
	State   string             `json:"data_state"`
	Reason  string             `json:"data_reason,omitempty"`
	Sources []model.DataSource `json:"data_sources"`
}

// DataStates gives the data state of every OS group hosts in scope are in,
// with how many hosts are in each state (the metrics of data states).
func (s *Store) DataStates(ctx context.Context, sc Scope) ([]GroupDataState, map[string]int, error) {
	v, err := s.fleetView(ctx, sc, "", s.now().Add(-s.StaleAfter()))
	if err != nil {
		return nil, nil, fmt.Errorf("data states: %w", err)
	}
	return s.dataStatesOf(ctx, v)
}

// SourceHealth is what SourceStatus says of a source's coverage and
// freshness.
type SourceHealth struct {
	// State is "current" (checked within the max age, its last import
	// did not fail), "stale" or "failing" (its latest import failed).
	State string `json:"state"`
	// Reason says why the state is not current.
	Reason      string         `json:"reason,omitempty"`
	LastSuccess time.Time      `json:"last_success"` // = CheckedAt
	LastError   string         `json:"last_error,omitempty"`
	LastErrorAt time.Time      `json:"last_error_at,omitzero"`
	DataDate    time.Time      `json:"data_date,omitzero"` // the newest record's date, when the source gives dates
	RecordsPer  map[string]int `json:"records_per_group"`  // records per OS group
	Complete    []string       `json:"complete"`           // OS groups a part covers completely
	Parts       []Part         `json:"parts"`              // what is in force, where it was read
}

// Source states.
const (
	SourceCurrent = "current"
	SourceStale   = "stale"
	SourceFailing = "failing"
)

// DataMaxAge is how long a source's data stays current (SetCoverage).
func (s *Store) DataMaxAge() time.Duration { return s.coverage.maxAge() }

// addSourceHealth fills the SourceHealth of sources and appends the
// sources that have no records in force but a failed import.
func (s *Store) addSourceHealth(ctx context.Context, out []SourceStatus) ([]SourceStatus, error) {
	cs, err := s.coverageSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	parts, err := s.SourceParts(ctx, "")
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, st := range out {
		have[st.Source] = true
	}
	for _, name := range cs.names {
		if !have[name] && cs.sources[name].failure != "" {
			out = append(out, SourceStatus{Source: name, OSGroups: []string{}, Locations: []string{}})
		}
	}
	slices.SortFunc(out, func(a, b SourceStatus) int { return strings.Compare(a.Source, b.Source) })
	now, maxAge := s.coverage.now(), s.coverage.maxAge()
	for i := range out {
		st := &out[i]
		sc := cs.sources[st.Source]
		h := SourceHealth{State: SourceCurrent, LastSuccess: st.CheckedAt, RecordsPer: map[string]int{}, Complete: []string{},
			Parts: parts[st.Source]}
		if h.Parts == nil {
			h.Parts = []Part{}
		}
		if sc != nil {
			h.LastError, h.LastErrorAt, h.DataDate = sc.failure, sc.failedAt, sc.newest
			h.RecordsPer = sc.records
			for g := range sc.complete {
				h.Complete = append(h.Complete, g)
			}
			slices.Sort(h.Complete)
		}
		if len(h.Parts) > 0 {
			st.Locations = nil
			for _, p := range h.Parts {
				st.Locations = append(st.Locations, p.Locations...)
			}
		}
		switch {
		case h.LastError != "":
			h.State, h.Reason = SourceFailing, "the import of "+h.LastErrorAt.Format(time.RFC3339)+" failed: "+h.LastError
		case st.CheckedAt.IsZero():
			h.State, h.Reason = SourceFailing, "never imported"
		case now.Sub(st.CheckedAt) > maxAge:
			h.State = SourceStale
			h.Reason = fmt.Sprintf("last checked %s, %s ago (current for %s)", st.CheckedAt.Format(time.RFC3339),
				now.Sub(st.CheckedAt).Round(time.Minute), maxAge)
		}
		st.SourceHealth = h
	}
	return out, nil
}
