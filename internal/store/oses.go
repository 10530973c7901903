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
	cond, args := s.scopeSQL(sc, "s", 1)
	type row struct {
		os, group      string
		set            int64
		evaluated      bool
		hosts, exposed int
	}
	var rs []row
	v := &fleetView{targets: map[int64]targetCounts{}, groupData: map[string]bool{}, setEval: map[string]map[int64]bool{}}
	err := s.eachRow(ctx, `SELECT h.os, h.os_group, h.package_set_id, COUNT(*), COUNT(CASE WHEN h.cves > 0 THEN 1 END)
		FROM hosts h JOIN sites s ON s.id = h.site_id AND h.removed_at IS NULL WHERE `+cond+`
		GROUP BY h.os, h.os_group, h.package_set_id`, args, func(scan func(...any) error) error {
		var r row
		err := scan(&r.os, &r.group, &r.set, &r.hosts, &r.exposed)
		rs = append(rs, r)
		v.cells = append(v.cells, fleetCell{group: r.group, set: r.set})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("os groups: %w", err)
	}
	// Evaluated per OS group and set, read once (fleetcells.go).
	if err := s.fleetShared(ctx, v); err != nil {
		return nil, fmt.Errorf("os groups: %w", err)
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
