package match

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// AfterReport learns the binary -> source map from a protocol-6 report
// (pkgs with source; nil otherwise) when the group's driver reads that map,
// and evaluates the host.
func (m *Matcher) AfterReport(ctx context.Context, hostname, group string, pkgs []model.Package) error {
	if err := m.learn(ctx, group, pkgs); err != nil {
		return err
	}
	_, err := m.evaluateNamed(ctx, []string{hostname}, store.CauseReport)
	return err
}

// AfterSave is AfterReport for a host whose matching state the save
// handed over (store.Saved.State): the state is not read again.
func (m *Matcher) AfterSave(ctx context.Context, h store.HostState, pkgs []model.Package) error {
	if err := m.learn(ctx, h.OSGroup, pkgs); err != nil {
		return err
	}
	_, err := m.refresh(ctx, []store.HostState{h}, store.CauseReport)
	return err
}

// learn records the binary -> source map of a protocol-6 report's pkgs
// when group's driver reads that map.
func (m *Matcher) learn(ctx context.Context, group string, pkgs []model.Package) error {
	if d, ok := m.Drivers.For(group); ok && d.LearnsSources() && len(pkgs) > 0 {
		var bs []store.BinarySource
		for _, p := range pkgs {
			if p.SourceName != "" {
				bs = append(bs, store.BinarySource{Name: p.Name, Version: p.Version, SourceName: p.SourceName,
					SourceVersion: p.SourceVersion, Origin: BasisLearned})
			}
		}
		if err := m.Store.LearnBinarySources(ctx, group, bs); err != nil {
			return err
		}
		if err := m.requeueMapped(ctx, group, bs); err != nil {
			return err
		}
	}
	return nil
}

// requeueMapped queues for evaluation the package sets of group holding
// a binary that was matched by its own name for want of a map and that
// bs now maps (a protocol-5 host of a release with no Packages index,
// reported before a protocol-6 host taught its map): the evaluation job
// drains the queue, not this report's request.
func (m *Matcher) requeueMapped(ctx context.Context, group string, bs []store.BinarySource) error {
	names := make([]string, 0, len(bs))
	for _, b := range bs {
		names = append(names, b.Name)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	unmapped, err := m.Store.UnmappedNames(ctx, group, names)
	if err != nil || len(unmapped) == 0 {
		return err
	}
	keys := make([]store.AdvisoryKey, 0, len(unmapped))
	for _, n := range unmapped {
		keys = append(keys, store.AdvisoryKey{OSGroup: group, Package: n})
	}
	_, queued, err := m.Store.Invalidate(ctx, keys, m.Now())
	if err == nil {
		m.Log.Info("binary -> source map grew: package sets queued", "os_group", group, "binaries", len(unmapped), "sets", queued)
	}
	return err
}

// ReportLines answers a store-and-report client (protocol.md): one line
// per (package, CVE, CVE tag) of the host's open findings,
// "name<TAB>version<TAB>arch<TAB>CVE<TAB>tag", as Pakiti 3 answered:
// only CVEs carrying an enabled tag, one line per tag. With all (our
// client's cves=all) every open finding is listed, untagged ones with an
// empty tag column. Findings an exception covers are never listed.
func (m *Matcher) ReportLines(ctx context.Context, hostname string, all bool) ([]string, error) {
	h, err := m.Store.Host(ctx, store.AllSites(), hostname)
	if err != nil {
		return nil, err
	}
	fs, err := m.Store.HostFindings(ctx, store.AllSites(), hostname, false)
	if err != nil {
		return nil, err
	}
	return m.answerLines(ctx, h, fs, all)
}

// answerLines applies the tags and exceptions to a host's findings.
func (m *Matcher) answerLines(ctx context.Context, h model.Host, fs []model.Finding, all bool) ([]string, error) {
	cves := make([]string, 0, len(fs))
	for _, f := range fs {
		cves = append(cves, f.CVE)
	}
	now := m.Now().UTC()
	pol, err := m.Store.PolicyFor(ctx, cves, now)
	if err != nil {
		return nil, err
	}
	hs := store.HostSite{Hostname: h.Hostname, Site: h.Site}
	lines := make([]string, 0, len(fs))
	for _, f := range fs {
		if ex, _ := pol.Exception(f, hs, h.OSGroup, now); ex {
			continue
		}
		tags := pol.Tags(f.CVE)
		if len(tags) == 0 && all {
			tags = []string{""}
		}
		for _, t := range tags {
			lines = append(lines, strings.Join([]string{f.Package, f.Version, f.Arch, f.CVE, t}, "\t"))
		}
	}
	sort.Strings(lines)
	return lines, nil
}

// CheckLines evaluates a package list without storing anything (a
// report-only client; h is the report's host: its name, site, OS group and
// running kernel) and answers as ReportLines does.
func (m *Matcher) CheckLines(ctx context.Context, h model.Host, pkgs []model.Package, all bool) ([]string, error) {
	d, ok := m.Drivers.For(h.OSGroup)
	if !ok {
		return nil, nil
	}
	entries := make([]store.CatalogueEntry, len(pkgs))
	for i, p := range pkgs {
		entries[i] = store.CatalogueEntry{ID: int64(i), Package: p}
	}
	evs, err := m.evaluate(ctx, h.OSGroup, d, entries)
	if err != nil {
		return nil, err
	}
	var fs []model.Finding
	for _, e := range evs {
		p := pkgs[e.PackageID]
		for _, v := range e.Verdicts {
			if v.Kernel != "" && v.Kernel != h.Kernel {
				continue
			}
			fs = append(fs, model.Finding{CVE: v.CVE, Package: p.Name, Version: p.Version, Arch: p.Arch})
		}
	}
	if len(fs) == 0 {
		return nil, nil
	}
	return m.answerLines(ctx, h, fs, all)
}
