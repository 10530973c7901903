package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/model"
)

// CVEInfo is what the database knows of one CVE.
type CVEInfo struct {
	ID          string           `json:"id"`
	Description string           `json:"description"`
	Severity    string           `json:"severity"`   // the vendor word of the highest severity among its records (SetSeverity ranks them)
	Records     []model.Advisory `json:"records"`    // per release and package
	Hosts       []AffectedHost   `json:"hosts"`      // one per host and package: a host can be listed more than once
	HostCount   int              `json:"host_count"` // distinct hosts among Hosts
	// KEV is its entry in CISA's known-exploited catalogue in force, if
	// it lists it (kev.go).
	KEV *KEVEntry `json:"kev,omitempty"`
	// Tags are its CVE tags, enabled or not, by name (global
	// definitions: every caller sees them).
	Tags []CVETag `json:"tags"`
	// Exceptions are its exceptions the caller may see (exceptionsInScope:
	// those of every host or an OS group, and those of a site or host in
	// scope), expired ones too, by package and id.
	Exceptions []CVEException `json:"exceptions"`
}

// CVEException is an exception of a CVE and whether it is in force now.
type CVEException struct {
	Exception
	Active bool `json:"active"` // not expired
}

// AffectedHost is a host with an open finding of a CVE.
type AffectedHost struct {
	Hostname string       `json:"hostname"`
	Site     string       `json:"site"`
	OSGroup  string       `json:"os_group"`
	Package  string       `json:"package"`
	Version  string       `json:"installed"`
	Fixed    string       `json:"fixed"`
	Status   string       `json:"status"`        // the finding's: open, unfixed, reboot-pending
	Vendor   model.Status `json:"vendor_status"` // what the vendor said: fixed, affected...
}

// SeverityOf maps a vendor severity word of a record of an OS group to
// the common scale (match.Registry.Severity, through the group's driver).
type SeverityOf func(osGroup, word string) model.Severity

// SetSeverity sets how CVE ranks the vendor severities of records; until
// it is called, every word ranks alike and the first record's word is
// shown. Call it once, before serving.
func (s *Store) SetSeverity(f SeverityOf) { s.severity = f }

// severityOf ranks a record's severity.
func (s *Store) severityOf(a model.Advisory) model.Severity {
	if s.severity == nil {
		return model.SeverityUnknown
	}
	return s.severity(a.OSGroup, a.Severity)
}

// CVE returns what is known of id: its records in force, the hosts in
// scope with an open finding of it, its tags and the exceptions of it the
// caller may see. ErrNotFound when nothing is known (to the caller).
func (s *Store) CVE(ctx context.Context, sc Scope, id string) (CVEInfo, error) {
	info := CVEInfo{ID: id, Records: []model.Advisory{}, Hosts: []AffectedHost{}}
	err := s.r.QueryRowContext(ctx, `SELECT description FROM cves WHERE id = $1`, id).Scan(&info.Description)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return info, err
	}
	recs, err := s.advisories(ctx, `a.cve = $1`, id)
	if err != nil {
		return info, fmt.Errorf("records of %s: %w", id, err)
	}
	best := model.SeverityUnknown
	for _, a := range recs {
		if sev := s.severityOf(a); sev > best {
			best, info.Severity = sev, a.Severity
		}
		info.Records = append(info.Records, a)
	}
	cond, args := s.scopeSQL(sc, "s", 2)
	rows, err := s.r.QueryContext(ctx, `SELECT h.hostname, s.name, h.os_group, p.name, p.version,
			COALESCE(ff.fixed_version, ''), f.status, COALESCE(ff.vendor_status, '')
		FROM target_findings f JOIN hosts h ON h.target_id = f.target_id JOIN sites s ON s.id = h.site_id
		JOIN packages p ON p.id = f.package_id
		LEFT JOIN finding_facts ff ON ff.id = f.facts_id
		WHERE f.cve = $1 AND f.status <> 'excepted' AND h.removed_at IS NULL AND `+cond+`
		ORDER BY h.hostname, p.name`, append([]any{id}, args...)...)
	if err != nil {
		return info, fmt.Errorf("hosts of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a AffectedHost
		var vendor string
		if err := rows.Scan(&a.Hostname, &a.Site, &a.OSGroup, &a.Package, &a.Version, &a.Fixed, &a.Status, &vendor); err != nil {
			return info, err
		}
		a.Vendor = model.Status(vendor)
		if n := len(info.Hosts); n == 0 || info.Hosts[n-1].Hostname != a.Hostname {
			info.HostCount++ // sorted by host name
		}
		info.Hosts = append(info.Hosts, a)
	}
	if err := rows.Err(); err != nil {
		return info, err
	}
	if e, ok, err := s.KEV(ctx, id); err != nil {
		return info, err
	} else if ok {
		info.KEV = &e
	}
	if info.Tags, err = s.Tags(ctx, TagFilter{CVE: id}); err != nil {
		return info, err
	}
	if info.Exceptions, err = s.cveExceptions(ctx, sc, id); err != nil {
		return info, err
	}
	if info.Description == "" && len(info.Records) == 0 && len(info.Hosts) == 0 && info.KEV == nil &&
		len(info.Tags) == 0 && len(info.Exceptions) == 0 {
		return info, ErrNotFound
	}
	return info, nil
}

// cveExceptions returns the exceptions of id that a caller of scope sc
// may see, each with whether it is in force at the store's clock.
func (s *Store) cveExceptions(ctx context.Context, sc Scope, id string) ([]CVEException, error) {
	es, err := s.Exceptions(ctx, ExceptionFilter{CVE: id})
	if err != nil || len(es) == 0 {
		return []CVEException{}, err
	}
	seen, err := s.exceptionsInScope(ctx, sc)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []CVEException{}
	for _, e := range es {
		if seen == nil || seen[e.ID] {
			out = append(out, CVEException{Exception: e, Active: e.ExpiresAt == nil || now.Before(*e.ExpiresAt)})
		}
	}
	return out, nil
}
