package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Location is what one fetched location gave, kept for the next fetch.
type Location struct {
	Location, Fingerprint, ETag, Modified string
}

// ImportRun describes one import of a source.
type ImportRun struct {
	Source    string
	StartedAt time.Time
	Locations []Location
}

// AdvisoryKey names the records of one package in one OS group; an import
// reports which keys it changed so that only they are re-evaluated.
type AdvisoryKey struct {
	OSGroup string
	Package string
}

// ImportResult is what an import did.
type ImportResult struct {
	ID       int64
	Records  int
	Changed  []AdvisoryKey
	Duration time.Duration
}

// importBatch is how many records one load transaction writes, so that
// report intake is not held up for the length of a whole import.
const importBatch = 5000

// ReplaceAdvisories loads the records that fill streams as a new import of
// run.Source and then, in one short transaction, makes it the source's
// records in force and tells which keys changed. Until that switch the new
// records are invisible; if anything fails, the previous records stay.
func (s *Store) ReplaceAdvisories(ctx context.Context, run ImportRun, fill func(add func(model.Advisory) error) error) (ImportResult, error) {
	return s.importRecords(ctx, run, nil, func(l *loader) error { return fill(l.add) })
}

// importRecords is ReplaceAdvisories, and ImportParts when parts is not
// nil: the new import then keeps the records of the parts in force that
// it does not load itself (parts.go).
func (s *Store) importRecords(ctx context.Context, run ImportRun, parts *partPlan, fill func(*loader) error) (ImportResult, error) {
	start := time.Now()
	if err := s.dropStaleImports(ctx, run.Source); err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO source_imports (source, started_at, duration_ms, locations,
			fingerprint, records, changed_keys, unchanged) VALUES ($1, $2, 0, $3, $4, 0, 0, $5) RETURNING id`,
			run.Source, run.StartedAt, locationsText(run.Locations), fingerprint(run.Locations), false).Scan(&res.ID)
	})
	if err != nil {
		return res, fmt.Errorf("start import: %w", err)
	}

	l := &loader{ctx: ctx, s: s, importID: res.ID, source: run.Source, cves: map[string]int{}}
	if err := fill(l); err != nil {
		return res, err
	}
	if err := l.flush(ctx); err != nil {
		return res, err
	}
	res.Records = l.total
	if parts != nil {
		n, err := s.keepParts(ctx, run.Source, res.ID, parts)
		if err != nil {
			return res, err
		}
		res.Records += n
	}

	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res.Changed = nil
		var old sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT import_id FROM source_current WHERE source = $1`, run.Source).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT os_group, package FROM (
				SELECT os_group, package, cve, status, fixed_version, severity, advisory_id, origin, arch, module
					FROM advisories WHERE import_id = $1
				EXCEPT
				SELECT os_group, package, cve, status, fixed_version, severity, advisory_id, origin, arch, module
					FROM advisories WHERE import_id = $2) AS gone
			UNION
			SELECT DISTINCT os_group, package FROM (
				SELECT os_group, package, cve, status, fixed_version, severity, advisory_id, origin, arch, module
					FROM advisories WHERE import_id = $2
				EXCEPT
				SELECT os_group, package, cve, status, fixed_version, severity, advisory_id, origin, arch, module
					FROM advisories WHERE import_id = $1) AS came`, old.Int64, res.ID)
		if err != nil {
			return fmt.Errorf("diff imports: %w", err)
		}
		for rows.Next() {
			var k AdvisoryKey
			if err := rows.Scan(&k.OSGroup, &k.Package); err != nil {
				rows.Close()
				return err
			}
			res.Changed = append(res.Changed, k)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		res.Duration = time.Since(start)
		steps := []struct {
			q    string
			args []any
		}{
			{`INSERT INTO source_current (source, import_id) VALUES ($1, $2)
				ON CONFLICT (source) DO UPDATE SET import_id = excluded.import_id`, []any{run.Source, res.ID}},
			{`DELETE FROM os_group_data WHERE source = $1`, []any{run.Source}},
			{`INSERT INTO os_group_data (os_group, source, records)
				SELECT os_group, $1, COUNT(*) FROM advisories WHERE import_id = $2 GROUP BY os_group`, []any{run.Source, res.ID}},
			{`UPDATE source_imports SET duration_ms = $1, records = $2, changed_keys = $3 WHERE id = $4`,
				[]any{res.Duration.Milliseconds(), res.Records, len(res.Changed), res.ID}},
		}
		for _, st := range steps {
			if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
				return fmt.Errorf("switch import: %w", err)
			}
		}
		if err := s.saveParts(ctx, tx, run, parts); err != nil {
			return err
		}
		return s.saveLocations(ctx, tx, run)
	})
	if err != nil {
		return res, err
	}
	return res, s.dropStaleImports(ctx, run.Source)
}

// RecordUnchanged notes an import that found every location unchanged.
func (s *Store) RecordUnchanged(ctx context.Context, run ImportRun) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO source_imports (source, started_at, duration_ms, locations,
			fingerprint, records, changed_keys, unchanged)
			SELECT $1, $2, $3, $4, $5, COALESCE((SELECT records FROM source_imports WHERE id =
				(SELECT import_id FROM source_current WHERE source = $1)), 0), 0, $6`,
			run.Source, run.StartedAt, time.Since(run.StartedAt).Milliseconds(), locationsText(run.Locations),
			fingerprint(run.Locations), true)
		if err != nil {
			return err
		}
		return s.saveLocations(ctx, tx, run)
	})
}

func (s *Store) saveLocations(ctx context.Context, tx *sql.Tx, run ImportRun) error {
	for _, l := range run.Locations {
		_, err := tx.ExecContext(ctx, `INSERT INTO source_locations (source, location, fingerprint, etag, modified)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source, location) DO UPDATE SET
			fingerprint = excluded.fingerprint, etag = excluded.etag, modified = excluded.modified`,
			run.Source, l.Location, l.Fingerprint, l.ETag, l.Modified)
		if err != nil {
			return fmt.Errorf("save location: %w", err)
		}
	}
	return nil
}

// Locations returns what each location of source gave last time.
func (s *Store) Locations(ctx context.Context, source string) (map[string]Location, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT location, fingerprint, etag, modified FROM source_locations
		WHERE source = $1`, source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Location{}
	for rows.Next() {
		var l Location
		if err := rows.Scan(&l.Location, &l.Fingerprint, &l.ETag, &l.Modified); err != nil {
			return nil, err
		}
		out[l.Location] = l
	}
	return out, rows.Err()
}

// dropStaleImports deletes, in batches, records of source's imports that
// are not in force (a replaced import, or one that died half-way).
func (s *Store) dropStaleImports(ctx context.Context, source string) error {
	for {
		var n int64
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			r, err := tx.ExecContext(ctx, `DELETE FROM advisories WHERE id IN (
				SELECT id FROM advisories WHERE source = $1 AND import_id <>
					COALESCE((SELECT import_id FROM source_current WHERE source = $1), 0)
				LIMIT 20000)`, source)
			if err != nil {
				return err
			}
			n, err = r.RowsAffected()
			return err
		})
		if err != nil {
			return fmt.Errorf("drop stale records of %s: %w", source, err)
		}
		if n == 0 {
			return nil
		}
	}
}

// loader writes records in batches, one transaction per batch.
type loader struct {
	ctx      context.Context
	s        *Store
	importID int64
	source   string
	batch    []model.Advisory
	total    int
	cves     map[string]int // ids whose description is written in this import, with its origin's rank
}

func (l *loader) add(a model.Advisory) error {
	if a.OSGroup == "" || a.Package == "" || a.CVE == "" || a.Status == "" {
		return fmt.Errorf("incomplete advisory record %+v", a)
	}
	l.batch = append(l.batch, a)
	if len(l.batch) >= importBatch {
		return l.flush(l.ctx)
	}
	return nil
}

func (l *loader) flush(ctx context.Context) error {
	if len(l.batch) == 0 {
		return nil
	}
	// A CVE's own description (a record without an advisory id: Debian's
	// tracker JSON and CVE list) wins over an advisory's title (DSA/DLA
	// lists); each is written once per import.
	ranks := map[string]int{}
	var ids, descs []string
	at := map[string]int{}
	for _, a := range l.batch {
		rank := descriptionRank(a)
		if a.Description == "" || rank <= max(l.cves[a.CVE], ranks[a.CVE]) {
			continue
		}
		ranks[a.CVE] = rank
		if i, ok := at[a.CVE]; ok {
			descs[i] = a.Description
			continue
		}
		at[a.CVE] = len(ids)
		ids, descs = append(ids, a.CVE), append(descs, a.Description)
	}
	err := l.s.inTx(ctx, func(tx *sql.Tx) error {
		if err := l.s.engine.insertAdvisories(ctx, tx, l.importID, l.source, l.batch); err != nil {
			return err
		}
		return l.s.engine.upsertDescriptions(ctx, tx, ids, descs)
	})
	if err != nil {
		return err
	}
	for id, rank := range ranks {
		l.cves[id] = rank
	}
	l.total += len(l.batch)
	l.batch = l.batch[:0]
	return nil
}

func locationsText(ls []Location) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.Location)
	}
	return b.String()
}

func fingerprint(ls []Location) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(l.Fingerprint)
	}
	return b.String()
}

// descriptionRank ranks what a record's description is: an advisory's
// title (the record names an advisory) ranks below the CVE's own text.
func descriptionRank(a model.Advisory) int {
	if a.AdvisoryID != "" {
		return 1
	}
	return 2
}
