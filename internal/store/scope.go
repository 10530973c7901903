package store

import "strings"

// Scope is the set of sites a caller may see. Every read that returns hosts
// or what derives from them takes one, so per-site access control needs no
// query to change. The zero Scope sees nothing.
type Scope struct {
	all   bool
	sites []string
}

// AllSites is the scope of a CSIRT: every site.
func AllSites() Scope { return Scope{all: true} }

// SitesScope limits a caller to the named sites.
func SitesScope(sites ...string) Scope { return Scope{sites: append([]string(nil), sites...)} }

// sql returns a condition on the site-name column col for a query whose
// next placeholder is $next, with its arguments.
func (sc Scope) sql(col string, next int) (string, []any) {
	if sc.all {
		return "1 = 1", nil
	}
	if len(sc.sites) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(sc.sites))
	for i, s := range sc.sites {
		args[i] = s
	}
	return col + " IN (" + placeholders(next, len(sc.sites)) + ")", args
}

// likeEscape escapes the LIKE wildcards of s for use with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
