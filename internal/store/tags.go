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

// CVETag marks a CVE as mattering to a site or a CSIRT (Pakiti 3's CVE
// tags: EGI-Critical, EGI-High). Only enabled tags count. Tags are global
// definitions, managed by admins; they hold no host data.
type CVETag struct {
	CVE        string    `json:"cve"`
	Tag        string    `json:"tag"`
	Reason     string    `json:"reason"`
	InfoURL    string    `json:"info_url"`
	Enabled    bool      `json:"enabled"`
	Author     string    `json:"author"`
	ModifiedAt time.Time `json:"modified_at"`
}

// AnyTag as a cve_tag filter keeps what carries any enabled tag.
const AnyTag = "*"

// TagFilter narrows Tags. Zero values mean "any".
type TagFilter struct {
	CVE         string
	Tag         string
	EnabledOnly bool
}

// validTagField bounds what a tag or CVE name may hold.
func validTagField(s string) bool {
	if s == "" || len(s) > 128 || s == AnyTag {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// checkTag refuses a tag whose CVE or name is empty or holds blanks.
func checkTag(t CVETag) error {
	if !validTagField(t.CVE) {
		return fmt.Errorf("CVE %q: want a CVE id without blanks", clipField(t.CVE))
	}
	if !validTagField(t.Tag) {
		return fmt.Errorf("tag %q: want a name without blanks, not %q", clipField(t.Tag), AnyTag)
	}
	return nil
}

func clipField(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// PutTag adds a tag, or changes the reason, info URL, enabled flag,
// author and time of the (CVE, tag) there is.
func (s *Store) PutTag(ctx context.Context, t CVETag) error {
	if err := checkTag(t); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return putTag(ctx, tx, t)
	})
}

func putTag(ctx context.Context, tx *sql.Tx, t CVETag) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO cve_tags (cve, tag, reason, info_url, enabled, author, modified_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (cve, tag) DO UPDATE SET reason = excluded.reason, info_url = excluded.info_url,
		enabled = excluded.enabled, author = excluded.author, modified_at = excluded.modified_at`,
		t.CVE, t.Tag, t.Reason, t.InfoURL, t.Enabled, t.Author, t.ModifiedAt.UTC().Truncate(time.Second))
	if err != nil {
		return fmt.Errorf("put tag %s %s: %w", t.CVE, t.Tag, err)
	}
	return nil
}

// RemoveTag deletes a (CVE, tag); ErrNotFound when there is none.
func (s *Store) RemoveTag(ctx context.Context, cve, tag string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cve_tags WHERE cve = $1 AND tag = $2`, cve, tag)
		if err != nil {
			return fmt.Errorf("remove tag %s %s: %w", cve, tag, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// SetTagEnabled enables or disables a (CVE, tag), recording who and when;
// ErrNotFound when there is none.
func (s *Store) SetTagEnabled(ctx context.Context, cve, tag string, enabled bool, author string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cve_tags SET enabled = $1, author = $2, modified_at = $3
			WHERE cve = $4 AND tag = $5`, enabled, author, at.UTC().Truncate(time.Second), cve, tag)
		if err != nil {
			return fmt.Errorf("enable tag %s %s: %w", cve, tag, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// Tags lists the tags that pass f, by CVE and tag name.
func (s *Store) Tags(ctx context.Context, f TagFilter) ([]CVETag, error) {
	var where []string
	var args []any
	if f.CVE != "" {
		args = append(args, f.CVE)
		where = append(where, fmt.Sprintf("cve = $%d", len(args)))
	}
	if f.Tag != "" {
		args = append(args, f.Tag)
		where = append(where, fmt.Sprintf("tag = $%d", len(args)))
	}
	if f.EnabledOnly {
		where = append(where, "enabled")
	}
	q := `SELECT cve, tag, reason, info_url, enabled, author, modified_at FROM cve_tags`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY cve, tag`, args...)
	if err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	defer rows.Close()
	out := []CVETag{}
	for rows.Next() {
		var t CVETag
		if err := rows.Scan(&t.CVE, &t.Tag, &t.Reason, &t.InfoURL, &t.Enabled, &t.Author, &t.ModifiedAt); err != nil {
			return nil, err
		}
		t.ModifiedAt = t.ModifiedAt.UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// SyncResult counts what an import did.
type SyncResult struct {
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
}

// ImportTags stores tags (as PutTag, in one transaction); with remove,
// the local tags absent from tags are deleted (a site following a CSIRT's
// list). A (CVE, tag) given twice counts once, the last one winning.
// Unchanged tags keep their time: only what changes is re-stamped.
func (s *Store) ImportTags(ctx context.Context, tags []CVETag, remove bool) (SyncResult, error) {
	type key struct{ cve, tag string }
	last := map[key]CVETag{}
	var order []key
	for _, t := range tags {
		if err := checkTag(t); err != nil {
			return SyncResult{}, err
		}
		k := key{t.CVE, t.Tag}
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = t
	}
	var res SyncResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = SyncResult{}
		have := map[key]CVETag{}
		rows, err := tx.QueryContext(ctx, `SELECT cve, tag, reason, info_url, enabled, author FROM cve_tags`)
		if err != nil {
			return fmt.Errorf("read tags: %w", err)
		}
		for rows.Next() {
			var t CVETag
			if err := rows.Scan(&t.CVE, &t.Tag, &t.Reason, &t.InfoURL, &t.Enabled, &t.Author); err != nil {
				rows.Close()
				return err
			}
			have[key{t.CVE, t.Tag}] = t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range order {
			t := last[k]
			old, ok := have[k]
			switch {
			case !ok:
				res.Added++
			case old.Reason == t.Reason && old.InfoURL == t.InfoURL && old.Enabled == t.Enabled && old.Author == t.Author:
				res.Unchanged++
				continue
			default:
				res.Changed++
			}
			if err := putTag(ctx, tx, t); err != nil {
				return err
			}
		}
		if !remove {
			return nil
		}
		for k := range have {
			if _, keep := last[k]; keep {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM cve_tags WHERE cve = $1 AND tag = $2`, k.cve, k.tag); err != nil {
				return fmt.Errorf("remove tag %s %s: %w", k.cve, k.tag, err)
			}
			res.Removed++
		}
		return nil
	})
	return res, err
}

// tagFilterSQL returns the condition "host h has an open, unexcepted
// finding of a CVE carrying the enabled tag" (any enabled tag for AnyTag)
// at now, for a query whose next placeholder is $next, with its
// arguments. Listings filter by cve_tag with it.
func tagFilterSQL(tag string, now time.Time, next int) (string, []any) {
	cond, args := "", []any{}
	if tag != AnyTag {
		cond = fmt.Sprintf(" AND t.tag = $%d", next)
		args = append(args, tag)
		next++
	}
	exc, eargs := exceptedSQL("f", "h", "p", now, next)
	return `EXISTS (SELECT 1 FROM target_findings f JOIN cve_tags t ON t.cve = f.cve AND t.enabled
		JOIN packages p ON p.id = f.package_id
		WHERE f.target_id = h.target_id AND f.status <> 'excepted'` + cond + ` AND NOT ` + exc + `)`, append(args, eargs...)
}

// HostTagCounts are a host's open findings by tag, excepted ones left
// out, and its excepted open findings.
type HostTagCounts struct {
	TaggedCVEs int            `json:"tagged_cves"` // distinct CVEs carrying an enabled tag
	ByTag      map[string]int `json:"by_tag"`      // distinct CVEs per enabled tag
	Excepted   int            `json:"excepted"`    // open findings an exception covers
	// CVEs are the tagged CVEs themselves, by id (the hosts listing's
	// "list tagged CVEs inline"); the API's tagged map leaves them out.
	CVEs []TaggedCVE `json:"-"`
}

// TaggedCVE is an open, unexcepted CVE of a host and its enabled tags.
type TaggedCVE struct {
	CVE  string   `json:"cve"`
	Tags []string `json:"tags"` // sorted
}

// TaggedCounts returns the tag and exception counts at now of the named
// hosts in scope (a listing's page of hosts), by host name. Hosts out of
// scope or without findings are absent.
func (s *Store) TaggedCounts(ctx context.Context, sc Scope, hostnames []string, now time.Time) (map[string]HostTagCounts, error) {
	out := map[string]HostTagCounts{}
	if len(hostnames) == 0 {
		return out, nil
	}
	// The hosts, then the findings of their targets once per target
	// (cached: targets never change), then the tags and exceptions of
	// those CVEs: each host's counts are worked out in Go.
	// Hosts not evaluated (no target) are skipped here, not in SQL: a
	// condition on target_id let PostgreSQL, with statistics taken while
	// the hosts were not evaluated yet, walk the target_id index over
	// every host (100-200 ms at 100,000 hosts) instead of looking up the
	// page's names in the hostname index.
	cond, args := s.scopeSQL(sc, "s", 2)
	rows, err := s.r.QueryContext(ctx, `SELECT h.hostname, h.target_id, h.os_group, s.name
		FROM hosts h JOIN sites s ON s.id = h.site_id
		WHERE `+s.engine.inList("h.hostname", 1)+` AND `+cond,
		append([]any{s.engine.stringList(hostnames)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("tag counts: %w", err)
	}
	type hostRow struct {
		name, group, site string
		target            int64
	}
	var hosts []hostRow
	for rows.Next() {
		var h hostRow
		var target sql.NullInt64
		if err := rows.Scan(&h.name, &target, &h.group, &h.site); err != nil {
			rows.Close()
			return nil, err
		}
		if !target.Valid {
			continue
		}
		h.target = target.Int64
		hosts = append(hosts, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tag counts: %w", err)
	}
	byTarget := map[int64][]model.Finding{}
	cveSet := map[string]bool{}
	for _, h := range hosts {
		if _, ok := byTarget[h.target]; ok {
			continue
		}
		fs, err := s.targetPackages(ctx, h.target)
		if err != nil {
			return nil, fmt.Errorf("tag counts: %w", err)
		}
		byTarget[h.target] = fs
		for _, f := range fs {
			cveSet[f.CVE] = true
		}
	}
	cves := make([]string, 0, len(cveSet))
	for c := range cveSet {
		cves = append(cves, c)
	}
	pol, err := s.PolicyFor(ctx, cves, now)
	if err != nil {
		return nil, fmt.Errorf("tag counts: %w", err)
	}
	// A target none of whose findings has an exception gives the same
	// counts to every host on it: worked out once per target (a page's
	// hosts share few targets of thousands of findings each).
	shared := map[int64]HostTagCounts{}
	for _, h := range hosts {
		if c, ok := shared[h.target]; ok {
			if c.TaggedCVEs > 0 || c.Excepted > 0 {
				out[h.name] = c
			}
			continue
		}
		var c HostTagCounts
		tagged := map[string]bool{}
		byTag := map[string]map[string]bool{}
		for _, f := range byTarget[h.target] {
			if ex, _ := pol.Exception(f, HostSite{Hostname: h.name, Site: h.site}, h.group, now); ex {
				c.Excepted++
				continue
			}
			for _, tag := range pol.Tags(f.CVE) {
				tagged[f.CVE] = true
				if byTag[tag] == nil {
					byTag[tag] = map[string]bool{}
				}
				byTag[tag][f.CVE] = true
			}
		}
		if len(byTag) > 0 {
			c.ByTag = map[string]int{}
			for tag, cs := range byTag {
				c.ByTag[tag] = len(cs)
			}
		}
		c.TaggedCVEs = len(tagged)
		for cve := range tagged {
			var tags []string
			for tag, cs := range byTag {
				if cs[cve] {
					tags = append(tags, tag)
				}
			}
			slices.Sort(tags)
			c.CVEs = append(c.CVEs, TaggedCVE{CVE: cve, Tags: tags})
		}
		slices.SortFunc(c.CVEs, func(a, b TaggedCVE) int { return strings.Compare(a.CVE, b.CVE) })
		if c.TaggedCVEs > 0 || c.Excepted > 0 {
			out[h.name] = c
		}
		if !pol.anyException(byTarget[h.target]) {
			shared[h.target] = c
		}
	}
	return out, nil
}

// targetPackages returns the findings of a target not written as
// excepted, with their CVE and package (name, version, arch) only:
// what deciding tags and exceptions needs. Cached: targets never change.
func (s *Store) targetPackages(ctx context.Context, target int64) ([]model.Finding, error) {
	s.targets.mu.Lock()
	fs, ok := s.targets.pkgs[target]
	s.targets.mu.Unlock()
	if ok {
		return fs, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT f.cve, p.name, p.version, p.arch
		FROM target_findings f JOIN packages p ON p.id = f.package_id
		WHERE f.target_id = $1 AND f.status <> 'excepted'`, target)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var f model.Finding
		if err := rows.Scan(&f.CVE, &f.Package, &f.Version, &f.Arch); err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.targets.mu.Lock()
	if s.targets.pkgs == nil || len(s.targets.pkgs) > 500 {
		s.targets.pkgs = map[int64][]model.Finding{}
	}
	s.targets.pkgs[target] = fs
	s.targets.mu.Unlock()
	return fs, nil
}
