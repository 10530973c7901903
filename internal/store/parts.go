package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Part is one part of a source's records in force: what one kind of
// document fills (Debian's DSA list, one release's Red Hat OVAL). An
// import replaces the parts its documents fill and keeps the others, so
// that importing the DSA list alone keeps what the DLA list loaded.
type Part struct {
	Name      string    `json:"part"`
	Locations []string  `json:"locations"` // where its records were read, in import order
	Complete  []string  `json:"complete"`  // OS groups it covers completely (source.Coverage)
	Newest    time.Time `json:"newest,omitzero"`
	Records   int       `json:"records"`
	LoadedAt  time.Time `json:"loaded_at"`
}

// PartLoader takes the records of an import document by document.
type PartLoader struct {
	l    *loader
	plan *partPlan
}

// Add loads one record of the current document.
func (p *PartLoader) Add(a model.Advisory) error { return p.l.add(a) }

// EndDocument files the records added since the previous EndDocument
// under part (its Name; a name given twice merges: locations appended,
// complete groups and records added up).
func (p *PartLoader) EndDocument(part Part) error {
	if err := p.l.flush(p.l.ctx); err != nil {
		return err
	}
	err := p.l.s.inTx(p.l.ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(p.l.ctx, `UPDATE advisories SET part = $1 WHERE import_id = $2 AND part = ''`,
			part.Name, p.l.importID)
		return err
	})
	if err != nil {
		return fmt.Errorf("file records under part %s: %w", part.Name, err)
	}
	part.Records = p.l.total - p.plan.filed
	p.plan.filed = p.l.total
	p.plan.add(part)
	return nil
}

// partPlan is the parts an import loads.
type partPlan struct {
	parts []Part
	filed int // records filed under a part so far
}

func (pp *partPlan) add(p Part) {
	for i := range pp.parts {
		q := &pp.parts[i]
		if q.Name != p.Name {
			continue
		}
		q.Locations = append(q.Locations, p.Locations...)
		for _, g := range p.Complete {
			if !slices.Contains(q.Complete, g) {
				q.Complete = append(q.Complete, g)
			}
		}
		slices.Sort(q.Complete)
		if p.Newest.After(q.Newest) {
			q.Newest = p.Newest
		}
		q.Records += p.Records
		return
	}
	p.Complete = slices.Sorted(slices.Values(p.Complete))
	pp.parts = append(pp.parts, p)
}

func (pp *partPlan) names() []string {
	var n []string
	for _, p := range pp.parts {
		n = append(n, p.Name)
	}
	return n
}

// ImportParts loads an import of run.Source document by document (fill
// calls Add for each record and EndDocument after each document), keeps
// the records of the parts in force that no document of this import
// fills, and then switches to it as ReplaceAdvisories does. Records loaded
// before parts existed (part "") are replaced by any import, as every
// import replaced them then.
func (s *Store) ImportParts(ctx context.Context, run ImportRun, fill func(*PartLoader) error) (ImportResult, error) {
	plan := &partPlan{}
	return s.importRecords(ctx, run, plan, func(l *loader) error {
		pl := &PartLoader{l: l, plan: plan}
		if err := fill(pl); err != nil {
			return err
		}
		if l.total+len(l.batch) != plan.filed {
			return fmt.Errorf("import of %s: records added after the last EndDocument", run.Source)
		}
		return nil
	})
}

// copyBatch is how many records one transaction of keepParts copies.
const copyBatch = 20000

// keepParts copies into import newID the records of the source's import in
// force whose part the plan does not load (and is not ""), in batches.
func (s *Store) keepParts(ctx context.Context, source string, newID int64, plan *partPlan) (int, error) {
	var old sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT import_id FROM source_current WHERE source = $1`, source).Scan(&old)
	if err == sql.ErrNoRows || (err == nil && !old.Valid) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	names := append([]string{""}, plan.names()...)
	args := []any{old.Int64, int64(0)}
	for _, n := range names {
		args = append(args, n)
	}
	cond := `import_id = $1 AND id > $2 AND part NOT IN (` + placeholders(3, len(names)) + `)`
	total := 0
	for {
		var upTo sql.NullInt64
		err := s.r.QueryRowContext(ctx, `SELECT MAX(id) FROM (SELECT id FROM advisories WHERE `+cond+
			fmt.Sprintf(` ORDER BY id LIMIT %d) b`, copyBatch), args...).Scan(&upTo)
		if err != nil {
			return total, fmt.Errorf("keep parts of %s: %w", source, err)
		}
		if !upTo.Valid {
			return total, nil
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			r, err := tx.ExecContext(ctx, `INSERT INTO advisories (import_id, source, origin, os_group, package, cve,
					fixed_version, status, severity, advisory_id, arch, note, temporary, module, published, part)
				SELECT $`+fmt.Sprint(len(args)+1)+`, source, origin, os_group, package, cve, fixed_version, status,
					severity, advisory_id, arch, note, temporary, module, published, part
				FROM advisories WHERE `+cond+` AND id <= $`+fmt.Sprint(len(args)+2),
				append(slices.Clone(args), newID, upTo.Int64)...)
			if err != nil {
				return err
			}
			n, err := r.RowsAffected()
			total += int(n)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("keep parts of %s: %w", source, err)
		}
		args[1] = upTo.Int64
	}
}

// saveParts records, in the switch transaction, the parts an import
// loaded; plan nil (ReplaceAdvisories) replaces every part.
func (s *Store) saveParts(ctx context.Context, tx *sql.Tx, run ImportRun, plan *partPlan) error {
	if plan == nil {
		_, err := tx.ExecContext(ctx, `DELETE FROM source_parts WHERE source = $1`, run.Source)
		return err
	}
	for _, p := range plan.parts {
		var newest any
		if !p.Newest.IsZero() {
			newest = p.Newest.UTC()
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO source_parts (source, part, locations, complete, newest, loaded_at, records)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, part) DO UPDATE SET locations = excluded.locations,
			complete = excluded.complete, newest = excluded.newest, loaded_at = excluded.loaded_at, records = excluded.records`,
			run.Source, p.Name, strings.Join(p.Locations, "\n"), strings.Join(p.Complete, " "), newest, run.StartedAt, p.Records)
		if err != nil {
			return fmt.Errorf("save part %s: %w", p.Name, err)
		}
	}
	return nil
}

// SourceParts lists the parts in force of source (every source when ""),
// by source and part.
func (s *Store) SourceParts(ctx context.Context, source string) (map[string][]Part, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT source, part, locations, complete, newest, loaded_at, records
		FROM source_parts WHERE $1 = '' OR source = $1 ORDER BY source, part`, source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Part{}
	for rows.Next() {
		var p Part
		var src, locs, complete string
		var newest sql.NullTime
		if err := rows.Scan(&src, &p.Name, &locs, &complete, &newest, &p.LoadedAt, &p.Records); err != nil {
			return nil, err
		}
		p.Locations = strings.Split(locs, "\n")
		p.Complete = strings.Fields(complete)
		if p.Complete == nil {
			p.Complete = []string{}
		}
		if newest.Valid {
			p.Newest = newest.Time.UTC()
		}
		p.LoadedAt = p.LoadedAt.UTC()
		out[src] = append(out[src], p)
	}
	return out, rows.Err()
}

// RecordImportError notes a failed import of source (a fetch or a parse
// that failed): it shows on /sources and fails /readyz until an import of
// the source succeeds (ClearImportError).
func (s *Store) RecordImportError(ctx context.Context, source string, at time.Time, msg string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO source_errors (source, failed_at, error) VALUES ($1, $2, $3)
			ON CONFLICT (source) DO UPDATE SET failed_at = excluded.failed_at, error = excluded.error`,
			source, at.UTC(), msg)
		return err
	})
}

// ClearImportError forgets source's failed import after a successful one.
func (s *Store) ClearImportError(ctx context.Context, source string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM source_errors WHERE source = $1`, source)
		return err
	})
}
