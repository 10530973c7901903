package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// SourceIndex is one package index a source loaded (a Debian Packages
// index): its location, OS group, suite kind ("security", "updates", ""),
// binaries and load time.
type SourceIndex struct {
	Location string    `json:"location"`
	OSGroup  string    `json:"os_group"`
	Suite    string    `json:"suite,omitempty"`
	Binaries int       `json:"binaries"`
	LoadedAt time.Time `json:"loaded_at"`
}

// SourceIndexes lists the package indexes source loaded, by location.
func (s *Store) SourceIndexes(ctx context.Context, source string) (map[string]SourceIndex, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT location, os_group, suite, binaries, loaded_at FROM source_indexes
		WHERE source = $1`, source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]SourceIndex{}
	for rows.Next() {
		var x SourceIndex
		if err := rows.Scan(&x.Location, &x.OSGroup, &x.Suite, &x.Binaries, &x.LoadedAt); err != nil {
			return nil, err
		}
		x.LoadedAt = x.LoadedAt.UTC()
		out[x.Location] = x
	}
	return out, rows.Err()
}

// RecordIndex notes that source loaded the package index x, and what its
// location gave (for the next conditional fetch).
func (s *Store) RecordIndex(ctx context.Context, source string, x SourceIndex, loc Location) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO source_indexes (source, location, os_group, suite, binaries, loaded_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, location) DO UPDATE SET os_group = excluded.os_group,
			suite = excluded.suite, binaries = excluded.binaries, loaded_at = excluded.loaded_at`,
			source, x.Location, x.OSGroup, x.Suite, x.Binaries, x.LoadedAt)
		if err != nil {
			return fmt.Errorf("record index %s: %w", x.Location, err)
		}
		return s.saveLocations(ctx, tx, ImportRun{Source: source, Locations: []Location{loc}})
	})
}

// SecurityUpdate is one binary a release's security suite offers.
type SecurityUpdate struct {
	Name, Arch, Version, SourceName, SourceVersion string
}

// ReplaceSecurityUpdates makes ups the binaries the security index at
// location offers to osGroup: the location's previous rows go in the same
// transaction. A security suite's index is a few thousand binaries
// (bookworm-security: 3,020), written in one transaction.
func (s *Store) ReplaceSecurityUpdates(ctx context.Context, location, osGroup string, ups []SecurityUpdate) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM security_updates WHERE location = $1`, location); err != nil {
			return err
		}
		if len(ups) == 0 {
			return nil
		}
		return s.engine.insertSecurityUpdates(ctx, tx, location, osGroup, ups)
	})
}

// qInsertSecurityUpdate adds a security suite's binary, both engines.
const qInsertSecurityUpdate = `INSERT INTO security_updates (location, os_group, name, arch, version,
			source_name, source_version)`

// FleetFacts lists the OS groups of distro ("debian" for debian:*) the
// whole fleet runs and their machine architectures (as reports carry
// them, uname -m), each sorted: what the import of the default source set
// needs, no host named.
func (s *Store) FleetFacts(ctx context.Context, distro string) (groups, arches []string, err error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT os_group, arch FROM hosts
		WHERE os_group LIKE $1 ESCAPE '\' ORDER BY os_group, arch`, likeEscape(distro)+":%")
	if err != nil {
		return nil, nil, fmt.Errorf("fleet facts: %w", err)
	}
	defer rows.Close()
	seenG, seenA := map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var g, a string
		if err := rows.Scan(&g, &a); err != nil {
			return nil, nil, err
		}
		if !seenG[g] {
			seenG[g] = true
			groups = append(groups, g)
		}
		if a != "" && !seenA[a] {
			seenA[a] = true
			arches = append(arches, a)
		}
	}
	slices.Sort(arches)
	return groups, arches, rows.Err()
}
