package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// VulnFilter narrows the vulnerabilities listing. Zero values mean "any".
type VulnFilter struct {
	Site     string
	OSGroup  string
	Tag      string // CVEs carrying this enabled tag (AnyTag: any enabled tag)
	Severity string // the CVE's worst severity on the common scale (model.Severity.String)
	Status   string // the findings' status: open, unfixed, reboot-pending
	Query    string // substring of the CVE id, any case
	// Exploited keeps the CVEs CISA's known-exploited catalogue in force
	// lists (kev.go): none when no catalogue is loaded.
	Exploited bool
	// Activity keeps the CVEs whose first exposure on a host of the view
	// opened within the period ("24h"), or before it ("-7d"), by Now.
	Activity Activity
	Now      time.Time // the clock of Activity; zero: the store's
	Sort     string    // one of VulnSorts; "" is by affected hosts, most first
	Limit    int       // 0: DefaultLimit; capped at MaxLimit
	Offset   int
}

// VulnSorts are the orders of the vulnerabilities listing; ties fall
// back to the CVE id.
var VulnSorts = []string{"cve", "-cve", "hosts", "-hosts", "severity", "-severity"}

// Vuln is one CVE present (an open finding) on at least one host in scope.
type Vuln struct {
	CVE string `json:"cve"`
	// Hosts counts the hosts in scope with an open finding of it, each
	// once whatever the number of its affected packages.
	Hosts int `json:"hosts"`
	// Severity is the worst among the vendor severities of its findings
	// on the common scale; SeverityWord the vendor's word for it.
	Severity     string   `json:"severity"`
	SeverityWord string   `json:"severity_word"`
	Tags         []string `json:"tags"` // its enabled CVE tags
	// Exploited: CISA's known-exploited catalogue in force lists it.
	Exploited bool `json:"exploited"`
}

// VulnStatuses are the finding statuses the listing filters on.
var VulnStatuses = []string{StatusOpen, StatusUnfixed, StatusRebootPending}

// Vulns returns one page of the CVEs with an open finding on a host in
// scope that pass f, and how many pass f in all. The SQL counts hosts
// per CVE and reads the distinct severities per CVE; the worst severity,
// the severity filter, sorting and paging are done here.
func (s *Store) Vulns(ctx context.Context, sc Scope, f VulnFilter) ([]Vuln, int, error) {
	if f.Sort != "" && !slices.Contains(VulnSorts, f.Sort) {
		return nil, 0, fmt.Errorf("unknown sort %q", f.Sort)
	}
	if f.Status != "" && !slices.Contains(VulnStatuses, f.Status) {
		return nil, 0, fmt.Errorf("unknown status %q (known: %s)", f.Status, strings.Join(VulnStatuses, ", "))
	}
	// The hosts in scope counted per target and OS group from their cells
	// (fleetcells.go; a host is on one target: the hosts of distinct
	// targets are distinct), then each target's CVEs, kept once read
	// (vulncache.go): no join of findings with hosts.
	ids, err := s.scopeSiteIDs(ctx, sc, f.Site)
	if err != nil {
		return nil, 0, fmt.Errorf("vulnerabilities: %w", err)
	}
	type targetGroup struct {
		target int64
		group  string
	}
	hosts := map[targetGroup]int{}
	var targets []int64
	if len(ids) > 0 {
		err = s.eachCell(ctx, ids, func(c fleetCell, _ string, removed bool) {
			if removed || c.target == 0 || f.OSGroup != "" && c.group != f.OSGroup {
				return
			}
			k := targetGroup{c.target, c.group}
			if _, ok := hosts[k]; !ok && !slices.Contains(targets, c.target) {
				targets = append(targets, c.target)
			}
			hosts[k] += c.hosts
		})
		if err != nil {
			return nil, 0, fmt.Errorf("vulnerabilities: %w", err)
		}
	}
	cves, err := s.targetCVEsOf(ctx, targets)
	if err != nil {
		return nil, 0, fmt.Errorf("vulnerabilities: %w", err)
	}
	tags, err := s.Tags(ctx, TagFilter{EnabledOnly: true})
	if err != nil {
		return nil, 0, err
	}
	tagged := map[string]bool{} // the CVEs f.Tag keeps
	for _, t := range tags {
		if f.Tag == AnyTag || t.Tag == f.Tag {
			tagged[t.CVE] = true
		}
	}
	kev, _, err := s.kevSet(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("vulnerabilities: %w", err)
	}
	var opened map[string]time.Time // the CVEs' first exposure in the view, with Activity
	if f.Activity.Within > 0 {
		if opened, err = s.firstExposures(ctx, ids, f.OSGroup); err != nil {
			return nil, 0, fmt.Errorf("vulnerabilities: %w", err)
		}
	}
	now := f.Now
	if now.IsZero() {
		now = s.now()
	}
	cut := now.Add(-f.Activity.Within)
	query := strings.ToUpper(f.Query)
	pass := func(r targetCVE) bool {
		return (f.Status == "" || r.status == f.Status) && (query == "" || strings.Contains(strings.ToUpper(r.cve), query)) &&
			(f.Tag == "" || tagged[r.cve]) && (!f.Exploited || kev[r.cve]) &&
			(opened == nil || opened[r.cve].Before(cut) == f.Activity.Absent)
	}
	byCVE := map[string]*Vuln{}
	rank := map[string]model.Severity{}
	var out []*Vuln
	// Targets in id order: the first severity word met among equals is
	// the same at every view.
	tgs := make([]targetGroup, 0, len(hosts))
	for k := range hosts {
		tgs = append(tgs, k)
	}
	slices.SortFunc(tgs, func(a, b targetGroup) int {
		return cmp.Or(cmp.Compare(a.target, b.target), strings.Compare(a.group, b.group))
	})
	for _, k := range tgs {
		n := hosts[k]
		seen := map[string]bool{} // a target's CVE once (two packages of it: one finding each)
		for _, r := range cves[k.target] {
			if !pass(r) {
				continue
			}
			v := byCVE[r.cve]
			if v == nil {
				v = &Vuln{CVE: r.cve, Severity: model.SeverityUnknown.String(), Tags: []string{}, Exploited: kev[r.cve]}
				byCVE[r.cve] = v
				out = append(out, v)
			}
			if !seen[r.cve] {
				seen[r.cve] = true
				v.Hosts += n
			}
			g := r.dataGroup
			if g == "" {
				g = k.group
			}
			if sev := s.severityOf(model.Advisory{OSGroup: g, Severity: r.severity}); sev > rank[r.cve] ||
				v.SeverityWord == "" && r.severity != "" && sev == rank[r.cve] {
				rank[r.cve], v.Severity, v.SeverityWord = sev, sev.String(), r.severity
			}
		}
	}
	for _, t := range tags {
		if v := byCVE[t.CVE]; v != nil {
			v.Tags = append(v.Tags, t.Tag)
		}
	}
	kept := out[:0]
	for _, v := range out {
		slices.Sort(v.Tags)
		if f.Severity == "" || v.Severity == f.Severity {
			kept = append(kept, v)
		}
	}
	sortVulns(kept, f.Sort, rank)
	total := len(kept)
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	lo := min(max(f.Offset, 0), total)
	hi := min(lo+min(limit, MaxLimit), total)
	page := make([]Vuln, 0, hi-lo)
	for _, v := range kept[lo:hi] {
		page = append(page, *v)
	}
	return page, total, nil
}

// firstExposures returns, per CVE, the earliest start of an epoch of a
// host of the sites ids (of OS group group when not "") on a target with
// a finding (not excepted) of it: when the view's hosts were first
// exposed to it, kept through later targets and resolutions (epochs.go).
// One read of the hosts' epochs, as the earliest start per target; the
// targets' CVEs come from vulncache.go.
func (s *Store) firstExposures(ctx context.Context, ids []int64, group string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	since := map[int64]time.Time{}
	var targets []int64
	err := s.eachRow(ctx, `SELECT ht.target_id, MIN(ht.since) FROM host_targets ht JOIN hosts h ON h.id = ht.host_id
		WHERE h.removed_at IS NULL AND `+s.engine.inList("h.site_id", 1)+` AND ($2 = '' OR h.os_group = $2)
		GROUP BY ht.target_id`, []any{s.engine.intList(ids), group}, func(scan func(...any) error) error {
		var id int64
		var t sqlTime
		if err := scan(&id, &t); err != nil {
			return err
		}
		since[id] = t.Time
		targets = append(targets, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("first exposures: %w", err)
	}
	cves, err := s.targetCVEsOf(ctx, targets)
	if err != nil {
		return nil, err
	}
	for id, rs := range cves {
		t := since[id]
		for _, r := range rs {
			if old, ok := out[r.cve]; !ok || t.Before(old) {
				out[r.cve] = t
			}
		}
	}
	return out, nil
}

// sortVulns orders vs by sort (VulnSorts), the CVE id breaking ties.
func sortVulns(vs []*Vuln, sort string, rank map[string]model.Severity) {
	desc := strings.HasPrefix(sort, "-")
	key := strings.TrimPrefix(sort, "-")
	if sort == "" {
		key, desc = "hosts", true
	}
	slices.SortFunc(vs, func(a, b *Vuln) int {
		c := 0
		switch key {
		case "hosts":
			c = cmp.Compare(a.Hosts, b.Hosts)
		case "severity":
			c = cmp.Compare(rank[a.CVE], rank[b.CVE])
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.CVE, b.CVE)
			if key == "cve" && desc {
				c = -c
			}
		}
		return c
	})
}

// eachRow runs q and calls fn with each row's Scan.
func (s *Store) eachRow(ctx context.Context, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// TaggedFilter narrows TaggedHostCVEs, Pakiti 3's api/hosts.php.
type TaggedFilter struct {
	Site     string   // its hostGroup
	CVE      string   // its cveName
	Tag      string   // one tag; "" or AnyTag: every enabled tag
	Activity Activity // reported within, or not
	Now      time.Time
}

// TaggedHostCVE is one row of api/hosts.php: a host in scope with an open,
// unexcepted finding of a CVE carrying an enabled tag, once per (host,
// CVE, tag).
type TaggedHostCVE struct {
	Tag, CVE, Site, Host, OS, Arch string
	LastReport                     time.Time
}

// TaggedHostCVEs calls fn for each (tag, CVE, host) of the hosts in scope
// that pass f, by tag, CVE and host name.
func (s *Store) TaggedHostCVEs(ctx context.Context, sc Scope, f TaggedFilter, fn func(TaggedHostCVE) error) error {
	now := f.Now
	if now.IsZero() {
		now = s.now()
	}
	cond, args := s.scopeSQL(sc, "s", 1)
	where := []string{cond, "f.status <> 'excepted'"}
	add := func(sqlFmt string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(sqlFmt, len(args)))
	}
	if f.Site != "" {
		add("s.name = $%d", f.Site)
	}
	if f.CVE != "" {
		add("f.cve = $%d", f.CVE)
	}
	if f.Tag != "" && f.Tag != AnyTag {
		add("t.tag = $%d", f.Tag)
	}
	if f.Activity.Within > 0 {
		op := ">="
		if f.Activity.Absent {
			op = "<"
		}
		add("h.last_report "+op+" $%d", now.Add(-f.Activity.Within).UTC())
	}
	exc, eargs := exceptedSQL("f", "h", "p", now, len(args)+1)
	args = append(args, eargs...)
	where = append(where, "NOT "+exc)
	return s.eachRow(ctx, `SELECT DISTINCT t.tag, f.cve, s.name, h.hostname, h.os, h.arch, h.last_report
		FROM target_findings f JOIN cve_tags t ON t.cve = f.cve AND t.enabled
		JOIN hosts h ON h.target_id = f.target_id AND h.removed_at IS NULL JOIN sites s ON s.id = h.site_id
		JOIN packages p ON p.id = f.package_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY t.tag, f.cve, h.hostname`, args, func(scan func(...any) error) error {
		var r TaggedHostCVE
		if err := scan(&r.Tag, &r.CVE, &r.Site, &r.Host, &r.OS, &r.Arch, &r.LastReport); err != nil {
			return err
		}
		r.LastReport = r.LastReport.UTC()
		return fn(r)
	})
}

// sqlTime scans a time that an aggregate returned: PostgreSQL keeps its
// type, SQLite's MIN and MAX give the text the driver wrote.
type sqlTime struct{ time.Time }

func (t *sqlTime) Scan(v any) error {
	var err error
	switch x := v.(type) {
	case time.Time:
		t.Time = x.UTC()
	case string:
		t.Time, err = parseSQLiteTime(x)
	case []byte:
		t.Time, err = parseSQLiteTime(string(x))
	default:
		err = fmt.Errorf("a %T for a time", v)
	}
	t.Time = t.Time.UTC()
	return err
}
