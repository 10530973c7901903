package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pakiti-go/pakiti/internal/model"
)

// postgres is the engine of large deployments: several servers on one
// database, writers running concurrently (READ COMMITTED, row locks where
// the order of reports matters, retries on races).
type postgres struct{}

func (postgres) name() string { return "postgres" }

// Pool defaults: a few connections per server are enough for intake on a
// small machine, and several servers must fit under max_connections (100
// by default).
const (
	pgMaxConns        = 10
	pgMaxConnLifetime = time.Hour
	pgMaxConnIdle     = 5 * time.Minute
	pgConnectTimeout  = 10 * time.Second
)

// poolSettings are the pool parameters a DSN may carry (the names pgxpool
// uses); they are taken out of the DSN, as the server would reject them.
type poolSettings struct {
	maxConns             int
	maxLifetime, maxIdle time.Duration
}

func parsePoolSettings(dsn string) (poolSettings, string, error) {
	p := poolSettings{maxConns: pgMaxConns, maxLifetime: pgMaxConnLifetime, maxIdle: pgMaxConnIdle}
	u, err := url.Parse(dsn)
	if err != nil {
		return p, "", fmt.Errorf("invalid PostgreSQL DSN %s", redact(dsn))
	}
	q := u.Query()
	for k, vs := range q {
		if !strings.HasPrefix(k, "pool_") {
			continue
		}
		v := vs[len(vs)-1]
		switch k {
		case "pool_max_conns":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return p, "", fmt.Errorf("pool_max_conns=%q: want a number of connections, 1 or more", v)
			}
			p.maxConns = n
		case "pool_max_conn_lifetime", "pool_max_conn_idle_time":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return p, "", fmt.Errorf("%s=%q: want a duration such as 30m", k, v)
			}
			if k == "pool_max_conn_lifetime" {
				p.maxLifetime = d
			} else {
				p.maxIdle = d
			}
		default:
			return p, "", fmt.Errorf("unknown pool setting %s in the DSN (known: pool_max_conns, pool_max_conn_lifetime, pool_max_conn_idle_time)", k)
		}
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	return p, u.String(), nil
}

func (postgres) open(ctx context.Context, dsn string) (*sql.DB, *sql.DB, error) {
	pool, dsn, err := parsePoolSettings(dsn)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message shows the DSN with the password hidden; hide it
		// again in case a future version does not.
		return nil, nil, fmt.Errorf("invalid PostgreSQL DSN: %s", scrub(err.Error(), dsn))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pool.maxConns)
	db.SetMaxIdleConns(pool.maxConns)
	db.SetConnMaxLifetime(pool.maxLifetime)
	db.SetConnMaxIdleTime(pool.maxIdle)
	pctx, cancel := context.WithTimeout(ctx, pgConnectTimeout+5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, nil, pgConnectError(cfg, err, dsn)
	}
	return db, db, nil
}

// pgConnectError names what went wrong when connecting, without the
// password and without leaving the admin with driver text alone.
func pgConnectError(cfg *pgx.ConnConfig, err error, dsn string) error {
	addr := cfg.Host
	if !strings.HasPrefix(addr, "/") {
		addr = net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	}
	var pg *pgconn.PgError
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &pg):
		switch pg.Code {
		case "28P01":
			return fmt.Errorf("PostgreSQL at %s refused the login of user %q: password authentication failed", addr, cfg.User)
		case "28000":
			return fmt.Errorf("PostgreSQL at %s refused the login of user %q: %s", addr, cfg.User, pg.Message)
		case "3D000":
			return fmt.Errorf("PostgreSQL at %s has no database %q: create it (createdb -O %s %s) or fix the DSN", addr, cfg.Database, cfg.User, cfg.Database)
		case "53300":
			return fmt.Errorf("PostgreSQL at %s has no free connection: %s (lower pool_max_conns or raise max_connections)", addr, pg.Message)
		}
		return fmt.Errorf("PostgreSQL at %s refused the connection of user %q: %s (SQLSTATE %s)", addr, cfg.User, pg.Message, pg.Code)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach PostgreSQL at %s: connection refused (is the server running and listening there?)", addr)
	case errors.As(err, &dns):
		return fmt.Errorf("cannot reach PostgreSQL at %s: unknown host %s", addr, dns.Name)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("cannot reach PostgreSQL at %s: no answer within %s", addr, cfg.ConnectTimeout)
	}
	return fmt.Errorf("cannot connect to PostgreSQL at %s as user %q: %s", addr, cfg.User, scrub(err.Error(), dsn))
}

// scrub hides the password of dsn wherever it appears in msg.
func scrub(msg, dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
		if pw := u.Query().Get("password"); pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// statement locks the host row when a report reads it, so that two
// reports of one host are stored one after the other and the host ends
// with the package set of the last one committed.
func (postgres) statement(q string) string {
	if q == qFindHost {
		return q + ` FOR UPDATE OF h`
	}
	return q
}

func (postgres) migrationLock() string {
	return `SELECT pg_advisory_xact_lock(7244691523)` // any constant: "pakiti migrations"
}

func (postgres) inList(col string, n int) string { return fmt.Sprintf("%s = ANY($%d)", col, n) }

func (postgres) intList(v []int64) any {
	if v == nil {
		v = []int64{}
	}
	return v
}

func (postgres) stringList(v []string) any {
	if v == nil {
		v = []string{}
	}
	return v
}

func (postgres) insertMembers(ctx context.Context, tx *sql.Tx, setID int64, ids []int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO package_set_members (set_id, package_id)
		SELECT $1, unnest($2::bigint[])`, setID, ids)
	return err
}

// insertAdvisories sends the batch as one array per column: one round
// trip for thousands of records.
func (postgres) insertAdvisories(ctx context.Context, tx *sql.Tx, importID int64, source string, batch []model.Advisory) error {
	n := len(batch)
	cols := make([][]string, 12)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	temp := make([]bool, n)
	for i, a := range batch {
		published := ""
		if !a.Published.IsZero() {
			published = a.Published.UTC().Format(time.RFC3339Nano)
		}
		for c, v := range []string{a.Source, a.OSGroup, a.Package, a.CVE, a.FixedVersion, string(a.Status),
			a.Severity, a.AdvisoryID, a.Arch, a.Note, a.Module, published} {
			cols[c][i] = v
		}
		temp[i] = a.Temporary
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO advisories (import_id, source, origin, os_group, package,
		cve, fixed_version, status, severity, advisory_id, arch, note, temporary, module, published)
		SELECT $1, $2, u.o, u.g, u.p, u.c, u.f, u.s, u.sev, u.adv, u.arch, u.note, u.temp, u.module,
			NULLIF(u.published, '')::timestamptz
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
			$9::text[], $10::text[], $11::text[], $12::text[], $13::boolean[], $14::text[], $15::text[])
			AS u (o, g, p, c, f, s, sev, adv, arch, note, temp, module, published)`,
		importID, source, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8], cols[9], temp,
		cols[10], cols[11])
	if err != nil {
		return fmt.Errorf("records: %w", err)
	}
	return nil
}

func (postgres) upsertDescriptions(ctx context.Context, tx *sql.Tx, ids, descs []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cves (id, description)
		SELECT * FROM unnest($1::text[], $2::text[])
		ON CONFLICT (id) DO UPDATE SET description = excluded.description`, ids, descs)
	return err
}

// upsertBinarySources sends the mappings as one array per column: one
// round trip for a batch where a statement per row cost a Packages index
// of 63,440 binaries 63,440 round trips.
func (postgres) upsertBinarySources(ctx context.Context, tx *sql.Tx, osGroup string, bs []BinarySource) error {
	cols := make([][]string, 5)
	for i := range cols {
		cols[i] = make([]string, len(bs))
	}
	for i, b := range bs {
		cols[0][i], cols[1][i], cols[2][i], cols[3][i], cols[4][i] = b.Name, b.Version, b.SourceName, b.SourceVersion, b.Origin
	}
	_, err := tx.ExecContext(ctx, qUpsertBinarySource+`
		SELECT $1, u.n, u.v, u.sn, u.sv, u.o FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
			AS u (n, v, sn, sv, o)`+qUpsertBinarySourceConflict, osGroup, cols[0], cols[1], cols[2], cols[3], cols[4])
	if err != nil {
		return fmt.Errorf("binary sources: %w", err)
	}
	return nil
}

// insertSecurityUpdates sends the binaries as one array per column.
func (postgres) insertSecurityUpdates(ctx context.Context, tx *sql.Tx, location, osGroup string, ups []SecurityUpdate) error {
	cols := make([][]string, 5)
	for i := range cols {
		cols[i] = make([]string, len(ups))
	}
	for i, u := range ups {
		cols[0][i], cols[1][i], cols[2][i], cols[3][i], cols[4][i] = u.Name, u.Arch, u.Version, u.SourceName, u.SourceVersion
	}
	_, err := tx.ExecContext(ctx, qInsertSecurityUpdate+`
		SELECT $1, $2, u.n, u.a, u.v, u.sn, u.sv FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
			AS u (n, a, v, sn, sv) ON CONFLICT DO NOTHING`, location, osGroup, cols[0], cols[1], cols[2], cols[3], cols[4])
	if err != nil {
		return fmt.Errorf("security updates: %w", err)
	}
	return nil
}

func (postgres) dataFile(string) string { return "" }

// stuck: a session that started read-only (default_transaction_read_only
// set on the database or role, a standby) stays read-only.
func (postgres) stuck(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "25006"
}

// retryable: serialisation failure, deadlock, and a unique key taken by a
// concurrent transaction (two first reports creating the same package set).
func (postgres) retryable(err error) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return false
	}
	switch pg.Code {
	case "40001", "40P01", "23505":
		return true
	}
	return false
}

func (postgres) fkViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23503"
}

func (postgres) skipLocked() string { return " FOR UPDATE SKIP LOCKED" }

// catalogueLock: package_set_members has no foreign keys on PostgreSQL
// (see 0001_hosts.sql), so nothing else stops a new set from taking a
// catalogue id that the collector deletes at the same moment. New sets
// share the lock; the collector's batches take it alone, briefly.
func (postgres) catalogueLock(exclusive bool) string {
	if exclusive {
		return `SELECT pg_advisory_xact_lock(7244691524)` // any constant: "pakiti catalogue"
	}
	return `SELECT pg_advisory_xact_lock_shared(7244691524)`
}

// evaluationLock: see engine.go. Marks share it; invalidations take it
// alone, so each sees the other's committed rows.
func (postgres) evaluationLock(exclusive bool) string {
	if exclusive {
		return `SELECT pg_advisory_xact_lock(7244691525)` // any constant: "pakiti evaluations"
	}
	return `SELECT pg_advisory_xact_lock_shared(7244691525)`
}

// foreignKeysOff: PostgreSQL checks with indexes (0008_gc_queue.sql).
func (postgres) foreignKeysOff() (string, string) { return "", "" }
