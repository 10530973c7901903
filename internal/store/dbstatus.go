package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
)

// TableCount is the number of rows of one table.
type TableCount struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// Status is what `pakiti db status` shows.
type Status struct {
	Engine        string       `json:"engine"`
	SchemaVersion int          `json:"schema_version"`
	Tables        []TableCount `json:"tables"`
}

// Status reports the engine, the schema version and the rows of every
// table.
func (s *Store) Status(ctx context.Context) (Status, error) {
	st := Status{Engine: s.engine.name()}
	var err error
	if st.SchemaVersion, err = s.SchemaVersion(ctx); err != nil {
		return st, err
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	st.Tables, err = countTables(ctx, tx, s.engine)
	return st, err
}

// queryer is a *sql.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// tableNames lists the tables of the store's schema, sorted.
func tableNames(ctx context.Context, q queryer, eng engine) ([]string, error) {
	var query string
	switch eng.(type) {
	case postgres:
		query = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	default:
		query = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names, rows.Err()
}

// countTables counts the rows of every table (in one transaction, for
// counts of one moment).
func countTables(ctx context.Context, q queryer, eng engine) ([]TableCount, error) {
	names, err := tableNames(ctx, q, eng)
	if err != nil {
		return nil, err
	}
	out := make([]TableCount, 0, len(names))
	for _, n := range names {
		c := TableCount{Table: n}
		// n comes from the catalogue, quoted as an identifier.
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(n)).Scan(&c.Rows); err != nil {
			return nil, fmt.Errorf("count %s: %w", n, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// quoteIdent quotes a table or column name for both engines.
func quoteIdent(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}
