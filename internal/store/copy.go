package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyOptions tune CopyFromSQLite.
type CopyOptions struct {
	Batch    int                                   // rows per COPY (default 10,000)
	Progress func(table string, done, total int64) // after each batch, and once per table at its end
	Log      *slog.Logger                          // one line per table (nil: none)
}

// CopyResult is what CopyFromSQLite copied.
type CopyResult struct {
	Tables   []TableCount // rows per table, verified equal on both sides
	Duration time.Duration
}

// CopyFromSQLite copies every table of the SQLite database in file into
// this store, which must be PostgreSQL, empty, and at the same schema
// version: rows keep their ids, then the identity sequences restart after
// the largest id. The source is read in one read transaction (a snapshot,
// so a server may keep running on it; reports it stores meanwhile are not
// copied), the target written in one transaction (a failure leaves it
// empty), in batches of COPY. At the end the rows of every table are
// counted on both sides and must agree.
func (s *Store) CopyFromSQLite(ctx context.Context, file string, opt CopyOptions) (CopyResult, error) {
	start := time.Now()
	var res CopyResult
	if _, ok := s.engine.(postgres); !ok {
		return res, fmt.Errorf("the target must be a PostgreSQL database, not %s", s.engine.name())
	}
	if opt.Batch <= 0 {
		opt.Batch = 10000
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if _, err := os.Stat(file); err != nil {
		return res, fmt.Errorf("source: %w", err)
	}
	src, err := sqlite{}.openPool(file, false)
	if err != nil {
		return res, err
	}
	defer src.Close()
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return res, fmt.Errorf("source %s: %w", file, err)
	}
	defer stx.Rollback()

	// Same schema on both sides.
	var srcVersion int
	if err := stx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&srcVersion); err != nil {
		return res, fmt.Errorf("source %s is not a pakiti database: %w", file, err)
	}
	dstVersion, err := s.SchemaVersion(ctx)
	if err != nil {
		return res, err
	}
	if srcVersion != dstVersion {
		return res, fmt.Errorf("the source is at schema version %d, this pakiti at %d: run a command of this pakiti on it first (pakiti db status --db sqlite:%s migrates it)",
			srcVersion, dstVersion, file)
	}
	srcCounts, err := countTables(ctx, stx, sqlite{})
	if err != nil {
		return res, fmt.Errorf("source: %w", err)
	}
	dstCounts, err := countTables(ctx, s.r, s.engine)
	if err != nil {
		return res, err
	}
	var busy []string
	for _, c := range dstCounts {
		if !migrationRows[c.Table] && c.Rows > 0 {
			busy = append(busy, fmt.Sprintf("%s (%d rows)", c.Table, c.Rows))
		}
	}
	if len(busy) > 0 {
		return res, fmt.Errorf("the target database is not empty: %s; migrate into an empty database", strings.Join(busy, ", "))
	}
	if a, b := tablesOf(srcCounts), tablesOf(dstCounts); !slices.Equal(a, b) {
		return res, fmt.Errorf("the source's tables %v differ from the target's %v", a, b)
	}
	total := map[string]int64{}
	for _, c := range srcCounts {
		total[c.Table] = c.Rows
	}
	order, err := s.copyOrder(ctx)
	if err != nil {
		return res, err
	}

	conn, err := s.w.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `DELETE FROM data_generation`); err != nil {
			return fmt.Errorf("clear the data generation: %w", err)
		}
		// The host counts per cell are copied as they are: the triggers
		// that keep them (migration 0025) would count the hosts again;
		// likewise the newly exposed (0028) and report (0029) counts.
		for _, table := range countedTables {
			if _, err := tx.Exec(ctx, `ALTER TABLE `+table+` DISABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("copy %s: %w", table, err)
			}
		}
		for _, table := range order {
			t := time.Now()
			n, err := copyTable(ctx, stx, tx, table, total[table], opt)
			if err != nil {
				return fmt.Errorf("copy %s: %w", table, err)
			}
			opt.Log.Info("table copied", "table", table, "rows", n, "duration", time.Since(t).Round(time.Millisecond))
		}
		for _, table := range countedTables {
			if _, err := tx.Exec(ctx, `ALTER TABLE `+table+` ENABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("copy %s: %w", table, err)
			}
		}
		if err := resetIdentities(ctx, tx); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return res, err
	}
	// The tables copied only: a bare ANALYZE walks every table of the
	// database, and fails when a table of another schema is dropped
	// meanwhile (CI's tests share one database, a schema each).
	names := make([]string, len(order))
	for i, t := range order {
		names[i] = pgx.Identifier{t}.Sanitize()
	}
	if _, err := s.w.ExecContext(ctx, `ANALYZE `+strings.Join(names, ", ")); err != nil {
		return res, fmt.Errorf("analyze: %w", err)
	}

	// Verify: the same rows on both sides, table by table.
	after, err := countTables(ctx, s.r, s.engine)
	if err != nil {
		return res, err
	}
	var wrong []string
	for _, c := range after {
		if c.Table == "schema_migrations" {
			continue
		}
		if c.Rows != total[c.Table] {
			wrong = append(wrong, fmt.Sprintf("%s: %d rows in the source, %d copied", c.Table, total[c.Table], c.Rows))
		}
		res.Tables = append(res.Tables, c)
	}
	if len(wrong) > 0 {
		return res, fmt.Errorf("row counts differ after the copy: %s", strings.Join(wrong, "; "))
	}
	res.Duration = time.Since(start)
	return res, nil
}

func tablesOf(cs []TableCount) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Table)
	}
	return out
}

// migrationRows are the tables an empty database's migrations fill: the
// migrations applied (kept), and the data generation's one row (migration
// 0023), replaced by the source's.
var migrationRows = map[string]bool{"schema_migrations": true, "data_generation": true}

// copyOrder lists the tables to copy (all but schema_migrations), each
// after the tables its foreign keys refer to.
func (s *Store) copyOrder(ctx context.Context) ([]string, error) {
	names, err := tableNames(ctx, s.r, s.engine)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT cl.relname, rf.relname FROM pg_constraint c
		JOIN pg_class cl ON cl.oid = c.conrelid
		JOIN pg_class rf ON rf.oid = c.confrelid
		JOIN pg_namespace n ON n.oid = cl.relnamespace
		WHERE c.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, fmt.Errorf("foreign keys: %w", err)
	}
	defer rows.Close()
	deps := map[string][]string{}
	for rows.Next() {
		var t, ref string
		if err := rows.Scan(&t, &ref); err != nil {
			return nil, err
		}
		if t != ref {
			deps[t] = append(deps[t], ref)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var order []string
	done := map[string]bool{"schema_migrations": true}
	for len(done) < len(names) { // names holds schema_migrations too
		progressed := false
		for _, n := range names { // sorted: a stable order
			if done[n] || !all(deps[n], done) {
				continue
			}
			order = append(order, n)
			done[n] = true
			progressed = true
		}
		if !progressed {
			return nil, errors.New("the tables' foreign keys form a cycle")
		}
	}
	return order, nil
}

func all(list []string, set map[string]bool) bool {
	for _, x := range list {
		if !set[x] {
			return false
		}
	}
	return true
}

// copyTable copies one table's rows from the SQLite snapshot to the
// PostgreSQL transaction, batch by batch, converting SQLite's values to
// the target column types (0/1 to booleans, time text to times).
func copyTable(ctx context.Context, src *sql.Tx, dst pgx.Tx, table string, total int64, opt CopyOptions) (int64, error) {
	rows, err := dst.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return 0, err
	}
	var cols, types []string
	for rows.Next() {
		var c, t string
		if err := rows.Scan(&c, &t); err != nil {
			rows.Close()
			return 0, err
		}
		cols, types = append(cols, c), append(types, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteIdent(c)
	}
	sr, err := src.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+quoteIdent(table))
	if err != nil {
		return 0, fmt.Errorf("read the source (does it have the columns %v?): %w", cols, err)
	}
	defer sr.Close()
	var n int64
	batch := make([][]any, 0, opt.Batch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := dst.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(batch)); err != nil {
			return err
		}
		n += int64(len(batch))
		batch = batch[:0]
		if opt.Progress != nil {
			opt.Progress(table, n, total)
		}
		return nil
	}
	for sr.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := sr.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, v := range vals {
			if vals[i], err = convert(v, types[i]); err != nil {
				return n, fmt.Errorf("row %d, column %s: %w", n+int64(len(batch))+1, cols[i], err)
			}
		}
		batch = append(batch, vals)
		if len(batch) == opt.Batch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := sr.Err(); err != nil {
		return n, err
	}
	if err := flush(); err != nil {
		return n, err
	}
	if n == 0 && opt.Progress != nil {
		opt.Progress(table, 0, total)
	}
	return n, nil
}

// convert turns a value read from SQLite into one for a PostgreSQL column
// of type typ (information_schema's data_type).
func convert(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
	case "timestamp with time zone", "timestamp without time zone":
		switch x := v.(type) {
		case time.Time:
			return x, nil
		case string:
			return parseSQLiteTime(x)
		case []byte:
			return parseSQLiteTime(string(x))
		}
	case "text":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("a %T (%v) for a %s column", v, v, typ)
}

// parseSQLiteTime reads a time as the SQLite driver writes it.
func parseSQLiteTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read the time %q", s)
}

// resetIdentities restarts every identity column's sequence after the
// largest id copied, so that new rows do not collide with copied ones.
func resetIdentities(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name`)
	if err != nil {
		return err
	}
	type col struct{ table, column string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cols {
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(`+quoteIdent(c.column)+`), 0) + 1, false)
			FROM `+quoteIdent(c.table), quoteIdent(c.table), c.column); err != nil {
			return fmt.Errorf("reset the identity of %s.%s: %w", c.table, c.column, err)
		}
	}
	return nil
}

// countedTables are the tables whose triggers keep counts (the fleet
// cells, the newly exposed and the report counts): a copy copies the
// counts as they are, with those triggers off.
var countedTables = []string{"hosts", "exposure_hosts", "reports"}
