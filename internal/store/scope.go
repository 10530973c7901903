package store

import (
	"context"
	"fmt"
	"strings"
)

// Scope is the set of sites a caller may see. Every read that returns hosts
// or what derives from them takes one, so per-site access control needs no
// query to change. The zero Scope sees nothing.
//
// A scope travels to the database as one list parameter, however many
// sites it holds: site names as built, site ids once resolved
// (ResolveScope, once per request).
type Scope struct {
	all      bool
	sites    []string
	ids      []int64
	resolved bool // ids holds the ids of sites
}

// AllSites is the scope of a CSIRT: every site.
func AllSites() Scope { return Scope{all: true} }

// SitesScope limits a caller to the named sites.
func SitesScope(sites ...string) Scope { return Scope{sites: append([]string(nil), sites...)} }

// ResolveScope returns sc with its sites resolved to ids in one query, so
// that the reads of a request compare ids. Names that name no site are
// dropped: they see nothing.
func (s *Store) ResolveScope(ctx context.Context, sc Scope) (Scope, error) {
	if sc.all || sc.resolved {
		return sc, nil
	}
	out := Scope{resolved: true, ids: []int64{}, sites: sc.sites}
	if len(sc.sites) == 0 {
		return out, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM sites WHERE `+s.engine.inList("name", 1)+` ORDER BY id`,
		s.engine.stringList(sc.sites))
	if err != nil {
		return sc, fmt.Errorf("resolve scope: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return sc, err
		}
		out.ids = append(out.ids, id)
	}
	if err := rows.Err(); err != nil {
		return sc, fmt.Errorf("resolve scope: %w", err)
	}
	return out, nil
}

// scopeSQL returns the condition that keeps the rows of sc's sites, for a
// query that joins sites as alias and whose next placeholder is $next,
// with its one argument.
func (s *Store) scopeSQL(sc Scope, alias string, next int) (string, []any) {
	switch {
	case sc.all:
		return "1 = 1", nil
	case sc.resolved && len(sc.ids) > 0:
		return s.engine.inList(alias+".id", next), []any{s.engine.intList(sc.ids)}
	case !sc.resolved && len(sc.sites) > 0:
		return s.engine.inList(alias+".name", next), []any{s.engine.stringList(sc.sites)}
	}
	return "1 = 0", nil
}

// likeEscape escapes the LIKE wildcards of s for use with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
