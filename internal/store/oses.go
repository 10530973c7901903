package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// OSCount is one reported OS string and the OS group it maps to, with
// its hosts in scope (Pakiti 3's OSes page).
type OSCount struct {
	OS      string `json:"os"`
	OSGroup string `json:"os_group"`
	Hosts   int    `json:"hosts"`
	Exposed int    `json:"exposed"` // hosts with an open CVE
}

// OSGroupCount is an OS group with its hosts in scope, its data state
// and the OS strings mapped to it.
type OSGroupCount struct {
	GroupDataState
	Hosts        int       `json:"hosts"`
	Exposed      int       `json:"exposed"`
	NotEvaluated int       `json:"not_evaluated"`
	OSes         []OSCount `json:"oses"`
}

// OSGroups returns the OS groups of the hosts in scope, in
// model.CompareOSGroups order (debian:3.0 before debian:10), each with
// its OS strings (by OS string), host counts and data state. One read of
// the hosts grouped by OS string, group and package set; whether those
// are evaluated is read once per group and set, the data state decided
// per group (coverage.go).
func (s *Store) OSGroups(ctx context.Context, sc Scope) ([]OSGroupCount, error) {
	type row struct {
		os, group      string
		set            int64
		evaluated      bool
		hosts, exposed int
	}
	type rowKey struct {
		os, group string
		set       int64
	}
	ids, err := s.scopeSiteIDs(ctx, sc, "")
	if err != nil {
		return nil, fmt.Errorf("os groups: %w", err)
	}
	// The cells of the hosts in scope (fleetcells.go), then their targets'
	// counters and whether each group and set is evaluated, read once.
	v := &fleetView{targets: map[int64]targetCounts{}, groupData: map[string]bool{}, setEval: map[string]map[int64]bool{}}
	var oses []string // per cell of v
	if len(ids) > 0 {
		err = s.eachCell(ctx, ids, func(c fleetCell, os string, removed bool) {
			if !removed {
				v.cells = append(v.cells, c)
				oses = append(oses, os)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("os groups: %w", err)
		}
	}
	if err := s.fleetShared(ctx, v); err != nil {
		return nil, fmt.Errorf("os groups: %w", err)
	}
	var rs []row
	at0 := map[rowKey]int{}
	for i, c := range v.cells {
		k := rowKey{oses[i], c.group, c.set}
		j, ok := at0[k]
		if !ok {
			j = len(rs)
			at0[k] = j
			rs = append(rs, row{os: k.os, group: c.group, set: c.set})
		}
		rs[j].hosts += c.hosts
		if v.targets[c.target].cves > 0 {
			rs[j].exposed += c.hosts
		}
	}
	for i := range rs {
		rs[i].evaluated = v.evaluated(fleetCell{group: rs[i].group, set: rs[i].set})
	}
	cs, err := s.coverageSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	at := map[string]int{}
	var out []OSGroupCount
	for _, r := range rs {
		i, ok := at[r.group]
		if !ok {
			st, reason, basis := s.coverage.dataState(cs, r.group, r.evaluated)
			i = len(out)
			at[r.group] = i
			out = append(out, OSGroupCount{GroupDataState: GroupDataState{OSGroup: r.group, State: st, Reason: reason, Sources: basis}})
		} else if r.evaluated && out[i].State == model.DataNone {
			// A group's evaluated hosts say its state (DataStates).
			st, reason, basis := s.coverage.dataState(cs, r.group, true)
			out[i].GroupDataState = GroupDataState{OSGroup: r.group, State: st, Reason: reason, Sources: basis}
		}
		g := &out[i]
		g.Hosts += r.hosts
		g.Exposed += r.exposed
		if !r.evaluated {
			g.NotEvaluated += r.hosts
		}
		j := slices.IndexFunc(g.OSes, func(o OSCount) bool { return o.OS == r.os })
		if j < 0 {
			g.OSes = append(g.OSes, OSCount{OS: r.os, OSGroup: r.group})
			j = len(g.OSes) - 1
		}
		g.OSes[j].Hosts += r.hosts
		g.OSes[j].Exposed += r.exposed
	}
	for i := range out {
		slices.SortFunc(out[i].OSes, func(a, b OSCount) int { return strings.Compare(a.OS, b.OS) })
	}
	slices.SortStableFunc(out, func(a, b OSGroupCount) int { return model.CompareOSGroups(a.OSGroup, b.OSGroup) })
	if out == nil {
		out = []OSGroupCount{}
	}
	return out, nil
}
