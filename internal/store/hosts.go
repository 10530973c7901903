package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// HostFilter narrows a host listing. Zero values mean "any".
type HostFilter struct {
	Site    string
	Tag     string    // the host's tag (the report's tag:, pakiti-client --tag), exactly
	Query   string    // substring of the host name, OS or kernel, any case (Pakiti 3's search)
	CVE     string    // hosts with an open finding of this CVE
	CVETag  string    // hosts with an open, unexcepted finding of a CVE carrying this enabled tag (AnyTag: any)
	At      time.Time // when exceptions are judged (CVETag); zero: now
	OSGroup string
	OS      string // the reported OS string, exactly
	Status  string // one of HostStatuses ("" any)
	// Exploited keeps the hosts with a finding (not excepted) of a CVE
	// CISA's known-exploited catalogue in force lists (kev.go): none when
	// no catalogue is loaded.
	Exploited bool
	// Severity keeps the exposed hosts whose worst open CVE has this
	// severity (one of HostSeverities; "other": negligible or unassigned
	// only), as the dashboard counts them.
	Severity string
	Sort     string // one of HostSorts; "" is by host name
	// Activity keeps the hosts that reported within a period ("24h") or
	// did not ("-7d"), by Now.
	Activity Activity
	Stale    bool // only the stale hosts (no report for the stale period)
	// DataState keeps the hosts whose data state (model.DataComplete,
	// DataPartial, DataStale, DataNone) is this one.
	DataState string
	Now       time.Time // the clock of Activity, Stale and each host's stale flag; zero: time.Now
	Limit     int       // 0: DefaultLimit; capped at MaxLimit
	Offset    int
}

// HostSorts are the orders a host listing takes: a column, "-" first for
// descending. Ties fall back to the host name (unique, so pages are
// stable). "os" orders by OS group with release numbers compared as
// numbers (hostOSOrder), then by OS string.
var HostSorts = map[string]string{
	"hostname":     "h.hostname",
	"-hostname":    "h.hostname DESC",
	"site":         "s.name, h.hostname",
	"-site":        "s.name DESC, h.hostname",
	"tag":          "h.tag, h.hostname",
	"-tag":         "h.tag DESC, h.hostname",
	"os":           osSortMark,
	"-os":          osSortMark + " DESC",
	"kernel":       "h.kernel, h.hostname",
	"-kernel":      "h.kernel DESC, h.hostname",
	"arch":         "h.arch, h.hostname",
	"-arch":        "h.arch DESC, h.hostname",
	"packages":     "ps.package_count, h.hostname",
	"-packages":    "ps.package_count DESC, h.hostname",
	"vulnerable":   "h.vulnerable_packages, h.hostname",
	"-vulnerable":  "h.vulnerable_packages DESC, h.hostname",
	"-cves":        "h.cves DESC, h.vulnerable_packages DESC, h.hostname",
	"cves":         "h.cves, h.vulnerable_packages, h.hostname",
	"tagged":       "h.tagged_cves, h.hostname",
	"-tagged":      "h.tagged_cves DESC, h.hostname",
	"-last_report": "h.last_report DESC, h.hostname",
	"reports":      reportsSQL + ", h.hostname",
	"-reports":     reportsSQL + " DESC, h.hostname",
	"last_report":  "h.last_report, h.hostname",
}

// Listing limits shared by the API, the pages and the CLI.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

const hostColumns = `h.hostname, s.name, h.tag, h.os, h.os_id, h.os_version_id, h.arch, h.kernel, h.cpu,
	h.packager, h.reboot_required, h.reporter_addr, h.protocol, h.first_report, h.last_report,
	ps.package_count, ps.hash, h.os_group, h.cves, h.vulnerable_packages, h.advisory_findings, h.sev_critical, h.sev_high, h.sev_medium,
	h.sev_low, h.unfixed, h.reboot_pending, h.excepted, h.tagged, ` + reportsSQL + `, ` + evaluatedSQL

// reportsSQL is a host's #reports, every report it sent (migration
// 0033): the reports of its history records before the last one, kept on
// its row, and those of its last record (the touch path's count + 1),
// found by one descent of reports_host (20 % faster than a MAX subquery
// and a lookup by id when the listing sorts 20,000 hosts by it).
const reportsSQL = `(h.reports_before + COALESCE((SELECT r.count FROM reports r
	WHERE r.host_id = h.id ORDER BY r.id DESC LIMIT 1), 0))`

// evaluatedSQL tells whether a host is evaluated: its OS group has data,
// or its package set was evaluated for its group against data the group
// borrows (centos:7 reading rhel:7: the matcher marks a set only when one
// of the group's data groups has records).
// The groups with data are one uncorrelated subquery (read once per
// query, not once per host).
const evaluatedSQL = `(h.os_group IN (SELECT d.os_group FROM os_group_data d)
	OR EXISTS (SELECT 1 FROM set_evaluated se WHERE se.set_id = h.package_set_id AND se.os_group = h.os_group))`

// hostCountFrom is hostFrom for counting: no column of package_sets.
const hostCountFrom = ` FROM hosts h JOIN sites s ON s.id = h.site_id AND h.removed_at IS NULL`

// hostFrom leaves removed hosts out (DeleteHost).
const hostFrom = ` FROM hosts h JOIN sites s ON s.id = h.site_id AND h.removed_at IS NULL
	JOIN package_sets ps ON ps.id = h.package_set_id`

func scanHost(sc interface{ Scan(...any) error }) (model.Host, error) {
	var h model.Host
	var reboot sql.NullBool
	var crit, high, med, low int
	var tagged string
	err := sc.Scan(&h.Hostname, &h.Site, &h.Tag, &h.OS, &h.OSID, &h.OSVersionID, &h.Arch, &h.Kernel, &h.CPU,
		&h.Packager, &reboot, &h.ReporterAddr, &h.Protocol, &h.FirstReport, &h.LastReport,
		&h.Packages, &h.PackageSetHash, &h.OSGroup, &h.CVEs, &h.VulnerablePackages, &h.AdvisoryFindings, &crit, &high, &med, &low,
		&h.Unfixed, &h.RebootPending, &h.Excepted, &tagged, &h.Reports, &h.Evaluated)
	h.BySeverity = map[string]int{"critical": crit, "high": high, "medium": med, "low": low}
	h.TaggedCVEs = map[string]int{}
	if tagged != "" {
		json.Unmarshal([]byte(tagged), &h.TaggedCVEs) // written by WriteFindings
	}
	if reboot.Valid {
		h.RebootRequired = &reboot.Bool
	}
	h.FirstReport, h.LastReport = h.FirstReport.UTC(), h.LastReport.UTC()
	return h, err
}

// StatusNotEvaluated filters the hosts that are not evaluated: no data
// for their OS group (HostFilter.Status).
const StatusNotEvaluated = "not-evaluated"

// HostStatuses are the values of HostFilter.Status: hosts with an open
// CVE (exposed), evaluated with none (clean), not evaluated, with
// partial or stale data (as data_state), with a fixed kernel installed
// and not running (reboot-pending), that stopped reporting (stale-host),
// with an "update available" finding.
var HostStatuses = []string{"exposed", "clean", StatusNotEvaluated, "partial-data", "stale-data", StatusRebootPending, "stale-host", StatusUpdateAvailable}

// HostSeverities are the values of HostFilter.Severity.
var HostSeverities = []string{"critical", "high", "medium", "low", "other"}

// severitySQL is the condition of HostFilter.Severity: the worst
// severity among a host's open CVEs, from its counters.
var severitySQL = map[string]string{
	"critical": "h.sev_critical > 0",
	"high":     "h.sev_critical = 0 AND h.sev_high > 0",
	"medium":   "h.sev_critical = 0 AND h.sev_high = 0 AND h.sev_medium > 0",
	"low":      "h.sev_critical = 0 AND h.sev_high = 0 AND h.sev_medium = 0 AND h.sev_low > 0",
	"other":    "h.cves > 0 AND h.sev_critical = 0 AND h.sev_high = 0 AND h.sev_medium = 0 AND h.sev_low = 0",
}

// ListHosts returns one page of the hosts in scope that pass f, sorted by
// host name, and how many pass f in all.
func (s *Store) ListHosts(ctx context.Context, sc Scope, f HostFilter) ([]model.Host, int, error) {
	return s.listHosts(ctx, sc, f, true)
}

// EachHost calls fn for every host in scope that passes f, in f's order,
// whatever f.Limit and f.Offset say: the whole filtered view, read with
// one query whose rows are streamed (never a page by OFFSET, which ran
// the filter again for every page), so that memory stays bounded. The
// data states are those of the coverage when it starts. It returns how
// many it passed.
func (s *Store) EachHost(ctx context.Context, sc Scope, f HostFilter, fn func(model.Host) error) (int, error) {
	q, err := s.hostQuery(ctx, sc, f)
	if err != nil {
		return 0, err
	}
	cs, err := s.coverageSnapshot(ctx)
	if err != nil {
		return 0, err
	}
	rows, err := s.r.QueryContext(ctx, "SELECT "+hostColumns+hostFrom+q.where+" ORDER BY "+q.order, q.args...)
	if err != nil {
		return 0, fmt.Errorf("each host: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		h, err := scanHost(rows)
		if err != nil {
			return n, fmt.Errorf("each host: %w", err)
		}
		h.Stale = h.LastReport.Before(q.staleCut)
		if err := s.hostDataState(ctx, cs, &h); err != nil {
			return n, fmt.Errorf("each host: %w", err)
		}
		if err := fn(h); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// hostSQL is a host listing's query: its WHERE (with " WHERE "), ORDER
// BY (without), their arguments, and the stale cut.
type hostSQL struct {
	where, order string
	args         []any // of where, then of order
	whereArgs    int   // how many of args are where's
	staleCut     time.Time
	// walkWhere is where with the CVE condition kept off the target
	// index (SQLite: "+h.target_id"), for a CVE on many hosts: the page
	// is then found walking the order's index. "" without a CVE filter.
	walkWhere string
	// indexOnly: the conditions are on the scope, the site and the CVE
	// alone, which the listing indexes (0027) hold: walking one of them
	// reads no host row.
	indexOnly bool
	// osGroups: for the OS order, the OS groups in their order (osDesc:
	// reversed), the ranks of its CASE.
	osGroups []string
	osDesc   bool
}

// ListHostsAndSites is ListHosts and Sites at once, as the hosts page
// shows them: when f keeps hosts by scope and site alone, the total is
// the sites' counts (one read of the hosts, not two).
func (s *Store) ListHostsAndSites(ctx context.Context, sc Scope, f HostFilter) ([]model.Host, int, []SiteCount, error) {
	sites, err := s.Sites(ctx, sc)
	if err != nil {
		return nil, 0, nil, err
	}
	q, err := s.hostQuery(ctx, sc, f)
	if err != nil {
		return nil, 0, nil, err
	}
	if !q.indexOnly {
		hosts, total, err := s.listQuery(ctx, f, q, true)
		return hosts, total, sites, err
	}
	var total int
	if f.CVE != "" {
		if total, err = s.cellsHosts(ctx, sc, f.Site, f.CVE); err != nil {
			return nil, 0, nil, err
		}
	} else {
		for _, c := range sites {
			if f.Site == "" || c.Name == f.Site {
				total += c.Hosts
			}
		}
	}
	hosts, err := s.listPage(ctx, f, q, total)
	return hosts, total, sites, err
}

// listHosts is ListHosts; without count, the total is not counted (0).
//
// A page is read in two steps (a deferred join): the ids of the page's
// hosts in the page's order, from the listing indexes alone where they
// serve (migration 0027), then the columns of those hosts only. The
// total is counted from the same indexes.
func (s *Store) listHosts(ctx context.Context, sc Scope, f HostFilter, count bool) ([]model.Host, int, error) {
	q, err := s.hostQuery(ctx, sc, f)
	if err != nil {
		return nil, 0, err
	}
	if count && q.indexOnly {
		// Kept by scope, site and CVE alone: the total is the hosts of
		// the cells of those sites (and of the CVE's targets)
		// (fleetcells.go), not a count of the hosts: a CVE most of
		// 100,000 hosts have read 100,000 index entries (PostgreSQL: 60
		// to 250 ms, the most after a fleet's re-evaluation, before
		// autovacuum) where the cells are a few thousand rows.
		total, err := s.cellsHosts(ctx, sc, f.Site, f.CVE)
		if err != nil {
			return nil, 0, err
		}
		hosts, err := s.listPage(ctx, f, q, total)
		return hosts, total, err
	}
	return s.listQuery(ctx, f, q, count)
}

// cellsHosts counts the hosts (not removed) of the sites in scope (site
// alone when not "") from their cells; with cve, only those the CVE
// filter keeps (hostQuery): the hosts of the targets with a finding of
// cve that is not excepted.
func (s *Store) cellsHosts(ctx context.Context, sc Scope, site, cve string) (int, error) {
	ids, err := s.scopeSiteIDs(ctx, sc, site)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	var targets map[int64]bool
	if cve != "" {
		targets = map[int64]bool{}
		err := s.eachRow(ctx, `SELECT DISTINCT target_id FROM (`+fmt.Sprintf(cveTargetsSQL, 1)+`) t`,
			[]any{cve}, func(scan func(...any) error) error {
				var id int64
				err := scan(&id)
				targets[id] = true
				return err
			})
		if err != nil {
			return 0, fmt.Errorf("count hosts: %w", err)
		}
		if len(targets) == 0 {
			return 0, nil
		}
	}
	n := 0
	err = s.eachCell(ctx, ids, func(c fleetCell, _ string, removed bool) {
		if !removed && (targets == nil || targets[c.target]) {
			n += c.hosts
		}
	})
	if err != nil {
		return 0, fmt.Errorf("count hosts: %w", err)
	}
	return n, nil
}

// listQuery is listHosts of f, q its query.
func (s *Store) listQuery(ctx context.Context, f HostFilter, q hostSQL, count bool) ([]model.Host, int, error) {
	total := -1
	if count {
		// Every host has a package set: the count needs no package_sets row.
		if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*)"+hostCountFrom+q.where, q.args[:q.whereArgs]...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count hosts: %w", err)
		}
	}
	hosts, err := s.listPage(ctx, f, q, total)
	return hosts, max(total, 0), err
}

// listPage reads the page of f (q its query), total the hosts passing it
// (-1: not counted).
func (s *Store) listPage(ctx context.Context, f HostFilter, q hostSQL, total int) ([]model.Host, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	offset := max(f.Offset, 0)
	if total >= 0 && offset >= total {
		return []model.Host{}, nil
	}
	ids, err := s.hostPageIDs(ctx, f, q, total, limit, offset)
	if err != nil {
		return nil, err
	}
	hosts, err := s.hostsByID(ctx, ids, q.staleCut)
	if err != nil {
		return nil, err
	}
	return hosts, s.fillDataStates(ctx, hosts)
}

// hostPageIDs returns the ids of the hosts of q's page, in its order.
// total is the count of the hosts passing q (-1: not counted).
func (s *Store) hostPageIDs(ctx context.Context, f HostFilter, q hostSQL, total, limit, offset int) ([]int64, error) {
	where, from := q.where, hostCountFrom
	if strings.Contains(q.order, "ps.") {
		from = hostFrom
	}
	if s.engine.name() == "sqlite" && q.indexOnly {
		// SQLite has no statistics: it takes the target index for a CVE
		// and sorts all its hosts. On a CVE most hosts have, walking the
		// order's index reads fewer entries: about (offset+limit)*N/n
		// against n for n hosts of N.
		if q.walkWhere != "" && total >= 0 {
			var n int64
			if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM hosts`).Scan(&n); err != nil {
				return nil, fmt.Errorf("list hosts: %w", err)
			}
			if int64(total)*int64(total) >= int64(offset+limit)*n {
				where = q.walkWhere
			}
		}
		// By site: the sites in name order, each site's hosts by name
		// (hosts_listing_site), no sort of the whole listing. SQLite keeps
		// the join order of a CROSS JOIN.
		if (f.Sort == "site" || f.Sort == "-site") && (q.walkWhere == "" || where == q.walkWhere) {
			from = ` FROM sites s CROSS JOIN hosts h ON s.id = h.site_id AND h.removed_at IS NULL`
		}
	}
	args := append(q.args, limit, offset)
	query := "SELECT h.id" + from + where + fmt.Sprintf(" ORDER BY %s LIMIT $%d OFFSET $%d", q.order, len(args)-1, len(args))
	if len(q.osGroups) > 0 {
		query, args = s.osPageSQL(q, from, where, limit, offset)
	}
	var ids []int64
	err := s.eachRow(ctx, query, args, func(scan func(...any) error) error {
		var id int64
		err := scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list hosts: %w", err)
	}
	return ids, nil
}

// osPageSQL returns the query of the ids of a page in the OS order and
// its arguments: each OS group's first offset+limit hosts by OS string
// and name (hosts_listing_os), its rank in the order beside, then the
// page of all those (at most groups*(offset+limit) rows sorted, not the
// whole listing). The last parts take the hosts of any other group (the
// CASE's ELSE: none but a group new since the groups were read).
func (s *Store) osPageSQL(q hostSQL, from, where string, limit, offset int) (string, []any) {
	args := slices.Clone(q.args[:q.whereArgs])
	args = append(args, offset+limit)
	n := len(args)
	dir := ""
	if q.osDesc {
		dir = " DESC"
	}
	parts := make([]string, 0, len(q.osGroups)+1)
	for i, g := range q.osGroups {
		args = append(args, g)
		parts = append(parts, fmt.Sprintf("SELECT * FROM (SELECT %d AS k, h.os AS o, h.hostname AS n, h.id AS i%s%s AND h.os_group = $%d ORDER BY h.os%s, h.hostname LIMIT $%d) g%d",
			i, from, where, len(args), dir, n, i))
	}
	// The other groups: the ranges between the known ones in text order,
	// each an index range (a NOT IN would read every host).
	known := slices.Clone(q.osGroups)
	slices.Sort(known)
	for i := 0; i <= len(known); i++ {
		var cond []string
		if i > 0 {
			args = append(args, known[i-1])
			cond = append(cond, fmt.Sprintf("h.os_group > $%d", len(args)))
		}
		if i < len(known) {
			args = append(args, known[i])
			cond = append(cond, fmt.Sprintf("h.os_group < $%d", len(args)))
		}
		parts = append(parts, fmt.Sprintf("SELECT * FROM (SELECT %d AS k, h.os AS o, h.hostname AS n, h.id AS i%s%s AND %s ORDER BY h.os%s, h.hostname LIMIT $%d) o%d",
			len(known), from, where, strings.Join(cond, " AND "), dir, n, i))
	}
	args = append(args, limit, offset)
	return "SELECT i FROM (" + strings.Join(parts, " UNION ALL ") + fmt.Sprintf(") p ORDER BY k%s, o%s, n LIMIT $%d OFFSET $%d",
		dir, dir, len(args)-1, len(args)), args
}

// hostsByID reads the hosts of ids, in the order of ids.
func (s *Store) hostsByID(ctx context.Context, ids []int64, staleCut time.Time) ([]model.Host, error) {
	hosts := make([]model.Host, 0, len(ids))
	if len(ids) == 0 {
		return hosts, nil
	}
	at := make(map[int64]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	got := make([]model.Host, len(ids))
	seen := make([]bool, len(ids))
	rows, err := s.r.QueryContext(ctx, "SELECT h.id, "+hostColumns+hostFrom+" WHERE "+s.engine.inList("h.id", 1), s.engine.intList(ids))
	if err != nil {
		return nil, fmt.Errorf("list hosts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		h, err := scanHost(prefixScan{rows, &id})
		if err != nil {
			return nil, fmt.Errorf("list hosts: %w", err)
		}
		h.Stale = h.LastReport.Before(staleCut)
		if i, ok := at[id]; ok {
			got[i], seen[i] = h, true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, h := range got {
		if seen[i] { // removed between the two reads: left out
			hosts = append(hosts, h)
		}
	}
	return hosts, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// prefixScan scans one column into id before the columns scanHost reads.
type prefixScan struct {
	sc interface{ Scan(...any) error }
	id *int64
}

func (p prefixScan) Scan(dst ...any) error { return p.sc.Scan(append([]any{p.id}, dst...)...) }

// cveTargetsSQL selects the targets the CVE filter keeps the hosts of
// (the CVE its numbered parameter): those with a finding of it that is
// not excepted. hostQuery and cellsHosts (the total) share it.
const cveTargetsSQL = `SELECT f.target_id FROM target_findings f WHERE f.cve = $%d AND f.status <> 'excepted'`

// hostQuery builds the query of the hosts in scope passing f.
func (s *Store) hostQuery(ctx context.Context, sc Scope, f HostFilter) (hostSQL, error) {
	cond, args := s.scopeSQL(sc, "s", 1)
	where := []string{cond}
	cveAt := -1
	if f.Site != "" {
		args = append(args, f.Site)
		where = append(where, fmt.Sprintf("s.name = $%d", len(args)))
	}
	if f.CVE != "" {
		args = append(args, f.CVE)
		// The CVE's targets once (target_findings_cve), then their hosts
		// (hosts_listing_target).
		cveAt = len(where)
		where = append(where, "h.target_id IN ("+fmt.Sprintf(cveTargetsSQL, len(args))+")")
	}
	if f.Exploited {
		// The catalogue's CVEs' targets (target_findings_cve), then
		// their hosts, as for one CVE.
		where = append(where, `h.target_id IN (SELECT f.target_id FROM kev_entries k
			JOIN target_findings f ON f.cve = k.cve WHERE f.status <> 'excepted')`)
	}
	if f.CVETag != "" {
		at := f.At
		if at.IsZero() {
			at = time.Now()
		}
		cond, targs := tagFilterSQL(f.CVETag, at, len(args)+1)
		args = append(args, targs...)
		where = append(where, cond)
	}
	if f.OSGroup != "" {
		args = append(args, f.OSGroup)
		where = append(where, fmt.Sprintf("h.os_group = $%d", len(args)))
	}
	if f.Tag != "" {
		args = append(args, f.Tag)
		where = append(where, fmt.Sprintf("h.tag = $%d", len(args)))
	}
	if f.OS != "" {
		args = append(args, f.OS)
		where = append(where, fmt.Sprintf("h.os = $%d", len(args)))
	}
	switch f.Status {
	case "":
	case StatusUpdateAvailable:
		where = append(where, `EXISTS (SELECT 1 FROM target_updates u WHERE u.target_id = h.target_id)`)
	case StatusNotEvaluated:
		cond, nargs, err := s.notEvaluatedSQL(ctx, len(args)+1)
		if err != nil {
			return hostSQL{}, err
		}
		args = append(args, nargs...)
		where = append(where, cond)
	case "exposed":
		// SQLite, without statistics, would take hosts_cves_order for the
		// range and read each exposed host's row for the rest; off that
		// index, the listing indexes (0027) hold cves.
		where = append(where, map[bool]string{true: "+h.cves > 0", false: "h.cves > 0"}[s.engine.name() == "sqlite"])
	case "clean":
		// Clean is no open CVE on data complete and current for the
		// host's release (issue 10): an evaluated host with partial or
		// stale data and no finding is not called clean.
		if f.DataState != "" && f.DataState != model.DataComplete {
			return hostSQL{}, fmt.Errorf("status clean and data_state %s exclude each other", f.DataState)
		}
		f.DataState = model.DataComplete
		where = append(where, "h.cves = 0 AND "+evaluatedSQL)
	case StatusRebootPending:
		where = append(where, "h.reboot_pending > 0")
	case "partial-data", "stale-data":
		if f.DataState != "" && f.DataState != strings.TrimSuffix(f.Status, "-data") {
			return hostSQL{}, fmt.Errorf("status %s and data_state %s exclude each other", f.Status, f.DataState)
		}
		f.DataState = strings.TrimSuffix(f.Status, "-data")
	case "stale-host":
		f.Stale = true
	default:
		return hostSQL{}, fmt.Errorf("unknown status filter %q (known: %s)", f.Status, strings.Join(HostStatuses, ", "))
	}
	if f.Severity != "" {
		cond, ok := severitySQL[f.Severity]
		if !ok {
			return hostSQL{}, fmt.Errorf("unknown severity filter %q (known: %s)", f.Severity, strings.Join(HostSeverities, ", "))
		}
		where = append(where, cond)
	}
	if f.Query != "" {
		args = append(args, "%"+likeEscape(strings.ToLower(f.Query))+"%")
		n := len(args)
		where = append(where, fmt.Sprintf(`(LOWER(h.hostname) LIKE $%d ESCAPE '\' OR LOWER(h.os) LIKE $%d ESCAPE '\' OR LOWER(h.kernel) LIKE $%d ESCAPE '\')`, n, n, n))
	}
	now := f.Now
	if now.IsZero() {
		now = s.now()
	}
	if f.Activity.Within > 0 {
		args = append(args, now.Add(-f.Activity.Within).UTC())
		op := ">="
		if f.Activity.Absent {
			op = "<"
		}
		where = append(where, fmt.Sprintf("h.last_report %s $%d", op, len(args)))
	}
	staleCut := now.Add(-s.StaleAfter())
	if f.Stale {
		args = append(args, staleCut.UTC())
		where = append(where, fmt.Sprintf("h.last_report < $%d", len(args)))
	}
	if f.DataState != "" {
		cond, dargs, err := s.dataStateSQL(ctx, f.DataState, len(args)+1)
		if err != nil {
			return hostSQL{}, err
		}
		args = append(args, dargs...)
		where = append(where, cond)
	}
	whereSQL, whereArgs := " WHERE "+strings.Join(where, " AND "), len(args)
	walkWhere := ""
	if cveAt >= 0 {
		walk := slices.Clone(where)
		walk[cveAt] = "+" + walk[cveAt]
		walkWhere = " WHERE " + strings.Join(walk, " AND ")
	}
	// Every other filter adds a condition on a column of the host's row.
	indexOnly := len(where) == 1+btoi(f.Site != "")+btoi(f.CVE != "")
	order, ok := HostSorts[f.Sort]
	if f.Sort == "" {
		order, ok = HostSorts["hostname"], true
	}
	if !ok {
		return hostSQL{}, fmt.Errorf("unknown sort %q", f.Sort)
	}
	var osGroups []string
	osDesc := strings.HasSuffix(order, " DESC")
	if strings.HasPrefix(order, osSortMark) {
		osOrder, oargs, err := s.hostOSOrder(ctx, osDesc, len(args)+1)
		if err != nil {
			return hostSQL{}, err
		}
		order, args = osOrder, append(args, oargs...)
		for _, a := range oargs {
			osGroups = append(osGroups, a.(string))
		}
	}
	return hostSQL{where: whereSQL, order: order, args: args, whereArgs: whereArgs, staleCut: staleCut,
		walkWhere: walkWhere, indexOnly: indexOnly, osGroups: osGroups, osDesc: osDesc}, nil
}

// Host returns one host in scope, or ErrNotFound.
func (s *Store) Host(ctx context.Context, sc Scope, hostname string) (model.Host, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	h, err := scanHost(s.readRow(ctx, "SELECT "+hostColumns+hostFrom+
		" WHERE h.hostname = $1 AND "+cond, append([]any{hostname}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Host{}, ErrNotFound
	}
	if err != nil {
		return model.Host{}, fmt.Errorf("host %s: %w", hostname, err)
	}
	h.Stale = h.LastReport.Before(s.now().Add(-s.StaleAfter()))
	hs := []model.Host{h}
	err = s.fillDataStates(ctx, hs)
	return hs[0], err
}

// HostPackages returns the packages of a host in scope, sorted by name.
func (s *Store) HostPackages(ctx context.Context, sc Scope, hostname string) ([]model.Package, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	rows, err := s.readQuery(ctx, `SELECT p.name, p.version, p.arch, p.source_name, p.source_version, p.module,
			e.source_name, e.source_version, e.basis
		FROM hosts h JOIN sites s ON s.id = h.site_id
		JOIN package_set_members m ON m.set_id = h.package_set_id
		JOIN packages p ON p.id = m.package_id
		LEFT JOIN evaluated e ON e.os_group = h.os_group AND e.package_id = p.id
		WHERE h.hostname = $1 AND `+cond+`
		ORDER BY p.name, p.version, p.arch`, append([]any{hostname}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("packages of %s: %w", hostname, err)
	}
	defer rows.Close()
	pkgs := []model.Package{}
	for rows.Next() {
		var p model.Package
		var ms, mv, mb sql.NullString
		if err := rows.Scan(&p.Name, &p.Version, &p.Arch, &p.SourceName, &p.SourceVersion, &p.Module, &ms, &mv, &mb); err != nil {
			return nil, err
		}
		if ms.Valid {
			p.Matched = &model.Matched{Source: ms.String, Version: mv.String, Basis: mb.String}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, rows.Err()
}

// HostReports returns a host's report history, newest first, at most limit.
func (s *Store) HostReports(ctx context.Context, sc Scope, hostname string, limit int) ([]model.ReportRecord, error) {
	cond, args := s.scopeSQL(sc, "s", 3)
	rows, err := s.readQuery(ctx, `SELECT r.first_received, r.last_received, r.count, r.reporter_addr,
			r.through_proxy, r.proxy_addr, r.protocol, r.package_count, r.header_hash, r.set_hash
		FROM reports r JOIN hosts h ON h.id = r.host_id JOIN sites s ON s.id = h.site_id
		WHERE h.hostname = $1 AND `+cond+` ORDER BY r.id DESC LIMIT $2`,
		append([]any{hostname, limit}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("reports of %s: %w", hostname, err)
	}
	defer rows.Close()
	out := []model.ReportRecord{}
	for rows.Next() {
		var r model.ReportRecord
		if err := rows.Scan(&r.FirstReceived, &r.LastReceived, &r.Count, &r.ReporterAddr, &r.ThroughProxy, &r.ProxyAddr,
			&r.Protocol, &r.Packages, &r.HeaderHash, &r.PackageSet); err != nil {
			return nil, err
		}
		r.FirstReceived, r.LastReceived = r.FirstReceived.UTC(), r.LastReceived.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// SiteCount is a site with the number of its hosts.
type SiteCount struct {
	Name  string `json:"name"`
	Hosts int    `json:"hosts"`
	Stale int    `json:"stale"` // hosts that did not report for the stale period
}

// Sites lists the sites in scope with their host counts, by name, from
// the cells of their hosts (fleetcells.go), not a count of the hosts.
func (s *Store) Sites(ctx context.Context, sc Scope) ([]SiteCount, error) {
	v, err := s.fleetSites(ctx, sc, "", s.now().Add(-s.StaleAfter()))
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	out := make([]SiteCount, len(v.sites))
	at := map[int64]int{}
	ids := make([]int64, len(v.sites))
	for i, r := range v.sites {
		out[i] = SiteCount{Name: r.name, Stale: v.stale[r.id]}
		at[r.id] = i
		ids[i] = r.id
	}
	if len(ids) == 0 {
		return out, nil
	}
	err = s.eachCell(ctx, ids, func(c fleetCell, _ string, removed bool) {
		if i, ok := at[c.site]; ok && !removed {
			out[i].Hosts += c.hosts
		}
	})
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	return out, nil
}
