package store

import (
	"context"
	"errors"
	"fmt"
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
// The ids are read from the index target_findings_cve (cve, target_id)
// as a range [prefix, prefix with its last byte raised), both engines
// comparing bytes (COLLATE "C" on PostgreSQL), in order, so that the
// first limit ids with a host in scope end the scan; each row's target
// is checked against the hosts in scope through hosts_target.
func (s *Store) CVESuggestions(ctx context.Context, sc Scope, prefix string, limit int) ([]string, error) {
	if prefix == "" || len(prefix) > 64 {
		return nil, errors.New("a CVE prefix takes 1 to 64 bytes")
	}
	for i := range len(prefix) {
		if c := prefix[i]; c <= ' ' || c >= 0x7f {
			// Ids are printable ASCII; the range's end stays so.
			return nil, errors.New("a CVE prefix takes printable ASCII only")
		}
	}
	limit = min(max(limit, 1), MaxSuggestions)
	hi := prefix[:len(prefix)-1] + string([]byte{prefix[len(prefix)-1] + 1})
	cond, args := s.scopeSQL(sc, "s", 4)
	out := []string{}
	err := s.eachRow(ctx, `SELECT DISTINCT f.cve FROM target_findings f
		WHERE f.cve >= $1 AND f.cve < $2 AND f.status <> '`+StatusExcepted+`'
		AND EXISTS (SELECT 1 FROM hosts h JOIN sites s ON s.id = h.site_id
			WHERE h.target_id = f.target_id AND h.removed_at IS NULL AND `+cond+`)
		ORDER BY f.cve LIMIT $3`, append([]any{prefix, hi, limit}, args...), func(scan func(...any) error) error {
		var id string
		err := scan(&id)
		out = append(out, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cve suggestions: %w", err)
	}
	return out, nil
}
