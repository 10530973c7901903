// Package match decides which installed packages are vulnerable: it
// evaluates each distinct (OS group, catalogue package) once against the
// advisory records in force, stores the verdicts, and keeps every host's
// findings in line with them, after a report and after an import.
package match

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Matcher evaluates hosts.
type Matcher struct {
	Store   *store.Store
	Drivers *Registry // the distro families' rules; a group no driver serves is not evaluated
	Log     *slog.Logger
	Now     func() time.Time
	// Progress, when set, hears how far a run over many hosts got.
	Progress func(done, total int)
	// Holder names this server in the evaluation queue's claims.
	Holder string
	// built are the set targets it built, for a report's evaluation to
	// reuse (reuse.go).
	built  builtTargets
	reused reuses
}

// New returns a Matcher with the real clock.
func New(s *store.Store, drivers *Registry, log *slog.Logger) *Matcher {
	return &Matcher{Store: s, Drivers: drivers, Log: log, Now: time.Now}
}

// EvaluateHost evaluates what is new in a host's package set and writes
// its findings.
func (m *Matcher) EvaluateHost(ctx context.Context, h store.HostState) error {
	_, err := m.refresh(ctx, []store.HostState{h}, store.CauseReport)
	return err
}

// hasData tells whether any of the data groups of group has records.
func hasData(data *store.DataSnapshot, d Driver, group string) bool {
	for _, g := range d.DataGroups(group) {
		if data.Has(g) {
			return true
		}
	}
	return false
}

// EvaluateHosts evaluates the named hosts (all when names is nil).
func (m *Matcher) EvaluateHosts(ctx context.Context, names []string) (int, error) {
	return m.evaluateNamed(ctx, names, store.CauseEvaluation)
}

// evaluateNamed evaluates the named hosts (all when names is nil), their
// moves recorded with cause.
func (m *Matcher) evaluateNamed(ctx context.Context, names []string, cause string) (int, error) {
	hosts, err := m.Store.HostStates(ctx, names, nil)
	if err != nil {
		return 0, err
	}
	return m.refresh(ctx, hosts, cause)
}

// AfterImport re-evaluates what an import changed: the packages whose
// records changed, keyed as the drivers key them, in every OS group that
// reads the data groups concerned. The package sets holding them are
// queued (store.Invalidate) and the queue drained: only the hosts on
// those sets get their findings written.
func (m *Matcher) AfterImport(ctx context.Context, changed []store.AdvisoryKey) (int, error) {
	if len(changed) == 0 {
		return 0, nil
	}
	evaluated, err := m.Store.EvaluatedGroups(ctx)
	if err != nil {
		return 0, err
	}
	// readers: data group -> the other groups with evaluations that read it.
	readers := map[string][]string{}
	for _, g := range evaluated {
		if d, ok := m.Drivers.For(g); ok {
			for _, dg := range d.DataGroups(g) {
				if dg != g {
					readers[dg] = append(readers[dg], g)
				}
			}
		}
	}
	keys := changed
	for _, c := range changed {
		for _, g := range readers[c.OSGroup] {
			keys = append(keys, store.AdvisoryKey{OSGroup: g, Package: c.Package})
		}
	}
	if _, _, err := m.Store.Invalidate(ctx, keys, m.Now()); err != nil {
		return 0, err
	}
	return m.Drain(ctx)
}

// AfterIndex re-evaluates, in the OS groups that got a package index (a
// binary -> key map), the packages that were matched by binary name for
// want of one.
func (m *Matcher) AfterIndex(ctx context.Context, groups []string) (int, error) {
	for _, g := range groups {
		if err := m.Store.InvalidateBasis(ctx, g, BasisBinaryName); err != nil {
			return 0, err
		}
		if _, err := m.Store.EnqueueGroup(ctx, g, m.Now()); err != nil {
			return 0, err
		}
	}
	return m.Drain(ctx)
}

// Drain works the evaluation queue until it is empty: each claimed
// (OS group, package set) is evaluated and its hosts' findings written.
// It returns how many hosts it refreshed.
func (m *Matcher) Drain(ctx context.Context) (int, error) {
	holder := m.Holder
	if holder == "" {
		holder = "matcher"
	}
	total := 0
	for {
		work, err := m.Store.ClaimEvalWork(ctx, holder, 64, m.Now(), 5*time.Minute)
		if err != nil || len(work) == 0 {
			return total, err
		}
		for _, w := range work {
			hosts, err := m.Store.HostsOnSet(ctx, w.OSGroup, w.SetID)
			if err == nil {
				var n int
				n, err = m.refresh(ctx, hosts, store.CauseEvaluation)
				total += n
			}
			if err != nil {
				if ferr := m.Store.FailEvalWork(context.WithoutCancel(ctx), w, m.Now(), time.Minute, err.Error()); ferr != nil {
					m.Log.Error("evaluation work failed", "group", w.OSGroup, "set", w.SetID, "error", ferr)
				}
				return total, err
			}
			if err := m.Store.FinishEvalWork(ctx, w); err != nil {
				return total, err
			}
		}
	}
}

// refresh evaluates the package sets of hosts (each distinct (OS group,
// set) once) and writes the findings of the hosts whose target changed,
// in batches. It returns how many hosts it looked at.
func (m *Matcher) refresh(ctx context.Context, hosts []store.HostState, cause string) (int, error) {
	sort.SliceStable(hosts, func(i, j int) bool {
		if hosts[i].OSGroup != hosts[j].OSGroup {
			return hosts[i].OSGroup < hosts[j].OSGroup
		}
		return hosts[i].SetID < hosts[j].SetID
	})
	start := time.Now()
	// The data in force, read once (cached per data generation).
	data, err := m.Store.DataSnapshot(ctx)
	if err != nil {
		return 0, err
	}
	dates := data.Dates
	gen := m.Store.Policy().Generation()
	// A batch is bounded by its hosts and by the findings of its distinct
	// targets (the rows a transaction may have to write): hosts sharing
	// a target count once.
	var batch []store.HostTarget
	size := 0
	keys := map[string]bool{}
	memo := &verdictMemo{}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := m.Store.WriteFindings(ctx, batch, m.Now().UTC())
		batch, size = batch[:0], 0
		clear(keys)
		// The verdicts a batch was computed from are read within it, as
		// they were read set by set.
		memo.reset("")
		return err
	}
	var t *setTarget
	groupHas := map[string]bool{}
	for i, h := range hosts {
		if t == nil || t.group != h.OSGroup || t.setID != h.SetID {
			d, ok := m.Drivers.For(h.OSGroup)
			has, known := groupHas[h.OSGroup]
			if ok && !known {
				has = hasData(data, d, h.OSGroup)
				groupHas[h.OSGroup] = has
			}
			// A report's host on a set whose target was built already
			// takes it back; one built for a report is kept (reuse.go).
			report := cause == store.CauseReport
			t = nil
			if report {
				if t, err = m.reusable(ctx, h, has && ok, data.Gen); err != nil {
					return i, fmt.Errorf("evaluate %s: %w", h.Hostname, err)
				}
			}
			if t == nil {
				if t, err = m.target(ctx, d, has && ok, h.OSGroup, h.SetID, dates, memo); err != nil {
					return i, fmt.Errorf("evaluate %s: %w", h.Hostname, err)
				}
				if report {
					m.built.put(t, data.Gen)
				}
			}
		}
		ht := t.forHost(h)
		ht.Cause = cause
		if ht.Key+"|"+gen == h.FindingsKey || (!t.evaluated && len(t.updates) == 0 && h.CVEs == 0 && h.FindingsKey == "") {
			// unchanged; or no data and never any finding: nothing to write
		} else {
			batch = append(batch, ht)
			size++
			if !keys[ht.Key] {
				keys[ht.Key] = true
				size += len(ht.Findings) + len(ht.Updates)
			}
			if len(batch) >= 5000 || size >= 20000 {
				if err := flush(); err != nil {
					return i, err
				}
			}
		}
		if (i+1)%5000 == 0 {
			m.Log.Info("evaluating", "hosts", i+1, "of", len(hosts), "elapsed", time.Since(start).Round(time.Millisecond))
		}
		if m.Progress != nil {
			m.Progress(i+1, len(hosts))
		}
	}
	if err := flush(); err != nil {
		return len(hosts), err
	}
	return len(hosts), nil
}

// evaluateSet evaluates the packages of a set not yet evaluated for group
// (which has data: without, the host shows as not evaluated, and the
// import that brings data evaluates it). It returns the packages it
// evaluated.
func (m *Matcher) evaluateSet(ctx context.Context, d Driver, group string, setID int64) ([]int64, error) {
	pending, marked, err := m.Store.Unevaluated(ctx, group, setID)
	if err != nil || marked {
		return nil, err
	}
	ids := make([]int64, len(pending))
	if len(pending) > 0 {
		evs, err := m.evaluate(ctx, group, d, pending)
		if err != nil {
			return nil, err
		}
		if err := m.Store.SaveEvaluations(ctx, group, evs); err != nil {
			return nil, err
		}
		for i, p := range pending {
			ids[i] = p.ID
		}
	}
	// The mark is written only if every package is still evaluated, so an
	// invalidation in between cannot be hidden by it.
	return ids, m.Store.MarkSetEvaluated(ctx, group, setID)
}

// evaluate computes the evaluations of pkgs in group with d's rules.
func (m *Matcher) evaluate(ctx context.Context, group string, d Driver, pkgs []store.CatalogueEntry) ([]store.Evaluation, error) {
	var learned map[[2]string]store.BinarySource
	if d.LearnsSources() {
		var unknown []store.CatalogueEntry
		for _, p := range pkgs {
			if p.SourceName == "" {
				unknown = append(unknown, p)
			}
		}
		var err error
		if learned, err = m.Store.LookupBinarySources(ctx, group, unknown, d.Scheme().Compare); err != nil {
			return nil, err
		}
	}
	keys := make([]Key, len(pkgs))
	names := map[string]bool{}
	for i, p := range pkgs {
		var known *store.BinarySource
		if p.SourceName == "" {
			if b, ok := learned[[2]string{p.Name, p.Version}]; ok {
				known = &b
			}
		}
		keys[i] = d.Key(p.Package, known)
		names[keys[i].Name] = true
	}
	list := make([]string, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	// The records of each data group, by key name, in the driver's order.
	dataGroups := d.DataGroups(group)
	byGroup := make([]map[string][]model.Advisory, len(dataGroups))
	for i, dg := range dataGroups {
		advs, err := m.Store.AdvisoriesFor(ctx, dg, list)
		if err != nil {
			return nil, err
		}
		byGroup[i] = map[string][]model.Advisory{}
		for _, a := range advs {
			byGroup[i][a.Package] = append(byGroup[i][a.Package], a)
		}
	}
	// The binaries of one key (a source version) share its verdicts:
	// decide each key once.
	memo := map[Key][]store.Verdict{}
	evs := make([]store.Evaluation, len(pkgs))
	for i, p := range pkgs {
		k := keys[i]
		e := store.Evaluation{PackageID: p.ID, SourceName: k.Name, SourceVersion: k.Version, Basis: k.Basis}
		class, release := d.Kernel(p.Package, k)
		if class != KernelSupport {
			vs, ok := memo[k]
			if !ok {
				for j, dg := range dataGroups {
					recs := byGroup[j][k.Name]
					if len(recs) == 0 {
						continue
					}
					vs = Verdicts(d, k, recs)
					if dg != group {
						for v := range vs {
							vs[v].DataGroup = dg
						}
					}
					break
				}
				memo[k] = vs
			}
			if class == KernelImage {
				vs = append([]store.Verdict(nil), vs...)
				for j := range vs {
					vs[j].Kernel = release
				}
			}
			e.Verdicts = vs
		}
		evs[i] = e
	}
	return evs, nil
}

// statusRank orders the statuses of unfixed records, most telling first.
var statusRank = map[model.Status]int{
	model.StatusAffected: 5, model.StatusUndetermined: 4, model.StatusFixDeferred: 3,
	model.StatusWillNotFix: 2, model.StatusEndOfLife: 1,
}

// Verdicts decides, for an installed package met as k, which CVEs of recs
// (filed under k.Name) it is vulnerable to, by d's rules: the records d
// says apply, of the best origin by d's rank for each CVE; among them the
// latest fix in d's version order decides; without a fix, an
// affected-like status makes a finding with no fix; not-affected makes
// none.
func Verdicts(d Driver, k Key, recs []model.Advisory) []store.Verdict {
	cmp, installed := d.Scheme(), k.Version
	byCVE := map[string][]model.Advisory{}
	for _, a := range recs {
		if d.Applies(a, k) {
			byCVE[a.CVE] = append(byCVE[a.CVE], a)
		}
	}
	var out []store.Verdict
	for cve, list := range byCVE {
		best := 0
		for _, a := range list {
			best = max(best, d.OriginRank(a.Source))
		}
		var fixed, open *model.Advisory
		for i := range list {
			a := &list[i]
			if d.OriginRank(a.Source) != best {
				continue
			}
			switch {
			case a.Status == model.StatusFixed:
				if fixed == nil || cmp.Compare(a.FixedVersion, fixed.FixedVersion) > 0 {
					fixed = a
				}
			case a.Status == model.StatusNotAffected:
				// never affected: no finding from this record
			case open == nil || statusRank[a.Status] > statusRank[open.Status]:
				open = a
			}
		}
		var v *model.Advisory
		switch {
		case fixed != nil:
			if cmp.Compare(installed, fixed.FixedVersion) < 0 {
				v = fixed
			}
		case open != nil:
			v = open
		}
		if v == nil {
			continue
		}
		out = append(out, store.Verdict{CVE: cve, Status: v.Status, FixedVersion: v.FixedVersion,
			Severity: v.Severity, AdvisoryID: v.AdvisoryID, Origin: v.Source})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CVE < out[j].CVE })
	return out
}
