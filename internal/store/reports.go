package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Incoming is a validated report ready to be stored.
type Incoming struct {
	Host         model.Host // Hostname, Site, Tag, OS..., ReporterAddr, Protocol
	Packages     []model.Package
	SetHash      string // report.PackageSetHash of Packages
	HeaderHash   string
	RawHash      string // of the report's bytes and protocol, for TouchUnchanged
	ReceivedAt   time.Time
	ThroughProxy bool
}

// Change says what a stored report changed.
type Change int

const (
	HostNew       Change = iota // first report of this host name
	HostChanged                 // header or package set differ from the last report
	HostUnchanged               // same header and package set: timestamps only
)

func (c Change) String() string {
	return [...]string{"new", "changed", "unchanged"}[c]
}

// Saved tells the caller what SaveReport did.
type Saved struct {
	Change       Change
	HostID       int64
	PackageSetID int64
	NewSet       bool // the package set was not known before
}

// SaveReport stores one report in one transaction: the host, its package
// set (created only if no host had it before) and its history record. A
// report identical to the host's last one only touches timestamps.
func (s *Store) SaveReport(ctx context.Context, in Incoming) (Saved, error) {
	if in.Host.Site == "" {
		in.Host.Site = model.DefaultSite
	}
	var out Saved
	var fresh map[model.Package]int64
	var newSite int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out, fresh, newSite = Saved{}, nil, 0
		var (
			hostID, setID         int64
			headerHash, setHash   string
			lastReportID          sql.NullInt64
			lastHeader, lastSetHs sql.NullString
		)
		err := tx.QueryRowContext(ctx, `SELECT h.id, h.header_hash, ps.id, ps.hash,
				r.id, r.header_hash, r.set_hash
			FROM hosts h JOIN package_sets ps ON ps.id = h.package_set_id
			LEFT JOIN reports r ON r.id = (SELECT MAX(id) FROM reports WHERE host_id = h.id)
			WHERE h.hostname = $1`, in.Host.Hostname).
			Scan(&hostID, &headerHash, &setID, &setHash, &lastReportID, &lastHeader, &lastSetHs)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			out.Change = HostNew
		case err != nil:
			return fmt.Errorf("find host: %w", err)
		case headerHash == in.HeaderHash && setHash == in.SetHash:
			out.Change, out.HostID, out.PackageSetID = HostUnchanged, hostID, setID
			if _, err := tx.ExecContext(ctx, `UPDATE hosts SET last_report = $1, reporter_addr = $2, raw_hash = $3
				WHERE id = $4`, in.ReceivedAt, in.Host.ReporterAddr, in.RawHash, hostID); err != nil {
				return fmt.Errorf("touch host: %w", err)
			}
			return s.recordReport(ctx, tx, hostID, in, lastReportID, lastHeader, lastSetHs)
		default:
			out.Change, out.HostID = HostChanged, hostID
		}

		if setHash == in.SetHash && out.Change == HostChanged {
			out.PackageSetID = setID
		} else if out.PackageSetID, out.NewSet, fresh, err = s.ensureSet(ctx, tx, in); err != nil {
			return err
		}
		siteID, created, err := s.siteID(ctx, tx, in.Host.Site, in.ReceivedAt)
		if err != nil {
			return err
		}
		if created {
			newSite = siteID
		}
		h := in.Host
		err = tx.QueryRowContext(ctx, `INSERT INTO hosts (hostname, site_id, tag, os, os_id, os_version_id, arch,
				kernel, cpu, packager, reboot_required, reporter_addr, protocol, package_set_id, header_hash,
				raw_hash, first_report, last_report)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $17, $16, $16)
			ON CONFLICT (hostname) DO UPDATE SET site_id = excluded.site_id, tag = excluded.tag, os = excluded.os,
				os_id = excluded.os_id, os_version_id = excluded.os_version_id, arch = excluded.arch,
				kernel = excluded.kernel, cpu = excluded.cpu, packager = excluded.packager,
				reboot_required = excluded.reboot_required, reporter_addr = excluded.reporter_addr,
				protocol = excluded.protocol, package_set_id = excluded.package_set_id,
				header_hash = excluded.header_hash, raw_hash = excluded.raw_hash, last_report = excluded.last_report
			RETURNING id`,
			h.Hostname, siteID, h.Tag, h.OS, h.OSID, h.OSVersionID, h.Arch, h.Kernel, h.CPU, h.Packager,
			nullBool(h.RebootRequired), h.ReporterAddr, h.Protocol, out.PackageSetID, in.HeaderHash,
			in.ReceivedAt, in.RawHash).Scan(&out.HostID)
		if err != nil {
			return fmt.Errorf("save host: %w", err)
		}
		return s.recordReport(ctx, tx, out.HostID, in, lastReportID, lastHeader, lastSetHs)
	})
	if err != nil {
		return Saved{}, err
	}
	s.cache.addAll(fresh)
	if newSite != 0 {
		s.mu.Lock()
		s.sites[in.Host.Site] = newSite
		s.mu.Unlock()
	}
	return out, nil
}

// TouchUnchanged is the fast path for a report byte for byte equal to the
// last one stored for hostname (same rawHash): it only touches timestamps,
// as SaveReport would, without the caller parsing the packages. It reports
// false, changing nothing, when the stored report differs.
func (s *Store) TouchUnchanged(ctx context.Context, hostname, rawHash, addr string, at time.Time) (Saved, bool, error) {
	if rawHash == "" {
		return Saved{}, false, nil
	}
	var out Saved
	touched := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE hosts SET last_report = $1, reporter_addr = $2
			WHERE hostname = $3 AND raw_hash = $4 RETURNING id, package_set_id`, at, addr, hostname, rawHash).
			Scan(&out.HostID, &out.PackageSetID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("touch host: %w", err)
		}
		touched, out.Change = true, HostUnchanged
		_, err = tx.ExecContext(ctx, `UPDATE reports SET last_received = $1, count = count + 1, reporter_addr = $2
			WHERE id = (SELECT MAX(id) FROM reports WHERE host_id = $3)`, at, addr, out.HostID)
		if err != nil {
			return fmt.Errorf("extend report record: %w", err)
		}
		return nil
	})
	return out, touched, err
}

// recordReport extends the host's last history record when this report is
// identical to it, and adds a record otherwise.
func (s *Store) recordReport(ctx context.Context, tx *sql.Tx, hostID int64, in Incoming,
	lastID sql.NullInt64, lastHeader, lastSet sql.NullString) error {
	if lastID.Valid && lastHeader.String == in.HeaderHash && lastSet.String == in.SetHash {
		_, err := tx.ExecContext(ctx, `UPDATE reports SET last_received = $1, count = count + 1,
			reporter_addr = $2 WHERE id = $3`, in.ReceivedAt, in.Host.ReporterAddr, lastID.Int64)
		if err != nil {
			return fmt.Errorf("extend report record: %w", err)
		}
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO reports (host_id, first_received, last_received, count,
			reporter_addr, through_proxy, protocol, package_count, header_hash, set_hash)
		VALUES ($1, $2, $2, 1, $3, $4, $5, $6, $7, $8)`,
		hostID, in.ReceivedAt, in.Host.ReporterAddr, in.ThroughProxy, in.Host.Protocol, len(in.Packages),
		in.HeaderHash, in.SetHash)
	if err != nil {
		return fmt.Errorf("add report record: %w", err)
	}
	return nil
}

// ensureSet returns the id of the package set with in.SetHash, creating it
// (and any catalogue packages it needs) when no host had it before.
func (s *Store) ensureSet(ctx context.Context, tx *sql.Tx, in Incoming) (int64, bool, map[model.Package]int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM package_sets WHERE hash = $1`, in.SetHash).Scan(&id)
	if err == nil {
		return id, false, nil, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil, fmt.Errorf("find package set: %w", err)
	}
	ids, fresh, err := s.packageIDs(ctx, tx, in.Packages)
	if err != nil {
		return 0, false, nil, err
	}
	if testHookAfterCatalogue != nil {
		testHookAfterCatalogue()
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO package_sets (hash, package_count, created_at)
		VALUES ($1, $2, $3) RETURNING id`, in.SetHash, len(in.Packages), in.ReceivedAt).Scan(&id)
	if err != nil {
		return 0, false, nil, fmt.Errorf("add package set: %w", err)
	}
	if err := s.insertMembers(ctx, tx, id, ids); err != nil {
		return 0, false, nil, err
	}
	return id, true, fresh, nil
}

// testHookAfterCatalogue lets a test fail a report half-way through.
var testHookAfterCatalogue func()

// siteID returns the id of the named site, creating the site on first use.
func (s *Store) siteID(ctx context.Context, tx *sql.Tx, name string, now time.Time) (int64, bool, error) {
	s.mu.Lock()
	id, ok := s.sites[name]
	s.mu.Unlock()
	if ok {
		return id, false, nil
	}
	err := tx.QueryRowContext(ctx, `SELECT id FROM sites WHERE name = $1`, name).Scan(&id)
	if err == nil {
		s.mu.Lock()
		s.sites[name] = id
		s.mu.Unlock()
		return id, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("find site: %w", err)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO sites (name, created_at) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`, name, now).Scan(&id)
	if err != nil {
		return 0, false, fmt.Errorf("add site: %w", err)
	}
	return id, true, nil
}

func nullBool(b *bool) sql.NullBool {
	if b == nil {
		return sql.NullBool{}
	}
	return sql.NullBool{Bool: *b, Valid: true}
}
