package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Stats are the counts of Pakiti 3's stats page, ours: what the hosts in
// scope hold, what the instance holds (vulnerability data, tags,
// exceptions: not per site), and cumulative counters.
type Stats struct {
	// In scope.
	Sites    int `json:"sites"`
	Hosts    int `json:"hosts"`
	OSes     int `json:"oses"`      // distinct reported OS strings
	OSGroups int `json:"os_groups"` // distinct OS groups of the hosts
	// ReportRecords are the report history rows kept (a run of identical
	// reports is one row); ReportsReceived the reports they stand for.
	ReportRecords   int   `json:"report_records"`
	ReportsReceived int64 `json:"reports_received"`
	// RemovedHosts were deleted by an admin (kept for history).
	RemovedHosts int `json:"removed_hosts"`
	// FirstReport is the oldest report in the kept history (zero: none).
	FirstReport time.Time `json:"first_report,omitzero"`

	// The whole instance.
	Packages    int `json:"packages"`         // distinct installed packages (name, version, arch) in the catalogue
	PackageSets int `json:"package_sets"`     // distinct package lists (hosts alike share one)
	CVEs        int `json:"cves"`             // CVEs with vulnerability data (a record in force or a description)
	Advisories  int `json:"advisory_records"` // the records of the imports in force
	Sources     int `json:"sources"`
	Tags        int `json:"tags"` // enabled CVE tags (CVE x tag)
	Exceptions  int `json:"exceptions"`
	Users       int `json:"users"`
	Snapshots   int `json:"exposure_snapshots"` // days with an exposure snapshot
}

// Stats counts what Stats holds: the report history from the counts per
// site the triggers keep (migration 0029), the hosts from their cells
// (fleetcells.go), the CVEs once per data generation (dataCVEs): no
// scan of the reports or the vulnerability records at a view.
func (s *Store) Stats(ctx context.Context, sc Scope) (Stats, error) {
	var st Stats
	cond, args := s.scopeSQL(sc, "s", 1)
	var received sql.NullInt64
	for _, q := range []struct {
		what string
		sql  string
		args []any
		dest []any
	}{
		{"sites", `SELECT COUNT(*) FROM sites s WHERE ` + cond, args, []any{&st.Sites}},
		{"packages", `SELECT COUNT(*) FROM packages`, nil, []any{&st.Packages}},
		{"package sets", `SELECT COUNT(*) FROM package_sets`, nil, []any{&st.PackageSets}},
		{"advisories", `SELECT COALESCE(SUM(records), 0) FROM os_group_data`, nil, []any{&st.Advisories}},
		{"sources", `SELECT COUNT(*) FROM source_current`, nil, []any{&st.Sources}},
		{"tags", `SELECT COUNT(*) FROM cve_tags WHERE enabled`, nil, []any{&st.Tags}},
		{"exceptions", `SELECT COUNT(*) FROM cve_exceptions`, nil, []any{&st.Exceptions}},
		{"users", `SELECT COUNT(*) FROM users`, nil, []any{&st.Users}},
		{"snapshots", `SELECT COUNT(*) FROM exposure_runs`, nil, []any{&st.Snapshots}},
	} {
		if err := s.r.QueryRowContext(ctx, q.sql, q.args...).Scan(q.dest...); err != nil {
			return st, fmt.Errorf("stats %s: %w", q.what, err)
		}
	}
	var err error
	if st.CVEs, err = s.countDataCVEs(ctx); err != nil {
		return st, err
	}
	// The hosts from their cells (fleetcells.go), not a read of each.
	ids, err := s.scopeSiteIDs(ctx, sc, "")
	if err != nil {
		return st, fmt.Errorf("stats hosts: %w", err)
	}
	if len(ids) > 0 {
		oses, groups := map[string]bool{}, map[string]bool{}
		err = s.eachCell(ctx, ids, func(c fleetCell, os string, removed bool) {
			if removed {
				st.RemovedHosts += c.hosts
				return
			}
			st.Hosts += c.hosts
			oses[os] = true
			if c.group != "" {
				groups[c.group] = true
			}
		})
		if err != nil {
			return st, fmt.Errorf("stats hosts: %w", err)
		}
		st.OSes, st.OSGroups = len(oses), len(groups)
		where, wargs := "1 = 1", []any(nil)
		if !sc.all {
			where, wargs = s.engine.inList("c.site_id", 1), []any{s.engine.intList(ids)}
		}
		err = s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(c.records), 0), SUM(c.received) FROM (
				SELECT site_id, records, received FROM report_counts
				UNION ALL
				SELECT site_id, records, received FROM report_count_deltas) c WHERE `+where, wargs...).
			Scan(&st.ReportRecords, &received)
		if err != nil {
			return st, fmt.Errorf("stats reports: %w", err)
		}
	}
	st.ReportsReceived = received.Int64
	// The oldest report by the index on first_received (the first in
	// scope met); the column itself, not MIN of it: SQLite's aggregates
	// lose its type.
	reportsIn := ` JOIN hosts h ON h.id = r.host_id JOIN sites s ON s.id = h.site_id WHERE ` + cond
	if sc.all {
		reportsIn = ""
	}
	var first sql.NullTime
	err = s.r.QueryRowContext(ctx, `SELECT r.first_received FROM reports r`+reportsIn+` ORDER BY r.first_received LIMIT 1`, args...).Scan(&first)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("stats first report: %w", err)
	}
	if first.Valid {
		st.FirstReport = first.Time.UTC()
	}
	return st, nil
}

// dataCVECache keeps the count of CVEs with vulnerability data for the
// data generation and descriptions it was counted in.
type dataCVECache struct {
	mu  sync.Mutex
	key dataCVEKey
	n   int
	ok  bool
}

// dataCVEKey says which data a CVE count holds: the data generation
// (migration 0023: it moves with every switch of a source's import in
// force, the only change of the records in force) and the descriptions'
// rows, their number and greatest id (the cves table is only added to:
// an import upserts descriptions, nothing deletes one).
type dataCVEKey struct {
	gen, descs int64
	last       string
}

// countDataCVEs counts the CVEs with vulnerability data: named by a record of
// an import in force, or with a description. Counted again only when
// its key moved; the key is read before the count, so an import that
// commits in between makes the next call count again.
func (s *Store) countDataCVEs(ctx context.Context) (int, error) {
	var k dataCVEKey
	if err := s.r.QueryRowContext(ctx, `SELECT (SELECT gen FROM data_generation WHERE id = 1),
			(SELECT COUNT(*) FROM cves), (SELECT COALESCE(MAX(id), '') FROM cves)`).Scan(&k.gen, &k.descs, &k.last); err != nil {
		return 0, fmt.Errorf("stats cves: %w", err)
	}
	c := &s.dataCVEs
	c.mu.Lock()
	if c.ok && c.key == k {
		n := c.n
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (
			SELECT a.cve FROM advisories a JOIN source_current sc ON sc.import_id = a.import_id WHERE a.cve <> ''
			UNION SELECT id FROM cves) c`).Scan(&n); err != nil {
		return 0, fmt.Errorf("stats cves: %w", err)
	}
	c.mu.Lock()
	c.key, c.n, c.ok = k, n, true
	c.mu.Unlock()
	return n, nil
}

// foldReportCounts folds the changes logged in report_count_deltas into
// report_counts (PostgreSQL; SQLite's triggers count in place), as
// FoldFleetCells does for the cells, and returns how many delta rows it
// folded.
func foldReportCounts(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `WITH d AS (DELETE FROM report_count_deltas RETURNING *),
			s AS (SELECT site_id, SUM(records) AS records, SUM(received) AS received, COUNT(*) AS n FROM d GROUP BY site_id),
			i AS (INSERT INTO report_counts (site_id, records, received)
				SELECT site_id, records, received FROM s
				ON CONFLICT (site_id) DO UPDATE SET records = report_counts.records + excluded.records,
					received = report_counts.received + excluded.received)
			SELECT COALESCE(SUM(n), 0) FROM s`).Scan(&n)
	return n, err
}
