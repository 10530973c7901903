// Package match decides which installed packages are vulnerable: it
// evaluates each distinct (OS group, catalogue package) once against the
// advisory records in force, stores the verdicts, and keeps every host's
// findings in line with them, after a report and after an import.
package match

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/osgroup"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/version"
)

// Basis says how the source package of an installed package was found.
const (
	BasisReport        = "report"         // the report carried it (protocol 6)
	BasisLearned       = "learned"        // from protocol-6 reports of the same OS group
	BasisPackagesIndex = "packages-index" // from the distro's Packages index
	BasisBinaryName    = "binary-name"    // nothing known: the binary name and version
)

// Matcher evaluates hosts.
type Matcher struct {
	Store *store.Store
	Log   *slog.Logger
	Now   func() time.Time
	// Progress, when set, hears how far a run over many hosts got.
	Progress func(done, total int)
}

// New returns a Matcher with the real clock.
func New(s *store.Store, log *slog.Logger) *Matcher {
	return &Matcher{Store: s, Log: log, Now: time.Now}
}

// EvaluateHost evaluates what is new in a host's package set and refreshes
// its findings.
func (m *Matcher) EvaluateHost(ctx context.Context, h store.HostState) error {
	has := false
	if h.OSGroup != "" {
		var err error
		if has, err = m.Store.HasData(ctx, h.OSGroup); err != nil {
			return err
		}
	}
	if has {
		if err := m.evaluateSet(ctx, h.OSGroup, h.SetID); err != nil {
			return fmt.Errorf("evaluate %s: %w", h.Hostname, err)
		}
	} else if h.CVEs == 0 {
		return nil // no data and no open finding: nothing to do
	}
	if _, _, err := m.Store.RefreshFindings(ctx, h.ID, m.Now().UTC()); err != nil {
		return fmt.Errorf("findings of %s: %w", h.Hostname, err)
	}
	return nil
}

// EvaluateHosts evaluates the named hosts (all when names is nil).
func (m *Matcher) EvaluateHosts(ctx context.Context, names []string) (int, error) {
	hosts, err := m.Store.HostStates(ctx, names, nil)
	if err != nil {
		return 0, err
	}
	return m.evaluateAll(ctx, hosts)
}

// AfterImport re-evaluates what an import changed: the packages whose
// records changed, on the hosts of the OS groups concerned.
func (m *Matcher) AfterImport(ctx context.Context, changed []store.AdvisoryKey) (int, error) {
	if len(changed) == 0 {
		return 0, nil
	}
	groups, err := m.Store.Invalidate(ctx, changed)
	if err != nil {
		return 0, err
	}
	hosts, err := m.Store.HostStates(ctx, nil, groups)
	if err != nil {
		return 0, err
	}
	return m.evaluateAll(ctx, hosts)
}

// AfterIndex re-evaluates, in the OS groups that got a package index,
// the packages that were matched by binary name for want of one.
func (m *Matcher) AfterIndex(ctx context.Context, groups []string) (int, error) {
	for _, g := range groups {
		if err := m.Store.InvalidateBasis(ctx, g, BasisBinaryName); err != nil {
			return 0, err
		}
	}
	hosts, err := m.Store.HostStates(ctx, nil, groups)
	if err != nil {
		return 0, err
	}
	return m.evaluateAll(ctx, hosts)
}

func (m *Matcher) evaluateAll(ctx context.Context, hosts []store.HostState) (int, error) {
	start := time.Now()
	for i, h := range hosts {
		if err := m.EvaluateHost(ctx, h); err != nil {
			return i, err
		}
		if (i+1)%500 == 0 {
			m.Log.Info("evaluating", "hosts", i+1, "of", len(hosts), "elapsed", time.Since(start).Round(time.Millisecond))
		}
		if m.Progress != nil {
			m.Progress(i+1, len(hosts))
		}
	}
	return len(hosts), nil
}

// evaluateSet evaluates the packages of a set not yet evaluated for group
// (which has data: without, the host shows as not evaluated, and the
// import that brings data evaluates it).
func (m *Matcher) evaluateSet(ctx context.Context, group string, setID int64) error {
	scheme, ok := osgroup.Scheme(group)
	if !ok {
		return nil
	}
	pending, marked, err := m.Store.Unevaluated(ctx, group, setID)
	if err != nil || marked {
		return err
	}
	if len(pending) > 0 {
		cmp, err := version.Lookup(scheme)
		if err != nil {
			return err
		}
		evs, err := m.evaluate(ctx, group, cmp, pending)
		if err != nil {
			return err
		}
		if err := m.Store.SaveEvaluations(ctx, group, evs); err != nil {
			return err
		}
	}
	// The mark is written only if every package is still evaluated, so an
	// invalidation in between cannot be hidden by it.
	return m.Store.MarkSetEvaluated(ctx, group, setID)
}

// binNMU is the suffix of a binary-only rebuild: same source version.
var binNMU = regexp.MustCompile(`\+b\d+$`)

// resolved is an installed package with the source it is matched as.
type resolved struct {
	store.CatalogueEntry
	src, srcVersion, basis string
}

// evaluate computes the evaluations of pkgs in group.
func (m *Matcher) evaluate(ctx context.Context, group string, cmp version.Scheme, pkgs []store.CatalogueEntry) ([]store.Evaluation, error) {
	var unknown []store.CatalogueEntry
	for _, p := range pkgs {
		if p.SourceName == "" {
			unknown = append(unknown, p)
		}
	}
	learned, err := m.Store.LookupBinarySources(ctx, group, unknown, cmp.Compare)
	if err != nil {
		return nil, err
	}
	rs := make([]resolved, len(pkgs))
	names := map[string]bool{}
	for i, p := range pkgs {
		r := resolved{CatalogueEntry: p, src: p.SourceName, srcVersion: p.SourceVersion, basis: BasisReport}
		if r.src == "" {
			if b, ok := learned[[2]string{p.Name, p.Version}]; ok {
				r.src, r.srcVersion, r.basis = b.SourceName, b.SourceVersion, b.Origin
				if !b.Exact {
					// Only another version of this binary is known: its
					// source name holds; the source version is the binary
					// version less a binNMU suffix (2.36-9+b1 -> 2.36-9).
					r.srcVersion = binNMU.ReplaceAllString(p.Version, "")
				}
			} else {
				r.src, r.srcVersion, r.basis = p.Name, p.Version, BasisBinaryName
			}
		}
		if r.srcVersion == "" {
			r.srcVersion = p.Version
		}
		// Signed kernel images are built from "linux-signed-*" at a
		// "+N" version; the tracker speaks of "linux" at the image's own
		// version.
		if k, _ := classifyDeb(p.Name, r.src); k == kernelImage && strings.HasPrefix(r.src, "linux-signed") {
			r.src, r.srcVersion = "linux", p.Version
		}
		rs[i] = r
		names[r.src] = true
	}
	list := make([]string, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	advs, err := m.Store.AdvisoriesFor(ctx, group, list)
	if err != nil {
		return nil, err
	}
	byPkg := map[string][]model.Advisory{}
	for _, a := range advs {
		byPkg[a.Package] = append(byPkg[a.Package], a)
	}
	// The binaries of one source version share its verdicts: decide each
	// (source, version) once.
	memo := map[[2]string][]store.Verdict{}
	evs := make([]store.Evaluation, len(rs))
	for i, r := range rs {
		e := store.Evaluation{PackageID: r.ID, SourceName: r.src, SourceVersion: r.srcVersion, Basis: r.basis}
		class, release := classifyDeb(r.Name, r.src)
		if class != kernelSupport {
			key := [2]string{r.src, r.srcVersion}
			vs, ok := memo[key]
			if !ok {
				vs = Verdicts(cmp, r.srcVersion, byPkg[r.src])
				memo[key] = vs
			}
			if class == kernelImage {
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

// originRank orders record origins: the tracker's complete view first.
func originRank(origin string) int {
	switch {
	case strings.HasSuffix(origin, "-tracker"):
		return 3
	case strings.HasSuffix(origin, "-cve-list"):
		return 2
	}
	return 1
}

// statusRank orders the statuses of unfixed records, most telling first.
var statusRank = map[model.Status]int{
	model.StatusAffected: 5, model.StatusUndetermined: 4, model.StatusFixDeferred: 3,
	model.StatusWillNotFix: 2, model.StatusEndOfLife: 1,
}

// Verdicts decides, for a package installed at version (the source
// version), which CVEs of recs it is vulnerable to. For each CVE only the
// records of the best origin count: the latest fix among them decides;
// without a fix, an affected-like status makes a finding with no fix;
// not-affected makes none.
func Verdicts(cmp version.Scheme, installed string, recs []model.Advisory) []store.Verdict {
	byCVE := map[string][]model.Advisory{}
	for _, a := range recs {
		byCVE[a.CVE] = append(byCVE[a.CVE], a)
	}
	var out []store.Verdict
	for cve, list := range byCVE {
		best := 0
		for _, a := range list {
			best = max(best, originRank(a.Source))
		}
		var fixed, open *model.Advisory
		for i := range list {
			a := &list[i]
			if originRank(a.Source) != best {
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
