package store

import (
	"context"
	"fmt"
)

// PartGroups lists, sorted, the OS groups the records in force of one
// part of a source name ("debian", "tracker-json": the releases the
// tracker JSON lists): what a source's default plan follows (the Debian
// releases whose Packages indexes it fetches), vendor data, no host.
func (s *Store) PartGroups(ctx context.Context, source, part string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT a.os_group
		FROM advisories a JOIN source_current c ON c.import_id = a.import_id
		WHERE c.source = $1 AND a.part = $2 ORDER BY a.os_group`, source, part)
	if err != nil {
		return nil, fmt.Errorf("part groups: %w", err)
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
