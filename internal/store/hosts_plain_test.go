package store

import (
	"context"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/model"
)

// ListHostsPlain is the hosts listing as one plain query: the page with
// every column, sorted, cut by LIMIT and OFFSET, and a COUNT of the same
// conditions (the listing before the deferred join and the walks of
// listHosts). TestListHostsFastPathsMatchPlain compares the two.
func (s *Store) ListHostsPlain(ctx context.Context, sc Scope, f HostFilter) ([]model.Host, int, error) {
	q, err := s.hostQuery(ctx, sc, f)
	if err != nil {
		return nil, 0, err
	}
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
