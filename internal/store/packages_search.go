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
// looked up once per set: the catalogue entries of the name, the distinct
// sets in scope, then the members at those (set, package) keys.
func (s *Store) PackageHosts(ctx context.Context, sc Scope, q PackageSearch) ([]PackageHost, int, error) {
	if q.Name == "" || q.Name == "*" {
		return nil, 0, fmt.Errorf("a package name (or a prefix ending in *) is needed")
	}
	type pkg struct{ name, version, arch string }
	pkgs := map[int64]pkg{}
	var ids []int64
	name, prefix := strings.CutSuffix(q.Name, "*")
	name, suffix := strings.CutPrefix(name, "*")
	if name == "" {
		return nil, 0, fmt.Errorf("a package name (or a prefix ending in *) is needed")
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
		var id int64
		var p pkg
		if err := scan(&id, &p.name, &p.version, &p.arch); err != nil {
			return err
		}
		if !nameMatches(p.name) || !versionMatches(p.version, q.Version) {
			return nil
		}
		if len(ids) == maxSearchPackages {
			return ErrTooManyPackages
		}
		pkgs[id] = p
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("package search: %w", err)
	}
	if len(ids) == 0 {
		return []PackageHost{}, 0, nil
	}
	cond, args := s.scopeSQL(sc, "s", 1)
	if q.Site != "" {
		args = append(args, q.Site)
		cond += fmt.Sprintf(" AND s.name = $%d", len(args))
	}
	hostsFrom := ` FROM hosts h JOIN sites s ON s.id = h.site_id AND h.removed_at IS NULL WHERE ` + cond
	var sets []int64
	err = s.eachRow(ctx, `SELECT DISTINCT h.package_set_id`+hostsFrom, args, func(scan func(...any) error) error {
		var id int64
		err := scan(&id)
		sets = append(sets, id)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("package search: %w", err)
	}
	if len(sets) == 0 {
		return []PackageHost{}, 0, nil
	}
	has := map[int64][]int64{} // set -> matching packages
	err = s.eachRow(ctx, `SELECT m.set_id, m.package_id FROM package_set_members m WHERE `+s.engine.inList("m.set_id", 1)+
		` AND `+s.engine.inList("m.package_id", 2), []any{s.engine.intList(sets), s.engine.intList(ids)},
		func(scan func(...any) error) error {
			var set, id int64
			err := scan(&set, &id)
			has[set] = append(has[set], id)
			return err
		})
	if err != nil {
		return nil, 0, fmt.Errorf("package search: %w", err)
	}
	if len(has) == 0 {
		return []PackageHost{}, 0, nil
	}
	matched := make([]int64, 0, len(has))
	for set := range has {
		matched = append(matched, set)
	}
	args = append(args, s.engine.intList(matched))
	out := []PackageHost{}
	err = s.eachRow(ctx, `SELECT h.hostname, s.name, h.os_group, h.package_set_id`+hostsFrom+` AND `+
		s.engine.inList("h.package_set_id", len(args)), args, func(scan func(...any) error) error {
		var h PackageHost
		var set int64
		if err := scan(&h.Hostname, &h.Site, &h.OSGroup, &set); err != nil {
			return err
		}
		for _, id := range has[set] {
			p := pkgs[id]
			h.Name, h.Version, h.Arch = p.name, p.version, p.arch
			out = append(out, h)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("package search: %w", err)
	}
	slices.SortFunc(out, func(a, b PackageHost) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Version, b.Version),
			strings.Compare(a.Arch, b.Arch), strings.Compare(a.Hostname, b.Hostname))
	})
	total := len(out)
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	lo := min(max(q.Offset, 0), total)
	hi := min(lo+min(limit, MaxLimit), total)
	return slices.Clip(out[lo:hi]), total, nil
}

// versionMatches tells whether version is want, or starts with want's
// prefix when want ends in "*"; an empty want matches any version.
func versionMatches(version, want string) bool {
	if p, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(version, p)
	}
	return want == "" || version == want
}
