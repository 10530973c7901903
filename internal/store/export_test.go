package store

import (
	"context"
	"fmt"
)

// FleetCellsForTest returns the host counts per cell as the readers see
// them (fleet_cells with the deltas not yet folded), keyed by the cell.
func (s *Store) FleetCellsForTest(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := s.eachCell(ctx, nil, func(c fleetCell, os string, removed bool) {
		out[fmt.Sprintf("site=%d target=%d group=%q set=%d os=%q removed=%v", c.site, c.target, c.group, c.set, os, removed)] += c.hosts
	})
	return out, err
}

// RecountFleetCellsForTest counts the hosts per cell from the hosts
// table, keyed as FleetCellsForTest.
func (s *Store) RecountFleetCellsForTest(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := s.eachRow(ctx, `SELECT site_id, COALESCE(target_id, 0), os_group, package_set_id, os, removed_at IS NOT NULL, COUNT(*)
		FROM hosts GROUP BY site_id, COALESCE(target_id, 0), os_group, package_set_id, os, removed_at IS NOT NULL`, nil,
		func(scan func(...any) error) error {
			var c fleetCell
			var os string
			var removed bool
			if err := scan(&c.site, &c.target, &c.group, &c.set, &os, &removed, &c.hosts); err != nil {
				return err
			}
			out[fmt.Sprintf("site=%d target=%d group=%q set=%d os=%q removed=%v", c.site, c.target, c.group, c.set, os, removed)] += c.hosts
			return nil
		})
	return out, err
}

// PurgeHostForTest deletes a host's row and what refers to it (nothing
// in pakiti deletes a host row today; the cells' delete trigger must
// still count it out).
func (s *Store) PurgeHostForTest(ctx context.Context, hostname string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM hosts WHERE hostname = $1`, hostname)
	return err
}
