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

// ScopeKind is what an exception's scope names.
type ScopeKind string

// The scopes of an exception.
const (
	ScopeAll     ScopeKind = "all"      // every host
	ScopeOSGroup ScopeKind = "os-group" // the hosts of an OS group (debian:12)
	ScopeSite    ScopeKind = "site"     // the hosts of a site
	ScopeHost    ScopeKind = "host"     // one host
)

// Exception says that a CVE does not apply to a package (any version, or
// exactly Version; any arch, or exactly Arch) within a scope, for a
// reason, until ExpiresAt (nil: for ever): a package a site rebuilt or
// patched itself, a risk accepted. Exceptions are global definitions,
// managed by admins; they hold no host data.
type Exception struct {
	ID        int64      `json:"id"`
	CVE       string     `json:"cve"`
	Package   string     `json:"package"`
	Version   string     `json:"version,omitempty"`  // "" : every version
	Arch      string     `json:"arch,omitempty"`     // "" : every arch
	PkgType   string     `json:"pkg_type,omitempty"` // rpm, dpkg: kept from Pakiti 3 files, not matched (the OS group implies it)
	ScopeKind ScopeKind  `json:"scope_kind"`
	Scope     string     `json:"scope,omitempty"` // the OS group, site or host; "" for ScopeAll
	Reason    string     `json:"reason"`
	Author    string     `json:"author"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // the first instant it no longer applies
}

// HostSite names the host a finding belongs to and its site.
type HostSite struct {
	Hostname string
	Site     string
}

// Applies tells whether e covers finding f of host hs in OS group osGroup
// at time t. An exception applies from the moment it exists (CreatedAt is
// a record, not a start) until ExpiresAt, excluded. A version written
// without an epoch also meets the same version with epoch 0 (Pakiti 3
// files and rpm reports differ in that).
func (e Exception) Applies(f model.Finding, hs HostSite, osGroup string, t time.Time) bool {
	if e.CVE != f.CVE || e.Package != f.Package {
		return false
	}
	if e.Version != "" && e.Version != f.Version && "0:"+e.Version != f.Version {
		return false
	}
	if e.Arch != "" && e.Arch != f.Arch {
		return false
	}
	if e.ExpiresAt != nil && !t.Before(*e.ExpiresAt) {
		return false
	}
	switch e.ScopeKind {
	case ScopeAll:
		return true
	case ScopeOSGroup:
		return e.Scope == osGroup
	case ScopeSite:
		return e.Scope == hs.Site
	case ScopeHost:
		return e.Scope == hs.Hostname
	}
	return false
}

// Describe is the exception in words, as a finding it covers shows it.
func (e Exception) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "exception %d", e.ID)
	if e.Author != "" {
		fmt.Fprintf(&b, " by %s", e.Author)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// checkException refuses an exception that names no CVE, package, scope
// or reason, or a scope kind it does not know.
func checkException(e Exception) error {
	switch {
	case !validTagField(e.CVE):
		return fmt.Errorf("CVE %q: want a CVE id without blanks", clipField(e.CVE))
	case !validTagField(e.Package):
		return fmt.Errorf("package %q: want a package name without blanks", clipField(e.Package))
	case strings.TrimSpace(e.Reason) == "":
		return errors.New("an exception needs a reason")
	}
	switch e.ScopeKind {
	case ScopeAll:
		if e.Scope != "" {
			return fmt.Errorf("scope %q given with scope kind all", clipField(e.Scope))
		}
	case ScopeOSGroup, ScopeSite, ScopeHost:
		if e.Scope == "" {
			return fmt.Errorf("scope kind %s needs a name", e.ScopeKind)
		}
	default:
		return fmt.Errorf("unknown scope kind %q: use all, os-group, site or host", clipField(string(e.ScopeKind)))
	}
	return nil
}

// exceptionKey is what makes an exception unique.
type exceptionKey struct {
	cve, pkg, version, arch string
	kind                    ScopeKind
	scope                   string
}

func (e Exception) key() exceptionKey {
	return exceptionKey{e.CVE, e.Package, e.Version, e.Arch, e.ScopeKind, e.Scope}
}

// PutException adds an exception and returns its id; an exception of the
// same CVE, package, version, arch and scope is updated instead (reason,
// author, type, expiry; its creation time is kept).
func (s *Store) PutException(ctx context.Context, e Exception) (int64, error) {
	if err := checkException(e); err != nil {
		return 0, err
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = putException(ctx, tx, e)
		return err
	})
	return id, err
}

func putException(ctx context.Context, tx *sql.Tx, e Exception) (int64, error) {
	var exp any
	if e.ExpiresAt != nil {
		exp = e.ExpiresAt.UTC()
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO cve_exceptions (cve, package, version, arch, pkg_type, scope_kind, scope,
			reason, author, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (cve, package, version, arch, scope_kind, scope) DO UPDATE SET pkg_type = excluded.pkg_type,
		reason = excluded.reason, author = excluded.author, expires_at = excluded.expires_at
		RETURNING id`,
		e.CVE, e.Package, e.Version, e.Arch, e.PkgType, string(e.ScopeKind), e.Scope, e.Reason, e.Author,
		e.CreatedAt.UTC().Truncate(time.Second), exp).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("put exception %s %s: %w", e.CVE, e.Package, err)
	}
	return id, nil
}

// RemoveException deletes an exception by id; ErrNotFound when there is
// none.
func (s *Store) RemoveException(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cve_exceptions WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("remove exception %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// ExceptionFilter narrows Exceptions. Zero values mean "any".
type ExceptionFilter struct {
	CVE string
	// ActiveAt, when set, keeps only the exceptions not expired then.
	ActiveAt time.Time
}

const exceptionColumns = `id, cve, package, version, arch, pkg_type, scope_kind, scope, reason, author, created_at, expires_at`

func scanException(sc interface{ Scan(...any) error }) (Exception, error) {
	var e Exception
	var kind string
	var exp sql.NullTime
	err := sc.Scan(&e.ID, &e.CVE, &e.Package, &e.Version, &e.Arch, &e.PkgType, &kind, &e.Scope, &e.Reason, &e.Author,
		&e.CreatedAt, &exp)
	e.ScopeKind = ScopeKind(kind)
	e.CreatedAt = e.CreatedAt.UTC()
	if exp.Valid {
		t := exp.Time.UTC()
		e.ExpiresAt = &t
	}
	return e, err
}

// Exceptions lists the exceptions that pass f, by CVE, package and id.
func (s *Store) Exceptions(ctx context.Context, f ExceptionFilter) ([]Exception, error) {
	var where []string
	var args []any
	if f.CVE != "" {
		args = append(args, f.CVE)
		where = append(where, fmt.Sprintf("cve = $%d", len(args)))
	}
	if !f.ActiveAt.IsZero() {
		args = append(args, f.ActiveAt.UTC())
		where = append(where, fmt.Sprintf("(expires_at IS NULL OR expires_at > $%d)", len(args)))
	}
	q := `SELECT ` + exceptionColumns + ` FROM cve_exceptions`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY cve, package, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("exceptions: %w", err)
	}
	defer rows.Close()
	out := []Exception{}
	for rows.Next() {
		e, err := scanException(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ImportExceptions stores exceptions (as PutException, in one
// transaction); with remove, the local exceptions absent from es are
// deleted: all of es counts, not only its last entry (Pakiti 3's -r kept
// only the last node's). An exception given twice counts once, the last
// one winning.
func (s *Store) ImportExceptions(ctx context.Context, es []Exception, remove bool) (SyncResult, error) {
	last := map[exceptionKey]Exception{}
	var order []exceptionKey
	for _, e := range es {
		if err := checkException(e); err != nil {
			return SyncResult{}, err
		}
		k := e.key()
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = e
	}
	var res SyncResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = SyncResult{}
		have := map[exceptionKey]Exception{}
		rows, err := tx.QueryContext(ctx, `SELECT `+exceptionColumns+` FROM cve_exceptions`)
		if err != nil {
			return fmt.Errorf("read exceptions: %w", err)
		}
		for rows.Next() {
			e, err := scanException(rows)
			if err != nil {
				rows.Close()
				return err
			}
			have[e.key()] = e
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range order {
			e := last[k]
			old, ok := have[k]
			switch {
			case !ok:
				res.Added++
			case old.Reason == e.Reason && old.Author == e.Author && old.PkgType == e.PkgType && sameExpiry(old.ExpiresAt, e.ExpiresAt):
				res.Unchanged++
				continue
			default:
				res.Changed++
			}
			if _, err := putException(ctx, tx, e); err != nil {
				return err
			}
		}
		if !remove {
			return nil
		}
		for k, e := range have {
			if _, keep := last[k]; keep {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM cve_exceptions WHERE id = $1`, e.ID); err != nil {
				return fmt.Errorf("remove exception %d: %w", e.ID, err)
			}
			res.Removed++
		}
		return nil
	})
	return res, err
}

func sameExpiry(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Truncate(time.Second).Equal(b.Truncate(time.Second))
}

// exceptedSQL returns the condition "an exception in force at now covers
// the finding f of host h on catalogue package p" (the aliases given),
// the SQL twin of Exception.Applies, for a query whose next placeholder
// is $next, with its argument.
func exceptedSQL(f, h, p string, now time.Time, next int) (string, []any) {
	r := strings.NewReplacer("f.", f+".", "h.", h+".", "p.", p+".", "$N", fmt.Sprintf("$%d", next))
	return r.Replace(`EXISTS (SELECT 1 FROM cve_exceptions x WHERE x.cve = f.cve AND x.package = p.name
		AND (x.version = '' OR x.version = p.version OR '0:' || x.version = p.version)
		AND (x.arch = '' OR x.arch = p.arch)
		AND (x.expires_at IS NULL OR x.expires_at > $N)
		AND (x.scope_kind = 'all'
			OR x.scope_kind = 'os-group' AND x.scope = h.os_group
			OR x.scope_kind = 'host' AND x.scope = h.hostname
			OR x.scope_kind = 'site' AND x.scope = (SELECT xs.name FROM sites xs WHERE xs.id = h.site_id)))`),
		[]any{now.UTC()}
}

// ExceptionCoverage is an exception with what it covers now among the
// current findings (open or already excepted) of the hosts in scope: the
// audit view.
type ExceptionCoverage struct {
	Exception
	Active   bool     `json:"active"`   // not expired
	Hosts    int      `json:"hosts"`    // hosts with a finding it covers
	Findings int      `json:"findings"` // current findings it covers, whether the writer has excepted them yet or not
	Sample   []string `json:"sample"`   // up to 5 of those hosts, by name
}

// exceptionsInScope are the ids of the exceptions a caller limited to
// some sites may see: those of every host or an OS group, and those of a
// site or host in its scope (an exception names its host or site: one
// outside the scope, or a host not reported yet, would leak that name).
// nil for a scope of every site.
func (s *Store) exceptionsInScope(ctx context.Context, sc Scope) (map[int64]bool, error) {
	if sc.all {
		return nil, nil
	}
	cond, args := s.scopeSQL(sc, "s", 1)
	rows, err := s.r.QueryContext(ctx, `SELECT x.id FROM cve_exceptions x
		WHERE x.scope_kind IN ('all', 'os-group')
		OR x.scope_kind = 'site' AND EXISTS (SELECT 1 FROM sites s WHERE s.name = x.scope AND `+cond+`)
		OR x.scope_kind = 'host' AND EXISTS (SELECT 1 FROM hosts h JOIN sites s ON s.id = h.site_id
			WHERE h.hostname = x.scope AND `+cond+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("exceptions in scope: %w", err)
	}
	defer rows.Close()
	seen := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		seen[id] = true
	}
	return seen, rows.Err()
}

// AuditExceptions lists every exception (expired ones too, marked) with
// the current findings of hosts in scope it covers at now: those still
// open (the writer has not applied it yet) and those it excepted (their
// status is excepted once the hosts were written again; counting only
// open ones counted 0 then). A caller limited to some sites sees only the
// exceptions of its sites and hosts besides the fleet-wide ones
// (exceptionsInScope).
func (s *Store) AuditExceptions(ctx context.Context, sc Scope, now time.Time) ([]ExceptionCoverage, error) {
	es, err := s.Exceptions(ctx, ExceptionFilter{})
	if err != nil {
		return nil, err
	}
	cond, args := s.scopeSQL(sc, "s", 2)
	args = append([]any{now.UTC()}, args...)
	rows, err := s.r.QueryContext(ctx, `SELECT x.id, h.hostname, COUNT(*)
		FROM cve_exceptions x
		JOIN target_findings f ON f.cve = x.cve
		JOIN packages p ON p.id = f.package_id AND p.name = x.package
		JOIN hosts h ON h.target_id = f.target_id JOIN sites s ON s.id = h.site_id
		WHERE (x.version = '' OR x.version = p.version OR '0:' || x.version = p.version)
		AND (x.arch = '' OR x.arch = p.arch)
		AND (x.expires_at IS NULL OR x.expires_at > $1)
		AND (x.scope_kind = 'all'
			OR x.scope_kind = 'os-group' AND x.scope = h.os_group
			OR x.scope_kind = 'host' AND x.scope = h.hostname
			OR x.scope_kind = 'site' AND x.scope = s.name)
		AND `+cond+`
		GROUP BY x.id, h.hostname ORDER BY x.id, h.hostname`, args...)
	if err != nil {
		return nil, fmt.Errorf("exception coverage: %w", err)
	}
	defer rows.Close()
	type cov struct {
		hosts, findings int
		sample          []string
	}
	by := map[int64]*cov{}
	for rows.Next() {
		var id int64
		var host string
		var n int
		if err := rows.Scan(&id, &host, &n); err != nil {
			return nil, err
		}
		c := by[id]
		if c == nil {
			c = &cov{}
			by[id] = c
		}
		c.hosts++
		c.findings += n
		if len(c.sample) < 5 {
			c.sample = append(c.sample, host)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("exception coverage: %w", err)
	}
	seen, err := s.exceptionsInScope(ctx, sc)
	if err != nil {
		return nil, err
	}
	out := make([]ExceptionCoverage, 0, len(es))
	for _, e := range es {
		if seen != nil && !seen[e.ID] {
			continue
		}
		ec := ExceptionCoverage{Exception: e, Active: e.ExpiresAt == nil || now.Before(*e.ExpiresAt), Sample: []string{}}
		if c := by[e.ID]; c != nil {
			ec.Hosts, ec.Findings, ec.Sample = c.hosts, c.findings, c.sample
		}
		out = append(out, ec)
	}
	return out, nil
}
