package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Host facts are what a host said of itself beyond its packages and
// kernel that matching reads (match.HostRule): HostState.Facts holds one
// entry per fact the host stated, none for a fact it did not.
const (
	// FactPro is the host's enabled Ubuntu Pro services, as its pro:
	// header gave them ("esm-infra esm-apps"), "none" for none (host_pro).
	FactPro = "pro"
	// FactModules is the host's enabled RPM module streams ("nodejs:12
	// perl:5.26"), "" for none enabled (host_modules).
	FactModules = "modules"
)

// HostPro is what a host said of its Ubuntu Pro services.
type HostPro struct {
	Known    bool     // the host said (protocol 6 pro: header)
	Services []string // the enabled services ("esm-infra", "esm-apps"...); none: not attached or none enabled
}

// saveHostPro records what a changed report said of the host's Ubuntu Pro
// services (a report that says nothing forgets them).
func (s *Store) saveHostPro(ctx context.Context, tx *sql.Tx, hostID int64, newHost bool, p HostPro) error {
	var err error
	switch {
	case p.Known:
		v := strings.Join(p.Services, " ")
		if v == "" {
			v = "none"
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO host_pro (host_id, services) VALUES ($1, $2)
			ON CONFLICT (host_id) DO UPDATE SET services = excluded.services`, hostID, v)
	case !newHost:
		_, err = tx.ExecContext(ctx, `DELETE FROM host_pro WHERE host_id = $1`, hostID)
	}
	if err != nil {
		return fmt.Errorf("save Pro services: %w", err)
	}
	return nil
}

// hostFactColumns are the columns hostStates reads after the host's own:
// the facts, NULL when the host did not say. Queries join them with
// hostFactJoins.
const (
	hostFactColumns = `, hp.services, hm.streams`
	hostFactJoins   = ` LEFT JOIN host_pro hp ON hp.host_id = h.id LEFT JOIN host_modules hm ON hm.host_id = h.id`
)

// setFacts fills h.Facts from the fact columns read (nil: not said).
func (h *HostState) setFacts(pro, modules sql.NullString) {
	if !pro.Valid && !modules.Valid {
		return
	}
	h.Facts = map[string]string{}
	if pro.Valid {
		h.Facts[FactPro] = pro.String
	}
	if modules.Valid {
		h.Facts[FactModules] = modules.String
	}
}

// SetPackagesByBasis returns the packages of a set whose key in osGroup
// was found with basis (the module builds whose stream the report did
// not give, which a host rule re-decides per host), with their keys and
// module columns.
func (s *Store) SetPackagesByBasis(ctx context.Context, osGroup string, setID int64, basis string) ([]SetVerdict, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT m.package_id, p.name, p.version, p.arch, p.source_name, p.source_version,
			p.module, e.source_name, e.source_version, e.basis
		FROM package_set_members m JOIN evaluated e ON e.os_group = $2 AND e.package_id = m.package_id
		JOIN packages p ON p.id = m.package_id
		WHERE m.set_id = $1 AND e.basis = $3 ORDER BY m.package_id`, setID, osGroup, basis)
	if err != nil {
		return nil, fmt.Errorf("packages of set %d by basis: %w", setID, err)
	}
	defer rows.Close()
	var out []SetVerdict
	for rows.Next() {
		var v SetVerdict
		if err := rows.Scan(&v.PackageID, &v.Package.Name, &v.Package.Version, &v.Package.Arch, &v.Package.SourceName,
			&v.Package.SourceVersion, &v.Package.Module, &v.Key.SourceName, &v.Key.SourceVersion, &v.Key.Basis); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// hadPro tells whether the host stated its Ubuntu Pro services in its
// last report (host_pro holds a row).
func (s *Store) hadPro(ctx context.Context, tx *sql.Tx, hostID int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM host_pro WHERE host_id = $1`, hostID).Scan(&n)
	return n > 0, err
}
