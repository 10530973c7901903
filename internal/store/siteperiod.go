package store

import (
	"context"
	"fmt"
	"time"
)

// Period is a range of days [From, To): From's midnight (UTC) included,
// To's excluded. A zero From or To leaves that side open.
type Period struct {
	From, To time.Time
}

// PeriodLayout is how a period's dates are written (Pakiti 3's
// hostGroupsStats -f and -t took the same).
const PeriodLayout = "2006-01-02"

// ParsePeriod reads a period from its dates (YYYY-MM-DD, "" for an open
// side); from after to is an error, from equal to to an empty period.
func ParsePeriod(from, to string) (Period, error) {
	var p Period
	for _, d := range []struct {
		name, s string
		t       *time.Time
	}{{"from", from, &p.From}, {"to", to, &p.To}} {
		if d.s == "" {
			continue
		}
		t, err := time.Parse(PeriodLayout, d.s)
		if err != nil || len(d.s) != len(PeriodLayout) {
			return Period{}, fmt.Errorf("%s must be a date YYYY-MM-DD, not %q", d.name, clipString(d.s, 40))
		}
		*d.t = t
	}
	if !p.From.IsZero() && !p.To.IsZero() && p.From.After(p.To) {
		return Period{}, fmt.Errorf("from (%s) is after to (%s): the period is [from, to)", from, to)
	}
	return p, nil
}

// clipString cuts s to n bytes at most, for an error message.
func clipString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// IsZero tells an open period on both sides (no period asked).
func (p Period) IsZero() bool { return p.From.IsZero() && p.To.IsZero() }

// SitePeriod is a site's report statistics over a period (Pakiti 3's
// hostGroupsStats), of its hosts not removed:
//   - Hosts: the hosts that sent a report in the period;
//   - VulnerableHosts: those of them with an open CVE carrying an enabled
//     tag, excepted findings left out (now: the hosts listing's Tagged
//     count above 0);
//   - Reports: the reports received in the period;
//   - VulnerableReports: those of them sent by a vulnerable host and
//     carrying the package set the host has now (the report history
//     keeps each report's package set, not its findings: a report of
//     another set is not known vulnerable).
//
// The history keeps a run of identical consecutive reports as one record
// (first and last time, count): a run crossing a bound of the period is
// taken as evenly spaced (clients report from cron), its k-th report at
// first + k·(last−first)/(count−1).
type SitePeriod struct {
	From              string `json:"from"` // YYYY-MM-DD, "" when open
	To                string `json:"to"`   // YYYY-MM-DD (excluded), "" when open
	Hosts             int    `json:"hosts"`
	VulnerableHosts   int    `json:"vulnerable_hosts"`
	Reports           int    `json:"reports"`
	VulnerableReports int    `json:"vulnerable_reports"`
}

// SitePeriods returns the report statistics over p of the sites in scope
// (only the one named site when not ""), by site name; a site in scope
// with no report in the period is absent (its counts are all 0).
func (s *Store) SitePeriods(ctx context.Context, sc Scope, site string, p Period) (map[string]SitePeriod, error) {
	cond, args := s.scopeSQL(sc, "s", 1)
	q := `SELECT s.name, h.id, h.tagged_cves > 0, r.set_hash = ps.hash, r.first_received, r.last_received, r.count
		FROM reports r JOIN hosts h ON h.id = r.host_id AND h.removed_at IS NULL
		JOIN sites s ON s.id = h.site_id JOIN package_sets ps ON ps.id = h.package_set_id
		WHERE ` + cond
	if site != "" {
		args = append(args, site)
		q += fmt.Sprintf(" AND s.name = $%d", len(args))
	}
	// The records that may hold a report of the period.
	if !p.From.IsZero() {
		args = append(args, p.From)
		q += fmt.Sprintf(" AND r.last_received >= $%d", len(args))
	}
	if !p.To.IsZero() {
		args = append(args, p.To)
		q += fmt.Sprintf(" AND r.first_received < $%d", len(args))
	}
	out := map[string]SitePeriod{}
	seen := map[int64]bool{}
	err := s.eachRow(ctx, q, args, func(scan func(...any) error) error {
		var (
			name         string
			host         int64
			vuln, curSet bool
			first, last  time.Time
			count        int64
		)
		if err := scan(&name, &host, &vuln, &curSet, &first, &last, &count); err != nil {
			return err
		}
		n := reportsWithin(first, last, count, p)
		if n == 0 {
			return nil
		}
		c := out[name]
		c.Reports += n
		if vuln && curSet {
			c.VulnerableReports += n
		}
		if !seen[host] {
			seen[host] = true
			c.Hosts++
			if vuln {
				c.VulnerableHosts++
			}
		}
		out[name] = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("site statistics: %w", err)
	}
	for name, c := range out {
		c.From, c.To = p.dates()
		out[name] = c
	}
	return out, nil
}

// dates are p's bounds as YYYY-MM-DD ("" when open).
func (p Period) dates() (from, to string) {
	if !p.From.IsZero() {
		from = p.From.UTC().Format(PeriodLayout)
	}
	if !p.To.IsZero() {
		to = p.To.UTC().Format(PeriodLayout)
	}
	return from, to
}

// EmptySitePeriod is the statistics of a site with no report in p.
func EmptySitePeriod(p Period) SitePeriod {
	var c SitePeriod
	c.From, c.To = p.dates()
	return c
}

// reportsWithin counts the reports of a history record (count reports
// from first to last, evenly spaced) received in p: the k-th at
// first + k·span/(count−1), in milliseconds.
func reportsWithin(first, last time.Time, count int64, p Period) int {
	if count <= 0 {
		return 0
	}
	span := last.Sub(first).Milliseconds()
	if count == 1 || span <= 0 {
		if (p.From.IsZero() || !first.Before(p.From)) && (p.To.IsZero() || first.Before(p.To)) {
			return int(count)
		}
		return 0
	}
	d := count - 1
	// firstAt: the first k whose report is at or after t (0..count).
	firstAt := func(t time.Time) int64 {
		switch {
		case !t.After(first):
			return 0
		case t.After(last):
			return count
		case t.Equal(last):
			return d
		}
		a := t.Sub(first)
		am := a.Milliseconds()
		if a > time.Duration(am)*time.Millisecond {
			am++ // at or after t: rounded up
		}
		// ceil(am·d/span): the first k with k·span/d ≥ am (am < span: no overflow).
		return min((am*d+span-1)/span, count)
	}
	lo, hi := int64(0), count
	if !p.From.IsZero() {
		lo = firstAt(p.From)
	}
	if !p.To.IsZero() {
		hi = firstAt(p.To)
	}
	return int(max(hi-lo, 0))
}
