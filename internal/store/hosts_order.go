package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// osSortMark stands in HostSorts for the OS order, built per query by
// hostOSOrder.
const osSortMark = "os-group-order"

// hostOSGroups returns the OS groups of the hosts, in model.CompareOSGroups
// order (debian:3.0 before debian:10); removed hosts' groups may be
// among them (their callers make conditions on the hosts not removed).
// The groups are read hopping along the index hosts_os_group, one
// lookup per group, not one entry per host.
func (s *Store) hostOSGroups(ctx context.Context) ([]string, error) {
	var groups []string
	err := s.eachRow(ctx, `WITH RECURSIVE g (x) AS (SELECT MIN(os_group) FROM hosts
			UNION ALL SELECT (SELECT MIN(h.os_group) FROM hosts h WHERE h.os_group > g.x) FROM g WHERE g.x IS NOT NULL)
		SELECT x FROM g WHERE x IS NOT NULL`, nil, func(scan func(...any) error) error {
		var g string
		err := scan(&g)
		groups = append(groups, g)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("os groups: %w", err)
	}
	slices.SortFunc(groups, model.CompareOSGroups)
	return groups, nil
}

// hostOSOrder returns the ORDER BY of the "os" sort, its first
// placeholder $next: the hosts' OS groups in numeric order (a CASE over
// the groups, which SQL cannot compare as release numbers), then the OS
// string, then the host name.
func (s *Store) hostOSOrder(ctx context.Context, desc bool, next int) (string, []any, error) {
	groups, err := s.hostOSGroups(ctx)
	if err != nil {
		return "", nil, err
	}
	dir := ""
	if desc {
		dir = " DESC"
	}
	var b strings.Builder
	args := make([]any, 0, len(groups))
	b.WriteString("CASE h.os_group")
	for i, g := range groups {
		fmt.Fprintf(&b, " WHEN $%d THEN %d", next+i, i)
		args = append(args, g)
	}
	fmt.Fprintf(&b, " ELSE %d END%s, h.os%s, h.hostname", len(groups), dir, dir)
	if len(groups) == 0 {
		return "h.os" + dir + ", h.hostname", nil, nil
	}
	return b.String(), args, nil
}

// DataStateNames are the data states a host listing filters on
// (HostFilter.DataState).
var DataStateNames = []string{model.DataComplete, model.DataPartial, model.DataStale, model.DataNone}

// dataStateSQL returns the condition keeping the hosts in data state
// state, its one placeholder $next: the state is decided per OS group
// (coverage.go), so the condition lists the groups in that state.
func (s *Store) dataStateSQL(ctx context.Context, state string, next int) (string, []any, error) {
	if !slices.Contains(DataStateNames, state) {
		return "", nil, fmt.Errorf("unknown data state %q (known: %s)", state, strings.Join(DataStateNames, ", "))
	}
	groups, err := s.hostOSGroups(ctx)
	if err != nil {
		return "", nil, err
	}
	cs, err := s.coverageSnapshot(ctx)
	if err != nil {
		return "", nil, err
	}
	in := []string{}
	for _, g := range groups {
		if st, _, _ := s.coverage.dataState(cs, g, true); st == state {
			in = append(in, g)
		}
	}
	list := s.engine.inList("h.os_group", next)
	if state == model.DataNone { // a host not evaluated has no data, whatever its group
		ne, nargs, err := s.notEvaluatedSQL(ctx, next+1)
		if err != nil {
			return "", nil, err
		}
		return "(" + ne + " OR " + list + ")", append([]any{s.engine.stringList(in)}, nargs...), nil
	}
	return "(" + evaluatedSQL + " AND " + list + ")", []any{s.engine.stringList(in)}, nil
}

// notEvaluatedSQL returns the condition keeping the hosts not evaluated
// (NOT evaluatedSQL), its one placeholder $next: the hosts of the groups
// without data (by the index hosts_os_group: they are few), whose set
// was not evaluated against borrowed data.
func (s *Store) notEvaluatedSQL(ctx context.Context, next int) (string, []any, error) {
	groups, err := s.hostOSGroups(ctx)
	if err != nil {
		return "", nil, err
	}
	data := map[string]bool{}
	err = s.eachRow(ctx, `SELECT DISTINCT os_group FROM os_group_data`, nil, func(scan func(...any) error) error {
		var g string
		err := scan(&g)
		data[g] = true
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("groups with data: %w", err)
	}
	groups = slices.DeleteFunc(groups, func(g string) bool { return data[g] })
	return s.engine.inList("h.os_group", next) + ` AND NOT EXISTS (SELECT 1 FROM set_evaluated se
		WHERE se.set_id = h.package_set_id AND se.os_group = h.os_group)`, []any{s.engine.stringList(groups)}, nil
}
