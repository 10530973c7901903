package match_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// bullseye is the OS group of every host of these tests.
const bullseye = "debian:11"

// t0 is the time of the first report; later steps add hours.
var t0 = time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)

// fixture is a real SQLite store with a matcher on it.
type fixture struct {
	t   *testing.T
	ctx context.Context
	s   *store.Store
	m   *match.Matcher
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	s := testdb.Open(t)
	f := &fixture{t: t, ctx: ctx, s: s, now: t0}
	f.m = f.matcher()
	return f
}

// matcher returns a matcher on f's store with f's clock: another server
// on the same database when f.m is one already.
func (f *fixture) matcher() *match.Matcher {
	return &match.Matcher{Store: f.s, Drivers: drivers.Registry(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return f.now }}
}

// importDebian loads documents (the tracker's formats, told apart by the
// Debian source as an import does) as the "debian" source's records in
// force, and re-evaluates what changed as the importer does. It returns the
// changed keys.
func (f *fixture) importDebian(docs ...string) []store.AdvisoryKey {
	f.t.Helper()
	src := debian.New()
	res, err := f.s.ReplaceAdvisories(f.ctx, store.ImportRun{Source: "debian", StartedAt: f.now},
		func(add func(model.Advisory) error) error {
			for i, d := range docs {
				doc := source.Document{Name: fmt.Sprintf("doc%d", i), Body: strings.NewReader(d)}
				if err := src.Parse(f.ctx, doc, add); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.m.AfterImport(f.ctx, res.Changed); err != nil {
		f.t.Fatal(err)
	}
	return res.Changed
}

// importIndex loads a Packages index for group as the importer does
// (origin packages-index) and calls AfterIndex.
func (f *fixture) importIndex(group, text string) {
	f.t.Helper()
	var bs []store.BinarySource
	_, err := debian.ParsePackagesIndex(f.ctx, strings.NewReader(text), func(b debian.Binary) error {
		bs = append(bs, store.BinarySource{Name: b.Name, Version: b.Version, SourceName: b.Source,
			SourceVersion: b.SourceVersion, Origin: match.BasisPackagesIndex})
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.s.LearnBinarySources(f.ctx, group, bs); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.m.AfterIndex(f.ctx, []string{group}); err != nil {
		f.t.Fatal(err)
	}
}

// report stores a report of hostname as intake does (a protocol-6 report
// when the packages carry their source) and evaluates it with AfterReport.
func (f *fixture) report(hostname, kernel string, pkgs []model.Package) store.Saved {
	f.t.Helper()
	return f.reportTo(f.m, hostname, kernel, pkgs)
}

// reportTo is report evaluated by m (another server on the same
// database).
func (f *fixture) reportTo(m *match.Matcher, hostname, kernel string, pkgs []model.Package) store.Saved {
	f.t.Helper()
	pkgs = report.SortPackages(append([]model.Package(nil), pkgs...))
	protocol := 5
	for _, p := range pkgs {
		if p.SourceName != "" {
			protocol = 6
		}
	}
	in := store.Incoming{
		Host: model.Host{Hostname: hostname, Site: "SITE-A", OS: "Debian GNU/Linux 11 (bullseye)", Arch: "x86_64",
			Kernel: kernel, Packager: "dpkg", Protocol: protocol, OSGroup: bullseye},
		Packages:   pkgs,
		SetHash:    report.PackageSetHash(pkgs),
		HeaderHash: "header-" + hostname + "-" + kernel,
		ReceivedAt: f.now,
	}
	saved, err := f.s.SaveReport(f.ctx, in)
	if err != nil {
		f.t.Fatal(err)
	}
	var learn []model.Package
	if protocol == 6 && saved.NewSet {
		learn = pkgs
	}
	// As intake does: a new host's state comes with the save.
	if saved.State != nil {
		err = m.AfterSave(f.ctx, *saved.State, learn)
	} else {
		err = m.AfterReport(f.ctx, hostname, bullseye, learn)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return saved
}

// findings returns a host's findings (resolved ones too when history).
func (f *fixture) findings(hostname string, history bool) []model.Finding {
	f.t.Helper()
	fs, err := f.s.HostFindings(f.ctx, store.AllSites(), hostname, history)
	if err != nil {
		f.t.Fatal(err)
	}
	return fs
}

// host returns a stored host.
func (f *fixture) host(hostname string) model.Host {
	f.t.Helper()
	h, err := f.s.Host(f.ctx, store.AllSites(), hostname)
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

// testdata reads a file of testdata/.
func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dsaEntry returns the whole entry of id in a DSA list text.
func dsaEntry(t *testing.T, list, id string) string {
	t.Helper()
	start := strings.Index(list, "] "+id+" ")
	if start < 0 {
		t.Fatalf("%s not in the list", id)
	}
	start = strings.LastIndexByte(list[:start], '\n') + 1
	end := strings.Index(list[start+1:], "\n[")
	if end < 0 {
		return list[start:]
	}
	return list[start : start+1+end+1]
}

// withoutEntry returns list without the entry of id.
func withoutEntry(t *testing.T, list, id string) string {
	t.Helper()
	e := dsaEntry(t, list, id)
	out := strings.Replace(list, e, "", 1)
	if out == list {
		t.Fatalf("%s not removed", id)
	}
	return out
}

// pkg is an installed package; src and srcVersion are empty in a
// protocol-5 report.
func pkg(name, version, src, srcVersion string) model.Package {
	return model.Package{Name: name, Version: version, Arch: "amd64", SourceName: src, SourceVersion: srcVersion}
}

// sortFindings orders findings as HostFindings does: by package name,
// version, CVE.
func sortFindings(fs []model.Finding) {
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.CVE < b.CVE
	})
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// dropSomeEntries is list without about a third of entries, drawn by rng
// (a data update of the property tests), and the entries it left out.
func dropSomeEntries(t *testing.T, rng *rand.Rand, list string, entries []string) (string, []string) {
	t.Helper()
	var left []string
	for _, e := range entries {
		if rng.IntN(3) == 0 {
			list = withoutEntry(t, list, e)
			left = append(left, e)
		}
	}
	return list, left
}
