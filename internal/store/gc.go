package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Garbage collection: package sets no host uses (a host's set is replaced
// at each changed report), catalogue packages no set and no finding
// refers to, and, optionally, report history records older than a
// retention. GC runs in small transactions, so that intake waits for one
// batch at most, never for the whole collection; every delete re-checks
// its condition inside its transaction, so that a report starting to use a
// set or a package meanwhile keeps it:
//
//   - A set is deleted only if no host refers to it when its batch runs
//     (PostgreSQL: the rows are locked first, those a report holds are
//     skipped, and the hosts are checked after the lock;
//     a report that picked a set by its hash just before it went fails on
//     the hosts foreign key and SaveReport saves it again, see there).
//   - A catalogue package is deleted only if no set's member and no
//     finding names it. Sets are immutable, so only sets created after the
//     scan that found the candidates can have taken one: the barrier (a
//     transaction under the exclusive catalogue lock) notes the highest set
//     id, after which every new set has a higher id (new sets take their
//     ids under the shared catalogue lock, and the highest set is never
//     collected: SQLite's next id stays above it), and each batch, alone
//     under the exclusive lock, re-checks the members of those sets only.
//     Each batch bumps the catalogue's generation, which empties every
//     server's cache of catalogue ids (catalogueCache).
//   - The highest set and the highest catalogue package are never
//     deleted, so that SQLite (whose ids are max+1) never gives a deleted
//     id to a new row.
//
// Findings, resolved ones included, keep their packages: GC changes no
// finding. Report history records keep the hash of their set, which may be
// collected.

// GCOptions tunes a collection.
type GCOptions struct {
	// Batch is the rows deleted per transaction: set members (whole sets,
	// at least one), and a tenth of it catalogue packages or history
	// records. Default DefaultGCBatch.
	Batch int
	// ReportsBefore: history records whose last report is older are
	// deleted, except each host's latest; zero keeps all history.
	ReportsBefore time.Time
	// ArchiveBefore: archived raw reports (archive.go) received before it
	// are deleted; zero keeps them all.
	ArchiveBefore time.Time
	// DryRun counts what would be deleted and deletes nothing.
	DryRun bool
	// Progress, if set, is called after each batch with the phase (sets,
	// reports, packages) and the rows of that phase deleted (or counted) so
	// far.
	Progress func(phase string, done int64)
}

// DefaultGCBatch is the set members deleted per transaction by default
// (about 15 sets of 1,500 packages).
const DefaultGCBatch = 20000

// GCResult says what a collection deleted (or, dry, would delete).
type GCResult struct {
	Sets      int64         `json:"sets"`
	Packages  int64         `json:"packages"`
	Reports   int64         `json:"reports"`
	Archived  int64         `json:"archived_reports"`
	Targets   int64         `json:"targets"` // shared targets no host is or was on
	Batches   int           `json:"batches"`
	LongestTx time.Duration `json:"longest_tx"` // the longest delete transaction, from begin to commit
	Duration  time.Duration `json:"duration"`

	// PackageChanges: rows of package_changes (pkgchanges.go).
	PackageChanges int64 `json:"package_changes"`
}

// GC collects unused package sets, unused catalogue packages (with their
// evaluations and verdicts) and, with opt.ReportsBefore, old history.
func (s *Store) GC(ctx context.Context, opt GCOptions) (GCResult, error) {
	start := time.Now()
	if opt.Batch <= 0 {
		opt.Batch = DefaultGCBatch
	}
	g := &gc{s: s, opt: opt}
	if err := g.sets(ctx); err != nil {
		return g.res, fmt.Errorf("collect package sets: %w", err)
	}
	if !opt.ReportsBefore.IsZero() {
		if err := g.reports(ctx); err != nil {
			return g.res, fmt.Errorf("collect report history: %w", err)
		}
		if err := g.packageChanges(ctx); err != nil {
			return g.res, fmt.Errorf("collect package changes: %w", err)
		}
	}
	if !opt.ArchiveBefore.IsZero() {
		if err := g.archive(ctx); err != nil {
			return g.res, fmt.Errorf("collect archived reports: %w", err)
		}
	}
	if err := g.targets(ctx); err != nil {
		return g.res, fmt.Errorf("collect targets: %w", err)
	}
	if err := g.packages(ctx); err != nil {
		return g.res, fmt.Errorf("collect catalogue packages: %w", err)
	}
	g.res.Duration = time.Since(start)
	return g.res, nil
}

type gc struct {
	s   *Store
	opt GCOptions
	res GCResult
}

// tx runs fn in a write transaction and times it (from fn's start to the
// commit: the time intake waits behind it at most). unchecked: without
// foreign key enforcement on SQLite (inTxUnchecked).
func (g *gc) tx(ctx context.Context, unchecked bool, fn func(*sql.Tx) error) error {
	var t0 time.Time
	err := g.s.inTxOpt(ctx, unchecked, func(tx *sql.Tx) error {
		t0 = time.Now()
		return fn(tx)
	})
	if err == nil {
		g.res.Batches++
		g.res.LongestTx = max(g.res.LongestTx, time.Since(t0))
	}
	return err
}

func (g *gc) progress(phase string, done int64) {
	if g.opt.Progress != nil {
		g.opt.Progress(phase, done)
	}
}

// sets deletes the sets no host uses, batch by batch in id order.
func (g *gc) sets(ctx context.Context) error {
	s := g.s
	var after int64
	for {
		rows, err := s.r.QueryContext(ctx, `SELECT id, package_count FROM package_sets ps
			WHERE id > $1 AND id < (SELECT MAX(id) FROM package_sets)
			AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.package_set_id = ps.id)
			ORDER BY id LIMIT 1000`, after)
		if err != nil {
			return err
		}
		var ids []int64
		var members int
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return err
			}
			if len(ids) > 0 && members+n > g.opt.Batch {
				break
			}
			ids, members = append(ids, id), members+n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		after = ids[len(ids)-1]
		if testHookGCBatch != nil {
			testHookGCBatch("sets")
		}
		if g.opt.DryRun {
			g.res.Sets += int64(len(ids))
		} else if err := g.setBatch(ctx, ids); err != nil {
			return err
		}
		g.progress("sets", g.res.Sets)
	}
}

// setBatch deletes those of ids that are still unused, with their members
// and evaluation marks.
func (g *gc) setBatch(ctx context.Context, ids []int64) error {
	e := g.s.engine
	var n int64
	err := g.tx(ctx, false, func(tx *sql.Tx) error {
		n = 0
		// First lock the candidates (PostgreSQL: skipping those a report
		// holds), then, in a later statement and so a later snapshot, keep
		// those no host refers to. In one statement the hosts check would
		// read the snapshot taken before the lock was granted: a report
		// that took a set and committed in between (its foreign key check
		// held the row until then) would be missed, and the delete would
		// fail on the hosts foreign key (CI, TestGCRacesIntake).
		locked, err := queryIDs(ctx, tx, `SELECT id FROM package_sets WHERE `+e.inList("id", 1)+e.skipLocked(), e.intList(ids))
		if err != nil || len(locked) == 0 {
			return err
		}
		gone, err := queryIDs(ctx, tx, `SELECT id FROM package_sets ps WHERE `+e.inList("id", 1)+`
			AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.package_set_id = ps.id)`, e.intList(locked))
		if err != nil || len(gone) == 0 {
			return err
		}
		list := e.intList(gone)
		for _, q := range []string{
			`DELETE FROM set_evaluated WHERE ` + e.inList("set_id", 1),
			`DELETE FROM package_set_members WHERE ` + e.inList("set_id", 1),
			`DELETE FROM package_sets WHERE ` + e.inList("id", 1),
		} {
			if _, err := tx.ExecContext(ctx, q, list); err != nil {
				return err
			}
		}
		n = int64(len(gone))
		return nil
	})
	if err != nil {
		return err
	}
	g.res.Sets += n
	return nil
}

// reports deletes history records older than the retention, except each
// host's latest.
func (g *gc) reports(ctx context.Context) error {
	return g.deleteByID(ctx, "reports", &g.res.Reports, g.opt.ReportsBefore,
		`SELECT id FROM reports r
			WHERE id > $1 AND last_received < $2
			AND id < (SELECT MAX(r2.id) FROM reports r2 WHERE r2.host_id = r.host_id)
			ORDER BY id LIMIT $3`,
		`AND last_received < $2
			AND id < (SELECT MAX(r2.id) FROM reports r2 WHERE r2.host_id = reports.host_id)`, "reports")
}

// archive deletes archived reports received before the retention.
func (g *gc) archive(ctx context.Context) error {
	return g.deleteByID(ctx, "archive", &g.res.Archived, g.opt.ArchiveBefore,
		`SELECT id FROM report_archive WHERE id > $1 AND received_at < $2 ORDER BY id LIMIT $3`,
		`AND received_at < $2`, "report_archive")
}

// deleteByID deletes from table, batch by batch in id order, the rows sel
// finds ($1: the last id seen, $2: before, $3: the batch size); each
// delete re-checks cond ($2: before) inside its transaction. count is the
// phase's figure in the result (a dry run counts what sel finds).
func (g *gc) deleteByID(ctx context.Context, phase string, count *int64, before time.Time, sel, cond, table string) error {
	s, e := g.s, g.s.engine
	before = before.UTC()
	batch := max(g.opt.Batch/10, 1)
	var after int64
	for {
		ids, err := queryIDs(ctx, s.r, sel, after, before, batch)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		after = ids[len(ids)-1]
		if g.opt.DryRun {
			*count += int64(len(ids))
		} else {
			var n int64
			err := g.tx(ctx, false, func(tx *sql.Tx) error {
				r, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+e.inList("id", 1)+` `+cond, e.intList(ids), before)
				if err != nil {
					return err
				}
				n, err = r.RowsAffected()
				return err
			})
			if err != nil {
				return err
			}
			*count += n
		}
		g.progress(phase, *count)
	}
}

// packages deletes catalogue packages no set member and no finding names.
func (g *gc) packages(ctx context.Context) error {
	s, e := g.s, g.s.engine
	// The barrier: every set with a higher id than maxSet was created
	// after it, and every set up to maxSet is committed (see above).
	var maxSet int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if q := e.catalogueLock(true); q != "" {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM package_sets`).Scan(&maxSet)
	})
	if err != nil {
		return fmt.Errorf("barrier: %w", err)
	}
	// The candidates, in one read after the barrier. A dry run counts the
	// members of used sets only (the real run deleted the others first).
	members := `SELECT DISTINCT package_id FROM package_set_members`
	if g.opt.DryRun {
		members += ` WHERE set_id IN (SELECT package_set_id FROM hosts) OR set_id = (SELECT MAX(id) FROM package_sets)`
	}
	cands, err := queryIDs(ctx, s.r, `SELECT p.id FROM packages p
		LEFT JOIN (`+members+`) m ON m.package_id = p.id
		WHERE m.package_id IS NULL AND p.id < (SELECT MAX(id) FROM packages)
		AND NOT EXISTS (SELECT 1 FROM target_findings f WHERE f.package_id = p.id)
		AND NOT EXISTS (SELECT 1 FROM findings_legacy f WHERE f.package_id = p.id)
		ORDER BY p.id`)
	if err != nil {
		return fmt.Errorf("candidates: %w", err)
	}
	if g.opt.DryRun {
		g.res.Packages = int64(len(cands))
		g.progress("packages", g.res.Packages)
		return nil
	}
	groups, err := g.groups(ctx)
	if err != nil {
		return err
	}
	batch := max(g.opt.Batch/10, 1)
	for len(cands) > 0 {
		ids := cands[:min(batch, len(cands))]
		cands = cands[len(ids):]
		if testHookGCBatch != nil {
			testHookGCBatch("packages")
		}
		for attempt := 1; ; attempt++ {
			err := g.packageBatch(ctx, ids, maxSet, groups)
			if err == nil {
				break
			}
			// A verdict of a group not seen at the start, or a finding
			// being written: read the groups again and re-check.
			if attempt == 3 || !e.fkViolation(err) {
				return err
			}
			if groups, err = g.groups(ctx); err != nil {
				return err
			}
		}
		g.progress("packages", g.res.Packages)
	}
	return nil
}

// groups lists the OS groups that have evaluations or verdicts, for
// deletes by their primary keys (neither table is indexed by package).
func (g *gc) groups(ctx context.Context) ([]string, error) {
	rows, err := g.s.r.QueryContext(ctx, `SELECT DISTINCT os_group FROM evaluated
		UNION SELECT DISTINCT os_group FROM verdicts`)
	if err != nil {
		return nil, fmt.Errorf("OS groups: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// packageBatch deletes those of ids still unused, alone under the
// catalogue lock, and starts a new catalogue generation. It checks every
// reference itself (members, findings; evaluations and verdicts are
// deleted with the package), so SQLite's foreign keys are off for it:
// SQLite would check each deleted package by scanning all set members.
func (g *gc) packageBatch(ctx context.Context, ids []int64, maxSet int64, groups []string) error {
	e := g.s.engine
	var n int64
	err := g.tx(ctx, true, func(tx *sql.Tx) error {
		n = 0
		if q := e.catalogueLock(true); q != "" {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		// Lock, then check in a later snapshot (as setBatch does).
		locked, err := queryIDs(ctx, tx, `SELECT id FROM packages WHERE `+e.inList("id", 1)+e.skipLocked(), e.intList(ids))
		if err != nil || len(locked) == 0 {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM packages p WHERE `+e.inList("id", 1)+`
			AND id NOT IN (SELECT package_id FROM package_set_members WHERE set_id > $2)
			AND NOT EXISTS (SELECT 1 FROM target_findings f WHERE f.package_id = p.id)
			AND NOT EXISTS (SELECT 1 FROM findings_legacy f WHERE f.package_id = p.id)`,
			e.intList(locked), maxSet)
		if err != nil {
			return err
		}
		var gone []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			gone = append(gone, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(gone) == 0 {
			return err
		}
		// A new generation of the catalogue: every server's cache of
		// ids is emptied before its next new set reads it.
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalogue_gc (id, generation) VALUES (1, 1)
			ON CONFLICT (id) DO UPDATE SET generation = catalogue_gc.generation + 1`); err != nil {
			return fmt.Errorf("catalogue generation: %w", err)
		}
		list, gl := e.intList(gone), e.stringList(groups)
		for _, q := range []string{
			`DELETE FROM verdicts WHERE ` + e.inList("os_group", 2) + ` AND ` + e.inList("package_id", 1),
			`DELETE FROM evaluated WHERE ` + e.inList("os_group", 2) + ` AND ` + e.inList("package_id", 1),
		} {
			if _, err := tx.ExecContext(ctx, q, list, gl); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM packages WHERE `+e.inList("id", 1), list); err != nil {
			return err
		}
		n = int64(len(gone))
		return nil
	})
	if err != nil {
		return err
	}
	g.res.Packages += n
	return nil
}

// testHookGCBatch lets a test store reports between a collection's scan
// and its delete batches.
var testHookGCBatch func(phase string)

// queryIDs runs a query of one integer column.
func queryIDs(ctx context.Context, q queryer, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// targets deletes the targets no host is on and none was (no epoch names
// them: history keeps every target a host was on), with their findings,
// and forgets this server's cached targets.
func (g *gc) targets(ctx context.Context) error {
	const unused = ` NOT EXISTS (SELECT 1 FROM host_targets e WHERE e.target_id = t.id)
		AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.target_id = t.id)`
	ids, err := queryIDs(ctx, g.s.r, `SELECT t.id FROM targets t WHERE`+unused+` ORDER BY t.id`)
	if err != nil || len(ids) == 0 {
		return err
	}
	if g.opt.DryRun {
		g.res.Targets = int64(len(ids))
		return nil
	}
	e := g.s.engine
	for len(ids) > 0 {
		n := min(len(ids), max(1, g.opt.Batch/2000))
		err := g.tx(ctx, false, func(tx *sql.Tx) error {
			gone, err := queryIDs(ctx, tx, `SELECT t.id FROM targets t WHERE `+e.inList("t.id", 1)+` AND`+unused,
				e.intList(ids[:n]))
			if err != nil || len(gone) == 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM target_findings WHERE `+e.inList("target_id", 1), e.intList(gone)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM target_updates WHERE `+e.inList("target_id", 1), e.intList(gone)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM targets WHERE `+e.inList("id", 1), e.intList(gone)); err != nil {
				return err
			}
			g.res.Targets += int64(len(gone))
			return nil
		})
		if err != nil {
			return err
		}
		ids = ids[n:]
		g.progress("targets", g.res.Targets)
	}
	g.s.targets.forget()
	g.s.decoded.forget()
	return nil
}
