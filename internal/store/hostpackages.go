package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
)

// PackagesPage is one page of a host's installed packages.
type PackagesPage struct {
	Packages []model.Package `json:"packages"`
	Total    int             `json:"total"` // the packages that match the search
}

// HostPackagesPage returns the packages of a host in scope whose name or
// source name contains search (any case; "" for all), sorted by name,
// version and arch, limit of them from offset, with how many match: the
// host page shows a page of its 1,500 packages, not all of them.
func (s *Store) HostPackagesPage(ctx context.Context, sc Scope, hostname, search string, offset, limit int) (PackagesPage, error) {
	cond, args := s.scopeSQL(sc, "s", 3)
	like := "%" + likeEscape(strings.ToLower(search)) + "%"
	match := ` FROM hosts h JOIN sites s ON s.id = h.site_id
		JOIN package_set_members m ON m.set_id = h.package_set_id
		JOIN packages p ON p.id = m.package_id
		WHERE h.hostname = $1 AND h.removed_at IS NULL AND ($2 = '%%' OR LOWER(p.name) LIKE $2 ESCAPE '\' OR LOWER(p.source_name) LIKE $2 ESCAPE '\')
		AND ` + cond
	qargs := append([]any{hostname, like}, args...)
	out := PackagesPage{Packages: []model.Package{}}
	if err := s.readRow(ctx, `SELECT COUNT(*)`+match, qargs...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("packages of %s: %w", hostname, err)
	}
	if out.Total == 0 || offset >= out.Total {
		return out, nil
	}
	// The page first, then what matching made of its packages only.
	n := len(qargs)
	rows, err := s.readQuery(ctx, `SELECT pg.name, pg.version, pg.arch, pg.source_name, pg.source_version, pg.module,
			e.source_name, e.source_version, e.basis
		FROM (SELECT p.id, p.name, p.version, p.arch, p.source_name, p.source_version, p.module, h.os_group`+match+
		fmt.Sprintf(` ORDER BY p.name, p.version, p.arch LIMIT $%d OFFSET $%d) pg`, n+1, n+2)+`
		LEFT JOIN evaluated e ON e.os_group = pg.os_group AND e.package_id = pg.id
		ORDER BY pg.name, pg.version, pg.arch`, append(qargs, limit, offset)...)
	if err != nil {
		return out, fmt.Errorf("packages of %s: %w", hostname, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p model.Package
		var ms, mv, mb sql.NullString
		if err := rows.Scan(&p.Name, &p.Version, &p.Arch, &p.SourceName, &p.SourceVersion, &p.Module, &ms, &mv, &mb); err != nil {
			return out, err
		}
		if ms.Valid {
			p.Matched = &model.Matched{Source: ms.String, Version: mv.String, Basis: mb.String}
		}
		out.Packages = append(out.Packages, p)
	}
	return out, rows.Err()
}
