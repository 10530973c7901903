package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// The archive of raw reports (pakiti serve --archive-reports): a report
// SaveReport stores is archived in the same transaction, gzip-compressed,
// so an archived report is one that was acknowledged, and an acknowledged
// one is archived. A report byte for byte equal to the host's last
// archived one is not archived again: the report history says when it
// came. Reports that only refresh a host (TouchUnchanged) never reach it.
// The collector deletes archived reports older than its retention
// (GCOptions.ArchiveBefore).

// RawReport is what SaveReport archives of a report (Incoming.Archive).
type RawReport struct {
	Params      string // the query string of /feed/
	ContentType string
	UserAgent   string
	Body        []byte // as received, after decryption
}

// ArchivedReport is one report of the archive.
type ArchivedReport struct {
	ID          int64     `json:"id"`
	Hostname    string    `json:"hostname"`
	Site        string    `json:"site"`
	ReceivedAt  time.Time `json:"received_at"`
	Addr        string    `json:"addr"`
	ProxyAddr   string    `json:"proxy_addr,omitempty"`
	Params      string    `json:"params"`
	ContentType string    `json:"content_type"`
	UserAgent   string    `json:"user_agent"`
	Size        int       `json:"size"`        // of the body, uncompressed
	BodyHash    string    `json:"body_sha256"` // hex SHA-256 of the body
	Body        []byte    `json:"-"`           // only from ArchivedReportBody
}

// archiveEntry is a report compressed for the archive, before the
// transaction that writes it.
type archiveEntry struct {
	raw  *RawReport
	gz   []byte
	hash string
}

func compressReport(raw *RawReport) (*archiveEntry, error) {
	if raw == nil {
		return nil, nil
	}
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw.Body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw.Body)
	return &archiveEntry{raw: raw, gz: b.Bytes(), hash: hex.EncodeToString(sum[:])}, nil
}

// archive writes e in tx unless the host's last archived report has the
// same body.
func (s *Store) archive(ctx context.Context, tx *sql.Tx, e *archiveEntry, in Incoming) error {
	if e == nil {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO report_archive (hostname, site, received_at, addr, proxy_addr,
		params, content_type, user_agent, size, body_hash, body_gz)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
		WHERE NOT EXISTS (SELECT 1 FROM report_archive a WHERE a.hostname = $1 AND a.body_hash = $10
			AND a.id = (SELECT MAX(a2.id) FROM report_archive a2 WHERE a2.hostname = $1))`,
		in.Host.Hostname, in.Host.Site, in.ReceivedAt.UTC(), in.Host.ReporterAddr, in.ProxyAddr,
		e.raw.Params, e.raw.ContentType, e.raw.UserAgent, len(e.raw.Body), e.hash, e.gz)
	if err != nil {
		return fmt.Errorf("archive report: %w", err)
	}
	return nil
}

// ArchivedReports lists the archived reports of hostname (all hosts when
// empty) in sc, newest first, at most limit (0: 100), without bodies.
func (s *Store) ArchivedReports(ctx context.Context, sc Scope, hostname string, limit int) ([]ArchivedReport, error) {
	if limit <= 0 {
		limit = 100
	}
	scope, args := s.scopeSQL(sc, "st", 1)
	q := `SELECT a.id, a.hostname, a.site, a.received_at, a.addr, a.proxy_addr, a.params, a.content_type,
		a.user_agent, a.size, a.body_hash
		FROM report_archive a JOIN sites st ON st.name = a.site WHERE ` + scope
	if hostname != "" {
		args = append(args, hostname)
		q += fmt.Sprintf(" AND a.hostname = $%d", len(args))
	}
	args = append(args, limit)
	q += fmt.Sprintf(" ORDER BY a.id DESC LIMIT $%d", len(args))
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list archived reports: %w", err)
	}
	defer rows.Close()
	var out []ArchivedReport
	for rows.Next() {
		var a ArchivedReport
		if err := rows.Scan(&a.ID, &a.Hostname, &a.Site, &a.ReceivedAt, &a.Addr, &a.ProxyAddr, &a.Params,
			&a.ContentType, &a.UserAgent, &a.Size, &a.BodyHash); err != nil {
			return nil, err
		}
		a.ReceivedAt = a.ReceivedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// ErrNotArchived: no archived report of that id in the scope.
var ErrNotArchived = errors.New("no such archived report")

// ArchivedReportBody returns one archived report with its body,
// decompressed and checked against its hash.
func (s *Store) ArchivedReportBody(ctx context.Context, sc Scope, id int64) (ArchivedReport, error) {
	scope, args := s.scopeSQL(sc, "st", 2)
	var a ArchivedReport
	var gz []byte
	err := s.r.QueryRowContext(ctx, `SELECT a.id, a.hostname, a.site, a.received_at, a.addr, a.proxy_addr,
		a.params, a.content_type, a.user_agent, a.size, a.body_hash, a.body_gz
		FROM report_archive a JOIN sites st ON st.name = a.site WHERE a.id = $1 AND `+scope,
		append([]any{id}, args...)...).Scan(&a.ID, &a.Hostname, &a.Site, &a.ReceivedAt, &a.Addr, &a.ProxyAddr,
		&a.Params, &a.ContentType, &a.UserAgent, &a.Size, &a.BodyHash, &gz)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotArchived
	}
	if err != nil {
		return a, fmt.Errorf("read archived report: %w", err)
	}
	a.ReceivedAt = a.ReceivedAt.UTC()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return a, fmt.Errorf("archived report %d: %w", id, err)
	}
	// The size is known: never inflate more than it.
	body, err := io.ReadAll(io.LimitReader(zr, int64(a.Size)+1))
	if err != nil {
		return a, fmt.Errorf("archived report %d: %w", id, err)
	}
	sum := sha256.Sum256(body)
	if len(body) != a.Size || hex.EncodeToString(sum[:]) != a.BodyHash {
		return a, fmt.Errorf("archived report %d: the body does not match its size and hash", id)
	}
	a.Body = body
	return a, nil
}
