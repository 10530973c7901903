package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// SiteSummary is a site as the sites pages show it: its admin-edited
// fields and its hosts' counts, from the hosts' counters.
type SiteSummary struct {
	Name    string `json:"name"`
	Group   string `json:"group,omitempty"`
	Contact string `json:"contact"`
	URL     string `json:"url"`
	Note    string `json:"note"`
	Hosts   int    `json:"hosts"`
	Exposed int    `json:"exposed"` // hosts with an open CVE
	Stale   int    `json:"stale"`   // hosts that did not report for the stale period
	// BySeverity counts the exposed hosts by the worst severity of their
	// open CVEs (critical, high, medium, low, other).
	BySeverity map[string]int `json:"exposed_by_severity"`
	// Tagged counts the hosts with an open CVE carrying each tag, and
	// TaggedHosts the hosts with any (Pakiti 3's "hosts with tagged CVEs").
	Tagged      map[string]int `json:"tagged"`
	TaggedHosts int            `json:"tagged_hosts"`
}

// SiteSummaries returns the sites in scope (only the one named site when
// not ""), by name.
func (s *Store) SiteSummaries(ctx context.Context, sc Scope, site string) ([]SiteSummary, error) {
	cond, args := s.scopeSQL(sc, "s", 3)
	rows, err := s.r.QueryContext(ctx, `SELECT s.name, COALESCE(g.name, ''), s.contact, s.url, s.note, COUNT(h.id),
			COUNT(CASE WHEN h.cves > 0 THEN 1 END),
			COUNT(CASE WHEN h.last_report < $1 THEN 1 END),
			COUNT(CASE WHEN h.sev_critical > 0 THEN 1 END),
			COUNT(CASE WHEN h.sev_critical = 0 AND h.sev_high > 0 THEN 1 END),
			COUNT(CASE WHEN h.sev_critical = 0 AND h.sev_high = 0 AND h.sev_medium > 0 THEN 1 END),
			COUNT(CASE WHEN h.sev_critical = 0 AND h.sev_high = 0 AND h.sev_medium = 0 AND h.sev_low > 0 THEN 1 END),
			COUNT(CASE WHEN h.cves > 0 AND h.sev_critical = 0 AND h.sev_high = 0 AND h.sev_medium = 0 AND h.sev_low = 0 THEN 1 END)
		FROM sites s LEFT JOIN site_groups g ON g.id = s.group_id
		LEFT JOIN hosts h ON h.site_id = s.id AND h.removed_at IS NULL
		WHERE ($2 = '' OR s.name = $2) AND `+cond+`
		GROUP BY s.name, g.name, s.contact, s.url, s.note ORDER BY s.name`,
		append([]any{s.now().Add(-s.StaleAfter()).UTC(), site}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("site summaries: %w", err)
	}
	out := []SiteSummary{}
	at := map[string]int{}
	for rows.Next() {
		var x SiteSummary
		var c, h, m, l, o int
		if err := rows.Scan(&x.Name, &x.Group, &x.Contact, &x.URL, &x.Note, &x.Hosts, &x.Exposed, &x.Stale, &c, &h, &m, &l, &o); err != nil {
			rows.Close()
			return nil, err
		}
		x.BySeverity = map[string]int{"critical": c, "high": h, "medium": m, "low": l, "other": o}
		x.Tagged = map[string]int{}
		at[x.Name] = len(out)
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("site summaries: %w", err)
	}
	// Tagged exposure from the hosts' tag counters (open CVEs per tag).
	cond, args = s.scopeSQL(sc, "s", 2)
	rows, err = s.r.QueryContext(ctx, `SELECT s.name, h.tagged FROM hosts h JOIN sites s ON s.id = h.site_id
		WHERE h.removed_at IS NULL AND h.tagged <> '' AND ($1 = '' OR s.name = $1) AND `+cond, append([]any{site}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("site tagged exposure: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, tagged string
		if err := rows.Scan(&name, &tagged); err != nil {
			return nil, err
		}
		var m map[string]int
		if json.Unmarshal([]byte(tagged), &m) != nil { // written by WriteFindings
			continue
		}
		i, ok := at[name]
		if !ok {
			continue
		}
		hit := false
		for t, n := range m {
			if n > 0 {
				out[i].Tagged[t]++
				hit = true
			}
		}
		if hit {
			out[i].TaggedHosts++
		}
	}
	return out, rows.Err()
}

// Limits of a site's admin-edited fields.
const (
	MaxSiteContact = 256
	MaxSiteURL     = 512
	MaxSiteNote    = 4096
)

// SetSiteInfo sets a site's contact, URL and note (Pakiti 3's host group
// fields). The URL must be http or https (it becomes a link); a report
// never changes them. It returns ErrNotFound when no site is so named.
func (s *Store) SetSiteInfo(ctx context.Context, site, contact, link, note string) error {
	contact, link, note = strings.TrimSpace(contact), strings.TrimSpace(link), strings.TrimSpace(note)
	switch {
	case len(contact) > MaxSiteContact || len(link) > MaxSiteURL || len(note) > MaxSiteNote:
		return fmt.Errorf("contact takes at most %d bytes, url %d, note %d", MaxSiteContact, MaxSiteURL, MaxSiteNote)
	case !utf8.ValidString(contact + link + note):
		return fmt.Errorf("contact, url and note must be UTF-8")
	}
	if link != "" {
		u, err := url.Parse(link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("url must be an http or https address")
		}
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sites SET contact = $1, url = $2, note = $3 WHERE name = $4`, contact, link, note, site)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("set site info: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("no site is named %q: %w", site, ErrNotFound)
	}
	return nil
}
