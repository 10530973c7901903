package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// The dashboard, sites, OS counts, stats and fleet metrics of 100,000
// hosts, exact at every view, without reading the hosts once per view:
// the hosts are counted per cell of hosts alike (same site, target, OS
// group, package set, OS string, removed or not) in fleet_cells, kept by
// triggers on hosts in every writer's own transaction (migration 0025:
// no write path can forget them; on PostgreSQL an insert-only log of
// deltas the fleet-cells job folds, FoldFleetCells). Every count is
// worked out in Go from the cells in scope and what is shared by many
// hosts, read once: the targets' counters (cves, severities, reboot,
// tags: the hosts' counters are copies of their target's, targets.go),
// whether a group and set were evaluated, the groups' data states. Stale
// hosts are counted apart through the last_report index (only the stale
// ones are read): staleness moves with the clock, not with a write.

// fleetCell is hosts alike: one site, target (0: none, no finding), OS
// group and package set.
type fleetCell struct {
	site   int64
	target int64
	group  string
	set    int64
	hosts  int
}

// targetCounts are a target's counters as the counts need them.
type targetCounts struct {
	cves, reboot, crit, high, med, low int
	tagged                             map[string]int
}

// fleetView is the cells of the hosts in scope and what they share.
type fleetView struct {
	sites   []siteRow // in scope, by name
	cells   []fleetCell
	targets map[int64]targetCounts
	stale   map[int64]int // stale hosts per site id
	// evaluated per OS group: true when the group has data; else the
	// package sets evaluated for it against borrowed data.
	groupData map[string]bool
	setEval   map[string]map[int64]bool
}

type siteRow struct {
	id                              int64
	name, group, contact, url, note string
}

// fleetView reads the cells of the hosts in scope (of site alone when not
// ""), stale before staleCut.
func (s *Store) fleetView(ctx context.Context, sc Scope, site string, staleCut time.Time) (*fleetView, error) {
	v, err := s.fleetSites(ctx, sc, site, staleCut)
	if err != nil || len(v.sites) == 0 {
		return v, err
	}
	ids := make([]int64, len(v.sites))
	for i, r := range v.sites {
		ids[i] = r.id
	}
	err = s.eachCell(ctx, ids, func(c fleetCell, os string, removed bool) {
		if removed {
			return
		}
		// Cells differing by OS string alone are one here.
		if n := len(v.cells); n > 0 {
			if l := &v.cells[n-1]; l.site == c.site && l.target == c.target && l.group == c.group && l.set == c.set {
				l.hosts += c.hosts
				return
			}
		}
		v.cells = append(v.cells, c)
	})
	if err != nil {
		return nil, err
	}
	return v, s.fleetShared(ctx, v)
}

// fleetCellsSQL reads the cells of fleet_cells with the changes not yet
// folded into them (PostgreSQL; none on SQLite), in one statement (one
// snapshot): $1 is a list of site ids, or NULL for every site. Ordered so
// that cells differing by OS string and removed flag alone follow each
// other.
const fleetCellsSQL = `SELECT c.site_id, c.target_id, c.os_group, c.package_set_id, c.os, c.removed, SUM(c.hosts) FROM (
		SELECT site_id, target_id, os_group, package_set_id, os, removed, hosts FROM fleet_cells
		UNION ALL
		SELECT site_id, target_id, os_group, package_set_id, os, removed, hosts FROM fleet_cell_deltas) c
	WHERE %s GROUP BY c.site_id, c.target_id, c.os_group, c.package_set_id, c.os, c.removed HAVING SUM(c.hosts) <> 0
	ORDER BY c.site_id, c.target_id, c.os_group, c.package_set_id, c.os, c.removed`

// eachCell calls fn with each cell of the hosts of sites (every site when
// nil), its OS string and whether its hosts are removed ones.
func (s *Store) eachCell(ctx context.Context, sites []int64, fn func(c fleetCell, os string, removed bool)) error {
	where, args := "1 = 1", []any(nil)
	if sites != nil {
		where, args = s.engine.inList("c.site_id", 1), []any{s.engine.intList(sites)}
	}
	err := s.eachRow(ctx, fmt.Sprintf(fleetCellsSQL, where), args, func(scan func(...any) error) error {
		var c fleetCell
		var os string
		var removed int
		if err := scan(&c.site, &c.target, &c.group, &c.set, &os, &removed, &c.hosts); err != nil {
			return err
		}
		fn(c, os, removed != 0)
		return nil
	})
	if err != nil {
		return fmt.Errorf("fleet cells: %w", err)
	}
	return nil
}

// FoldFleetCells folds the changes logged in fleet_cell_deltas into
// fleet_cells (PostgreSQL's triggers log them; SQLite's count in place,
// nothing to fold) and returns how many delta rows it folded. Only the
// rows its statement saw are deleted: those committed meanwhile stay for
// the next fold. Readers see the same counts before and after.
func (s *Store) FoldFleetCells(ctx context.Context) (int, error) {
	if _, ok := s.engine.(postgres); !ok {
		return 0, nil
	}
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `WITH d AS (DELETE FROM fleet_cell_deltas RETURNING *),
			s AS (SELECT site_id, target_id, os_group, package_set_id, os, removed, SUM(hosts) AS hosts, COUNT(*) AS n
				FROM d GROUP BY site_id, target_id, os_group, package_set_id, os, removed),
			i AS (INSERT INTO fleet_cells (site_id, target_id, os_group, package_set_id, os, removed, hosts)
				SELECT site_id, target_id, os_group, package_set_id, os, removed, hosts FROM s
				ON CONFLICT (site_id, target_id, os_group, package_set_id, os, removed)
				DO UPDATE SET hosts = fleet_cells.hosts + excluded.hosts)
			SELECT COALESCE(SUM(n), 0) FROM s`).Scan(&n)
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `DELETE FROM fleet_cells WHERE hosts = 0`); err != nil {
			return err
		}
		// The dashboard's newly exposed counts and the stats' report
		// counts, logged alike (dashboard.go, stats.go).
		k, err := s.foldExposureCounts(ctx, tx)
		if err != nil {
			return err
		}
		n += k
		k, err = foldReportCounts(ctx, tx)
		n += k
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fold fleet cells: %w", err)
	}
	return n, nil
}

// fleetSites reads the sites in scope (site alone when not "") and their
// stale hosts, before staleCut.
func (s *Store) fleetSites(ctx context.Context, sc Scope, site string, staleCut time.Time) (*fleetView, error) {
	v := &fleetView{targets: map[int64]targetCounts{}, stale: map[int64]int{}, groupData: map[string]bool{}, setEval: map[string]map[int64]bool{}}
	cond, args := s.scopeSQL(sc, "s", 2)
	err := s.eachRow(ctx, `SELECT s.id, s.name, COALESCE(g.name, ''), s.contact, s.url, s.note
		FROM sites s LEFT JOIN site_groups g ON g.id = s.group_id WHERE ($1 = '' OR s.name = $1) AND `+cond+` ORDER BY s.name`,
		append([]any{site}, args...), func(scan func(...any) error) error {
			var r siteRow
			err := scan(&r.id, &r.name, &r.group, &r.contact, &r.url, &r.note)
			v.sites = append(v.sites, r)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("fleet sites: %w", err)
	}
	if len(v.sites) == 0 {
		return v, nil
	}
	// The stale hosts of every site through the last_report index (only
	// the stale ones are read), kept for the sites in scope: a condition
	// on the site would take the site's index and read every host.
	in := map[int64]bool{}
	for _, r := range v.sites {
		in[r.id] = true
	}
	// Counted here: grouped by site, SQLite scans the site's index instead.
	err = s.eachRow(ctx, `SELECT h.site_id FROM hosts h WHERE h.last_report < $1 AND h.removed_at IS NULL`,
		[]any{staleCut.UTC()}, func(scan func(...any) error) error {
			var id int64
			err := scan(&id)
			if in[id] {
				v.stale[id]++
			}
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("fleet stale hosts: %w", err)
	}
	return v, nil
}

// fleetShared reads what the cells of v share: their targets' counters,
// the groups with data and the sets evaluated against borrowed data.
func (s *Store) fleetShared(ctx context.Context, v *fleetView) error {
	var targets []int64
	groups := map[string]bool{}
	for _, c := range v.cells {
		if c.target != 0 && !slices.Contains(targets, c.target) {
			targets = append(targets, c.target)
		}
		groups[c.group] = true
	}
	if len(targets) > 0 {
		err := s.eachRow(ctx, `SELECT t.id, t.cves, t.reboot_pending, t.sev_critical, t.sev_high, t.sev_medium, t.sev_low, t.tagged
			FROM targets t WHERE `+s.engine.inList("t.id", 1), []any{s.engine.intList(targets)}, func(scan func(...any) error) error {
			var id int64
			var t targetCounts
			var tagged string
			if err := scan(&id, &t.cves, &t.reboot, &t.crit, &t.high, &t.med, &t.low, &tagged); err != nil {
				return err
			}
			if tagged != "" {
				json.Unmarshal([]byte(tagged), &t.tagged) // written by the findings writer
			}
			v.targets[id] = t
			return nil
		})
		if err != nil {
			return fmt.Errorf("fleet targets: %w", err)
		}
	}
	err := s.eachRow(ctx, `SELECT DISTINCT os_group FROM os_group_data`, nil, func(scan func(...any) error) error {
		var g string
		err := scan(&g)
		v.groupData[g] = true
		return err
	})
	if err != nil {
		return fmt.Errorf("fleet data groups: %w", err)
	}
	var borrowed []string // groups of the hosts without data of their own
	for g := range groups {
		if !v.groupData[g] {
			borrowed = append(borrowed, g)
		}
	}
	if len(borrowed) > 0 {
		err = s.eachRow(ctx, `SELECT se.os_group, se.set_id FROM set_evaluated se WHERE `+s.engine.inList("se.os_group", 1),
			[]any{s.engine.stringList(borrowed)}, func(scan func(...any) error) error {
				var g string
				var set int64
				if err := scan(&g, &set); err != nil {
					return err
				}
				if v.setEval[g] == nil {
					v.setEval[g] = map[int64]bool{}
				}
				v.setEval[g][set] = true
				return nil
			})
		if err != nil {
			return fmt.Errorf("fleet evaluated sets: %w", err)
		}
	}
	return nil
}

// evaluated tells whether the hosts of c are evaluated (evaluatedSQL).
func (v *fleetView) evaluated(c fleetCell) bool {
	return v.groupData[c.group] || v.setEval[c.group][c.set]
}

// worst names the worst severity of a target's open CVEs as
// worstSeverity does ("" when it has none open).
func (t targetCounts) worst() string {
	switch {
	case t.cves == 0:
		return ""
	case t.crit > 0:
		return "critical"
	case t.high > 0:
		return "high"
	case t.med > 0:
		return "medium"
	case t.low > 0:
		return "low"
	}
	return "other"
}

// siteCounts are the counts of one site's hosts (or of all in scope).
type siteCounts struct {
	hosts, exposed, reboot, stale int
	bySev                         map[string]int
	byTag                         map[string]int
	tagged                        int // hosts with an open CVE carrying any tag
}

func newSiteCounts() siteCounts {
	return siteCounts{bySev: map[string]int{"critical": 0, "high": 0, "medium": 0, "low": 0, "other": 0}, byTag: map[string]int{}}
}

func (c *siteCounts) add(t targetCounts, n int) {
	c.hosts += n
	if t.reboot > 0 {
		c.reboot += n
	}
	if w := t.worst(); w != "" {
		c.exposed += n
		c.bySev[w] += n
	}
	hit := false
	for tag, k := range t.tagged {
		if k > 0 {
			c.byTag[tag] += n
			hit = true
		}
	}
	if hit {
		c.tagged += n
	}
}

// perSite counts the hosts of each site of v, by site id, and of all.
func (v *fleetView) perSite() (map[int64]*siteCounts, siteCounts) {
	out := map[int64]*siteCounts{}
	for _, r := range v.sites {
		c := newSiteCounts()
		c.stale = v.stale[r.id]
		out[r.id] = &c
	}
	all := newSiteCounts()
	for _, c := range v.cells {
		t := v.targets[c.target]
		if sc := out[c.site]; sc != nil {
			sc.add(t, c.hosts)
		}
		all.add(t, c.hosts)
	}
	for _, n := range v.stale {
		all.stale += n
	}
	return out, all
}

// dataStates works out the data state of every OS group of v's hosts and
// the hosts per state, as DataStates does.
func (s *Store) dataStatesOf(ctx context.Context, v *fleetView) ([]GroupDataState, map[string]int, error) {
	counts := map[string]int{model.DataComplete: 0, model.DataPartial: 0, model.DataStale: 0, model.DataNone: 0}
	if len(v.cells) == 0 {
		return nil, counts, nil
	}
	cs, err := s.coverageSnapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	type key struct {
		group     string
		evaluated bool
	}
	n := map[key]int{}
	for _, c := range v.cells {
		n[key{c.group, v.evaluated(c)}] += c.hosts
	}
	keys := make([]key, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	// As DataStates: by group, a group's not-evaluated hosts first, so
	// that its evaluated ones say its state.
	slices.SortFunc(keys, func(a, b key) int {
		if a.group != b.group {
			if a.group < b.group {
				return -1
			}
			return 1
		}
		switch {
		case a.evaluated == b.evaluated:
			return 0
		case !a.evaluated:
			return -1
		}
		return 1
	})
	var out []GroupDataState
	at := map[string]int{}
	for _, k := range keys {
		st, reason, basis := s.coverage.dataState(cs, k.group, k.evaluated)
		counts[st] += n[k]
		g := GroupDataState{OSGroup: k.group, State: st, Reason: reason, Sources: basis}
		if i, ok := at[k.group]; !ok {
			at[k.group] = len(out)
			out = append(out, g)
		} else if k.evaluated {
			out[i] = g
		}
	}
	slices.SortStableFunc(out, func(a, b GroupDataState) int { return model.CompareOSGroups(a.OSGroup, b.OSGroup) })
	return out, counts, nil
}

// scopeSiteIDs returns the ids of the sites in scope (of site alone when
// not ""; none: an empty, non-nil list).
func (s *Store) scopeSiteIDs(ctx context.Context, sc Scope, site string) ([]int64, error) {
	cond, args := s.scopeSQL(sc, "s", 2)
	ids := []int64{}
	err := s.eachRow(ctx, `SELECT s.id FROM sites s WHERE ($1 = '' OR s.name = $1) AND `+cond, append([]any{site}, args...), func(scan func(...any) error) error {
		var id int64
		err := scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sites in scope: %w", err)
	}
	return ids, nil
}

// siteCond is the SQL condition on col (a site id column) for the sites
// of v, read in scope sc: none for every site, else the list of their
// ids as parameter $n (no join with sites).
func (v *fleetView) siteCond(sc Scope, col string, e engine, n int) (string, []any) {
	if sc.all {
		return "1 = 1", nil
	}
	ids := make([]int64, len(v.sites))
	for i, r := range v.sites {
		ids[i] = r.id
	}
	return e.inList(col, n), []any{e.intList(ids)}
}
