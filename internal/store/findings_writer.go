package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// The findings writer: the one place that opens, changes and resolves a
// host's findings and keeps the host's counters. Matching (internal/match)
// computes what a host's findings should be (a HostTarget, from the
// verdicts of its package set); WriteFindings compares that with what is
// stored, writes the difference with the facts that decided each finding,
// applies the finding policy (CVE tags, exceptions) and recomputes the
// counters in Go. Nothing is deleted: a finding that goes away is resolved
// with its reason, and its facts stay.

// Finding statuses (the API's "status"). A resolved finding is stored with
// the status it last had; the API says resolved (or excepted).
const (
	StatusOpen            = "open"             // vulnerable, a fixed version exists
	StatusUnfixed         = "unfixed"          // vulnerable, no fix (affected, will-not-fix, postponed, end-of-life)
	StatusRebootPending   = "reboot-pending"   // the running kernel is vulnerable, a fixed kernel is installed
	StatusUpdateAvailable = "update-available" // the security suite has a newer version (updates.go, kept apart)
	StatusResolved        = "resolved"         // no longer applies (API only)
	StatusExcepted        = "excepted"         // an exception covers it: out of the counts, kept visible
)

// Resolution reasons.
const (
	ResolvedPackageUpdated = "package-updated" // the host no longer has the package version
	ResolvedDataChanged    = "data-changed"    // the vendor data no longer makes it vulnerable
	ResolvedExcepted       = "excepted"        // an exception took it out
	ResolvedHostRemoved    = "host-removed"    // the host was deleted
)

// FindingPolicy is what the findings writer asks of CVE tags and
// exceptions (maintained elsewhere): the tags of a CVE, and whether an
// exception covers a finding of a host of site in osGroup at now.
// Generation names the policy's state: when it changes (a tag or an
// exception added, changed, removed or expired), every host's findings are
// written again at their next evaluation.
type FindingPolicy interface {
	Tags(cve string) []string
	Exception(f model.Finding, host HostSite, osGroup string, now time.Time) (excepted bool, reason string)
	Generation() string
}

// NoPolicy tags nothing and excepts nothing.
type NoPolicy struct{}

func (NoPolicy) Tags(string) []string { return nil }
func (NoPolicy) Exception(model.Finding, HostSite, string, time.Time) (bool, string) {
	return false, ""
}
func (NoPolicy) Generation() string { return "" }

// SetPolicy sets the policy the findings writer applies (NoPolicy when
// nil).
func (s *Store) SetPolicy(p FindingPolicy) {
	if p == nil {
		p = NoPolicy{}
	}
	s.policy.Store(&p)
}

// Policy returns the policy the writer applies.
func (s *Store) Policy() FindingPolicy {
	if p := s.policy.Load(); p != nil {
		return *p
	}
	return NoPolicy{}
}

// FindingFacts is what decided a finding: the verdict's facts and the date
// of the data that gave them.
type FindingFacts struct {
	FixedVersion  string
	VendorStatus  model.Status
	Severity      string
	AdvisoryID    string
	Origin        string
	DataGroup     string
	SourceName    string
	SourceVersion string
	Basis         string
	Kernel        string    // the kernel release of a kernel image's finding
	DataDate      time.Time // when the data in force was imported; zero when unknown
}

func (f FindingFacts) fields() []string {
	return []string{f.FixedVersion, string(f.VendorStatus), f.Severity, f.AdvisoryID, f.Origin, f.DataGroup,
		f.SourceName, f.SourceVersion, f.Basis, f.Kernel}
}

// Decision names the facts but the data date: a finding changes when its
// decision does.
func (f FindingFacts) Decision() string { return hashFields(f.fields()) }

func (f FindingFacts) digest() string {
	d := ""
	if !f.DataDate.IsZero() {
		d = f.DataDate.UTC().Format(time.RFC3339Nano)
	}
	return hashFields(append(f.fields(), d))
}

func hashFields(fs []string) string {
	h := sha256.New()
	for _, f := range fs {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// TargetFinding is one finding a host should have now.
type TargetFinding struct {
	PackageID int64
	Package   model.Package // name, version, arch: for the policy
	CVE       string
	Status    string // open, unfixed or reboot-pending
	Facts     FindingFacts
	// Decision and Digest are Facts.Decision() and the facts' digest when
	// the caller computed them once for many hosts; "" computes them.
	Decision, Digest string
}

// WithDigests returns t with its facts' decision and digest computed, for
// a target shared by many hosts.
func (t TargetFinding) WithDigests() TargetFinding {
	t.Decision, t.Digest = t.Facts.Decision(), t.Facts.digest()
	return t
}

// HostTarget is what a host's findings should be.
type HostTarget struct {
	HostID   int64
	Hostname string // for host-scoped exceptions
	Site     string
	OSGroup  string
	SetID    int64  // the host's package set: a finding of a package it no longer has resolved as package-updated
	Key      string // what the target was computed from, stored as hosts.findings_key
	Findings []TargetFinding
}

// WriteStats counts what WriteFindings did.
type WriteStats struct {
	Opened, Changed, Resolved int
}

type storedFinding struct {
	status, tags, resolution, decision string
	resolved                           bool
	present                            bool // in the target
}

type findingKey struct {
	pkg int64
	cve string
}

// factsCache maps facts digests to their ids; rows are never changed or
// deleted, so an id stays valid once committed.
type factsCache struct {
	mu  sync.Mutex
	ids map[string]int64
}

func (c *factsCache) get(d string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[d]
	return id, ok
}

func (c *factsCache) add(m map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil || len(c.ids) > 1<<20 {
		c.ids = map[string]int64{}
	}
	for d, id := range m {
		c.ids[d] = id
	}
}

// WriteFindings brings the findings of hosts in line with their targets in
// one transaction, and their counters with their findings.
func (s *Store) WriteFindings(ctx context.Context, hosts []HostTarget, now time.Time) (WriteStats, error) {
	var st WriteStats
	if len(hosts) == 0 {
		return st, nil
	}
	now = now.UTC()
	pol := s.Policy()
	gen := pol.Generation()
	var newFacts map[string]int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		st, newFacts = WriteStats{}, map[string]int64{}
		ids := make([]int64, len(hosts))
		for i, h := range hosts {
			ids[i] = h.HostID
		}
		stored, err := loadStoredFindings(ctx, tx, s.engine, ids)
		if err != nil {
			return err
		}
		w := &findingsBatch{s: s, tx: tx, now: now, facts: newFacts}
		for _, h := range hosts {
			cur := stored[h.HostID]
			if cur == nil {
				cur = map[findingKey]*storedFinding{}
			}
			if err := w.host(ctx, h, cur, pol, &st); err != nil {
				return err
			}
			key := h.Key
			if key != "" {
				key += "|" + gen
			}
			if err := w.counters(ctx, h, cur, key); err != nil {
				return err
			}
		}
		return w.flush(ctx)
	})
	if err != nil {
		return WriteStats{}, fmt.Errorf("write findings: %w", err)
	}
	s.facts.add(newFacts)
	return st, nil
}

// loadStoredFindings reads every finding (open or resolved) of hosts.
func loadStoredFindings(ctx context.Context, tx *sql.Tx, e engine, hostIDs []int64) (map[int64]map[findingKey]*storedFinding, error) {
	rows, err := tx.QueryContext(ctx, `SELECT f.host_id, f.package_id, f.cve, f.status, f.tags, f.resolution,
			f.resolved_at IS NOT NULL, COALESCE(ff.decision, '')
		FROM findings f LEFT JOIN finding_facts ff ON ff.id = f.facts_id
		WHERE `+e.inList("f.host_id", 1), e.intList(hostIDs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]map[findingKey]*storedFinding{}
	for rows.Next() {
		var h int64
		var k findingKey
		var f storedFinding
		if err := rows.Scan(&h, &k.pkg, &k.cve, &f.status, &f.tags, &f.resolution, &f.resolved, &f.decision); err != nil {
			return nil, err
		}
		if out[h] == nil {
			out[h] = map[findingKey]*storedFinding{}
		}
		out[h][k] = &f
	}
	return out, rows.Err()
}

// findingsBatch collects one transaction's writes.
type findingsBatch struct {
	s       *Store
	tx      *sql.Tx
	now     time.Time
	facts   map[string]int64 // facts created or found in this transaction
	inserts []any            // rows of new findings, insertCols values each
	upd     *sql.Stmt
	res     *sql.Stmt
	member  *sql.Stmt
	hostUpd *sql.Stmt
	ins     *sql.Stmt
}

const insertCols = 10

func (w *findingsBatch) factsID(ctx context.Context, f FindingFacts, d string) (int64, error) {
	if d == "" {
		d = f.digest()
	}
	if id, ok := w.facts[d]; ok {
		return id, nil
	}
	if id, ok := w.s.facts.get(d); ok {
		return id, nil
	}
	var date any
	if !f.DataDate.IsZero() {
		date = f.DataDate.UTC()
	}
	var id int64
	err := w.tx.QueryRowContext(ctx, `INSERT INTO finding_facts (digest, decision, fixed_version, vendor_status,
			severity, advisory_id, origin, data_group, source_name, source_version, basis, kernel, data_date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (digest) DO UPDATE SET digest = excluded.digest RETURNING id`,
		d, f.Decision(), f.FixedVersion, string(f.VendorStatus), f.Severity, f.AdvisoryID, f.Origin, f.DataGroup,
		f.SourceName, f.SourceVersion, f.Basis, f.Kernel, date).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("finding facts: %w", err)
	}
	w.facts[d] = id
	return id, nil
}

func (w *findingsBatch) prepare(ctx context.Context, st **sql.Stmt, q string) (*sql.Stmt, error) {
	if *st == nil {
		p, err := w.tx.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		*st = p
	}
	return *st, nil
}

// host writes the difference between a host's stored findings (cur,
// updated in place) and its target.
func (w *findingsBatch) host(ctx context.Context, h HostTarget, cur map[findingKey]*storedFinding, pol FindingPolicy, st *WriteStats) error {
	for _, t := range h.Findings {
		k := findingKey{t.PackageID, t.CVE}
		status, resolution, tags := t.Status, "", strings.Join(pol.Tags(t.CVE), ",")
		if ex, _ := pol.Exception(t.finding(), HostSite{Hostname: h.Hostname, Site: h.Site}, h.OSGroup, w.now); ex {
			status, resolution = StatusExcepted, ResolvedExcepted
		}
		dec := t.Decision
		if dec == "" {
			dec = t.Facts.Decision()
		}
		old := cur[k]
		switch {
		case old == nil:
			id, err := w.factsID(ctx, t.Facts, t.Digest)
			if err != nil {
				return err
			}
			var resolved any
			if resolution != "" {
				resolved = w.now
			}
			w.inserts = append(w.inserts, h.HostID, t.PackageID, t.CVE, w.now, resolved, id, status, tags, resolution, w.now)
			if len(w.inserts) >= 400*insertCols {
				if err := w.flush(ctx); err != nil {
					return err
				}
			}
			cur[k] = &storedFinding{status: status, tags: tags, resolution: resolution, decision: dec,
				resolved: resolution != "", present: true}
			st.Opened++
		case old.status != status || old.tags != tags || old.decision != dec || old.resolution != resolution ||
			old.resolved != (resolution != ""):
			id, err := w.factsID(ctx, t.Facts, t.Digest)
			if err != nil {
				return err
			}
			if resolution != "" && old.resolved && old.resolution == resolution {
				// still excepted: the facts or tags changed, the resolution time stays
				if _, err := w.tx.ExecContext(ctx, `UPDATE findings SET facts_id = $4, status = $5, tags = $6,
					changed_at = $7 WHERE host_id = $1 AND package_id = $2 AND cve = $3`,
					h.HostID, t.PackageID, t.CVE, id, status, tags, w.now); err != nil {
					return err
				}
			} else {
				upd, err := w.prepare(ctx, &w.upd, `UPDATE findings SET facts_id = $4, status = $5, tags = $6,
					resolution = $7, resolved_at = $8, changed_at = $9 WHERE host_id = $1 AND package_id = $2 AND cve = $3`)
				if err != nil {
					return err
				}
				var resolved any
				if resolution != "" {
					resolved = w.now
				}
				if _, err := upd.ExecContext(ctx, h.HostID, t.PackageID, t.CVE, id, status, tags, resolution, resolved, w.now); err != nil {
					return err
				}
			}
			if old.resolved && resolution == "" {
				st.Opened++
			} else {
				st.Changed++
			}
			*old = storedFinding{status: status, tags: tags, resolution: resolution, decision: dec,
				resolved: resolution != "", present: true}
		default:
			old.present = true
		}
	}
	for k, f := range cur {
		if f.present || f.resolved {
			continue
		}
		reason, err := w.resolution(ctx, h.SetID, k.pkg)
		if err != nil {
			return err
		}
		res, err := w.prepare(ctx, &w.res, `UPDATE findings SET resolved_at = $4, resolution = $5, changed_at = $4
			WHERE host_id = $1 AND package_id = $2 AND cve = $3`)
		if err != nil {
			return err
		}
		if _, err := res.ExecContext(ctx, h.HostID, k.pkg, k.cve, w.now, reason); err != nil {
			return err
		}
		f.resolved, f.resolution = true, reason
		st.Resolved++
	}
	for _, f := range cur {
		f.present = false
	}
	return nil
}

// resolution says why a finding of package pkg on a host of set setID
// went away.
func (w *findingsBatch) resolution(ctx context.Context, setID, pkg int64) (string, error) {
	m, err := w.prepare(ctx, &w.member, `SELECT COUNT(*) FROM package_set_members WHERE set_id = $1 AND package_id = $2`)
	if err != nil {
		return "", err
	}
	var n int
	if err := m.QueryRowContext(ctx, setID, pkg).Scan(&n); err != nil {
		return "", err
	}
	if n == 0 {
		return ResolvedPackageUpdated, nil
	}
	return ResolvedDataChanged, nil
}

func (t TargetFinding) finding() model.Finding {
	return model.Finding{CVE: t.CVE, Package: t.Package.Name, Version: t.Package.Version, Arch: t.Package.Arch,
		SourcePackage: t.Facts.SourceName, SourceVersion: t.Facts.SourceVersion, Basis: t.Facts.Basis,
		FixedVersion: t.Facts.FixedVersion, VendorStatus: t.Facts.VendorStatus, Severity: t.Facts.Severity,
		AdvisoryID: t.Facts.AdvisoryID, Origin: t.Facts.Origin, DataGroup: t.Facts.DataGroup, Status: t.Status}
}

// flush inserts the new findings collected so far: on SQLite one prepared
// statement per row (its numbered parameters are looked up by a linear
// search, so a many-row statement costs quadratic time to prepare); on
// PostgreSQL up to 100 rows a statement (one round trip each).
func (w *findingsBatch) flush(ctx context.Context) error {
	if len(w.inserts) == 0 {
		return nil
	}
	const head = `INSERT INTO findings (host_id, package_id, cve, first_seen, resolved_at, facts_id, status, tags, resolution, changed_at) VALUES `
	row := func(b *strings.Builder, p int) {
		fmt.Fprintf(b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", p+1, p+2, p+3, p+4, p+5, p+6, p+7, p+8, p+9, p+10)
	}
	per := 100
	if w.s.engine.name() == "sqlite" {
		per = 1
	}
	for len(w.inserts) > 0 {
		n := min(len(w.inserts)/insertCols, per)
		var b strings.Builder
		b.WriteString(head)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			row(&b, i*insertCols)
		}
		var err error
		if n == per {
			var st *sql.Stmt
			if st, err = w.prepare(ctx, &w.ins, b.String()); err == nil {
				_, err = st.ExecContext(ctx, w.inserts[:n*insertCols]...)
			}
		} else {
			_, err = w.tx.ExecContext(ctx, b.String(), w.inserts[:n*insertCols]...)
		}
		if err != nil {
			return fmt.Errorf("insert findings: %w", err)
		}
		w.inserts = w.inserts[n*insertCols:]
	}
	w.inserts = nil
	return nil
}

// counters recomputes a host's counters from its findings (cur, as
// written) and stores them with the findings key.
func (w *findingsBatch) counters(ctx context.Context, h HostTarget, cur map[findingKey]*storedFinding, key string) error {
	type cveState struct {
		open, unfixed, reboot, excepted bool
		sev                             model.Severity
	}
	sevs := map[string]model.Severity{}
	// An advisory that names no CVE is filed under its own id
	// (advisoryfindings.go): counted apart from CVEs.
	advisoryOnly := map[string]bool{}
	for _, t := range h.Findings {
		sev := w.s.severityOf(model.Advisory{OSGroup: firstNonEmpty(t.Facts.DataGroup, h.OSGroup), Severity: t.Facts.Severity})
		sevs[t.CVE] = max(sevs[t.CVE], sev)
		if t.Facts.AdvisoryID != "" && t.Facts.AdvisoryID == t.CVE {
			advisoryOnly[t.CVE] = true
		}
	}
	cves := map[string]*cveState{}
	pkgs := map[int64]bool{}
	tagged := map[string]map[string]bool{}
	for k, f := range cur {
		if f.resolved && f.resolution != ResolvedExcepted {
			continue
		}
		c := cves[k.cve]
		if c == nil {
			c = &cveState{sev: sevs[k.cve]}
			cves[k.cve] = c
		}
		switch f.status {
		case StatusOpen:
			c.open = true
			pkgs[k.pkg] = true
		case StatusUnfixed:
			c.unfixed = true
			pkgs[k.pkg] = true
		case StatusRebootPending:
			c.reboot = true
		case StatusExcepted:
			c.excepted = true
		}
		if f.tags != "" && f.status != StatusExcepted {
			for _, t := range strings.Split(f.tags, ",") {
				if tagged[t] == nil {
					tagged[t] = map[string]bool{}
				}
				tagged[t][k.cve] = true
			}
		}
	}
	var n, advisories, unfixed, reboot, excepted int
	var bySev [model.SeverityCritical + 1]int
	for cve, c := range cves {
		switch {
		case advisoryOnly[cve] && (c.open || c.unfixed):
			advisories++
		case c.open || c.unfixed:
			n++
			bySev[c.sev]++
			if !c.open {
				unfixed++
			}
		case c.reboot:
			reboot++
		case c.excepted:
			excepted++
		}
	}
	tags := ""
	if len(tagged) > 0 {
		m := map[string]int{}
		for t, cs := range tagged {
			m[t] = len(cs)
		}
		b, _ := json.Marshal(m) // sorted keys
		tags = string(b)
	}
	upd, err := w.prepare(ctx, &w.hostUpd, `UPDATE hosts SET cves = $2, vulnerable_packages = $3, sev_critical = $4,
		sev_high = $5, sev_medium = $6, sev_low = $7, unfixed = $8, reboot_pending = $9, excepted = $10, tagged = $11,
		findings_key = $12, advisory_findings = $13 WHERE id = $1`)
	if err != nil {
		return err
	}
	_, err = upd.ExecContext(ctx, h.HostID, n, len(pkgs), bySev[model.SeverityCritical], bySev[model.SeverityHigh],
		bySev[model.SeverityMedium], bySev[model.SeverityLow]+bySev[model.SeverityNegligible], unfixed, reboot, excepted, tags, key, advisories)
	return err
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ResolveHostFindings resolves every unresolved finding of a host with
// reason (host-removed) and zeroes its counters.
func resolveHostFindings(ctx context.Context, tx *sql.Tx, hostID int64, now time.Time, reason string) (int64, error) {
	r, err := tx.ExecContext(ctx, `UPDATE findings SET resolved_at = $2, resolution = $3, changed_at = $2
		WHERE host_id = $1 AND resolved_at IS NULL`, hostID, now.UTC(), reason)
	if err != nil {
		return 0, err
	}
	n, _ := r.RowsAffected()
	_, err = tx.ExecContext(ctx, `UPDATE hosts SET cves = 0, vulnerable_packages = 0, sev_critical = 0, sev_high = 0,
		sev_medium = 0, sev_low = 0, unfixed = 0, reboot_pending = 0, excepted = 0, tagged = '', findings_key = '',
		advisory_findings = 0
		WHERE id = $1`, hostID)
	return n, err
}

// sortedTags returns a finding's tags column as a list.
func sortedTags(s string) []string {
	if s == "" {
		return []string{}
	}
	t := strings.Split(s, ",")
	sort.Strings(t)
	return t
}
