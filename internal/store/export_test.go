package store

import (
	"context"
	"fmt"
	"time"
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

// NewlyExposedRecountForTest counts the dashboard's newly exposed hosts
// (24 hours, 7 days before now) host by host: the snapshot's exposed
// hosts joined to the hosts, still exposed (the reading before migration
// 0028's counts).
// Of the hosts of site alone, when not "".
func (s *Store) NewlyExposedRecountForTest(ctx context.Context, site string, now time.Time) (int, int, error) {
	var n24, n7 int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(CASE WHEN e.exposed_since >= $1 THEN 1 END),
			COUNT(CASE WHEN e.exposed_since >= $2 THEN 1 END)
		FROM exposure_hosts e JOIN hosts h ON h.id = e.host_id AND h.removed_at IS NULL AND h.cves > 0
		WHERE e.exposed_since >= $2 AND ($3 = '' OR h.site_id IN (SELECT id FROM sites WHERE name = $3))`,
		now.Add(-24*time.Hour).UTC(), now.Add(-7*24*time.Hour).UTC(), site).Scan(&n24, &n7)
	return n24, n7, err
}

// ExposureCountsForTest returns the newly exposed counts as the dashboard
// reads them (exposure_counts with the deltas not yet folded) and a
// recount of the snapshot's exposed hosts by their host's site and live
// flag now, keyed alike.
func (s *Store) ExposureCountsForTest(ctx context.Context) (got, want map[string]int, err error) {
	read := func(q string) (map[string]int, error) {
		out := map[string]int{}
		err := s.eachRow(ctx, q, nil, func(scan func(...any) error) error {
			var site int64
			var since any
			var live, n int
			if err := scan(&site, &since, &live, &n); err != nil {
				return err
			}
			t, ok := since.(time.Time)
			if !ok { // SQLite's text of a column read through a UNION
				var err error
				if t, err = time.Parse("2006-01-02 15:04:05.999999999-07:00", fmt.Sprint(since)); err != nil {
					return err
				}
			}
			if n != 0 {
				out[fmt.Sprintf("site=%d since=%s live=%d", site, t.UTC().Format(time.RFC3339Nano), live)] += n
			}
			return nil
		})
		return out, err
	}
	if got, err = read(`SELECT c.site_id, c.since, c.live, SUM(c.hosts) FROM (
			SELECT site_id, since, live, hosts FROM exposure_counts UNION ALL
			SELECT site_id, since, live, hosts FROM exposure_count_deltas) c GROUP BY c.site_id, c.since, c.live`); err != nil {
		return nil, nil, err
	}
	want, err = read(`SELECT h.site_id, e.exposed_since, CASE WHEN h.removed_at IS NULL AND h.cves > 0 THEN 1 ELSE 0 END, COUNT(*)
		FROM exposure_hosts e JOIN hosts h ON h.id = e.host_id GROUP BY 1, 2, 3`)
	return got, want, err
}

// ReportCountsForTest returns the report history counts per site as the
// stats read them (report_counts with the deltas not yet folded) and a
// recount of the reports of each site's hosts: records and received.
func (s *Store) ReportCountsForTest(ctx context.Context) (got, want map[int64][2]int64, err error) {
	read := func(q string) (map[int64][2]int64, error) {
		out := map[int64][2]int64{}
		err := s.eachRow(ctx, q, nil, func(scan func(...any) error) error {
			var site, records, received int64
			if err := scan(&site, &records, &received); err != nil {
				return err
			}
			if records != 0 || received != 0 {
				out[site] = [2]int64{records, received}
			}
			return nil
		})
		return out, err
	}
	if got, err = read(`SELECT c.site_id, SUM(c.records), SUM(c.received) FROM (
			SELECT site_id, records, received FROM report_counts UNION ALL
			SELECT site_id, records, received FROM report_count_deltas) c GROUP BY c.site_id`); err != nil {
		return nil, nil, err
	}
	want, err = read(`SELECT h.site_id, COUNT(*), SUM(r.count) FROM reports r JOIN hosts h ON h.id = r.host_id GROUP BY h.site_id`)
	return got, want, err
}

// DataCVEsRecountForTest counts the CVEs named by a record of an import
// in force or with a description, without the stats' cache.
func (s *Store) DataCVEsRecountForTest(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (
			SELECT a.cve FROM advisories a JOIN source_current sc ON sc.import_id = a.import_id WHERE a.cve <> ''
			UNION SELECT id FROM cves) c`).Scan(&n)
	return n, err
}

// SiteHistoryHostByHostForTest is FindingHistory of a site's hosts
// replayed one by one (no two hosts alike replayed once).
func (s *Store) SiteHistoryHostByHostForTest(ctx context.Context, site string, since, now time.Time) (History, error) {
	a := newHistoryAcc(since, now)
	ids, err := queryIDs(ctx, s.r, `SELECT h.id FROM hosts h JOIN sites s ON s.id = h.site_id WHERE s.name = $1 ORDER BY h.id`, site)
	if err != nil {
		return a.h, err
	}
	eps, err := s.hostEpochs(ctx, ids)
	if err != nil {
		return a.h, err
	}
	for _, id := range ids {
		state, err := s.replay(ctx, eps[id], a.emit)
		if err != nil {
			return a.h, err
		}
		a.add(state)
	}
	return a.done(), nil
}
