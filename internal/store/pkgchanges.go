package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Package changes: what a changed report changed in a host's packages
// (package_changes, migration 0031). SaveReport calls
// recordPackageChanges when a known host's report is stored as changed:
// the members of its old and new package sets (each read as one string
// of catalogue ids) are merged, and only the differing packages are read
// by name. A
// package whose (name, arch) lost one version and gained one is updated;
// any other difference is an addition or a removal (RPM kernels installed
// side by side gain and lose versions of one name). A new running kernel
// is a row of its own (kind kernel). The rows are collected with the
// report history (GC's ReportsBefore) and when the host is deleted.
//
// HostChanges reads them back, newest report first, with the findings
// opened and closed by each report: the events of the host's epochs that
// a report started (cause report), each given to the latest report
// received at or before the epoch began (history records, reports).

// Kinds of package_changes rows.
const (
	ChangePackage = "package"
	ChangeKernel  = "kernel"
)

// PackageChange is one package a report added (Old ""), removed (New "")
// or updated.
type PackageChange struct {
	Name string `json:"name"`
	Arch string `json:"arch"`
	Old  string `json:"old_version"`
	New  string `json:"new_version"`
}

// KernelChange is a new running kernel.
type KernelChange struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// FindingChange is a finding a report opened or closed.
type FindingChange struct {
	CVE     string `json:"cve"`
	Package string `json:"package"`
	Version string `json:"version"`
	Arch    string `json:"arch"`
	Reason  string `json:"reason,omitempty"` // why it closed (package-updated, data-changed, excepted)
}

// HostChange is what one report of a host changed.
type HostChange struct {
	At      time.Time       `json:"at"`    // when the report was received
	First   bool            `json:"first"` // the host's first report kept in its history
	Kernel  *KernelChange   `json:"kernel,omitempty"`
	Added   []PackageChange `json:"added"`
	Removed []PackageChange `json:"removed"`
	Updated []PackageChange `json:"updated"`
	Opened  []FindingChange `json:"findings_opened"`
	Closed  []FindingChange `json:"findings_closed"`
}

// Packages counts the packages the report changed.
func (c HostChange) Packages() int { return len(c.Added) + len(c.Removed) + len(c.Updated) }

// HostChanges is a page of a host's changes.
type HostChanges struct {
	Changes []HostChange `json:"changes"`
	Total   int          `json:"total"` // reports that changed something
	Limit   int          `json:"limit"`
	Offset  int          `json:"offset"`
}

// pkgChange is one row to write.
type pkgChange struct {
	kind, name, arch, old, new string
}

// recordPackageChanges writes, in the save transaction, what a changed
// report of a known host changed: the packages, when its set changed, and
// the running kernel, when both reports named one and they differ.
func (s *Store) recordPackageChanges(ctx context.Context, tx *sql.Tx, hostID int64, before hostBefore, setID int64, in Incoming) error {
	var rows []pkgChange
	if before.kernel != in.Host.Kernel && before.kernel != "" && in.Host.Kernel != "" {
		rows = append(rows, pkgChange{kind: ChangeKernel, old: before.kernel, new: in.Host.Kernel})
	}
	if before.setID != 0 && before.setID != setID {
		d, err := s.diffSets(ctx, tx, before.setID, setID)
		if err != nil {
			return fmt.Errorf("package changes: %w", err)
		}
		rows = append(rows, d...)
	}
	if len(rows) == 0 {
		return nil
	}
	// One statement, the rows as one JSON array of arrays (numbered
	// parameters by the thousand cost SQLite more than the rows: a whole
	// upgrade is 1,500 rows).
	list := make([][5]string, len(rows))
	for i, r := range rows {
		list[i] = [5]string{r.kind, r.name, r.arch, r.old, r.new}
	}
	js, err := json.Marshal(list)
	if err != nil {
		return err
	}
	from := `json_each($3)`
	if s.engine.name() != "sqlite" {
		from = `jsonb_array_elements($3::jsonb) AS j(value)`
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO package_changes (host_id, at, kind, name, arch, old_version, new_version)
		SELECT $1, $2, value->>0, value->>1, value->>2, value->>3, value->>4 FROM `+from, hostID, in.ReceivedAt.UTC(), string(js))
	if err != nil {
		return fmt.Errorf("package changes: %w", err)
	}
	return nil
}

// diffSets returns the packages of set from that set to does not have
// (removed), those it has that from has not (added), and the (name, arch)
// that lost one version and gained one (updated), sorted by name, arch.
func (s *Store) diffSets(ctx context.Context, tx *sql.Tx, from, to int64) ([]pkgChange, error) {
	// Each set's members as one string (a row per member costs more in
	// database/sql than the diff), merged here; only the differing
	// packages are read by name.
	agg := `SELECT COALESCE(group_concat(package_id), '') FROM package_set_members WHERE set_id = $1`
	if s.engine.name() != "sqlite" {
		agg = `SELECT COALESCE(string_agg(package_id::text, ','), '') FROM package_set_members WHERE set_id = $1`
	}
	var olds, curs string
	if err := s.txQueryRow(ctx, tx, agg, []any{from}, &olds); err != nil {
		return nil, err
	}
	if err := s.txQueryRow(ctx, tx, agg, []any{to}, &curs); err != nil {
		return nil, err
	}
	old, err := parseIDs(olds)
	if err != nil {
		return nil, err
	}
	cur, err := parseIDs(curs)
	if err != nil {
		return nil, err
	}
	var gone, came []int64
	i, j := 0, 0
	for i < len(old) || j < len(cur) {
		switch {
		case j == len(cur) || i < len(old) && old[i] < cur[j]:
			gone, i = append(gone, old[i]), i+1
		case i == len(old) || cur[j] < old[i]:
			came, j = append(came, cur[j]), j+1
		default:
			i, j = i+1, j+1
		}
	}
	if len(gone) == 0 && len(came) == 0 {
		return nil, nil
	}
	isGone := make(map[int64]bool, len(gone))
	for _, id := range gone {
		isGone[id] = true
	}
	e := s.engine
	q, err := tx.QueryContext(ctx, `SELECT id, name, arch, version FROM packages WHERE `+e.inList("id", 1),
		e.intList(append(gone, came...)))
	if err != nil {
		return nil, err
	}
	defer q.Close()
	type na struct{ name, arch string }
	byKey := map[na]*struct{ old, new []string }{}
	var keys []na
	for q.Next() {
		var id int64
		var k na
		var v string
		if err := q.Scan(&id, &k.name, &k.arch, &v); err != nil {
			return nil, err
		}
		c := byKey[k]
		if c == nil {
			c = &struct{ old, new []string }{}
			byKey[k] = c
			keys = append(keys, k)
		}
		if isGone[id] {
			c.old = append(c.old, v)
		} else {
			c.new = append(c.new, v)
		}
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(keys, func(a, b na) int { return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.arch, b.arch)) })
	var out []pkgChange
	for _, k := range keys {
		c := byKey[k]
		if len(c.old) == 1 && len(c.new) == 1 {
			if c.old[0] != c.new[0] { // else only its source or module changed: not shown
				out = append(out, pkgChange{kind: ChangePackage, name: k.name, arch: k.arch, old: c.old[0], new: c.new[0]})
			}
			continue
		}
		slices.Sort(c.old)
		slices.Sort(c.new)
		for _, v := range c.old {
			out = append(out, pkgChange{kind: ChangePackage, name: k.name, arch: k.arch, old: v})
		}
		for _, v := range c.new {
			out = append(out, pkgChange{kind: ChangePackage, name: k.name, arch: k.arch, new: v})
		}
	}
	return out, nil
}

// deleteHostPackageChanges forgets a deleted host's package changes.
func deleteHostPackageChanges(ctx context.Context, tx *sql.Tx, hostID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM package_changes WHERE host_id = $1`, hostID); err != nil {
		return fmt.Errorf("package changes: %w", err)
	}
	return nil
}

// packageChanges deletes the package changes older than the report
// history's retention (GC's ReportsBefore).
func (g *gc) packageChanges(ctx context.Context) error {
	return g.deleteByID(ctx, "package_changes", &g.res.PackageChanges, g.opt.ReportsBefore,
		`SELECT id FROM package_changes WHERE id > $1 AND at < $2 ORDER BY id LIMIT $3`,
		`AND at < $2`, "package_changes")
}

// HostChanges returns the reports of the host named hostname, in scope,
// that changed its packages, its running kernel or its findings, newest
// first, limit of them from offset, with how many there are. ErrNotFound
// when no such host is in scope.
func (s *Store) HostChanges(ctx context.Context, sc Scope, hostname string, offset, limit int) (HostChanges, error) {
	out := HostChanges{Changes: []HostChange{}, Limit: limit, Offset: offset}
	cond, args := s.scopeSQL(sc, "s", 2)
	var hostID int64
	err := s.readRow(ctx, `SELECT h.id FROM hosts h JOIN sites s ON s.id = h.site_id
		WHERE h.hostname = $1 AND h.removed_at IS NULL AND `+cond, append([]any{hostname}, args...)...).Scan(&hostID)
	if errors.Is(err, sql.ErrNoRows) {
		return out, ErrNotFound
	}
	if err != nil {
		return out, fmt.Errorf("changes of %s: %w", hostname, err)
	}
	if out.Changes, out.Total, err = s.hostChanges(ctx, hostID, offset, limit); err != nil {
		return out, fmt.Errorf("changes of %s: %w", hostname, err)
	}
	return out, nil
}

// hostChanges returns limit of the changes of a host from offset, newest
// first, and how many there are. The report times with package changes
// are read first (the index alone), the rows of the page's only.
func (s *Store) hostChanges(ctx context.Context, hostID int64, offset, limit int) ([]HostChange, int, error) {
	byAt := map[int64]*HostChange{}
	get := func(at time.Time) *HostChange {
		at = at.UTC()
		c := byAt[at.UnixNano()]
		if c == nil {
			c = &HostChange{At: at, Added: []PackageChange{}, Removed: []PackageChange{}, Updated: []PackageChange{},
				Opened: []FindingChange{}, Closed: []FindingChange{}}
			byAt[at.UnixNano()] = c
		}
		return c
	}
	withRows, err := s.readTimes(ctx, `SELECT DISTINCT at FROM package_changes WHERE host_id = $1`, hostID)
	if err != nil {
		return nil, 0, err
	}
	for _, at := range withRows {
		get(at)
	}
	if err := s.addFindingChanges(ctx, hostID, get); err != nil {
		return nil, 0, err
	}
	all := make([]*HostChange, 0, len(byAt))
	for _, c := range byAt {
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].At.After(all[j].At) })
	out := []HostChange{}
	if offset >= len(all) {
		return out, len(all), nil
	}
	page := all[offset:min(len(all), offset+limit)]
	// The page is a run of consecutive times: the rows between its
	// oldest and newest are its own.
	rows, err := s.readQuery(ctx, `SELECT at, kind, name, arch, old_version, new_version FROM package_changes
		WHERE host_id = $1 AND at >= $2 AND at <= $3 ORDER BY at, id`, hostID, page[len(page)-1].At, page[0].At)
	if err != nil {
		return nil, 0, err
	}
	for rows.Next() {
		var at time.Time
		var r pkgChange
		if err := rows.Scan(&at, &r.kind, &r.name, &r.arch, &r.old, &r.new); err != nil {
			rows.Close()
			return nil, 0, err
		}
		c := get(at)
		p := PackageChange{Name: r.name, Arch: r.arch, Old: r.old, New: r.new}
		switch {
		case r.kind == ChangeKernel:
			c.Kernel = &KernelChange{Old: r.old, New: r.new}
		case r.old == "":
			c.Added = append(c.Added, p)
		case r.new == "":
			c.Removed = append(c.Removed, p)
		default:
			c.Updated = append(c.Updated, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	byCVE := func(a, b FindingChange) int {
		return cmp.Or(cmp.Compare(a.CVE, b.CVE), cmp.Compare(a.Package, b.Package), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Arch, b.Arch))
	}
	for _, c := range page {
		slices.SortFunc(c.Opened, byCVE)
		slices.SortFunc(c.Closed, byCVE)
		out = append(out, *c)
	}
	return out, len(all), nil
}

// addFindingChanges adds to the changes (get: the change of a report
// time) the findings the host's reports opened and closed.
func (s *Store) addFindingChanges(ctx context.Context, hostID int64, get func(time.Time) *HostChange) error {
	reports, err := s.readTimes(ctx, `SELECT first_received FROM reports WHERE host_id = $1 ORDER BY first_received`, hostID)
	if err != nil {
		return err
	}
	eps, err := s.hostEpochs(ctx, []int64{hostID})
	if err != nil {
		return err
	}
	byReport := map[int64]bool{} // the start of the epochs a report began
	for _, e := range eps[hostID] {
		if e.cause == CauseReport {
			byReport[e.since.UnixNano()] = true
		}
	}
	if len(byReport) == 0 {
		return nil
	}
	var events []findingEvent
	if _, err := s.replay(ctx, eps[hostID], func(ev findingEvent) {
		if byReport[ev.at.UnixNano()] {
			events = append(events, ev)
		}
	}); err != nil {
		return err
	}
	if len(events) == 0 {
		return nil
	}
	names, err := s.packageNames(ctx, events)
	if err != nil {
		return err
	}
	for _, ev := range events {
		// The report: the latest received at or before the epoch began
		// (the evaluation follows the save); none kept: the epoch's time.
		at := ev.at
		if i := sort.Search(len(reports), func(i int) bool { return reports[i].After(ev.at) }); i > 0 {
			at = reports[i-1]
		}
		c := get(at)
		c.First = len(reports) > 0 && at.Equal(reports[0])
		p := names[ev.key.pkg]
		f := FindingChange{CVE: ev.key.cve, Package: p.name, Version: p.version, Arch: p.arch, Reason: ev.reason}
		if ev.reason == "" {
			c.Opened = append(c.Opened, f)
		} else {
			c.Closed = append(c.Closed, f)
		}
	}
	return nil
}

// readTimes runs a query of one time column (UTC).
func (s *Store) readTimes(ctx context.Context, q string, args ...any) ([]time.Time, error) {
	rows, err := s.readQuery(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t.UTC())
	}
	return out, rows.Err()
}

type pkgName struct{ name, version, arch string }

// packageNames reads the catalogue packages the events name.
func (s *Store) packageNames(ctx context.Context, events []findingEvent) (map[int64]pkgName, error) {
	seen := map[int64]bool{}
	var ids []int64
	for _, ev := range events {
		if !seen[ev.key.pkg] {
			seen[ev.key.pkg] = true
			ids = append(ids, ev.key.pkg)
		}
	}
	out := make(map[int64]pkgName, len(ids))
	e := s.engine
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, version, arch FROM packages WHERE `+e.inList("id", 1), e.intList(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p pkgName
		if err := rows.Scan(&id, &p.name, &p.version, &p.arch); err != nil {
			return nil, err
		}
		out[id] = p
	}
	return out, rows.Err()
}

// parseIDs reads a comma-separated list of ids, sorted.
func parseIDs(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	out := make([]int64, 0, strings.Count(s, ",")+1)
	for f := range strings.SplitSeq(s, ",") {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("set member %q: %w", f, err)
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}
