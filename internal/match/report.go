package match

import (
	"context"
	"sort"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// AfterReport learns the binary -> source map from a protocol-6 report
// (pkgs with source; nil otherwise) when the group's driver reads that map,
// and evaluates the host.
func (m *Matcher) AfterReport(ctx context.Context, hostname, group string, pkgs []model.Package) error {
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
	}
	_, err := m.EvaluateHosts(ctx, []string{hostname})
	return err
}

// ReportLines answers a store-and-report client: one line per open
// finding, "name<TAB>version<TAB>arch<TAB>CVE<TAB>tag" (protocol.md).
// CVE tags are not there yet, so the tag column is empty.
func (m *Matcher) ReportLines(ctx context.Context, hostname string) ([]string, error) {
	fs, err := m.Store.HostFindings(ctx, store.AllSites(), hostname, false)
	if err != nil {
		return nil, err
	}
	lines := make([]string, 0, len(fs))
	for _, f := range fs {
		lines = append(lines, strings.Join([]string{f.Package, f.Version, f.Arch, f.CVE, ""}, "\t"))
	}
	return lines, nil
}

// CheckLines evaluates a package list without storing anything (a
// report-only client) and answers as ReportLines does.
func (m *Matcher) CheckLines(ctx context.Context, group, kernel string, pkgs []model.Package) ([]string, error) {
	d, ok := m.Drivers.For(group)
	if !ok {
		return nil, nil
	}
	entries := make([]store.CatalogueEntry, len(pkgs))
	for i, p := range pkgs {
		entries[i] = store.CatalogueEntry{ID: int64(i), Package: p}
	}
	evs, err := m.evaluate(ctx, group, d, entries)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, e := range evs {
		p := pkgs[e.PackageID]
		for _, v := range e.Verdicts {
			if v.Kernel != "" && v.Kernel != kernel {
				continue
			}
			lines = append(lines, strings.Join([]string{p.Name, p.Version, p.Arch, v.CVE, ""}, "\t"))
		}
	}
	sort.Strings(lines)
	return lines, nil
}
