package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// CatalogueEntry is a catalogue package with its id.
type CatalogueEntry struct {
	ID int64
	model.Package
}

// HostState is what matching needs to know of a host.
type HostState struct {
	ID       int64
	Hostname string
	OSGroup  string
	Kernel   string
	SetID    int64
	Protocol int
	CVEs     int // open findings counted at the last refresh
	Site     string
	// FindingsKey names what the findings were last written from
	// (WriteFindings): a host whose new key is the same is skipped.
	FindingsKey string
	// Facts are what the host said of itself that matching reads
	// (FactPro, FactModules; hostfacts.go); nil when it said none.
	Facts map[string]string
}

// HostStates returns the matching state of the named hosts (all hosts when
// names is nil), or of the hosts in groups when groups is not nil.
func (s *Store) HostStates(ctx context.Context, names []string, groups []string) ([]HostState, error) {
	q := `SELECT h.id, h.hostname, h.os_group, h.kernel, h.package_set_id, h.protocol, h.cves, s.name, h.findings_key` +
		hostFactColumns + ` FROM hosts h JOIN sites s ON s.id = h.site_id` + hostFactJoins + ` WHERE h.removed_at IS NULL`
	var args []any
	switch {
	case len(names) == 1:
		// One host (the evaluation after a report): a plain lookup by
		// the hostname index, cheaper than expanding a list.
		q += ` AND h.hostname = $1`
		args = append(args, names[0])
	case names != nil:
		q += ` AND ` + s.engine.inList("h.hostname", 1)
		args = append(args, s.engine.stringList(names))
	case groups != nil:
		q += ` AND ` + s.engine.inList("h.os_group", 1)
		args = append(args, s.engine.stringList(groups))
	}
	if (names != nil && len(names) == 0) || (groups != nil && len(groups) == 0) {
		return nil, nil
	}
	return s.hostStates(ctx, q+` ORDER BY h.id`, args...)
}

// HostsOnSet returns the matching state of the hosts of group on a
// package set.
func (s *Store) HostsOnSet(ctx context.Context, group string, setID int64) ([]HostState, error) {
	return s.hostStates(ctx, `SELECT h.id, h.hostname, h.os_group, h.kernel, h.package_set_id, h.protocol, h.cves,
			s.name, h.findings_key`+hostFactColumns+`
		FROM hosts h JOIN sites s ON s.id = h.site_id`+hostFactJoins+`
		WHERE h.os_group = $1 AND h.package_set_id = $2 AND h.removed_at IS NULL ORDER BY h.id`, group, setID)
}

func (s *Store) hostStates(ctx context.Context, q string, args ...any) ([]HostState, error) {
	rows, err := s.readQuery(ctx, q, args...) // the texts are constant: prepared once
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HostState
	for rows.Next() {
		var h HostState
		var pro, modules sql.NullString
		if err := rows.Scan(&h.ID, &h.Hostname, &h.OSGroup, &h.Kernel, &h.SetID, &h.Protocol, &h.CVEs, &h.Site, &h.FindingsKey,
			&pro, &modules); err != nil {
			return nil, err
		}
		h.setFacts(pro, modules)
		out = append(out, h)
	}
	return out, rows.Err()
}

// Unevaluated returns the packages of a set not yet evaluated for osGroup;
// marked tells that the set is marked fully evaluated (MarkSetEvaluated),
// which answers at once.
func (s *Store) Unevaluated(ctx context.Context, osGroup string, setID int64) (pending []CatalogueEntry, marked bool, err error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM set_evaluated WHERE set_id = $1 AND os_group = $2`,
		setID, osGroup).Scan(&n); err != nil || n > 0 {
		return nil, n > 0, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, p.name, p.version, p.arch, p.source_name, p.source_version, p.module
		FROM package_set_members m JOIN packages p ON p.id = m.package_id
		WHERE m.set_id = $1 AND NOT EXISTS (
			SELECT 1 FROM evaluated e WHERE e.os_group = $2 AND e.package_id = m.package_id)`, setID, osGroup)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var c CatalogueEntry
		if err := rows.Scan(&c.ID, &c.Name, &c.Version, &c.Arch, &c.SourceName, &c.SourceVersion, &c.Module); err != nil {
			return nil, false, err
		}
		pending = append(pending, c)
	}
	return pending, false, rows.Err()
}

// MarkSetEvaluated records that every package of a set is evaluated for
// osGroup, if that is still so when the mark is written: the check and the
// mark are one statement, and the evaluation lock (engine.go) keeps it from
// overlapping an invalidation, so an invalidation that came in between
// leaves the set unmarked.
func (s *Store) MarkSetEvaluated(ctx context.Context, osGroup string, setID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockEvaluations(ctx, tx, false); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO set_evaluated (set_id, os_group)
			SELECT $1, $2 WHERE NOT EXISTS (
				SELECT 1 FROM package_set_members m WHERE m.set_id = $1 AND NOT EXISTS (
					SELECT 1 FROM evaluated e WHERE e.os_group = $2 AND e.package_id = m.package_id))
			ON CONFLICT (set_id, os_group) DO NOTHING`, setID, osGroup)
		return err
	})
}

// BinarySource is a learned binary -> source mapping.
type BinarySource struct {
	Name, Version, SourceName, SourceVersion, Origin string
	// Exact is false when only another version of the binary is known:
	// the source name holds, the source version must be derived.
	Exact bool
}

// LearnBinarySources records binary -> source mappings for osGroup. A
// mapping learned from reports ("learned") wins over one from a Packages
// index. Within bs, a later mapping of the same (name, version) wins as
// if each were filed in turn: the last learned one, or the last one when
// none is learned.
func (s *Store) LearnBinarySources(ctx context.Context, osGroup string, bs []BinarySource) error {
	if osGroup == "" || len(bs) == 0 {
		return nil
	}
	bs = lastMappings(bs)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return s.engine.upsertBinarySources(ctx, tx, osGroup, bs)
	})
}

// The upsert of a binary -> source mapping, both engines: rows are added
// by VALUES (SQLite) or from arrays (PostgreSQL).
const (
	qUpsertBinarySource = `INSERT INTO binary_sources (os_group, name, version, source_name,
			source_version, origin)`
	qUpsertBinarySourceConflict = `
			ON CONFLICT (os_group, name, version) DO UPDATE SET source_name = excluded.source_name,
				source_version = excluded.source_version, origin = excluded.origin
			WHERE binary_sources.origin <> 'learned' OR excluded.origin = 'learned'`
)

// lastMappings keeps one mapping per (name, version) of bs, the one that
// filing them in turn would leave: the last learned, else the last; the
// order of first appearance is kept. (One statement cannot update a row
// twice, and the outcome must not depend on the engine.)
func lastMappings(bs []BinarySource) []BinarySource {
	at := make(map[[2]string]int, len(bs))
	out := make([]BinarySource, 0, len(bs))
	for _, b := range bs {
		k := [2]string{b.Name, b.Version}
		i, seen := at[k]
		switch {
		case !seen:
			at[k] = len(out)
			out = append(out, b)
		case b.Origin == "learned" || out[i].Origin != "learned":
			out[i] = b
		}
	}
	return out
}

// LookupBinarySources returns the known mappings of pkgs in osGroup, by
// (name, version). When only other versions of a binary are known, the
// mapping is that of the newest by compare (the OS group's version
// scheme), a report's ("learned") before a Packages index's.
func (s *Store) LookupBinarySources(ctx context.Context, osGroup string, pkgs []CatalogueEntry, compare func(a, b string) int) (map[[2]string]BinarySource, error) {
	out := map[[2]string]BinarySource{}
	if len(pkgs) == 0 {
		return out, nil
	}
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	st, err := conn.PrepareContext(ctx, `SELECT source_name, source_version, origin FROM binary_sources
		WHERE os_group = $1 AND name = $2 AND version = $3`)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	// Other versions of the same binary: the newest is chosen in Go, since
	// SQL orders versions as text (9.0-1 after 10.0-1).
	byName, err := conn.PrepareContext(ctx, `SELECT version, source_name, origin FROM binary_sources
		WHERE os_group = $1 AND name = $2`)
	if err != nil {
		return nil, err
	}
	defer byName.Close()
	for _, p := range pkgs {
		b := BinarySource{Name: p.Name, Version: p.Version, Exact: true}
		err := st.QueryRowContext(ctx, osGroup, p.Name, p.Version).Scan(&b.SourceName, &b.SourceVersion, &b.Origin)
		if errors.Is(err, sql.ErrNoRows) {
			var found bool
			b.Exact = false
			found, err = newestOther(ctx, byName, osGroup, p.Name, compare, &b)
			if err == nil && !found {
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		out[[2]string{p.Name, p.Version}] = b
	}
	return out, nil
}

// newestOther sets b's source name and origin from the newest known
// version of binary name: a report's first, then by compare.
func newestOther(ctx context.Context, byName *sql.Stmt, osGroup, name string, compare func(a, b string) int, b *BinarySource) (bool, error) {
	rows, err := byName.QueryContext(ctx, osGroup, name)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	found, bestVersion := false, ""
	for rows.Next() {
		var version, source, origin string
		if err := rows.Scan(&version, &source, &origin); err != nil {
			return false, err
		}
		if found {
			learned, bestLearned := origin == "learned", b.Origin == "learned"
			if learned != bestLearned {
				if !learned {
					continue
				}
			} else if compare(version, bestVersion) <= 0 {
				continue
			}
		}
		found, bestVersion, b.SourceName, b.Origin = true, version, source, origin
	}
	return found, rows.Err()
}

// AdvisoriesFor returns the records in force for the named packages of
// osGroup.
func (s *Store) AdvisoriesFor(ctx context.Context, osGroup string, packages []string) ([]model.Advisory, error) {
	var out []model.Advisory
	for len(packages) > 0 {
		n := min(len(packages), 500)
		args := []any{osGroup}
		for _, p := range packages[:n] {
			args = append(args, p)
		}
		got, err := s.advisories(ctx, `a.os_group = $1 AND a.package IN (`+placeholders(2, n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		packages = packages[n:]
	}
	return out, nil
}

// advisoryColumns are the columns scanAdvisory reads, from advisories a.
const advisoryColumns = `a.origin, a.os_group, a.package, a.cve, a.fixed_version, a.status,
	a.severity, a.advisory_id, a.arch, a.note, a.temporary, a.module, a.published`

// advisories returns the records in force that pass where.
func (s *Store) advisories(ctx context.Context, where string, args ...any) ([]model.Advisory, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+advisoryColumns+`
		FROM advisories a JOIN source_current c ON c.import_id = a.import_id
		WHERE `+where+` ORDER BY a.os_group, a.package, a.origin, a.cve`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Advisory
	for rows.Next() {
		var a model.Advisory
		var st string
		var published sql.NullTime
		if err := rows.Scan(&a.Source, &a.OSGroup, &a.Package, &a.CVE, &a.FixedVersion, &st, &a.Severity,
			&a.AdvisoryID, &a.Arch, &a.Note, &a.Temporary, &a.Module, &published); err != nil {
			return nil, err
		}
		a.Status = model.Status(st)
		if published.Valid {
			a.Published = published.Time.UTC()
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Evaluation is the outcome of matching one catalogue package in a group.
// SourceName and SourceVersion are the package's key, as its distro's
// driver keys it (match.Key): the name records are filed under (Debian:
// the source package; RPM: the binary) and the version compared; they are
// stored in evaluated.source_name and source_version, which invalidation
// matches against a changed record's package.
type Evaluation struct {
	PackageID     int64
	SourceName    string
	SourceVersion string
	Basis         string // how the key was found: report, learned, packages-index, binary-name
	Verdicts      []Verdict
}

// Verdict is one CVE a catalogue package is vulnerable to in a group.
type Verdict struct {
	CVE          string
	Status       model.Status
	FixedVersion string
	Severity     string
	AdvisoryID   string
	Origin       string
	Kernel       string // "" when it always counts; else the kernel release the package is
	DataGroup    string // "" when the host's own group's records decided; else the group whose data was borrowed (rhel:7 for centos:7)
}

// SaveEvaluations stores evaluations of osGroup in one transaction. A pair
// evaluated meanwhile by another caller is left as it is.
func (s *Store) SaveEvaluations(ctx context.Context, osGroup string, evs []Evaluation) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		ev, err := tx.PrepareContext(ctx, `INSERT INTO evaluated (os_group, package_id, source_name, source_version, basis)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (os_group, package_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ev.Close()
		vd, err := tx.PrepareContext(ctx, `INSERT INTO verdicts (os_group, package_id, cve, status, fixed_version,
			severity, advisory_id, origin, kernel, data_group) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (os_group, package_id, cve) DO NOTHING`)
		if err != nil {
			return err
		}
		defer vd.Close()
		for _, e := range evs {
			r, err := ev.ExecContext(ctx, osGroup, e.PackageID, e.SourceName, e.SourceVersion, e.Basis)
			if err != nil {
				return fmt.Errorf("evaluated: %w", err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				continue
			}
			for _, v := range e.Verdicts {
				if _, err := vd.ExecContext(ctx, osGroup, e.PackageID, v.CVE, string(v.Status), v.FixedVersion,
					v.Severity, v.AdvisoryID, v.Origin, v.Kernel, v.DataGroup); err != nil {
					return fmt.Errorf("verdict: %w", err)
				}
			}
		}
		return nil
	})
}

// Invalidate forgets the evaluations whose key is a changed record's
// package, in each key's OS group (the caller adds the groups that borrow
// a changed group's data), and queues for evaluation the package sets of
// the groups' hosts that hold such a package or are not evaluated yet,
// in the same transaction. It returns the OS groups concerned and how
// many sets it queued.
func (s *Store) Invalidate(ctx context.Context, keys []AdvisoryKey, now time.Time) ([]string, int, error) {
	byGroup := map[string][]string{}
	for _, k := range keys {
		byGroup[k.OSGroup] = append(byGroup[k.OSGroup], k.Package)
	}
	var groups []string
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	queued := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		queued = 0
		if err := s.lockEvaluations(ctx, tx, true); err != nil {
			return err
		}
		for _, g := range groups {
			ids, err := queryInts(ctx, tx, `SELECT package_id FROM evaluated WHERE os_group = $1 AND `+
				s.engine.inList("source_name", 2), g, s.engine.stringList(byGroup[g]))
			if err != nil {
				return err
			}
			sets, err := groupSets(ctx, tx, g)
			if err != nil {
				return err
			}
			var affected []int64
			for _, set := range sets {
				var marked, holds int
				err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM set_evaluated WHERE set_id = $1 AND os_group = $2`,
					set, g).Scan(&marked)
				if err != nil {
					return err
				}
				if marked > 0 && len(ids) > 0 {
					err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM package_set_members
						WHERE set_id = $1 AND `+s.engine.inList("package_id", 2)+` LIMIT 1) x`,
						set, s.engine.intList(ids)).Scan(&holds)
					if err != nil {
						return err
					}
				}
				if marked == 0 || holds > 0 {
					affected = append(affected, set)
				}
			}
			for len(ids) > 0 {
				n := min(len(ids), 5000)
				list := s.engine.intList(ids[:n])
				if _, err := tx.ExecContext(ctx, `DELETE FROM verdicts WHERE os_group = $1 AND `+
					s.engine.inList("package_id", 2), g, list); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM evaluated WHERE os_group = $1 AND `+
					s.engine.inList("package_id", 2), g, list); err != nil {
					return err
				}
				ids = ids[n:]
			}
			// Sets no host of the group is on now lose their mark (a
			// host may take one back later): only the sets in use were
			// checked for the invalidated packages.
			if _, err := tx.ExecContext(ctx, `DELETE FROM set_evaluated WHERE os_group = $1 AND set_id NOT IN (
				SELECT package_set_id FROM hosts WHERE os_group = $1 AND removed_at IS NULL)`, g); err != nil {
				return err
			}
			if len(affected) > 0 {
				if _, err := tx.ExecContext(ctx, `DELETE FROM set_evaluated WHERE os_group = $1 AND `+
					s.engine.inList("set_id", 2), g, s.engine.intList(affected)); err != nil {
					return err
				}
			}
			if err := enqueueSets(ctx, tx, g, affected, now); err != nil {
				return err
			}
			queued += len(affected)
		}
		return nil
	})
	return groups, queued, err
}

// queryInts returns the first column of q's rows, read through db (a
// *sql.DB or *sql.Tx).
func queryInts(ctx context.Context, db querier, q string, args ...any) ([]int64, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// EvaluatedGroups lists the OS groups that have evaluations or hosts: the
// groups an import may have to evaluate. A group whose hosts reported
// before any data it reads was imported has no evaluation yet, and must be
// named too, or a group that borrows another's data (centos:7 reading
// rhel:7) would stay not evaluated after rhel:7's first import.
func (s *Store) EvaluatedGroups(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT os_group FROM evaluated
		UNION SELECT os_group FROM hosts WHERE os_group <> '' ORDER BY os_group`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// InvalidateBasis forgets the evaluations of osGroup whose source package
// was found by basis (after a Packages index arrives, those matched by
// binary name get another chance).
func (s *Store) InvalidateBasis(ctx context.Context, osGroup, basis string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockEvaluations(ctx, tx, true); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM set_evaluated WHERE os_group = $1`, osGroup); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM verdicts WHERE os_group = $1 AND package_id IN (
			SELECT package_id FROM evaluated WHERE os_group = $1 AND basis = $2)`, osGroup, basis); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM evaluated WHERE os_group = $1 AND basis = $2`, osGroup, basis)
		return err
	})
}

// ForgetEvaluations drops every evaluation (pakiti evaluate --all), and
// every host's findings key, so that the next evaluation compares every
// host's findings with its target.
func (s *Store) ForgetEvaluations(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockEvaluations(ctx, tx, true); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE hosts SET findings_key = '' WHERE findings_key <> ''`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM set_evaluated`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM verdicts`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM evaluated`)
		return err
	})
}

// SetVerdict is a verdict of one package of a package set, with the
// package and the key it was matched as.
type SetVerdict struct {
	PackageID int64
	Package   model.Package
	Key       Evaluation // SourceName, SourceVersion, Basis (Verdicts unused)
	Verdict
}

// SetVerdicts returns the verdicts of the packages of a set in osGroup,
// by package id and CVE.
func (s *Store) SetVerdicts(ctx context.Context, osGroup string, setID int64) ([]SetVerdict, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT m.package_id, p.name, p.version, p.arch, e.source_name,
			e.source_version, e.basis, v.cve, v.status, v.fixed_version, v.severity, v.advisory_id, v.origin,
			v.kernel, v.data_group
		FROM package_set_members m JOIN verdicts v ON v.os_group = $2 AND v.package_id = m.package_id
		JOIN packages p ON p.id = m.package_id
		JOIN evaluated e ON e.os_group = $2 AND e.package_id = m.package_id
		WHERE m.set_id = $1 ORDER BY m.package_id, v.cve`, setID, osGroup)
	if err != nil {
		return nil, fmt.Errorf("verdicts of set %d: %w", setID, err)
	}
	return scanSetVerdicts(rows)
}

// scanSetVerdicts reads the rows of SetVerdicts' query, and closes them.
func scanSetVerdicts(rows *sql.Rows) ([]SetVerdict, error) {
	defer rows.Close()
	var out []SetVerdict
	for rows.Next() {
		var v SetVerdict
		var st string
		if err := rows.Scan(&v.PackageID, &v.Package.Name, &v.Package.Version, &v.Package.Arch, &v.Key.SourceName,
			&v.Key.SourceVersion, &v.Key.Basis, &v.CVE, &st, &v.FixedVersion, &v.Severity, &v.AdvisoryID, &v.Origin,
			&v.Kernel, &v.DataGroup); err != nil {
			return nil, err
		}
		v.Status = model.Status(st)
		out = append(out, v)
	}
	return out, rows.Err()
}

// SetPackageIDs returns the packages of a set, by id (a range of the
// members' primary key: no join).
func (s *Store) SetPackageIDs(ctx context.Context, setID int64) ([]int64, error) {
	ids, err := queryInts(ctx, s.r, `SELECT package_id FROM package_set_members WHERE set_id = $1 ORDER BY package_id`, setID)
	if err != nil {
		return nil, fmt.Errorf("members of set %d: %w", setID, err)
	}
	return ids, nil
}

// PackageVerdicts returns the verdicts of packages ids in osGroup as
// SetVerdicts gives them, by package id and CVE: what SetVerdicts returns
// for a set whose members are ids.
func (s *Store) PackageVerdicts(ctx context.Context, osGroup string, ids []int64) ([]SetVerdict, error) {
	var out []SetVerdict
	for len(ids) > 0 {
		n := min(len(ids), 5000)
		rows, err := s.r.QueryContext(ctx, `SELECT v.package_id, p.name, p.version, p.arch, e.source_name,
				e.source_version, e.basis, v.cve, v.status, v.fixed_version, v.severity, v.advisory_id, v.origin,
				v.kernel, v.data_group
			FROM verdicts v JOIN packages p ON p.id = v.package_id
			JOIN evaluated e ON e.os_group = v.os_group AND e.package_id = v.package_id
			WHERE v.os_group = $1 AND `+s.engine.inList("v.package_id", 2)+` ORDER BY v.package_id, v.cve`,
			osGroup, s.engine.intList(ids[:n]))
		if err != nil {
			return nil, fmt.Errorf("verdicts of packages: %w", err)
		}
		got, err := scanSetVerdicts(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		ids = ids[n:]
	}
	return out, nil
}

// SetPackagesKeyed returns the packages of a set whose key in osGroup is
// one of names (the kernel images of a set, to tell which kernels are
// installed besides the running one), with their keys.
func (s *Store) SetPackagesKeyed(ctx context.Context, osGroup string, setID int64, names []string) ([]SetVerdict, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT m.package_id, p.name, p.version, p.arch, p.source_name, p.source_version,
			e.source_name, e.source_version, e.basis
		FROM package_set_members m JOIN evaluated e ON e.os_group = $2 AND e.package_id = m.package_id
		JOIN packages p ON p.id = m.package_id
		WHERE m.set_id = $1 AND `+s.engine.inList("e.source_name", 3)+` ORDER BY m.package_id`,
		setID, osGroup, s.engine.stringList(names))
	if err != nil {
		return nil, fmt.Errorf("kernels of set %d: %w", setID, err)
	}
	defer rows.Close()
	var out []SetVerdict
	for rows.Next() {
		var v SetVerdict
		if err := rows.Scan(&v.PackageID, &v.Package.Name, &v.Package.Version, &v.Package.Arch, &v.Package.SourceName,
			&v.Package.SourceVersion, &v.Key.SourceName, &v.Key.SourceVersion, &v.Key.Basis); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// lockEvaluations takes the evaluation lock in tx (engine.go).
func (s *Store) lockEvaluations(ctx context.Context, tx *sql.Tx, exclusive bool) error {
	if q := s.engine.evaluationLock(exclusive); q != "" {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("evaluation lock: %w", err)
		}
	}
	return nil
}

// SetTargetCurrent tells whether the verdicts of a package set in osGroup
// still give the set target digest (match's setTarget digest) a matcher
// built earlier under the data generation it reads itself: the set is
// marked evaluated (an invalidation since deleted the mark; a later
// evaluation wrote it again), not waiting in the evaluation queue (an
// invalidation queued it; its drain finishes before the row leaves), and
// a live host of the group on the set has findings written from digest
// (a drain since rewrote every host of the set from the verdicts it read;
// a host's key is cleared when it moves to another set, SaveReport). One
// read: the matcher reuses its target instead of reading the set's
// verdicts again (match/reuse.go).
func (s *Store) SetTargetCurrent(ctx context.Context, osGroup string, setID int64, digest string) (bool, error) {
	if digest == "" {
		return false, nil
	}
	prefix := digest + "|"
	var marked, queued, witness int
	err := s.readQueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM set_evaluated WHERE set_id = $1 AND os_group = $2),
		(SELECT COUNT(*) FROM eval_queue WHERE os_group = $2 AND set_id = $1),
		(SELECT COUNT(*) FROM (SELECT 1 FROM hosts WHERE package_set_id = $1 AND os_group = $2 AND removed_at IS NULL
			AND substr(findings_key, 1, $3) = $4 LIMIT 1) x)`,
		[]any{setID, osGroup, len(prefix), prefix}, &marked, &queued, &witness)
	if err != nil {
		return false, fmt.Errorf("set target current: %w", err)
	}
	return marked > 0 && queued == 0 && witness > 0, nil
}
