package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MaxSuggestions bounds what CVESuggestions returns.
const MaxSuggestions = 100

// CVESuggestions returns up to limit distinct CVE ids (vulnerability ids
// as findings hold them) beginning with prefix, in order, among the
// current findings (not excepted) of the hosts in scope: the CVE
// filters' autocomplete. A caller limited to some sites learns no id of
// another site's hosts. prefix is matched as stored (callers normalise it:
// model.NormalizeIDPrefix).
//
// It reads what the vulnerabilities listing reads (Vulns): the targets of
// the hosts in scope from their fleet cells (a few rows per site), then
// each target's CVEs, kept once read (vulncache.go), and keeps the ids
// with the prefix. A first version read a byte range of the index
// target_findings_cve and checked each row's target against the hosts in
// scope: with a short prefix and few hosts in scope, it read every row of
// the range (2.5 s for "CVE" on a 2,000-host fleet, none in scope).
func (s *Store) CVESuggestions(ctx context.Context, sc Scope, prefix string, limit int) ([]string, error) {
	if prefix == "" || len(prefix) > 64 {
		return nil, errors.New("a CVE prefix takes 1 to 64 bytes")
	}
	for i := range len(prefix) {
		if c := prefix[i]; c <= ' ' || c >= 0x7f {
			return nil, errors.New("a CVE prefix takes printable ASCII only")
		}
	}
	limit = min(max(limit, 1), MaxSuggestions)
	ids, err := s.scopeSiteIDs(ctx, sc, "")
	if err != nil || len(ids) == 0 {
		return []string{}, err
	}
	var targets []int64
	seen := map[int64]bool{}
	err = s.eachCell(ctx, ids, func(c fleetCell, _ string, removed bool) {
		if !removed && c.target != 0 && c.hosts > 0 && !seen[c.target] {
			seen[c.target] = true
			targets = append(targets, c.target)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("cve suggestions: %w", err)
	}
	cves, err := s.targetCVEsOf(ctx, targets)
	if err != nil {
		return nil, fmt.Errorf("cve suggestions: %w", err)
	}
	found := map[string]bool{}
	for _, rs := range cves {
		for _, r := range rs {
			if strings.HasPrefix(r.cve, prefix) {
				found[r.cve] = true
			}
		}
	}
	out := make([]string, 0, len(found))
	for id := range found {
		out = append(out, id)
	}
	slices.Sort(out)
	return out[:min(len(out), limit)], nil
}
