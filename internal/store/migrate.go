package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrations embed.FS

// migration is one numbered SQL file of an engine.
type migration struct {
	version int
	name    string
	sql     string
}

// engineMigrations returns the migrations of eng.
func engineMigrations(eng engine) ([]migration, error) {
	return readMigrations(migrations, "migrations/"+eng.name())
}

// readMigrations reads the numbered migrations of dir, refusing a name
// without its number and a gap in the numbers.
func readMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, en := range entries {
		num, _, ok := strings.Cut(en.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(en.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s/%s is not named NNNN_name.sql", dir, en.Name())
		}
		b, err := fs.ReadFile(fsys, dir+"/"+en.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: en.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	want := 1
	for i, m := range out {
		if m.version != want || i > 0 && out[i-1].version == m.version {
			return nil, fmt.Errorf("migrations of %s are not numbered 1, 2, 3...: %s", dir, m.name)
		}
		want++
	}
	return out, nil
}

// migrate applies the migrations the database has not seen, each in its
// own transaction together with its schema_migrations row. Each
// transaction first takes the engine's migration lock and reads the
// schema version again, so that servers starting together on one
// database apply each migration once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := engineMigrations(s.engine)
	if err != nil {
		return err
	}
	return s.applyMigrations(ctx, ms)
}

func (s *Store) applyMigrations(ctx context.Context, ms []migration) error {
	for {
		done := false
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			done = false
			if lock := s.engine.migrationLock(); lock != "" {
				if _, err := tx.ExecContext(ctx, lock); err != nil {
					return fmt.Errorf("lock migrations: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
				return fmt.Errorf("create schema_migrations: %w", err)
			}
			var have, count int
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0), COUNT(*) FROM schema_migrations`).Scan(&have, &count); err != nil {
				return fmt.Errorf("read schema version: %w", err)
			}
			newest := 0
			if len(ms) > 0 {
				newest = ms[len(ms)-1].version
			}
			if have > newest {
				return fmt.Errorf("the database is at schema version %d, newer than this binary knows (%d): upgrade pakiti", have, newest)
			}
			// applied: the migrations up to the database's version.
			applied := sort.Search(len(ms), func(i int) bool { return ms[i].version > have })
			if count != applied {
				return fmt.Errorf("the database's schema_migrations has %d rows up to version %d: a migration is missing; restore the database from a backup", count, have)
			}
			if applied == len(ms) {
				done = true
				return nil
			}
			m := ms[applied]
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, time.Now().UTC())
			return err
		})
		if err != nil || done {
			return err
		}
	}
}

// SchemaVersion reports the applied schema version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// MigrationsDigest identifies the migrations this build carries (a hash of
// every engine's files): two builds with the same digest create the same
// schema. Tests key a cached, already migrated SQLite file on it.
func MigrationsDigest() string {
	h := sha256.New()
	fs.WalkDir(migrations, "migrations", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:20]
}
