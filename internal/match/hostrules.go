package match

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Host rules. Verdicts are decided once per (OS group, package) and a
// set's target is shared by every host on the set; some facts a host
// states of itself (store.HostState.Facts: its Ubuntu Pro services, its
// enabled RPM module streams) change what its findings should be. A
// Driver reads them by implementing FindingRule (adjust or drop a
// finding of the set for the host) or RecordRule (decide some packages
// again for the host, from their records). The facts a rule reads enter
// the host's target key, so a host whose facts change is written again.

// HostRule is a Driver whose findings depend on facts of the host.
type HostRule interface {
	// HostFacts names the facts the rule reads (store.FactPro...): only
	// they enter the host's target key.
	HostFacts() []string
}

// FindingRule adjusts the findings of a set for one host.
type FindingRule interface {
	HostRule
	// AdjustFinding adjusts a finding for a host stating facts (a fact
	// absent: the host did not say): its Status and Facts may change
	// (the matcher recomputes its digests); false drops it.
	AdjustFinding(f *store.TargetFinding, facts map[string]string) bool
}

// RecordRule decides some packages again for each host, from their
// records.
type RecordRule interface {
	HostRule
	// RedecidedBasis is the key basis of the packages decided per host
	// (rpmmatch's module-unknown).
	RedecidedBasis() string
	// HostRecords says how such a package, keyed k, meets its records on
	// a host stating facts: ok false when the facts do not decide (the
	// set's verdicts stand); else the basis its findings show and which
	// of the records the driver's Applies admits also apply on this host.
	HostRecords(k Key, facts map[string]string) (basis string, keep func(model.Advisory) bool, ok bool)
}

// redecided is a package of a set that a RecordRule decides per host.
type redecided struct {
	row     store.SetVerdict // the package and its key (no verdict)
	key     Key
	class   KernelClass
	release string
	recs    []model.Advisory // of dataGroup, the first of the driver's groups with records for the key
	group   string           // "" when the host's own group's records
}

// prepareRules sets up t for d's host rules: the facts they read and the
// packages a RecordRule decides per host, with their records (which
// enter the target's digest: a host's findings follow them).
func (m *Matcher) prepareRules(ctx context.Context, d Driver, t *setTarget) error {
	rule, ok := d.(HostRule)
	if !ok {
		return nil
	}
	t.driver, t.facts = d, rule.HostFacts()
	t.findingRule, _ = d.(FindingRule)
	rr, ok := d.(RecordRule)
	if !ok || rr.RedecidedBasis() == "" {
		return nil
	}
	t.recordRule = rr
	// Only a set with a finding of such a package reads them: one query
	// less per set for every other (most RPM sets). Known limit: a
	// package whose records of all streams give no finding (its latest
	// fix, of some stream, is in) is not decided again, though the
	// records of the host's streams alone could give one (a stream's
	// unfixed record where another stream has a fix).
	needed := false
	for _, r := range t.rows {
		if r.Key.Basis == rr.RedecidedBasis() {
			needed = true
			break
		}
	}
	if !needed {
		return nil
	}
	pkgs, err := m.Store.SetPackagesByBasis(ctx, t.group, t.setID, rr.RedecidedBasis())
	if err != nil || len(pkgs) == 0 {
		return err
	}
	names := map[string]bool{}
	for _, p := range pkgs {
		names[p.Key.SourceName] = true
	}
	list := make([]string, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	groups := d.DataGroups(t.group)
	byGroup := make([]map[string][]model.Advisory, len(groups))
	for i, dg := range groups {
		advs, err := m.Store.AdvisoriesFor(ctx, dg, list)
		if err != nil {
			return err
		}
		byGroup[i] = map[string][]model.Advisory{}
		for _, a := range advs {
			byGroup[i][a.Package] = append(byGroup[i][a.Package], a)
		}
	}
	h := sha256.New()
	h.Write([]byte(t.digest))
	for _, p := range pkgs {
		r := redecided{row: p, key: Key{Name: p.Key.SourceName, Version: p.Key.SourceVersion, Basis: p.Key.Basis,
			Arch: p.Package.Arch, Module: p.Package.Module}}
		r.class, r.release = d.Kernel(p.Package, r.key)
		if r.class == KernelSupport {
			continue
		}
		for i, dg := range groups {
			if recs := byGroup[i][r.key.Name]; len(recs) > 0 {
				r.recs = recs
				if dg != t.group {
					r.group = dg
				}
				break
			}
		}
		fmt.Fprintf(h, "redecided\x00%d\x00%s\n", p.PackageID, r.group)
		for _, a := range r.recs {
			fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\n", a.CVE, a.Status, a.FixedVersion, a.Module,
				a.Arch, a.Source, a.AdvisoryID, a.Severity)
		}
		t.redecided = append(t.redecided, r)
	}
	t.digest = hex.EncodeToString(h.Sum(nil)[:16])
	return nil
}

// factsDigest names the facts of h that t's rules read ("" when t has no
// rule): part of the host's target key and of its cache entry.
func (t *setTarget) factsDigest(h store.HostState) string {
	if t.facts == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("facts")
	for _, k := range t.facts {
		if v, ok := h.Facts[k]; ok {
			fmt.Fprintf(&b, ";%s=%s", k, v)
		}
	}
	return b.String()
}

// applyRules turns the findings the set gives a host (fs, already
// picked by kernel) into the host's own by t's rules.
func (t *setTarget) applyRules(h store.HostState, fs []store.TargetFinding) []store.TargetFinding {
	if t.facts == nil {
		return fs
	}
	facts := h.Facts
	// The packages decided again for this host: their set findings go,
	// their own come.
	var own []store.TargetFinding
	drop := map[int64]bool{}
	for _, r := range t.redecided {
		basis, keep, ok := t.recordRule.HostRecords(r.key, facts)
		if !ok {
			continue
		}
		drop[r.row.PackageID] = true
		if r.class == KernelImage && r.release != h.Kernel {
			continue
		}
		k := r.key
		k.Basis = basis
		for _, v := range Verdicts(keptRecords{t.driver, keep}, k, r.recs) {
			v.DataGroup = r.group
			if r.class == KernelImage {
				v.Kernel = r.release
			}
			sv := store.SetVerdict{PackageID: r.row.PackageID, Package: r.row.Package,
				Key: store.Evaluation{SourceName: k.Name, SourceVersion: k.Version, Basis: basis}, Verdict: v}
			f := t.finding(sv)
			if v.Kernel != "" && f.Status == store.StatusOpen && t.fixedKernelInstalled(sv, h.Kernel) {
				f.Status = store.StatusRebootPending
			}
			own = append(own, f)
		}
	}
	if len(drop) == 0 && t.findingRule == nil {
		return fs
	}
	out := make([]store.TargetFinding, 0, len(fs)+len(own))
	for _, f := range fs {
		if !drop[f.PackageID] {
			out = append(out, f)
		}
	}
	out = append(out, own...)
	if t.findingRule != nil {
		kept := out[:0]
		for _, f := range out {
			if t.findingRule.AdjustFinding(&f, facts) {
				kept = append(kept, f.WithDigests())
			}
		}
		out = kept
	}
	if len(own) > 0 {
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].PackageID != out[j].PackageID {
				return out[i].PackageID < out[j].PackageID
			}
			return out[i].CVE < out[j].CVE
		})
	}
	return out
}

// keptRecords is a driver whose Applies also asks keep (a RecordRule's
// view of one host).
type keptRecords struct {
	Driver
	keep func(model.Advisory) bool
}

func (d keptRecords) Applies(rec model.Advisory, k Key) bool {
	return d.Driver.Applies(rec, k) && d.keep(rec)
}
