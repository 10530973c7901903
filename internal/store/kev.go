package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// KEVSource is the source name of CISA's Known Exploited Vulnerabilities
// catalogue (internal/source/kev).
const KEVSource = "kev"

// KEVCatalogue is the catalogue in force: its version, when CISA released
// it, and how many CVEs it lists.
type KEVCatalogue struct {
	Version  string    `json:"version"`
	Released time.Time `json:"released,omitzero"`
	Entries  int       `json:"entries"`
}

// KEVEntry is one CVE of the catalogue. Dates are calendar days,
// YYYY-MM-DD, as CISA writes them.
type KEVEntry struct {
	CVE        string `json:"cve"`
	DateAdded  string `json:"date_added"`
	DueDate    string `json:"due_date"`
	Ransomware string `json:"known_ransomware_use"` // CISA's knownRansomwareCampaignUse: Known, Unknown
	Vendor     string `json:"vendor"`
	Product    string `json:"product"`
	Name       string `json:"name"`
}

// ReplaceKEV makes entries the known-exploited catalogue in force, whole,
// in one transaction: a new import of the kev source (its records, its
// locations for the next conditional fetch, its data date: the
// catalogue's release) and the set itself. It writes no advisory record,
// no OS group data and no finding: the catalogue is an attribute of CVEs,
// read by the listings, and changes no host's verdict or data state.
func (s *Store) ReplaceKEV(ctx context.Context, run ImportRun, cat KEVCatalogue, entries []KEVEntry) (ImportResult, error) {
	start := time.Now()
	var res ImportResult
	if len(entries) == 0 {
		return res, errors.New("kev: an empty catalogue is not loaded")
	}
	var released any
	if !cat.Released.IsZero() {
		released = cat.Released.UTC()
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = ImportResult{Records: len(entries)}
		err := tx.QueryRowContext(ctx, `INSERT INTO source_imports (source, started_at, duration_ms, locations,
			fingerprint, records, changed_keys, unchanged) VALUES ($1, $2, 0, $3, $4, $5, 0, $6) RETURNING id`,
			run.Source, run.StartedAt, locationsText(run.Locations), fingerprint(run.Locations), len(entries), false).Scan(&res.ID)
		if err != nil {
			return fmt.Errorf("start import: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM kev_entries`); err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO kev_entries (cve, date_added, due_date, ransomware, vendor, product, name)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, e := range entries {
			if _, err := ins.ExecContext(ctx, e.CVE, e.DateAdded, e.DueDate, e.Ransomware, e.Vendor, e.Product, e.Name); err != nil {
				return fmt.Errorf("kev entry %s: %w", e.CVE, err)
			}
		}
		res.Duration = time.Since(start)
		steps := []struct {
			q    string
			args []any
		}{
			{`INSERT INTO kev_catalogue (id, version, released, entries, import_id) VALUES (1, $1, $2, $3, $4)
				ON CONFLICT (id) DO UPDATE SET version = excluded.version, released = excluded.released,
				entries = excluded.entries, import_id = excluded.import_id`, []any{cat.Version, released, len(entries), res.ID}},
			{`INSERT INTO source_current (source, import_id) VALUES ($1, $2)
				ON CONFLICT (source) DO UPDATE SET import_id = excluded.import_id`, []any{run.Source, res.ID}},
			// One part, complete for no OS group: what /sources shows of
			// it (locations, data date, records), nothing a host's data
			// state reads.
			{`DELETE FROM source_parts WHERE source = $1`, []any{run.Source}},
			{`INSERT INTO source_parts (source, part, locations, complete, newest, loaded_at, records)
				VALUES ($1, 'catalogue', $2, '', $3, $4, $5)`, []any{run.Source, locationsText(run.Locations), released, run.StartedAt, len(entries)}},
			{`UPDATE source_imports SET duration_ms = $1 WHERE id = $2`, []any{res.Duration.Milliseconds(), res.ID}},
			// The import's location is the catalogue's only one: one
			// loaded before from elsewhere is not asked for again (it
			// would make every later import look changed).
			{`DELETE FROM source_locations WHERE source = $1`, []any{run.Source}},
		}
		for _, st := range steps {
			if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
				return fmt.Errorf("switch kev import: %w", err)
			}
		}
		return s.saveLocations(ctx, tx, run)
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("load kev catalogue: %w", err)
	}
	return res, nil
}

// KEVCatalogueInForce returns the catalogue in force; ok false when none
// was loaded.
func (s *Store) KEVCatalogueInForce(ctx context.Context) (cat KEVCatalogue, ok bool, err error) {
	var released sql.NullTime
	err = s.r.QueryRowContext(ctx, `SELECT version, released, entries FROM kev_catalogue WHERE id = 1`).
		Scan(&cat.Version, &released, &cat.Entries)
	if errors.Is(err, sql.ErrNoRows) {
		return cat, false, nil
	}
	if err != nil {
		return cat, false, fmt.Errorf("kev catalogue: %w", err)
	}
	if released.Valid {
		cat.Released = released.Time.UTC()
	}
	return cat, true, nil
}

// KEV returns the catalogue's entry for cve; ok false when the catalogue
// does not list it (or none is loaded).
func (s *Store) KEV(ctx context.Context, cve string) (e KEVEntry, ok bool, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT cve, date_added, due_date, ransomware, vendor, product, name
		FROM kev_entries WHERE cve = $1`, cve).Scan(&e.CVE, &e.DateAdded, &e.DueDate, &e.Ransomware, &e.Vendor, &e.Product, &e.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("kev entry %s: %w", cve, err)
	}
	return e, true, nil
}

// kevCache keeps the catalogue's CVE ids by the import that loaded them:
// one row read per use tells whether they are still those in force.
type kevCache struct {
	mu       sync.Mutex
	importID int64
	cves     map[string]bool
	// targets tells whether a target has a finding of a listed CVE
	// (kevTargets), for the catalogue import targetsOf.
	targets   map[int64]bool
	targetsOf int64
}

// kevSet returns the CVE ids of the catalogue in force (empty when none
// is loaded) and whether one is loaded. Callers must not modify it.
func (s *Store) kevSet(ctx context.Context) (map[string]bool, bool, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, `SELECT import_id FROM kev_catalogue WHERE id = 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return map[string]bool{}, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("kev set: %w", err)
	}
	c := &s.kev
	c.mu.Lock()
	if c.cves != nil && c.importID == id {
		m := c.cves
		c.mu.Unlock()
		return m, true, nil
	}
	c.mu.Unlock()
	m := map[string]bool{}
	err = s.eachRow(ctx, `SELECT cve FROM kev_entries`, nil, func(scan func(...any) error) error {
		var cve string
		if err := scan(&cve); err != nil {
			return err
		}
		m[cve] = true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("kev set: %w", err)
	}
	c.mu.Lock()
	c.importID, c.cves = id, m
	c.mu.Unlock()
	return m, true, nil
}

// kevTargets tells, of each of ids, whether the target has a finding
// (not excepted) of a CVE the catalogue in force lists, from the targets'
// CVEs (vulncache.go) and kept per catalogue import: a target never
// changes, so its answer holds until another catalogue is loaded.
func (s *Store) kevTargets(ctx context.Context, ids []int64, kev map[string]bool) (map[int64]bool, error) {
	c := &s.kev
	c.mu.Lock()
	id := c.importID
	out := make(map[int64]bool, len(ids))
	var missing []int64
	for _, t := range ids {
		if v, ok := c.targets[t]; ok && c.targetsOf == id {
			out[t] = v
		} else {
			missing = append(missing, t)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	cves, err := s.targetCVEsOf(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, t := range missing {
		hit := false
		for _, r := range cves[t] {
			if kev[r.cve] {
				hit = true
				break
			}
		}
		out[t] = hit
	}
	c.mu.Lock()
	if c.targetsOf != id || c.targets == nil || len(c.targets) > maxKEVTargets {
		c.targets, c.targetsOf = map[int64]bool{}, id
	}
	if c.importID == id {
		for _, t := range missing {
			c.targets[t] = out[t]
		}
	}
	c.mu.Unlock()
	return out, nil
}

// maxKEVTargets bounds the targets whose answer kevTargets keeps.
const maxKEVTargets = 1_000_000

// KEVExposure is the dashboard's known-exploited tile: whether a
// catalogue is loaded, its version, and the hosts with a finding (not
// excepted) of a CVE it lists.
type KEVExposure struct {
	Loaded  bool   `json:"known_exploited_loaded"`
	Version string `json:"known_exploited_catalogue,omitempty"`
	Hosts   int    `json:"exposed_known_exploited"`
}

// kevExposure counts the hosts of v on a target with a known-exploited
// finding: per cell (a cell's hosts share their target), no finding read
// per host.
func (s *Store) kevExposure(ctx context.Context, v *fleetView) (KEVExposure, error) {
	var e KEVExposure
	set, loaded, err := s.kevSet(ctx)
	if err != nil || !loaded {
		return e, err
	}
	cat, ok, err := s.KEVCatalogueInForce(ctx)
	if err != nil || !ok {
		return e, err
	}
	e.Loaded, e.Version = true, cat.Version
	var ids []int64
	for id := range v.targets {
		ids = append(ids, id)
	}
	hit, err := s.kevTargets(ctx, ids, set)
	if err != nil {
		return e, fmt.Errorf("known-exploited exposure: %w", err)
	}
	for _, c := range v.cells {
		if hit[c.target] {
			e.Hosts += c.hosts
		}
	}
	return e, nil
}

// KEVListed returns which of cves the catalogue in force lists (only
// those, as true) and whether one is loaded.
func (s *Store) KEVListed(ctx context.Context, cves []string) (map[string]bool, bool, error) {
	set, loaded, err := s.kevSet(ctx)
	if err != nil {
		return nil, false, err
	}
	out := map[string]bool{}
	for _, c := range cves {
		if set[c] {
			out[c] = true
		}
	}
	return out, loaded, nil
}
