package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// PackageSearch asks which hosts have a package. Name is a package name,
// a prefix ending in "*", a suffix after a "*" or a part between two
// ("*ssl*": Pakiti 3's catalogue search); Version, when set, an exact
// version or a prefix ending in "*".
type PackageSearch struct {
	Name    string
	Version string
	Site    string
	Limit   int // 0: DefaultLimit; capped at MaxLimit
	Offset  int
}

// PackageHost is a host in scope that has an installed package.
type PackageHost struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Arch     string `json:"arch"`
	Hostname string `json:"hostname"`
	Site     string `json:"site"`
	OSGroup  string `json:"os_group"`
}

// maxSearchPackages bounds how many catalogue entries a name prefix may
// match.
const maxSearchPackages = 5000

// ErrTooManyPackages is returned when a name prefix matches more than
// maxSearchPackages catalogue entries.
var ErrTooManyPackages = fmt.Errorf("the name matches more than %d packages: give more of it", maxSearchPackages)

// PackageHosts returns one page of the (package, host) pairs in scope that
// match q, by name, version, arch and host name, and how many there are in
// all. It reads the hosts' package sets, not findings, so it answers
// before any vulnerability data exists. Hosts sharing a package set are
// counted once per set: the catalogue entries of the name, the fleet
// cells of the sites in scope (hosts per package set), the members at
// those (set, package) keys; then only the page's hosts are read, by host
// name among the hosts of the sets holding each listed package. At
// 100,000 hosts that have openssl a page reads a hundred hosts, not
// 100,000 (and the CSV export, EachPackageHost, reads each host once).
func (s *Store) PackageHosts(ctx context.Context, sc Scope, q PackageSearch) ([]PackageHost, int, error) {
	plan, err := s.packageHostsPlan(ctx, sc, q)
	if err != nil || plan.total == 0 {
		return []PackageHost{}, plan.total, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	lo := min(max(q.Offset, 0), plan.total)
	hi := min(lo+min(limit, MaxLimit), plan.total)
	out := make([]PackageHost, 0, hi-lo)
	base := 0
	for _, p := range plan.pkgs {
		if base >= hi {
			break
		}
		if end := base + p.hosts; end > lo && p.hosts > 0 {
			from := max(lo-base, 0)
			n := min(end, hi) - base - from
			err := s.eachPackageHost(ctx, plan, p, from, n, func(h PackageHost) error {
				out = append(out, h)
				return nil
			})
			if err != nil {
				return nil, 0, err
			}
		}
		base += p.hosts
	}
	return out, plan.total, nil
}

// EachPackageHost calls fn with every (package, host) pair in scope that
// matches q (its Limit and Offset ignored), in PackageHosts' order, and
// returns how many there are: the CSV export of the whole view, streamed,
// each host read once per package it has.
func (s *Store) EachPackageHost(ctx context.Context, sc Scope, q PackageSearch, fn func(PackageHost) error) (int, error) {
	plan, err := s.packageHostsPlan(ctx, sc, q)
	if err != nil || plan.total == 0 {
		return plan.total, err
	}
	for _, p := range plan.pkgs {
		if p.hosts == 0 {
			continue
		}
		if err := s.eachPackageHost(ctx, plan, p, 0, -1, fn); err != nil {
			return 0, err
		}
	}
	return plan.total, nil
}

// matchedPackage is a catalogue entry matching a search, with the package
// sets in scope that hold it and how many hosts are on them.
type matchedPackage struct {
	id                  int64
	name, version, arch string
	sets                []int64
	hosts               int
}

// packageSearchPlan is what a package search found before reading hosts.
type packageSearchPlan struct {
	sites []int64          // in scope (and of q.Site)
	pkgs  []matchedPackage // by name, version, arch
	total int              // (package, host) pairs
	hosts int              // live hosts in scope
}

// packageHostsPlan finds the catalogue entries matching q and counts
// their hosts in scope from the fleet cells.
func (s *Store) packageHostsPlan(ctx context.Context, sc Scope, q PackageSearch) (packageSearchPlan, error) {
	var plan packageSearchPlan
	if q.Name == "" || q.Name == "*" {
		return plan, fmt.Errorf("a package name (or a prefix ending in *) is needed")
	}
	name, prefix := strings.CutSuffix(q.Name, "*")
	name, suffix := strings.CutPrefix(name, "*")
	if name == "" {
		return plan, fmt.Errorf("a package name (or a prefix ending in *) is needed")
	}
	where, arg := "name = $1", any(name)
	switch {
	case prefix && suffix:
		where, arg = `name LIKE $1 ESCAPE '\'`, "%"+likeEscape(name)+"%"
	case prefix:
		where, arg = `name LIKE $1 ESCAPE '\'`, likeEscape(name)+"%"
	case suffix:
		where, arg = `name LIKE $1 ESCAPE '\'`, "%"+likeEscape(name)
	}
	// nameMatches is the pattern again, case-sensitive: SQLite's LIKE
	// ignores case.
	nameMatches := func(n string) bool {
		switch {
		case prefix && suffix:
			return strings.Contains(n, name)
		case prefix:
			return strings.HasPrefix(n, name)
		case suffix:
			return strings.HasSuffix(n, name)
		}
		return true
	}
	err := s.eachRow(ctx, `SELECT id, name, version, arch FROM packages WHERE `+where, []any{arg}, func(scan func(...any) error) error {
		var p matchedPackage
		if err := scan(&p.id, &p.name, &p.version, &p.arch); err != nil {
			return err
		}
		if !nameMatches(p.name) || !versionMatches(p.version, q.Version) {
			return nil
		}
		if len(plan.pkgs) == maxSearchPackages {
			return ErrTooManyPackages
		}
		plan.pkgs = append(plan.pkgs, p)
		return nil
	})
	if err != nil {
		return plan, fmt.Errorf("package search: %w", err)
	}
	if len(plan.pkgs) == 0 {
		return plan, nil
	}
	if plan.sites, err = s.scopeSiteIDs(ctx, sc, q.Site); err != nil || len(plan.sites) == 0 {
		return plan, err
	}
	// Hosts per package set in scope, from the cells (live hosts only).
	setHosts := map[int64]int{}
	err = s.eachCell(ctx, plan.sites, func(c fleetCell, _ string, removed bool) {
		if !removed {
			setHosts[c.set] += c.hosts
			plan.hosts += c.hosts
		}
	})
	if err != nil || len(setHosts) == 0 {
		return plan, err
	}
	sets := make([]int64, 0, len(setHosts))
	for set, n := range setHosts {
		if n > 0 {
			sets = append(sets, set)
		}
	}
	slices.Sort(sets)
	at := make(map[int64]int, len(plan.pkgs))
	ids := make([]int64, len(plan.pkgs))
	for i, p := range plan.pkgs {
		at[p.id], ids[i] = i, p.id
	}
	err = s.eachRow(ctx, `SELECT m.set_id, m.package_id FROM package_set_members m WHERE `+s.engine.inList("m.set_id", 1)+
		` AND `+s.engine.inList("m.package_id", 2), []any{s.engine.intList(sets), s.engine.intList(ids)},
		func(scan func(...any) error) error {
			var set, id int64
			if err := scan(&set, &id); err != nil {
				return err
			}
			p := &plan.pkgs[at[id]]
			p.sets = append(p.sets, set)
			p.hosts += setHosts[set]
			return nil
		})
	if err != nil {
		return plan, fmt.Errorf("package search: %w", err)
	}
	slices.SortFunc(plan.pkgs, func(a, b matchedPackage) int {
		return cmp.Or(strings.Compare(a.name, b.name), strings.Compare(a.version, b.version), strings.Compare(a.arch, b.arch))
	})
	for _, p := range plan.pkgs {
		plan.total += p.hosts
	}
	return plan, nil
}

// packageHostChunk is how many hosts EachPackageHost reads at a time: the
// rows are handed to fn between reads, so that a slow reader of an export
// holds no database snapshot open.
var packageHostChunk = 2000

// eachPackageHost calls fn with the hosts in the plan's sites on the sets
// holding p, by host name: n of them after the first from, or all of
// them, a chunk at a time, when n < 0.
func (s *Store) eachPackageHost(ctx context.Context, plan packageSearchPlan, p matchedPackage, from, n int, fn func(PackageHost) error) error {
	if n == 0 || len(p.sets) == 0 {
		return nil
	}
	slices.Sort(p.sets)
	// A package most hosts have (openssl on 100,000 hosts) is read in
	// host-name order from the listing's index, a page costing its offset
	// and length: the unary plus keeps the planner off the set and site
	// indexes, which would gather and sort every host of the package
	// first. A package few hosts have is found through the set index.
	set, site := "h.package_set_id", "h.site_id"
	if p.hosts*4 >= plan.hosts {
		set, site = "+"+set, "+"+site
	}
	q := `SELECT h.hostname, s.name, h.os_group FROM hosts h JOIN sites s ON s.id = h.site_id
		WHERE h.removed_at IS NULL AND ` + s.engine.inList(set, 1) + ` AND ` + s.engine.inList(site, 2)
	args := []any{s.engine.intList(p.sets), s.engine.intList(plan.sites)}
	read := func(q string, args []any) ([]PackageHost, error) {
		var hs []PackageHost
		err := s.eachRow(ctx, q, args, func(scan func(...any) error) error {
			h := PackageHost{Name: p.name, Version: p.version, Arch: p.arch}
			err := scan(&h.Hostname, &h.Site, &h.OSGroup)
			hs = append(hs, h)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("package search: %w", err)
		}
		return hs, nil
	}
	if n > 0 {
		hs, err := read(q+fmt.Sprintf(` ORDER BY h.hostname LIMIT %d OFFSET %d`, n, from), args)
		if err != nil {
			return err
		}
		for _, h := range hs {
			if err := fn(h); err != nil {
				return err
			}
		}
		return nil
	}
	after := ""
	for {
		hs, err := read(q+fmt.Sprintf(` AND h.hostname > $3 ORDER BY h.hostname LIMIT %d`, packageHostChunk), append(args, after))
		if err != nil {
			return err
		}
		for _, h := range hs {
			if err := fn(h); err != nil {
				return err
			}
		}
		if len(hs) < packageHostChunk {
			return nil
		}
		after = hs[len(hs)-1].Hostname
	}
}

// versionMatches tells whether version is want, or starts with want's
// prefix when want ends in "*"; an empty want matches any version.
func versionMatches(version, want string) bool {
	if p, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(version, p)
	}
	return want == "" || version == want
}
