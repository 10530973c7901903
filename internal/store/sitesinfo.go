package store

import (
	"context"
	"database/sql"
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
	// Period, when a period was asked (from, to), is the site's report
	// statistics over it (SitePeriods).
	Period *SitePeriod `json:"period,omitempty"`
}

// SiteSummaries returns the sites in scope (only the one named site when
// not ""), by name, counted from the cells of their hosts (fleetcells.go).
func (s *Store) SiteSummaries(ctx context.Context, sc Scope, site string) ([]SiteSummary, error) {
	v, err := s.fleetView(ctx, sc, site, s.now().Add(-s.StaleAfter()))
	if err != nil {
		return nil, fmt.Errorf("site summaries: %w", err)
	}
	per, _ := v.perSite()
	out := make([]SiteSummary, 0, len(v.sites))
	for _, r := range v.sites {
		c := per[r.id]
		out = append(out, SiteSummary{Name: r.name, Group: r.group, Contact: r.contact, URL: r.url, Note: r.note,
			Hosts: c.hosts, Exposed: c.exposed, Stale: c.stale, BySeverity: c.bySev, Tagged: c.byTag, TaggedHosts: c.tagged})
	}
	return out, nil
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
