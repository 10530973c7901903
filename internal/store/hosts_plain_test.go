package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// ListHostsPlain is the hosts listing as one plain query: the page with
// every column, sorted, cut by LIMIT and OFFSET, and a COUNT of the same
// conditions (the listing before the deferred join and the walks of
// listHosts). TestListHostsFastPathsMatchPlain compares the two.
//
// The hosts not evaluated are kept by the plain condition (NOT
// evaluatedSQL on every host), not notEvaluatedSQL's list of groups.
func (s *Store) ListHostsPlain(ctx context.Context, sc Scope, f HostFilter) ([]model.Host, int, error) {
	plain := f
	extra := ""
	if f.Status == StatusNotEvaluated {
		plain.Status, extra = "", " AND NOT "+evaluatedSQL
	}
	if f.DataState == model.DataNone && f.Status == "" {
		groups, err := s.hostOSGroups(ctx)
		if err != nil {
			return nil, 0, err
		}
		cs, err := s.coverageSnapshot(ctx)
		if err != nil {
			return nil, 0, err
		}
		in := "1 = 0"
		for _, g := range groups {
			if st, _, _ := s.coverage.dataState(cs, g, true); st == model.DataNone {
				in += " OR h.os_group = '" + strings.ReplaceAll(g, "'", "''") + "'"
			}
		}
		plain.DataState, extra = "", " AND (NOT "+evaluatedSQL+" OR "+in+")"
	}
	q, err := s.hostQuery(ctx, sc, plain)
	if err != nil {
		return nil, 0, err
	}
	q.where += extra
	var total int
	if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*)"+hostFrom+q.where, q.args[:q.whereArgs]...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	args := append(q.args, min(limit, MaxLimit), max(f.Offset, 0))
	rows, err := s.r.QueryContext(ctx, "SELECT "+hostColumns+hostFrom+q.where+
		fmt.Sprintf(" ORDER BY %s LIMIT $%d OFFSET $%d", q.order, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	hosts := []model.Host{}
	for rows.Next() {
		h, err := scanHost(rows)
		if err != nil {
			return nil, 0, err
		}
		h.Stale = h.LastReport.Before(q.staleCut)
		hosts = append(hosts, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return hosts, total, s.fillDataStates(ctx, hosts)
}
