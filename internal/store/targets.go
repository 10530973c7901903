package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Shared targets: a host's findings are stored once per distinct content
// (a target: every finding with its facts, its status after exceptions
// and its tags), content-addressed and never changed, so that the hosts
// on the same package set with the same running kernel and policy outcome
// share one. A host points at its target (hosts.target_id) and carries its
// counters (copied from the target's); its history is the sequence of
// targets it was on (host_targets, epochs.go). WriteFindings moves each
// host to the target of its new findings: one small update and one epoch
// per host that moved, nothing for the hosts that did not.

// Causes of a host's move to another target (host_targets.cause).
const (
	CauseReport     = "report"     // its report changed
	CauseEvaluation = "evaluation" // the data changed
	CausePolicy     = "policy"     // only tags or exceptions changed (or one expired)
)

// WriteStats counts what WriteFindings did.
type WriteStats struct {
	Opened, Changed, Resolved int
	Moved                     int // hosts moved to another target
}

// counters are a target's (and so its hosts') counts.
type counters struct {
	findings, cves, pkgs, crit, high, medium, low, unfixed, reboot, excepted, advisories int
	tagged                                                                               string
	taggedCVEs                                                                           int // distinct CVEs in tagged
}

// findingKey names a finding of a host: its package and CVE (or
// advisory).
type findingKey struct {
	pkg int64
	cve string
}

// targetRow is one finding of a target as history needs it.
type targetRow struct {
	findingKey
	excepted     bool
	status, tags string
	facts        int64 // its finding_facts row, 0 for none
}

type targetInfo struct {
	id int64
	c  counters
}

// targetCache keeps what never changes once committed: a target's id and
// counters by digest, its rows by id, and the base digest of a
// (set, kernel, policy) key. Bounded: reset when full.
type targetCache struct {
	mu       sync.Mutex
	byDigest map[string]targetInfo
	rows     map[int64][]targetRow
	base     map[string]*baseContent
	sets     map[int64]map[int64]bool  // package set -> its packages (sets never change)
	pkgs     map[int64][]model.Finding // target -> its findings' CVE and package (tags.go)
	updates  map[int64][]UpdateFinding // target -> its "update available" findings (updates.go)
}

func (c *targetCache) info(d string) (targetInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.byDigest[d]
	return t, ok
}

func (c *targetCache) addInfos(m map[string]targetInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byDigest == nil || len(c.byDigest) > 200000 {
		c.byDigest = map[string]targetInfo{}
	}
	for d, t := range m {
		c.byDigest[d] = t
	}
}

func (c *targetCache) getRows(id int64) ([]targetRow, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.rows[id]
	return r, ok
}

func (c *targetCache) putRows(id int64, r []targetRow) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil || len(c.rows) > 2000 {
		c.rows = map[int64][]targetRow{}
	}
	c.rows[id] = r
}

func (c *targetCache) getBase(k string) (*baseContent, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.base[k]
	return d, ok
}

func (c *targetCache) putBase(k string, d *baseContent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.base == nil || len(c.base) > 10000 {
		c.base = map[string]*baseContent{}
	}
	c.base[k] = d
}

// forget drops what the cache holds (targets were deleted).
func (c *targetCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byDigest, c.rows, c.pkgs, c.updates = nil, nil, nil, nil
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

// hostContent is a host's findings after the policy: tags and statuses,
// and the digest that names them.
type hostContent struct {
	h        HostTarget
	tags     []string // per h.Findings; shared, never changed
	excepted []bool   // per h.Findings; nil: none
	digest   string
}

// baseContent is what the hosts of one (set, kernel) share under one
// policy: the tags of each finding, which findings an exception may
// cover (the others need no asking per host), and the digest of the
// findings before host- and site-scoped exceptions.
type baseContent struct {
	digest string
	tags   []string
	cand   []int
}

// exceptionCandidates is implemented by policies that can tell at once
// which findings no exception can cover.
type exceptionCandidates interface {
	mayExcept(cve, pkg string) bool
}

func (p *PolicySnapshot) mayExcept(cve, pkg string) bool {
	return len(p.exceptions[cvePackage{cve, pkg}]) > 0
}

func (NoPolicy) mayExcept(string, string) bool { return false }

// base computes (or finds) h's base content.
func (s *Store) base(h HostTarget, pol FindingPolicy, gen string) *baseContent {
	key := ""
	if h.Key != "" {
		key = h.OSGroup + "|" + h.Key + "|" + gen
		if b, ok := s.targets.getBase(key); ok {
			return b
		}
	}
	b := &baseContent{tags: make([]string, len(h.Findings))}
	mc, _ := pol.(exceptionCandidates)
	hh := sha256.New()
	fmt.Fprintf(hh, "%s\n", h.OSGroup)
	for i, t := range h.Findings {
		b.tags[i] = strings.Join(pol.Tags(t.CVE), ",")
		if mc == nil || mc.mayExcept(t.CVE, t.Package.Name) {
			b.cand = append(b.cand, i)
		}
		d := t.Digest
		if d == "" {
			d = t.Facts.digest()
		}
		fmt.Fprintf(hh, "%d\x00%s\x00%s\x00%s\x00%s\n", t.PackageID, t.CVE, t.Status, b.tags[i], d)
	}
	// Only a target with updates hashes them: the digests of the others
	// are those they had before updates were part of targets.
	for _, u := range h.Updates {
		fmt.Fprintf(hh, "update\x00%s\x00%s\x00%s\x00%s\x00%s\n", u.Package, u.Arch, u.Installed, u.Available, u.Source)
	}
	b.digest = hex.EncodeToString(hh.Sum(nil)[:16])
	if key != "" {
		s.targets.putBase(key, b)
	}
	return b
}

// content applies the policy to h's findings and names the result.
func (s *Store) content(h HostTarget, pol FindingPolicy, gen string, now time.Time) hostContent {
	b := s.base(h, pol, gen)
	c := hostContent{h: h, tags: b.tags, digest: b.digest}
	hs := HostSite{Hostname: h.Hostname, Site: h.Site}
	var mask strings.Builder
	for _, i := range b.cand {
		t := h.Findings[i]
		if ex, _ := pol.Exception(t.finding(), hs, h.OSGroup, now); ex {
			if c.excepted == nil {
				c.excepted = make([]bool, len(h.Findings))
			}
			c.excepted[i] = true
			fmt.Fprintf(&mask, "%d\x00%s\n", t.PackageID, t.CVE)
		}
	}
	if mask.Len() > 0 {
		hh := sha256.New()
		hh.Write([]byte(b.digest))
		hh.Write([]byte(mask.String()))
		c.digest = hex.EncodeToString(hh.Sum(nil)[:16])
	}
	return c
}

// status is the status of finding i of c.
func (c hostContent) status(i int) string {
	if c.excepted != nil && c.excepted[i] {
		return StatusExcepted
	}
	return c.h.Findings[i].Status
}

// isExcepted tells whether finding i of c is excepted.
func (c hostContent) isExcepted(i int) bool { return c.excepted != nil && c.excepted[i] }

// WriteFindings moves hosts to the targets of their findings in one
// transaction: a host whose findings are those of its target already is
// left alone (its findings key updated); another gets the target of its
// new findings (created if no host had it), a new epoch in its history
// and the target's counters. The hosts' rows and epochs are written a
// group of hosts a statement (those moving to the same target), so a
// write of thousands of hosts costs a few statements per target. A host
// listed twice is written as its last entry.
func (s *Store) WriteFindings(ctx context.Context, hosts []HostTarget, now time.Time) (WriteStats, error) {
	var st WriteStats
	if len(hosts) == 0 {
		return st, nil
	}
	now = now.UTC()
	pol := s.Policy()
	if lp, ok := pol.(*LivePolicy); ok {
		pol = lp.current() // one snapshot for the whole write
	}
	gen := pol.Generation()
	last := make(map[int64]int, len(hosts))
	for i, h := range hosts {
		last[h.HostID] = i
	}
	cs := make([]hostContent, 0, len(last))
	ids := make([]int64, 0, len(last))
	for i, h := range hosts {
		if last[h.HostID] != i {
			continue
		}
		cs = append(cs, s.content(h, pol, gen, now))
		ids = append(ids, h.HostID)
	}
	var newFacts map[string]int64
	var newTargets map[string]targetInfo
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		st, newFacts, newTargets = WriteStats{}, map[string]int64{}, map[string]targetInfo{}
		cur, err := currentTargets(ctx, tx, s.engine, ids)
		if err != nil {
			return err
		}
		w := &targetWriter{s: s, tx: tx, now: now, facts: newFacts, created: newTargets, diffs: map[diffKey]diffResult{}}
		keyOnly := map[string][]int64{} // findings key -> hosts whose target stays
		var moves []hostMove
		for _, c := range cs {
			key := c.h.Key
			if key != "" {
				key += "|" + gen
			}
			old := cur[c.h.HostID]
			if old.digest == c.digest && old.id != 0 {
				if old.key != key {
					keyOnly[key] = append(keyOnly[key], c.h.HostID)
				}
				continue
			}
			m, err := w.move(ctx, c, old, key, &st)
			if err != nil {
				return err
			}
			moves = append(moves, m)
		}
		if err := w.writeMoves(ctx, moves); err != nil {
			return err
		}
		for _, key := range slices.Sorted(maps.Keys(keyOnly)) {
			if err := w.eachChunk(keyOnly[key], func(ids []int64) error {
				_, err := tx.ExecContext(ctx, `UPDATE hosts SET findings_key = $1 WHERE `+s.engine.inList("id", 2), key, s.engine.intList(ids))
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return WriteStats{}, fmt.Errorf("write findings: %w", err)
	}
	s.facts.add(newFacts)
	s.targets.addInfos(newTargets)
	s.noteMoves(ctx, st.Moved)
	return st, nil
}

type currentTarget struct {
	id          int64
	digest, key string
}

// currentTargets reads the target (id, digest) and findings key of hosts.
func currentTargets(ctx context.Context, tx *sql.Tx, e engine, hostIDs []int64) (map[int64]currentTarget, error) {
	rows, err := tx.QueryContext(ctx, `SELECT h.id, COALESCE(h.target_id, 0), COALESCE(t.digest, ''), h.findings_key
		FROM hosts h LEFT JOIN targets t ON t.id = h.target_id WHERE `+e.inList("h.id", 1), e.intList(hostIDs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]currentTarget{}
	for rows.Next() {
		var h int64
		var c currentTarget
		if err := rows.Scan(&h, &c.id, &c.digest, &c.key); err != nil {
			return nil, err
		}
		out[h] = c
	}
	return out, rows.Err()
}

// targetWriter is one transaction's writes.
type targetWriter struct {
	s       *Store
	tx      *sql.Tx
	now     time.Time
	facts   map[string]int64      // facts created or found in this transaction
	created map[string]targetInfo // targets created or found in this transaction
	insUpd  *sql.Stmt
	diffs   map[diffKey]diffResult // diff's answers by (old target, new content, set)
}

func (w *targetWriter) prepare(ctx context.Context, st **sql.Stmt, q string) (*sql.Stmt, error) {
	if *st == nil {
		p, err := w.tx.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		*st = p
	}
	return *st, nil
}

func (w *targetWriter) factsID(ctx context.Context, f FindingFacts, d string) (int64, error) {
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

// target returns the id and counters of the target of c, creating it.
func (w *targetWriter) target(ctx context.Context, c hostContent) (targetInfo, error) {
	if t, ok := w.created[c.digest]; ok {
		return t, nil
	}
	if t, ok := w.s.targets.info(c.digest); ok {
		return t, nil
	}
	var t targetInfo
	err := w.tx.QueryRowContext(ctx, `SELECT id, findings, cves, vulnerable_packages, sev_critical, sev_high, sev_medium,
			sev_low, unfixed, reboot_pending, excepted, advisory_findings, tagged, tagged_cves FROM targets WHERE digest = $1`, c.digest).Scan(
		&t.id, &t.c.findings, &t.c.cves, &t.c.pkgs, &t.c.crit, &t.c.high, &t.c.medium, &t.c.low, &t.c.unfixed, &t.c.reboot,
		&t.c.excepted, &t.c.advisories, &t.c.tagged, &t.c.taggedCVEs)
	if err == nil {
		w.created[c.digest] = t
		return t, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return t, err
	}
	t.c = w.s.countersOf(c)
	err = w.tx.QueryRowContext(ctx, `INSERT INTO targets (os_group, digest, findings, cves, vulnerable_packages,
			sev_critical, sev_high, sev_medium, sev_low, unfixed, reboot_pending, excepted, advisory_findings, tagged, created_at, tagged_cves)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		c.h.OSGroup, c.digest, t.c.findings, t.c.cves, t.c.pkgs, t.c.crit, t.c.high, t.c.medium, t.c.low, t.c.unfixed,
		t.c.reboot, t.c.excepted, t.c.advisories, t.c.tagged, w.now, t.c.taggedCVEs).Scan(&t.id)
	if err != nil {
		return t, fmt.Errorf("target: %w", err)
	}
	if err := w.insertRows(ctx, t.id, c); err != nil {
		return t, err
	}
	if err := w.insertUpdates(ctx, t.id, c.h.Updates); err != nil {
		return t, err
	}
	w.created[c.digest] = t
	return t, nil
}

// insertRows writes a new target's findings in one statement: the rows
// travel as one JSON array expanded by json_each on SQLite (per-row
// statements cost ~29 us a row there), as arrays expanded by unnest on
// PostgreSQL; in key order.
func (w *targetWriter) insertRows(ctx context.Context, id int64, c hostContent) error {
	if len(c.h.Findings) == 0 {
		return nil
	}
	type row struct {
		pkg, facts        int64
		cve, status, tags string
	}
	rows := make([]row, len(c.h.Findings))
	for i, t := range c.h.Findings {
		fid, err := w.factsID(ctx, t.Facts, t.Digest)
		if err != nil {
			return err
		}
		rows[i] = row{t.PackageID, fid, t.CVE, c.status(i), c.tags[i]}
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Or(cmp.Compare(a.pkg, b.pkg), strings.Compare(a.cve, b.cve)) })
	var err error
	if w.s.engine.name() == "postgres" {
		pkgs, facts := make([]int64, len(rows)), make([]int64, len(rows))
		cves, status, tags := make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
		for i, r := range rows {
			pkgs[i], facts[i], cves[i], status[i], tags[i] = r.pkg, r.facts, r.cve, r.status, r.tags
		}
		_, err = w.tx.ExecContext(ctx, `INSERT INTO target_findings (target_id, package_id, cve, facts_id, status, tags)
			SELECT $1, u.p, u.c, u.f, u.s, u.t FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[])
				AS u (p, c, f, s, t)`, id, pkgs, cves, facts, status, tags)
	} else {
		arr := make([][]any, len(rows))
		for i, r := range rows {
			arr[i] = []any{r.pkg, r.cve, r.facts, r.status, r.tags}
		}
		b, jerr := json.Marshal(arr)
		if jerr != nil {
			return jerr
		}
		_, err = w.tx.ExecContext(ctx, `INSERT INTO target_findings (target_id, package_id, cve, facts_id, status, tags)
			SELECT $1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
				json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each($2)`, id, string(b))
	}
	if err != nil {
		return fmt.Errorf("insert target findings: %w", err)
	}
	return nil
}

// hostMove is a host going to another target.
type hostMove struct {
	host   int64
	target targetInfo
	key    string
	cause  string
	kept   string
}

// move works out a host's move to the target of c (created if new): the
// target, the epoch's cause and kept column, the counts.
func (w *targetWriter) move(ctx context.Context, c hostContent, old currentTarget, key string, st *WriteStats) (hostMove, error) {
	t, err := w.target(ctx, c)
	if err != nil {
		return hostMove{}, err
	}
	kept, err := w.diff(ctx, c, old.id, st)
	if err != nil {
		return hostMove{}, err
	}
	cause := c.h.Cause
	if cause == "" {
		cause = CauseEvaluation
	}
	if old.id != 0 && c.h.Key != "" && strings.HasPrefix(old.key, c.h.Key+"|") {
		// The findings before tags and exceptions are those the host had:
		// only the policy moved it.
		cause = CausePolicy
	}
	st.Moved++
	return hostMove{host: c.h.HostID, target: t, key: key, cause: cause, kept: kept}, nil
}

// chunk is how many hosts one statement names.
const chunk = 5000

// eachChunk calls fn with ids by chunks.
func (w *targetWriter) eachChunk(ids []int64, fn func([]int64) error) error {
	for len(ids) > 0 {
		n := min(len(ids), chunk)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// writeMoves writes moves: the hosts' open epochs end, new ones open (a
// statement per target, cause and kept), the hosts take their target's
// id and counters (a statement per target and findings key).
func (w *targetWriter) writeMoves(ctx context.Context, moves []hostMove) error {
	if len(moves) == 0 {
		return nil
	}
	e := w.s.engine
	all := make([]int64, len(moves))
	type epochGroup struct {
		target      int64
		cause, kept string
	}
	type hostGroup struct {
		target int64
		key    string
	}
	epochs := map[epochGroup][]int64{}
	hostsBy := map[hostGroup][]int64{}
	info := map[int64]targetInfo{}
	for i, m := range moves {
		all[i] = m.host
		eg := epochGroup{m.target.id, m.cause, m.kept}
		epochs[eg] = append(epochs[eg], m.host)
		hg := hostGroup{m.target.id, m.key}
		hostsBy[hg] = append(hostsBy[hg], m.host)
		info[m.target.id] = m.target
	}
	if err := w.eachChunk(all, func(ids []int64) error {
		_, err := w.tx.ExecContext(ctx, `UPDATE host_targets SET until = $1 WHERE until IS NULL AND `+e.inList("host_id", 2),
			w.now, e.intList(ids))
		return err
	}); err != nil {
		return fmt.Errorf("close epochs: %w", err)
	}
	since := "$2"
	if e.name() == "postgres" {
		since = "CAST($2 AS TIMESTAMPTZ)"
	}
	egs := slices.Collect(maps.Keys(epochs))
	slices.SortFunc(egs, func(a, b epochGroup) int {
		return cmp.Or(cmp.Compare(a.target, b.target), cmp.Compare(a.cause, b.cause), cmp.Compare(a.kept, b.kept))
	})
	for _, g := range egs {
		if err := w.eachChunk(epochs[g], func(ids []int64) error {
			_, err := w.tx.ExecContext(ctx, `INSERT INTO host_targets (host_id, target_id, since, cause, kept)
				SELECT h.id, $1, `+since+`, $3, $4 FROM hosts h WHERE `+e.inList("h.id", 5)+` ORDER BY h.id`,
				g.target, w.now, g.cause, g.kept, e.intList(ids))
			return err
		}); err != nil {
			return fmt.Errorf("open epochs: %w", err)
		}
	}
	hgs := slices.Collect(maps.Keys(hostsBy))
	slices.SortFunc(hgs, func(a, b hostGroup) int {
		return cmp.Or(cmp.Compare(a.target, b.target), cmp.Compare(a.key, b.key))
	})
	for _, g := range hgs {
		t := info[g.target].c
		if err := w.eachChunk(hostsBy[g], func(ids []int64) error {
			_, err := w.tx.ExecContext(ctx, `UPDATE hosts SET target_id = $1, cves = $2, vulnerable_packages = $3,
				sev_critical = $4, sev_high = $5, sev_medium = $6, sev_low = $7, unfixed = $8, reboot_pending = $9,
				excepted = $10, tagged = $11, findings_key = $12, advisory_findings = $13, tagged_cves = $14 WHERE `+e.inList("id", 15),
				g.target, t.cves, t.pkgs, t.crit, t.high, t.medium, t.low, t.unfixed, t.reboot, t.excepted, t.tagged, g.key,
				t.advisories, t.taggedCVEs, e.intList(ids))
			return err
		}); err != nil {
			return fmt.Errorf("move hosts: %w", err)
		}
	}
	return nil
}

// diff counts what the move from target oldID to c opens, changes and
// resolves, and returns the epoch's kept column: the findings gone whose
// package the host still has (resolved as data-changed).
func (w *targetWriter) diff(ctx context.Context, c hostContent, oldID int64, st *WriteStats) (string, error) {
	// The hosts moving from one target to the same content on the same
	// set (most of a fleet after an import) share the answer.
	k := diffKey{oldID, c.digest, c.h.SetID}
	r, ok := w.diffs[k]
	if !ok {
		var d WriteStats
		kept, err := w.diffRows(ctx, c, oldID, &d)
		if err != nil {
			return "", err
		}
		r = diffResult{d, kept}
		w.diffs[k] = r
	}
	st.Opened += r.st.Opened
	st.Changed += r.st.Changed
	st.Resolved += r.st.Resolved
	return r.kept, nil
}

// diffKey names a move for diff's memo.
type diffKey struct {
	old    int64
	digest string
	set    int64
}

type diffResult struct {
	st   WriteStats
	kept string
}

// diffRows is diff, computed.
func (w *targetWriter) diffRows(ctx context.Context, c hostContent, oldID int64, st *WriteStats) (string, error) {
	var old []targetRow
	if oldID != 0 {
		var err error
		if old, err = w.s.targetRows(ctx, w.tx, oldID); err != nil {
			return "", err
		}
	}
	now := make(map[findingKey]bool, len(c.h.Findings))
	for i, t := range c.h.Findings {
		now[findingKey{t.PackageID, t.CVE}] = c.isExcepted(i)
	}
	was := make(map[findingKey]bool, len(old))
	for _, r := range old {
		was[r.findingKey] = r.excepted
	}
	for k, ex := range now {
		oex, ok := was[k]
		switch {
		case !ok || (oex && !ex):
			st.Opened++
		case oex != ex:
			st.Changed++
		}
	}
	var gone []findingKey
	for _, r := range old {
		if _, ok := now[r.findingKey]; !ok && !r.excepted {
			st.Resolved++
			gone = append(gone, r.findingKey)
		}
	}
	if len(gone) == 0 {
		return "", nil
	}
	members, err := w.s.setMembers(ctx, w.tx, c.h.SetID)
	if err != nil {
		return "", err
	}
	var kept []string
	for _, k := range gone {
		if members[k.pkg] {
			kept = append(kept, strconv.FormatInt(k.pkg, 10)+" "+k.cve)
		}
	}
	switch {
	case len(kept) == 0:
		return "", nil
	case len(kept) == len(gone):
		return "*", nil
	}
	sort.Strings(kept)
	return strings.Join(kept, "\n"), nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// setMembers returns the packages of a package set (sets never change).
func (s *Store) setMembers(ctx context.Context, q querier, setID int64) (map[int64]bool, error) {
	s.targets.mu.Lock()
	m, ok := s.targets.sets[setID]
	s.targets.mu.Unlock()
	if ok {
		return m, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT package_id FROM package_set_members WHERE set_id = $1`, setID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m = map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		m[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.targets.mu.Lock()
	if s.targets.sets == nil || len(s.targets.sets) > 200 {
		s.targets.sets = map[int64]map[int64]bool{}
	}
	s.targets.sets[setID] = m
	s.targets.mu.Unlock()
	return m, nil
}

// targetRows returns the findings keys of a target (cached: targets never
// change).
func (s *Store) targetRows(ctx context.Context, q querier, id int64) ([]targetRow, error) {
	if r, ok := s.targets.getRows(id); ok {
		return r, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT package_id, cve, status, tags, COALESCE(facts_id, 0) FROM target_findings
		WHERE target_id = $1 ORDER BY package_id, cve`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []targetRow
	for rows.Next() {
		var r targetRow
		if err := rows.Scan(&r.pkg, &r.cve, &r.status, &r.tags, &r.facts); err != nil {
			return nil, err
		}
		r.excepted = r.status == StatusExcepted
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.targets.putRows(id, out)
	return out, nil
}

// countersOf computes the counters of a target's content: distinct open
// CVEs by severity, unfixed, reboot-pending, excepted, per tag.
func (s *Store) countersOf(c hostContent) counters {
	type cveState struct {
		open, unfixed, reboot, excepted bool
		sev                             model.Severity
	}
	// An advisory that names no CVE is filed under its own id
	// (advisoryfindings.go): counted apart from CVEs.
	advisoryOnly := map[string]bool{}
	cves := map[string]*cveState{}
	pkgs := map[int64]bool{}
	tagged := map[string]map[string]bool{}
	for i, t := range c.h.Findings {
		sev := s.severityOf(model.Advisory{OSGroup: firstNonEmpty(t.Facts.DataGroup, c.h.OSGroup), Severity: t.Facts.Severity})
		if t.Facts.AdvisoryID != "" && t.Facts.AdvisoryID == t.CVE {
			advisoryOnly[t.CVE] = true
		}
		cs := cves[t.CVE]
		if cs == nil {
			cs = &cveState{}
			cves[t.CVE] = cs
		}
		cs.sev = max(cs.sev, sev)
		switch c.status(i) {
		case StatusOpen:
			cs.open = true
			pkgs[t.PackageID] = true
		case StatusUnfixed:
			cs.unfixed = true
			pkgs[t.PackageID] = true
		case StatusRebootPending:
			cs.reboot = true
		case StatusExcepted:
			cs.excepted = true
		}
		if c.tags[i] != "" && !c.isExcepted(i) {
			for _, tag := range strings.Split(c.tags[i], ",") {
				if tagged[tag] == nil {
					tagged[tag] = map[string]bool{}
				}
				tagged[tag][t.CVE] = true
			}
		}
	}
	out := counters{findings: len(c.h.Findings), pkgs: len(pkgs)}
	var bySev [model.SeverityCritical + 1]int
	for cve, cs := range cves {
		switch {
		case advisoryOnly[cve] && (cs.open || cs.unfixed):
			out.advisories++
		case cs.open || cs.unfixed:
			out.cves++
			bySev[cs.sev]++
			if !cs.open {
				out.unfixed++
			}
		case cs.reboot:
			out.reboot++
		case cs.excepted:
			out.excepted++
		}
	}
	out.crit, out.high, out.medium = bySev[model.SeverityCritical], bySev[model.SeverityHigh], bySev[model.SeverityMedium]
	out.low = bySev[model.SeverityLow] + bySev[model.SeverityNegligible]
	if len(tagged) > 0 {
		m := map[string]int{}
		anyTag := map[string]bool{}
		for t, cs := range tagged {
			m[t] = len(cs)
			for cve := range cs {
				anyTag[cve] = true
			}
		}
		out.taggedCVEs = len(anyTag)
		b, _ := json.Marshal(m) // sorted keys
		out.tagged = string(b)
	}
	return out
}

// resolveHostFindings ends a host's current epoch with reason
// (host-removed), takes it off its target and zeroes its counters. It
// returns how many findings that resolved.
func resolveHostFindings(ctx context.Context, tx *sql.Tx, hostID int64, now time.Time, reason string) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM target_findings f JOIN hosts h ON h.target_id = f.target_id
		WHERE h.id = $1 AND f.status <> $2`, hostID, StatusExcepted).Scan(&n)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE host_targets SET until = $2, end_cause = $3
		WHERE host_id = $1 AND until IS NULL`, hostID, now.UTC(), reason); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE hosts SET cves = 0, vulnerable_packages = 0, sev_critical = 0, sev_high = 0,
		sev_medium = 0, sev_low = 0, unfixed = 0, reboot_pending = 0, excepted = 0, tagged = '', tagged_cves = 0, findings_key = '',
		advisory_findings = 0, target_id = NULL
		WHERE id = $1`, hostID)
	return n, err
}
