package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/pakiti-go/pakiti/internal/model"
)

// A host's findings are those of its targets (shared by every host on
// the same package set and data), so the host reads keep the targets'
// findings decoded: the hosts on one target share one read, a page costs
// map lookups. A decoded finding is compact: its package's names and its
// facts are pointers to rows held once for every target. So the cache
// holds every target of a large fleet (100,000 hosts on ~100 targets of
// ~2,500 findings), and a target decoded on a miss costs the one read of
// its rows the history replay needs anyway (targetRows) and the package
// and facts rows not held yet (a few at most once a fleet has been seen).
//
// finding_facts rows never change and are never deleted: held by id.
// Catalogue packages are deleted by the collection (gc.go), which counts
// a new catalogue generation in the same transaction; SQLite may then
// give a new package a deleted one's id. The package names are held for
// one generation, read after the target's rows: a target's rows name
// packages alive when they were read (target_findings references them),
// so an id reused since the names were held shows as a new generation.

// pkgNames are a catalogue package's names as findings show them.
type pkgNames struct{ name, version, arch string }

// factsRow is a finding_facts row as findings show it.
type factsRow struct {
	sourceName, sourceVersion, basis, fixed, vendor, severity, advisory, origin, dataGroup, kernel string
	dataDate                                                                                       sql.NullTime
}

// decodedFinding is a target's finding as read, before its state.
type decodedFinding struct {
	key          findingKey
	pkg          *pkgNames
	facts        *factsRow // nil: the finding has no facts row
	status, tags string
}

// finding is d as a model.Finding of its own (nothing shared with the
// cache: callers may change it).
func (d decodedFinding) finding() model.Finding {
	f := model.Finding{CVE: d.key.cve, Package: d.pkg.name, Version: d.pkg.version, Arch: d.pkg.arch,
		Status: d.status, Tags: sortedTags(d.tags)}
	if fa := d.facts; fa != nil {
		f.SourcePackage, f.SourceVersion, f.Basis, f.FixedVersion = fa.sourceName, fa.sourceVersion, fa.basis, fa.fixed
		f.VendorStatus, f.Severity, f.AdvisoryID, f.Origin = model.Status(fa.vendor), fa.severity, fa.advisory, fa.origin
		f.DataGroup, f.Kernel = fa.dataGroup, fa.kernel
		if fa.dataDate.Valid {
			t := fa.dataDate.Time.UTC()
			f.DataDate = &t
		}
	}
	return f
}

// decodedTargets keeps the findings of the targets read last, decoded
// (targets never change), and the package and facts rows they point to.
// Bounded by findings: the oldest targets go first; the rows held are
// emptied (not evicted one by one) when they grow past internLimit,
// decoded findings keep the rows they point to.
type decodedTargets struct {
	mu     sync.Mutex
	by     map[int64][]decodedFinding
	order  []int64
	n      int
	facts  map[int64]*factsRow
	pkgs   map[int64]*pkgNames
	pkgGen int64 // the catalogue generation pkgs are of
}

// decodedLimit bounds the findings decodedTargets holds (~80 bytes
// each, their strings shared with the replay's rows: about 30 MB).
const decodedLimit = 400000

// internLimit bounds the package and facts rows decodedTargets holds
// (each: the distinct ones a fleet's findings use, a few thousand).
const internLimit = 200000

func (c *decodedTargets) get(id int64) ([]decodedFinding, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.by[id]
	return d, ok
}

func (c *decodedTargets) put(id int64, d []decodedFinding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[int64][]decodedFinding{}
	}
	if _, ok := c.by[id]; ok || len(d) > decodedLimit {
		return
	}
	for c.n+len(d) > decodedLimit && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.n -= len(c.by[old])
		delete(c.by, old)
	}
	c.by[id], c.order, c.n = d, append(c.order, id), c.n+len(d)
}

// forget drops the decoded targets (targets were deleted). The rows
// they point to stay: the package names until the next generation.
func (c *decodedTargets) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.by, c.order, c.n = nil, nil, 0
}

// missing returns the package and facts ids of rows not held, after
// forgetting the package names of a generation other than gen.
func (c *decodedTargets) missing(rows []targetRow, gen int64) (pkgs, facts []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pkgs == nil || c.pkgGen != gen || len(c.pkgs) > internLimit {
		c.pkgs, c.pkgGen = map[int64]*pkgNames{}, gen
	}
	if c.facts == nil || len(c.facts) > internLimit {
		c.facts = map[int64]*factsRow{}
	}
	seenP, seenF := map[int64]bool{}, map[int64]bool{}
	for _, r := range rows {
		if _, ok := c.pkgs[r.pkg]; !ok && !seenP[r.pkg] {
			seenP[r.pkg] = true
			pkgs = append(pkgs, r.pkg)
		}
		if _, ok := c.facts[r.facts]; r.facts != 0 && !ok && !seenF[r.facts] {
			seenF[r.facts] = true
			facts = append(facts, r.facts)
		}
	}
	return pkgs, facts
}

// decode holds the rows read (pkgs of generation gen) and returns the
// findings of rows; an id neither held nor read is an error.
func (c *decodedTargets) decode(rows []targetRow, gen int64, pkgs map[int64]*pkgNames, facts map[int64]*factsRow) ([]decodedFinding, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pkgGen == gen {
		for id, p := range pkgs {
			c.pkgs[id] = p
		}
	}
	for id, f := range facts {
		c.facts[id] = f
	}
	out := make([]decodedFinding, len(rows))
	for i, r := range rows {
		d := decodedFinding{key: r.findingKey, status: r.status, tags: r.tags}
		if d.pkg = pkgs[r.pkg]; d.pkg == nil {
			if d.pkg = c.pkgs[r.pkg]; d.pkg == nil {
				return nil, fmt.Errorf("no catalogue package %d", r.pkg)
			}
		}
		if r.facts != 0 {
			if d.facts = facts[r.facts]; d.facts == nil {
				if d.facts = c.facts[r.facts]; d.facts == nil {
					return nil, fmt.Errorf("no finding_facts row %d", r.facts)
				}
			}
		}
		out[i] = d
	}
	return out, nil
}

// decodedTarget returns every finding of target t, decoded (cached).
func (s *Store) decodedTarget(ctx context.Context, t int64) ([]decodedFinding, error) {
	if d, ok := s.decoded.get(t); ok {
		return d, nil
	}
	rows, err := s.targetRows(ctx, s.r, t)
	if err != nil {
		return nil, fmt.Errorf("findings of target %d: %w", t, err)
	}
	var gen int64
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(generation), 0) FROM catalogue_gc`).Scan(&gen); err != nil {
		return nil, fmt.Errorf("findings of target %d: catalogue generation: %w", t, err)
	}
	pids, fids := s.decoded.missing(rows, gen)
	pkgs, err := s.readPkgNames(ctx, pids)
	if err != nil {
		return nil, fmt.Errorf("findings of target %d: %w", t, err)
	}
	facts, err := s.readFacts(ctx, fids)
	if err != nil {
		return nil, fmt.Errorf("findings of target %d: %w", t, err)
	}
	out, err := s.decoded.decode(rows, gen, pkgs, facts)
	if err != nil {
		return nil, fmt.Errorf("findings of target %d: %w", t, err)
	}
	s.decoded.put(t, out)
	return out, nil
}

// readPkgNames reads the names of the catalogue packages ids, by id.
func (s *Store) readPkgNames(ctx context.Context, ids []int64) (map[int64]*pkgNames, error) {
	out := map[int64]*pkgNames{}
	for len(ids) > 0 {
		n := min(len(ids), 5000)
		rows, err := s.r.QueryContext(ctx, `SELECT id, name, version, arch FROM packages WHERE `+s.engine.inList("id", 1),
			s.engine.intList(ids[:n]))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var p pkgNames
			if err := rows.Scan(&id, &p.name, &p.version, &p.arch); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = &p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// readFacts reads the finding_facts rows ids, by id.
func (s *Store) readFacts(ctx context.Context, ids []int64) (map[int64]*factsRow, error) {
	out := map[int64]*factsRow{}
	for len(ids) > 0 {
		n := min(len(ids), 5000)
		rows, err := s.r.QueryContext(ctx, `SELECT id, source_name, source_version, basis, fixed_version, vendor_status,
			severity, advisory_id, origin, data_group, kernel, data_date FROM finding_facts WHERE `+s.engine.inList("id", 1),
			s.engine.intList(ids[:n]))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var r factsRow
			if err := rows.Scan(&id, &r.sourceName, &r.sourceVersion, &r.basis, &r.fixed, &r.vendor, &r.severity,
				&r.advisory, &r.origin, &r.dataGroup, &r.kernel, &r.dataDate); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = &r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}
