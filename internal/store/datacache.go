package store

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"
)

// DataSnapshot is what the matcher needs of the vulnerability data in
// force, per OS group: whether it has data and how new it is. It is read
// once per data generation (migration 0023: a counter the database's
// triggers move with every change of source_current or os_group_data, by
// any writer) and shared: treat it as read-only.
type DataSnapshot struct {
	// Gen is the data generation it was read in.
	Gen int64
	// Dates are, per OS group with data, when the newest data in force
	// for it was imported (DataDates).
	Dates  map[string]time.Time
	groups map[string]bool
}

// Has tells whether group has data records (HasData).
func (d *DataSnapshot) Has(group string) bool { return d.groups[group] }

// dataCache holds the last DataSnapshot.
type dataCache struct {
	mu   sync.Mutex
	snap *DataSnapshot
}

// DataSnapshot returns the data in force: one read of the data generation
// (a one-row table), and the tables themselves only when it moved since
// the last call. The generation is read before the tables: an import that
// commits in between makes the next call read them again, never leaves a
// snapshot older than its generation.
func (s *Store) DataSnapshot(ctx context.Context) (*DataSnapshot, error) {
	c := &s.data
	c.mu.Lock()
	snap := c.snap
	c.mu.Unlock()
	var gen int64
	if err := s.readQueryRow(ctx, `SELECT gen FROM data_generation WHERE id = 1`, nil, &gen); err != nil {
		return nil, fmt.Errorf("data generation: %w", err)
	}
	if snap != nil && snap.Gen == gen {
		return snap, nil
	}
	dates, err := s.dataDates(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := s.groupsWithData(ctx)
	if err != nil {
		return nil, err
	}
	snap = &DataSnapshot{Gen: gen, Dates: dates, groups: groups}
	c.mu.Lock()
	if c.snap == nil || c.snap.Gen <= gen {
		c.snap = snap
	}
	c.mu.Unlock()
	return snap, nil
}

// DataDates returns, per OS group with data, when the newest data in
// force for it was imported.
func (s *Store) DataDates(ctx context.Context) (map[string]time.Time, error) {
	snap, err := s.DataSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	return maps.Clone(snap.Dates), nil
}

// HasData tells whether an OS group has advisory records.
func (s *Store) HasData(ctx context.Context, osGroup string) (bool, error) {
	snap, err := s.DataSnapshot(ctx)
	if err != nil {
		return false, err
	}
	return snap.Has(osGroup), nil
}

func (s *Store) dataDates(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT d.os_group, i.started_at FROM os_group_data d
		JOIN source_current c ON c.source = d.source JOIN source_imports i ON i.id = c.import_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var g string
		var t time.Time
		if err := rows.Scan(&g, &t); err != nil {
			return nil, err
		}
		if t = t.UTC(); t.After(out[g]) {
			out[g] = t
		}
	}
	return out, rows.Err()
}

func (s *Store) groupsWithData(ctx context.Context) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT os_group FROM os_group_data`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		out[g] = true
	}
	return out, rows.Err()
}
