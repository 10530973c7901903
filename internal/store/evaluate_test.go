package store

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/version"
)

// The verdicts of these tests are written from real DSA lines
// (shared/data/feeds/debian/DSA-list.txt.gz):
//
//	DSA-5343-1 openssl {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286} [bullseye] - openssl 1.1.1n-0+deb11u4
//	DSA-5218-1 zlib {CVE-2022-37434} [bullseye] - zlib 1:1.2.11.dfsg-2+deb11u2
//	DSA-5324-1 linux {CVE-2022-2873 ...} [bullseye] - linux 5.10.162-1
//
// The store does not decide verdicts (internal/match does): here they are
// given, one CVE per source, to test how the store keeps and drops them.
var (
	evOpenSSLVerdict = Verdict{CVE: "CVE-2023-0286", Status: model.StatusFixed, FixedVersion: "1.1.1n-0+deb11u4",
		AdvisoryID: "DSA-5343-1", Origin: "debian-dsa"}
	evZlibVerdict = Verdict{CVE: "CVE-2022-37434", Status: model.StatusFixed, FixedVersion: "1:1.2.11.dfsg-2+deb11u2",
		AdvisoryID: "DSA-5218-1", Origin: "debian-dsa"}
	evLinuxVerdict = Verdict{CVE: "CVE-2023-0266", Status: model.StatusFixed, FixedVersion: "5.10.162-1",
		AdvisoryID: "DSA-5324-1", Origin: "debian-dsa"}
)

const evGroup = "debian:11"

// evHost is a bullseye host with openssl (two binaries), zlib and two
// kernel images, at versions Debian published; it runs 5.10.0-19-amd64.
var evHost = []model.Package{
	{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Arch: "amd64", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u3"},
	{Name: "openssl", Version: "1.1.1n-0+deb11u3", Arch: "amd64", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u3"},
	{Name: "zlib1g", Version: "1:1.2.11.dfsg-2+deb11u1", Arch: "amd64", SourceName: "zlib", SourceVersion: "1:1.2.11.dfsg-2+deb11u1"},
	{Name: "linux-image-5.10.0-18-amd64", Version: "5.10.140-1", Arch: "amd64", SourceName: "linux-signed-amd64", SourceVersion: "5.10.140+1"},
	{Name: "linux-image-5.10.0-19-amd64", Version: "5.10.149-2", Arch: "amd64", SourceName: "linux-signed-amd64", SourceVersion: "5.10.149+2"},
}

// evStored is a store holding evHost, evaluated as the matcher would:
// openssl from the report, zlib1g by binary name (a protocol-5 view),
// the kernel images with their release.
type evStored struct {
	s    *Store
	host HostState
	ids  map[string]int64 // package name -> catalogue id
}

func evSetup(t *testing.T) evStored {
	t.Helper()
	ctx := context.Background()
	s := openTest(t)
	pkgs := report.SortPackages(append([]model.Package(nil), evHost...))
	if _, err := s.SaveReport(ctx, Incoming{
		Host: model.Host{Hostname: "ev.example.org", Site: "SITE-A", Kernel: "5.10.0-19-amd64", Protocol: 6,
			OSGroup: evGroup},
		Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "h", ReceivedAt: t0,
	}); err != nil {
		t.Fatal(err)
	}
	hosts, err := s.HostStates(ctx, []string{"ev.example.org"}, nil)
	if err != nil || len(hosts) != 1 {
		t.Fatalf("host states: %v %v", hosts, err)
	}
	st := evStored{s: s, host: hosts[0], ids: map[string]int64{}}
	pending, marked, err := s.Unevaluated(ctx, evGroup, st.host.SetID)
	if err != nil || marked || len(pending) != len(evHost) {
		t.Fatalf("unevaluated: %d pending, marked %v, %v", len(pending), marked, err)
	}
	var evs []Evaluation
	for _, p := range pending {
		st.ids[p.Name] = p.ID
		e := Evaluation{PackageID: p.ID, SourceName: p.SourceName, SourceVersion: p.SourceVersion, Basis: "report"}
		switch p.SourceName {
		case "openssl":
			e.Verdicts = []Verdict{evOpenSSLVerdict}
		case "zlib":
			e.SourceName, e.Basis = "zlib1g", "binary-name"
			e.Verdicts = []Verdict{evZlibVerdict}
		default: // the kernel images
			v := evLinuxVerdict
			v.Kernel = p.Name[len("linux-image-"):]
			e.SourceName, e.SourceVersion, e.Verdicts = "linux", p.Version, []Verdict{v}
		}
		evs = append(evs, e)
	}
	if err := s.SaveEvaluations(ctx, evGroup, evs); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSetEvaluated(ctx, evGroup, st.host.SetID); err != nil {
		t.Fatal(err)
	}
	st.refresh(t, t0, 4, 0)
	return st
}

// refresh runs RefreshFindings at now and checks how many opened and
// resolved.
func (st evStored) refresh(t *testing.T, now time.Time, opened, resolved int64) {
	t.Helper()
	o, r, err := refreshFindings(context.Background(), st.s, st.host.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if o != opened || r != resolved {
		t.Errorf("RefreshFindings opened %d, resolved %d; want %d, %d", o, r, opened, resolved)
	}
}

// open returns "package CVE" of the host's open findings.
func (st evStored) open(t *testing.T) []string {
	t.Helper()
	fs, err := st.s.HostFindings(context.Background(), AllSites(), "ev.example.org", false)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.Package+" "+f.CVE)
	}
	return out
}

// pending returns the names of the host's packages not evaluated, and
// whether its set is marked evaluated.
func (st evStored) pending(t *testing.T) ([]string, bool) {
	t.Helper()
	p, marked, err := st.s.Unevaluated(context.Background(), evGroup, st.host.SetID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range p {
		out = append(out, c.Name)
	}
	sort.Strings(out)
	return out, marked
}

// TestRefreshFindingsRunningKernel checks that a kernel image's verdicts
// count only when the host runs it (hosts.kernel, as uname -r prints it),
// that the other image is listed as idle, and that a reboot moves them.
func TestRefreshFindingsRunningKernel(t *testing.T) {
	ctx := context.Background()
	st := evSetup(t)
	want := []string{"libssl1.1 CVE-2023-0286", "linux-image-5.10.0-19-amd64 CVE-2023-0266", "openssl CVE-2023-0286",
		"zlib1g CVE-2022-37434"}
	if diff := cmp.Diff(want, st.open(t)); diff != "" {
		t.Errorf("open findings (-want +got):\n%s", diff)
	}
	h, err := st.s.Host(ctx, AllSites(), "ev.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if h.CVEs != 3 || h.VulnerablePackages != 4 {
		t.Errorf("host counts %d CVEs, %d packages; want 3, 4", h.CVEs, h.VulnerablePackages)
	}
	idle, err := st.s.HostIdleKernels(ctx, AllSites(), "ev.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]IdleKernel{{Package: "linux-image-5.10.0-18-amd64", Version: "5.10.140-1", CVEs: 1}}, idle); diff != "" {
		t.Errorf("idle kernels (-want +got):\n%s", diff)
	}

	// Reboot into 5.10.0-18: same packages, another kernel.
	pkgs := report.SortPackages(append([]model.Package(nil), evHost...))
	if _, err := st.s.SaveReport(ctx, Incoming{
		Host: model.Host{Hostname: "ev.example.org", Site: "SITE-A", Kernel: "5.10.0-18-amd64", Protocol: 6,
			OSGroup: evGroup},
		Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: "h2", ReceivedAt: t0.Add(time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	st.refresh(t, t0.Add(time.Hour), 1, 1)
	want = []string{"libssl1.1 CVE-2023-0286", "linux-image-5.10.0-18-amd64 CVE-2023-0266", "openssl CVE-2023-0286",
		"zlib1g CVE-2022-37434"}
	if diff := cmp.Diff(want, st.open(t)); diff != "" {
		t.Errorf("after reboot: open findings (-want +got):\n%s", diff)
	}
}

// TestInvalidate checks that the evaluations of a changed key are dropped
// with their verdicts (so the findings they gave resolve on refresh), the
// group's set marks cleared, and nothing else touched.
func TestInvalidate(t *testing.T) {
	ctx := context.Background()
	st := evSetup(t)
	groups, _, err := st.s.Invalidate(ctx, []AdvisoryKey{{OSGroup: evGroup, Package: "openssl"},
		{OSGroup: "debian:12", Package: "zlib"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(groups)
	if diff := cmp.Diff([]string{"debian:11", "debian:12"}, groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	pending, marked := st.pending(t)
	if diff := cmp.Diff([]string{"libssl1.1", "openssl"}, pending); diff != "" || marked {
		t.Errorf("after Invalidate: marked %v, pending (-want +got):\n%s", marked, diff)
	}
	st.refresh(t, t0.Add(time.Hour), 0, 2)
	want := []string{"linux-image-5.10.0-19-amd64 CVE-2023-0266", "zlib1g CVE-2022-37434"}
	if diff := cmp.Diff(want, st.open(t)); diff != "" {
		t.Errorf("open findings (-want +got):\n%s", diff)
	}
	// The resolved findings stay, with the time, the reason and the facts
	// that decided them (the verdict is gone, the facts are not).
	all, err := st.s.HostFindings(ctx, AllSites(), "ev.example.org", true)
	if err != nil {
		t.Fatal(err)
	}
	var resolved []model.Finding
	for _, f := range all {
		if f.ResolvedAt != nil {
			resolved = append(resolved, f)
		}
	}
	res := t0.Add(time.Hour)
	facts := func(pkg string) model.Finding {
		return model.Finding{CVE: "CVE-2023-0286", Package: pkg, Version: "1.1.1n-0+deb11u3", Arch: "amd64",
			SourcePackage: "openssl", SourceVersion: "1.1.1n-0+deb11u3", Basis: "report", FixedVersion: "1.1.1n-0+deb11u4",
			Status: StatusResolved, VendorStatus: model.StatusFixed, AdvisoryID: "DSA-5343-1", Origin: "debian-dsa",
			Tags: []string{}, FirstSeen: t0, ResolvedAt: &res, Resolution: ResolvedDataChanged}
	}
	wantResolved := []model.Finding{facts("libssl1.1"), facts("openssl")}
	if diff := cmp.Diff(wantResolved, resolved, evTimes); diff != "" {
		t.Errorf("resolved findings (-want +got):\n%s", diff)
	}
}

var evTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

// TestInvalidateBasis checks that only the evaluations found by the basis
// are dropped (after a Packages index, those matched by binary name).
func TestInvalidateBasis(t *testing.T) {
	st := evSetup(t)
	if err := st.s.InvalidateBasis(context.Background(), evGroup, "binary-name"); err != nil {
		t.Fatal(err)
	}
	pending, marked := st.pending(t)
	if diff := cmp.Diff([]string{"zlib1g"}, pending); diff != "" || marked {
		t.Errorf("after InvalidateBasis: marked %v, pending (-want +got):\n%s", marked, diff)
	}
	st.refresh(t, t0.Add(time.Hour), 0, 1)
	want := []string{"libssl1.1 CVE-2023-0286", "linux-image-5.10.0-19-amd64 CVE-2023-0266", "openssl CVE-2023-0286"}
	if diff := cmp.Diff(want, st.open(t)); diff != "" {
		t.Errorf("open findings (-want +got):\n%s", diff)
	}
}

// TestForgetEvaluations checks that evaluate --all starts from nothing:
// every package pending, no set marked, no verdict left.
func TestForgetEvaluations(t *testing.T) {
	st := evSetup(t)
	if err := st.s.ForgetEvaluations(context.Background()); err != nil {
		t.Fatal(err)
	}
	pending, marked := st.pending(t)
	want := []string{"libssl1.1", "linux-image-5.10.0-18-amd64", "linux-image-5.10.0-19-amd64", "openssl", "zlib1g"}
	if diff := cmp.Diff(want, pending); diff != "" || marked {
		t.Errorf("after ForgetEvaluations: marked %v, pending (-want +got):\n%s", marked, diff)
	}
	// No verdict is left behind (SetVerdicts reads them only through the
	// evaluations, so count the rows themselves).
	var verdicts int
	if err := st.s.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM verdicts`).Scan(&verdicts); err != nil || verdicts != 0 {
		t.Errorf("after ForgetEvaluations: %d verdicts left (%v)", verdicts, err)
	}
	st.refresh(t, t0.Add(time.Hour), 0, 4)
	if got := st.open(t); len(got) != 0 {
		t.Errorf("open findings without verdicts: %v", got)
	}
}

// TestMarkSetEvaluatedOnlyWhenComplete checks that a set is not marked
// while a package of it has no evaluation.
func TestMarkSetEvaluatedOnlyWhenComplete(t *testing.T) {
	ctx := context.Background()
	st := evSetup(t)
	if _, _, err := st.s.Invalidate(ctx, []AdvisoryKey{{OSGroup: evGroup, Package: "zlib1g"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := st.s.MarkSetEvaluated(ctx, evGroup, st.host.SetID); err != nil {
		t.Fatal(err)
	}
	if pending, marked := st.pending(t); marked || len(pending) != 1 {
		t.Errorf("marked %v with %v pending", marked, pending)
	}
}

// TestLookupBinarySourcesNewest checks the binary -> source lookup: the
// exact (name, version) first; else the newest other version of the
// binary by the OS group's version scheme, a report's before an index's.
// The rows are constructed (real Packages indexes give one source name per
// binary in a release, so a wrong choice would not show): each version
// names a different source so that the choice shows.
func TestLookupBinarySourcesNewest(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rows := []BinarySource{
		{Name: "exact", Version: "1.0-1", SourceName: "exact-src", SourceVersion: "1.0-1", Origin: "packages-index"},
		{Name: "text-order", Version: "9.0-1", SourceName: "src-9", SourceVersion: "9.0-1", Origin: "packages-index"},
		{Name: "text-order", Version: "10.0-1", SourceName: "src-10", SourceVersion: "10.0-1", Origin: "packages-index"},
		{Name: "text-order", Version: "10.0-1~rc1", SourceName: "src-10rc", SourceVersion: "10.0-1~rc1", Origin: "packages-index"},
		{Name: "epoch", Version: "2.0-1", SourceName: "src-no-epoch", SourceVersion: "2.0-1", Origin: "learned"},
		{Name: "epoch", Version: "1:1.0-1", SourceName: "src-epoch", SourceVersion: "1:1.0-1", Origin: "learned"},
		{Name: "learned-first", Version: "1.0-1", SourceName: "src-learned", SourceVersion: "1.0-1", Origin: "learned"},
		{Name: "learned-first", Version: "3.0-1", SourceName: "src-index", SourceVersion: "3.0-1", Origin: "packages-index"},
	}
	if err := s.LearnBinarySources(ctx, evGroup, rows); err != nil {
		t.Fatal(err)
	}
	// Another group's rows never answer.
	if err := s.LearnBinarySources(ctx, "debian:12", []BinarySource{
		{Name: "other-group", Version: "1.0-1", SourceName: "x", SourceVersion: "1.0-1", Origin: "learned"}}); err != nil {
		t.Fatal(err)
	}
	var pkgs []CatalogueEntry
	for _, p := range [][2]string{{"exact", "1.0-1"}, {"text-order", "8.0-1"}, {"epoch", "0.5-1"},
		{"learned-first", "2.0-1"}, {"unknown", "1.0-1"}, {"other-group", "1.0-1"}} {
		pkgs = append(pkgs, CatalogueEntry{Package: model.Package{Name: p[0], Version: p[1]}})
	}
	got, err := s.LookupBinarySources(ctx, evGroup, pkgs, version.Deb.Compare)
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]BinarySource{
		{"exact", "1.0-1"}:         {Name: "exact", Version: "1.0-1", SourceName: "exact-src", SourceVersion: "1.0-1", Origin: "packages-index", Exact: true},
		{"text-order", "8.0-1"}:    {Name: "text-order", Version: "8.0-1", SourceName: "src-10", Origin: "packages-index"},
		{"epoch", "0.5-1"}:         {Name: "epoch", Version: "0.5-1", SourceName: "src-epoch", Origin: "learned"},
		{"learned-first", "2.0-1"}: {Name: "learned-first", Version: "2.0-1", SourceName: "src-learned", Origin: "learned"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A learned mapping replaces an index's for the same binary version,
	// never the other way round.
	if err := s.LearnBinarySources(ctx, evGroup, []BinarySource{
		{Name: "exact", Version: "1.0-1", SourceName: "learned-src", SourceVersion: "1.0-1", Origin: "learned"},
		{Name: "epoch", Version: "2.0-1", SourceName: "index-src", SourceVersion: "2.0-1", Origin: "packages-index"},
	}); err != nil {
		t.Fatal(err)
	}
	got, err = s.LookupBinarySources(ctx, evGroup, []CatalogueEntry{
		{Package: model.Package{Name: "exact", Version: "1.0-1"}},
		{Package: model.Package{Name: "epoch", Version: "2.0-1"}},
	}, version.Deb.Compare)
	if err != nil {
		t.Fatal(err)
	}
	want = map[[2]string]BinarySource{
		{"exact", "1.0-1"}: {Name: "exact", Version: "1.0-1", SourceName: "learned-src", SourceVersion: "1.0-1", Origin: "learned", Exact: true},
		{"epoch", "2.0-1"}: {Name: "epoch", Version: "2.0-1", SourceName: "src-no-epoch", SourceVersion: "2.0-1", Origin: "learned", Exact: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after re-learning (-want +got):\n%s", diff)
	}
}

// TestReplaceAdvisories checks an import's switch: the changed keys (a
// record gone, a record come, nothing else), the records in force, and
// which OS groups have data.
func TestReplaceAdvisories(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	// DSA-5169-1 openssl {CVE-2022-2068} [buster] - openssl 1.1.1n-0+deb10u3, [bullseye] - openssl 1.1.1n-0+deb11u3
	dsa5169 := []model.Advisory{
		{Source: "debian-dsa", OSGroup: "debian:10", Package: "openssl", CVE: "CVE-2022-2068", FixedVersion: "1.1.1n-0+deb10u3",
			Status: model.StatusFixed, AdvisoryID: "DSA-5169-1", Description: "openssl - security update"},
		{Source: "debian-dsa", OSGroup: "debian:11", Package: "openssl", CVE: "CVE-2022-2068", FixedVersion: "1.1.1n-0+deb11u3",
			Status: model.StatusFixed, AdvisoryID: "DSA-5169-1", Description: "openssl - security update"},
	}
	// DSA-5218-1 zlib {CVE-2022-37434} [bullseye] - zlib 1:1.2.11.dfsg-2+deb11u2
	dsa5218 := model.Advisory{Source: "debian-dsa", OSGroup: "debian:11", Package: "zlib", CVE: "CVE-2022-37434",
		FixedVersion: "1:1.2.11.dfsg-2+deb11u2", Status: model.StatusFixed, AdvisoryID: "DSA-5218-1",
		Description: "zlib - security update"}
	load := func(at time.Time, recs ...model.Advisory) ImportResult {
		t.Helper()
		res, err := s.ReplaceAdvisories(ctx, ImportRun{Source: "debian", StartedAt: at,
			Locations: []Location{{Location: "DSA-list", Fingerprint: at.Format(time.RFC3339)}}},
			func(add func(model.Advisory) error) error {
				for _, a := range recs {
					if err := add(a); err != nil {
						return err
					}
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	sortKeys := cmpopts.SortSlices(func(a, b AdvisoryKey) bool { return a.OSGroup+a.Package < b.OSGroup+b.Package })

	res := load(t0, dsa5169[0], dsa5169[1], dsa5218)
	if diff := cmp.Diff([]AdvisoryKey{{"debian:10", "openssl"}, {"debian:11", "openssl"}, {"debian:11", "zlib"}}, res.Changed, sortKeys); diff != "" || res.Records != 3 {
		t.Errorf("first import: %d records; changed (-want +got):\n%s", res.Records, diff)
	}
	// The same records again: nothing changed.
	if res := load(t0.Add(time.Hour), dsa5169[0], dsa5169[1], dsa5218); len(res.Changed) != 0 {
		t.Errorf("same records: changed %v", res.Changed)
	}
	// DSA-5218-1 withdrawn (constructed: the real list kept it), and the
	// bullseye fix of DSA-5169-1 changed (constructed): two keys.
	changed := dsa5169[1]
	changed.FixedVersion = "1.1.1n-0+deb11u4"
	res = load(t0.Add(2*time.Hour), dsa5169[0], changed)
	if diff := cmp.Diff([]AdvisoryKey{{"debian:11", "openssl"}, {"debian:11", "zlib"}}, res.Changed, sortKeys); diff != "" {
		t.Errorf("withdrawal: changed (-want +got):\n%s", diff)
	}
	got, err := s.AdvisoriesFor(ctx, "debian:11", []string{"openssl", "zlib"})
	if err != nil {
		t.Fatal(err)
	}
	changed.Description = "" // kept per CVE, not per record
	if diff := cmp.Diff([]model.Advisory{changed}, got); diff != "" {
		t.Errorf("records in force (-want +got):\n%s", diff)
	}
	for group, want := range map[string]bool{"debian:10": true, "debian:11": true, "debian:12": false} {
		if has, err := s.HasData(ctx, group); err != nil || has != want {
			t.Errorf("HasData(%s) = %v, %v; want %v", group, has, err, want)
		}
	}
	info, err := s.CVE(ctx, AllSites(), "CVE-2022-37434")
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Records) != 0 || info.Description != "zlib - security update" {
		t.Errorf("withdrawn CVE: %+v", info)
	}
}
