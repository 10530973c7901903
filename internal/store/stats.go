package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	Packages    int `json:"packages"`     // distinct installed packages (name, version, arch) in the catalogue
	PackageSets int `json:"package_sets"` // distinct package lists (hosts alike share one)
	CVEs        int `json:"cves"`         // CVEs with vulnerability data (a record or a description)
	Advisories  int `json:"advisory_records"`
	Sources     int `json:"sources"`
	Tags        int `json:"tags"` // enabled CVE tags (CVE x tag)
	Exceptions  int `json:"exceptions"`
	Users       int `json:"users"`
	Snapshots   int `json:"exposure_snapshots"` // days with an exposure snapshot
}

// Stats counts what Stats holds.
func (s *Store) Stats(ctx context.Context, sc Scope) (Stats, error) {
	var st Stats
	cond, args := s.scopeSQL(sc, "s", 1)
	// Every site: the reports alone (each is of a host, each host of a
	// site), not two lookups per report.
	reportsIn := ` JOIN hosts h ON h.id = r.host_id JOIN sites s ON s.id = h.site_id WHERE ` + cond
	if sc.all {
		reportsIn = ""
	}
	var first sql.NullTime
	var received sql.NullInt64
	for _, q := range []struct {
		what string
		sql  string
		args []any
		dest []any
	}{
		{"sites", `SELECT COUNT(*) FROM sites s WHERE ` + cond, args, []any{&st.Sites}},
		{"reports", `SELECT COUNT(*), SUM(r.count) FROM reports r` + reportsIn, args, []any{&st.ReportRecords, &received}},
		{"packages", `SELECT COUNT(*) FROM packages`, nil, []any{&st.Packages}},
		{"package sets", `SELECT COUNT(*) FROM package_sets`, nil, []any{&st.PackageSets}},
		{"cves", `SELECT COUNT(*) FROM (SELECT cve FROM advisories WHERE cve <> '' UNION SELECT id FROM cves) c`, nil, []any{&st.CVEs}},
		{"advisories", `SELECT COUNT(*) FROM advisories`, nil, []any{&st.Advisories}},
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
	}
	st.ReportsReceived = received.Int64
	// The column itself, not MIN of it: SQLite's aggregates lose its type.
	err = s.r.QueryRowContext(ctx, `SELECT r.first_received FROM reports r`+reportsIn+` ORDER BY r.first_received LIMIT 1`, args...).Scan(&first)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("stats first report: %w", err)
	}
	if first.Valid {
		st.FirstReport = first.Time.UTC()
	}
	return st, nil
}
