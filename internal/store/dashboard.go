package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// The dashboard reads two kinds of numbers:
//
//   - live ones, from the hosts' counters (kept by the findings writer)
//     and the data states: aggregates over the hosts in scope, no finding
//     read;
//   - snapshot ones, from the tables the exposure-snapshot job fills once a
//     day (SnapshotExposure, migration 0018): the exposure per day for the
//     plots, the top CVEs and since when each host is exposed.
//
// Why a snapshot: exposed hosts per day over 90 days cannot be rebuilt
// from the findings history of 100,000 hosts at every page view (millions
// of rows), while 90 x sites x series small rows read in a millisecond.
// The snapshot reads the fleet only through store functions (EachHost,
// HostFindings), never the findings table itself, so it survives a change
// of how findings are stored.

// Snapshot series names (exposure_daily.series).
const (
	SeriesHosts   = "hosts"   // the site's hosts
	SeriesExposed = "exposed" // hosts with an open CVE
	SeriesStale   = "stale"   // hosts that did not report for the stale period
	SeriesReboot  = "reboot"  // hosts with a reboot-pending CVE
	SeriesSev     = "sev:"    // + severity: hosts by the worst of their open CVEs
	SeriesTag     = "tag:"    // + CVE tag: hosts with an open CVE carrying the tag
)

// FleetTotals are the dashboard's host counts, in scope.
type FleetTotals struct {
	Hosts         int `json:"hosts"`
	Evaluated     int `json:"evaluated"`
	NotEvaluated  int `json:"not_evaluated"`
	Exposed       int `json:"exposed"` // evaluated or not, hosts with an open CVE
	Clean         int `json:"clean"`   // evaluated, no open CVE, data complete and current
	RebootPending int `json:"reboot_pending"`
	StaleHosts    int `json:"stale_hosts"`
	// DataStates counts the hosts per data state: complete, partial,
	// stale, none (coverage.go).
	DataStates map[string]int `json:"data_states"`
}

// CVEHosts is a CVE with the number of hosts it is open on.
type CVEHosts struct {
	CVE   string `json:"cve"`
	Hosts int    `json:"hosts"`
}

// DashboardData is what the dashboard shows, in scope.
type DashboardData struct {
	Totals FleetTotals `json:"totals"`
	// BySeverity counts the exposed hosts by the worst severity of their
	// open CVEs (critical, high, medium, low, other).
	BySeverity map[string]int `json:"exposed_by_severity"`
	// ByTag counts the hosts with an open finding of a CVE carrying each
	// enabled tag.
	ByTag map[string]int `json:"exposed_by_tag"`
	// Newly exposed hosts: exposed now, and not yet at a snapshot before
	// the period (snapshot resolution).
	NewlyExposed24h int `json:"newly_exposed_24h"`
	NewlyExposed7d  int `json:"newly_exposed_7d"`
	// TopCVEs are the CVEs open on the most hosts at the latest snapshot.
	TopCVEs []CVEHosts `json:"top_cves"`
	// SnapshotAt is when the latest snapshot was taken (zero: never).
	SnapshotAt time.Time `json:"snapshot_at,omitzero"`
	// KEVExposure is the exposure to CISA's known-exploited CVEs, live
	// (kev.go).
	KEVExposure
}

// topCVEs is how many CVEs the dashboard lists.
const topCVEs = 10

// Dashboard returns the dashboard's numbers for the hosts in scope, at now.
func (s *Store) Dashboard(ctx context.Context, sc Scope, now time.Time) (DashboardData, error) {
	var d DashboardData
	var err error
	v, err := s.fleetView(ctx, sc, "", now.Add(-s.StaleAfter()))
	if err != nil {
		return d, err
	}
	if d.Totals, d.BySeverity, err = s.fleetTotals(ctx, v); err != nil {
		return d, err
	}
	_, all := v.perSite()
	d.ByTag = all.byTag
	if d.NewlyExposed24h, d.NewlyExposed7d, err = s.newlyExposed(ctx, sc, v, now); err != nil {
		return d, err
	}
	if d.TopCVEs, err = s.topCVEs(ctx, sc, v, topCVEs); err != nil {
		return d, err
	}
	if d.KEVExposure, err = s.kevExposure(ctx, v); err != nil {
		return d, err
	}
	// The column itself, not MAX of it: SQLite's aggregates lose its type.
	var at time.Time
	err = s.r.QueryRowContext(ctx, `SELECT taken_at FROM exposure_runs ORDER BY taken_at DESC LIMIT 1`).Scan(&at)
	switch {
	case err == nil:
		d.SnapshotAt = at.UTC()
	case !errors.Is(err, sql.ErrNoRows):
		return d, fmt.Errorf("latest snapshot: %w", err)
	}
	return d, nil
}

// newlyExposed counts the hosts of v exposed since the cuts 24 hours and
// 7 days before now as the snapshots saw them, still exposed now (not
// removed, an open CVE): from the counts per site, exposed since and live
// flag the triggers keep (migration 0028: exposure_counts with the
// changes not yet folded, PostgreSQL's deltas, in one statement), not a
// lookup of each host.
func (s *Store) newlyExposed(ctx context.Context, sc Scope, v *fleetView, now time.Time) (int, int, error) {
	cond, args := v.siteCond(sc, "c.site_id", s.engine, 3)
	var n24, n7 int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN c.since >= $1 THEN c.hosts ELSE 0 END), 0), COALESCE(SUM(c.hosts), 0)
		FROM (SELECT site_id, since, live, hosts FROM exposure_counts
			UNION ALL
			SELECT site_id, since, live, hosts FROM exposure_count_deltas) c
		WHERE c.live = 1 AND c.since >= $2 AND `+cond,
		append([]any{now.Add(-24 * time.Hour).UTC(), now.Add(-7 * 24 * time.Hour).UTC()}, args...)...).Scan(&n24, &n7)
	if err != nil {
		return 0, 0, fmt.Errorf("newly exposed: %w", err)
	}
	return n24, n7, nil
}

// foldExposureCounts folds the changes logged in exposure_count_deltas
// into exposure_counts (PostgreSQL; SQLite's triggers count in place),
// as FoldFleetCells does for the cells, and returns how many delta rows
// it folded.
func (s *Store) foldExposureCounts(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `WITH d AS (DELETE FROM exposure_count_deltas RETURNING *),
			s AS (SELECT site_id, since, live, SUM(hosts) AS hosts, COUNT(*) AS n FROM d GROUP BY site_id, since, live),
			i AS (INSERT INTO exposure_counts (site_id, since, live, hosts)
				SELECT site_id, since, live, hosts FROM s
				ON CONFLICT (site_id, since, live) DO UPDATE SET hosts = exposure_counts.hosts + excluded.hosts)
			SELECT COALESCE(SUM(n), 0) FROM s`).Scan(&n)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM exposure_counts WHERE hosts = 0`)
	return n, err
}

// fleetTotals counts the hosts of v from their targets' counters, and the
// exposed ones by their worst severity as Exposure does (fleetcells.go:
// one read of the hosts, no findings read).
func (s *Store) fleetTotals(ctx context.Context, v *fleetView) (FleetTotals, map[string]int, error) {
	var t FleetTotals
	_, all := v.perSite()
	t.Hosts, t.Exposed, t.RebootPending, t.StaleHosts = all.hosts, all.exposed, all.reboot, all.stale
	var err error
	// Evaluated per OS group and package set once (DataStates), not per host.
	groups, states, err := s.dataStatesOf(ctx, v)
	if err != nil {
		return t, nil, err
	}
	t.DataStates = states
	t.NotEvaluated = t.DataStates[model.DataNone]
	t.Evaluated = t.Hosts - t.NotEvaluated
	// Clean: evaluated, no open CVE, and the group's data complete and
	// current (issue 10; as the hosts filter status=clean). A group's
	// state is that of its evaluated hosts (dataStatesOf).
	complete := map[string]bool{}
	for _, g := range groups {
		complete[g.OSGroup] = g.State == model.DataComplete
	}
	for _, c := range v.cells {
		if complete[c.group] && v.evaluated(c) && v.targets[c.target].cves == 0 {
			t.Clean += c.hosts
		}
	}
	return t, all.bySev, nil
}

// topCVEs sums the latest snapshot's hosts per CVE over the sites in
// scope, those of v (a host is in one site: counted once).
func (s *Store) topCVEs(ctx context.Context, sc Scope, v *fleetView, n int) ([]CVEHosts, error) {
	cond, args := v.siteCond(sc, "c.site_id", s.engine, 2)
	rows, err := s.r.QueryContext(ctx, `SELECT c.cve, SUM(c.hosts) FROM exposure_cves c
		WHERE `+cond+` GROUP BY c.cve ORDER BY 2 DESC, c.cve LIMIT $1`, append([]any{n}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("top cves: %w", err)
	}
	defer rows.Close()
	out := []CVEHosts{}
	for rows.Next() {
		var c CVEHosts
		if err := rows.Scan(&c.CVE, &c.Hosts); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ExposurePoint is one value of a snapshot: a site's hosts of a series on
// a day.
type ExposurePoint struct {
	Day    string `json:"day"`
	Site   string `json:"site"`
	Series string `json:"series"`
	Hosts  int    `json:"hosts"`
}

// ExposureHistory returns the days a snapshot was taken since since
// (oldest first) and the snapshots' values of the sites in scope (of site
// alone, when not ""), by day, site and series.
func (s *Store) ExposureHistory(ctx context.Context, sc Scope, site string, since time.Time) ([]string, []ExposurePoint, error) {
	from := since.UTC().Format(time.DateOnly)
	rows, err := s.r.QueryContext(ctx, `SELECT day FROM exposure_runs WHERE day >= $1 ORDER BY day`, from)
	if err != nil {
		return nil, nil, fmt.Errorf("exposure days: %w", err)
	}
	days := []string{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return nil, nil, err
		}
		days = append(days, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	cond, args := s.scopeSQL(sc, "s", 3)
	rows, err = s.r.QueryContext(ctx, `SELECT e.day, s.name, e.series, e.hosts FROM exposure_daily e JOIN sites s ON s.id = e.site_id
		WHERE e.day >= $1 AND ($2 = '' OR s.name = $2) AND `+cond+` ORDER BY e.day, s.name, e.series`,
		append([]any{from, site}, args...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("exposure history: %w", err)
	}
	defer rows.Close()
	pts := []ExposurePoint{}
	for rows.Next() {
		var p ExposurePoint
		if err := rows.Scan(&p.Day, &p.Site, &p.Series, &p.Hosts); err != nil {
			return nil, nil, err
		}
		pts = append(pts, p)
	}
	return days, pts, rows.Err()
}

// SnapshotResult says what a snapshot saw.
type SnapshotResult struct {
	Day      string        `json:"day"`
	Hosts    int           `json:"hosts"`
	Exposed  int           `json:"exposed"`
	Reads    int           `json:"finding_reads"` // HostFindings calls (one per distinct host state)
	Duration time.Duration `json:"duration"`
}

// snapshotKeep is how long daily snapshots are kept.
const snapshotKeep = 400 * 24 * time.Hour

// hostState is what makes two hosts' open CVEs the same: same site (site
// exceptions), package set, OS group and running kernel, and the same
// counters (a host exception changes them). Hosts alike are read once.
type hostState struct {
	site, set, group, kernel string
	cves, excepted, reboot   int
	crit, high, med, low     int
}

// SnapshotExposure records the fleet's exposure on now's day (UTC),
// replacing that day's snapshot if there is one: per site, the hosts,
// exposed, stale and reboot-pending hosts, exposed hosts by worst severity
// and per CVE tag; the hosts per open CVE (top CVEs); since when each
// exposed host is exposed. It reads every host (EachHost) and the open
// findings of one host per distinct state (HostFindings).
func (s *Store) SnapshotExposure(ctx context.Context, now time.Time) (SnapshotResult, error) {
	start := time.Now()
	now = now.UTC()
	res := SnapshotResult{Day: now.Format(time.DateOnly)}
	type key struct{ site, series string }
	counts := map[key]int{}
	exposed := map[string]bool{} // host names
	members := map[hostState][]string{}
	sites := map[string]bool{}
	_, err := s.EachHost(ctx, AllSites(), HostFilter{Now: now}, func(h model.Host) error {
		res.Hosts++
		sites[h.Site] = true
		counts[key{h.Site, SeriesHosts}]++
		if h.Stale {
			counts[key{h.Site, SeriesStale}]++
		}
		if h.RebootPending > 0 {
			counts[key{h.Site, SeriesReboot}]++
		}
		if h.CVEs == 0 {
			return nil
		}
		res.Exposed++
		exposed[h.Hostname] = true
		counts[key{h.Site, SeriesExposed}]++
		counts[key{h.Site, SeriesSev + worstSeverity(h)}]++
		for t, n := range h.TaggedCVEs {
			if n > 0 {
				counts[key{h.Site, SeriesTag + t}]++
			}
		}
		st := hostState{site: h.Site, set: h.PackageSetHash, group: h.OSGroup, kernel: h.Kernel, cves: h.CVEs,
			excepted: h.Excepted, reboot: h.RebootPending, crit: h.BySeverity["critical"], high: h.BySeverity["high"],
			med: h.BySeverity["medium"], low: h.BySeverity["low"]}
		members[st] = append(members[st], h.Hostname)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("snapshot: %w", err)
	}
	type siteCVE struct{ site, cve string }
	cveHosts := map[siteCVE]int{}
	for st, names := range members {
		fs, err := s.HostFindings(ctx, AllSites(), names[0], false)
		if err != nil {
			return res, fmt.Errorf("snapshot: %w", err)
		}
		res.Reads++
		seen := map[string]bool{}
		for _, f := range fs {
			if (f.Status == StatusOpen || f.Status == StatusUnfixed) && !seen[f.CVE] {
				seen[f.CVE] = true
				cveHosts[siteCVE{st.site, f.CVE}] += len(names)
			}
		}
	}
	ids, err := s.siteIDs(ctx)
	if err != nil {
		return res, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM exposure_daily WHERE day = $1 OR day < $2`,
			res.Day, now.Add(-snapshotKeep).Format(time.DateOnly)); err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO exposure_daily (day, site_id, series, hosts) VALUES ($1, $2, $3, $4)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for k, n := range counts {
			id, ok := ids[k.site]
			if !ok {
				continue // a site made since the ids were read: next snapshot
			}
			if _, err := ins.ExecContext(ctx, res.Day, id, k.series, n); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM exposure_cves`); err != nil {
			return err
		}
		insC, err := tx.PrepareContext(ctx, `INSERT INTO exposure_cves (site_id, cve, hosts) VALUES ($1, $2, $3)`)
		if err != nil {
			return err
		}
		defer insC.Close()
		for k, n := range cveHosts {
			if id, ok := ids[k.site]; ok {
				if _, err := insC.ExecContext(ctx, id, k.cve, n); err != nil {
					return err
				}
			}
		}
		if err := syncExposedHosts(ctx, tx, exposed, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM exposure_runs WHERE day = $1 OR day < $2`,
			res.Day, now.Add(-snapshotKeep).Format(time.DateOnly)); err != nil {
			return err
		}
		res.Duration = time.Since(start)
		_, err = tx.ExecContext(ctx, `INSERT INTO exposure_runs (day, taken_at, hosts, duration_ms) VALUES ($1, $2, $3, $4)`,
			res.Day, now, res.Hosts, res.Duration.Milliseconds())
		return err
	})
	if err != nil {
		return res, fmt.Errorf("snapshot: %w", err)
	}
	return res, nil
}

// syncExposedHosts keeps a row per exposed host (by name in exposed; by
// id in the table): new ones exposed since now, the others keep their
// time; hosts no longer exposed lose theirs.
func syncExposedHosts(ctx context.Context, tx *sql.Tx, exposed map[string]bool, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT e.host_id, h.hostname FROM exposure_hosts e JOIN hosts h ON h.id = e.host_id`)
	if err != nil {
		return err
	}
	var gone []int64
	had := map[string]bool{}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return err
		}
		had[n] = true
		if !exposed[n] {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM exposure_hosts WHERE host_id = $1`, id); err != nil {
			return err
		}
	}
	fresh := make([]string, 0, len(exposed))
	for n := range exposed {
		if !had[n] {
			fresh = append(fresh, n)
		}
	}
	sort.Strings(fresh)
	for _, n := range fresh {
		// With the host's site and live flag, which a trigger on hosts
		// keeps from now on (migration 0028).
		if _, err := tx.ExecContext(ctx, `INSERT INTO exposure_hosts (host_id, exposed_since, site_id, live)
			SELECT id, $2, site_id, CASE WHEN removed_at IS NULL AND cves > 0 THEN 1 ELSE 0 END FROM hosts WHERE hostname = $1`,
			n, now); err != nil {
			return err
		}
	}
	return nil
}

// siteIDs maps every site's name to its id.
func (s *Store) siteIDs(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name FROM sites`)
	if err != nil {
		return nil, fmt.Errorf("site ids: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[n] = id
	}
	return out, rows.Err()
}

// worstSeverity names the worst severity among a host's open CVEs as
// Exposure does: critical, high, medium, low, or other (negligible or
// unassigned only).
func worstSeverity(h model.Host) string {
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		if h.BySeverity[sev] > 0 {
			return sev
		}
	}
	return "other"
}

// SeriesTagName returns the tag of a tag series, and whether series is one.
func SeriesTagName(series string) (string, bool) {
	return strings.CutPrefix(series, SeriesTag)
}

// Key names the sites sc sees, for keeping a read per scope (a cache):
// two scopes with one key see the same sites.
func (sc Scope) Key() string {
	switch {
	case sc.all:
		return "*"
	case sc.resolved:
		ids := make([]string, len(sc.ids))
		for i, id := range sc.ids {
			ids[i] = fmt.Sprint(id)
		}
		return "ids:" + strings.Join(ids, ",")
	}
	names := append([]string(nil), sc.sites...)
	sort.Strings(names)
	return "names:" + strings.Join(names, "\x00")
}
