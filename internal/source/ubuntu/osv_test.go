package ubuntu

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// osvFiles are the real Ubuntu OSV records of testdata/osv, in name order.
func osvFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/osv/*.json")
	if err != nil || len(files) != 11 {
		t.Fatalf("testdata/osv: %d files (%v), want the 11 of PROVENANCE.tsv", len(files), err)
	}
	return files
}

// parseOSVFiles parses the files one by one, as the framework hands over
// a directory given on the command line.
func parseOSVFiles(t *testing.T, emit func(model.Advisory) error) (OSVStats, error) {
	var all OSVStats
	for _, f := range osvFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		st, err := ParseOSV(context.Background(), bytes.NewReader(data), filepath.Base(f), emit)
		if err != nil {
			return all, err
		}
		all.Files += st.Files
		all.Vulns += st.Vulns
		all.Records += st.Records
		all.MultiFixed += st.MultiFixed
		for k, n := range st.Skipped {
			for range n {
				all.Skip(k)
			}
		}
	}
	return all, nil
}

func TestGoldenOSV(t *testing.T) {
	g := sourcetest.Records(t, func(emit func(model.Advisory) error) (OSVStats, error) {
		return parseOSVFiles(t, emit)
	}, checkAdvisory, func(st OSVStats) int { return st.Records })
	sourcetest.Golden(t, "testdata/osv.golden.json", g)

	// The same records as a zip (osv.dev's export form) and a tar (the
	// form of Ubuntu's osv-all.tar.xz, undone by the framework), through
	// Source.Parse.
	var zbuf, tbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	tw := tar.NewWriter(&tbuf)
	for _, f := range osvFiles(t) {
		data, _ := os.ReadFile(f)
		w, err := zw.Create("osv/cve/" + filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "osv/" + filepath.Base(f), Mode: 0o644, Size: int64(len(data))})
		tw.Write(data)
	}
	zw.Close()
	tw.Close()
	for name, data := range map[string][]byte{"osv-all.zip": zbuf.Bytes(), "osv-all.tar": tbuf.Bytes()} {
		var got []model.Advisory
		tl := data
		err := New().Parse(context.Background(), source.Document{Name: name, Body: bytes.NewReader(tl)}, func(a model.Advisory) error {
			got = append(got, a)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(g.Records, got); diff != "" {
			t.Errorf("%s differs from the files one by one (-files +archive):\n%s", name, diff)
		}
		cov := New().Coverage(source.Parsed{Head: data[:min(len(data), source.HeadSize)], Packages: map[string]int{"ubuntu:18.04": 3}})
		if cov.Part != "osv" {
			t.Errorf("%s: part %q, want osv", name, cov.Part)
		}
	}
	// A record alone is part osv too, complete for nothing however many
	// packages it names; the tracker keeps its own part.
	data, _ := os.ReadFile(osvFiles(t)[0])
	if cov := New().Coverage(source.Parsed{Head: data, Packages: map[string]int{"ubuntu:18.04": 900}}); cov.Part != "osv" || len(cov.Complete) != 0 {
		t.Errorf("one OSV record: coverage %+v, want part osv, complete for nothing", cov)
	}
	if cov := New().Coverage(source.Parsed{Head: tarOf(t, "testdata/uct", "")[:512], Packages: map[string]int{"ubuntu:18.04": 900}}); cov.Part != "tracker" {
		t.Errorf("tracker tarball: coverage %+v, want part tracker", cov)
	}
}

// TestOSVRecords checks records written by hand from the OSV files (file,
// ecosystem, entry).
func TestOSVRecords(t *testing.T) {
	var got []model.Advisory
	if _, err := parseOSVFiles(t, func(a model.Advisory) error {
		got = append(got, a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	type rec struct {
		Source, OSGroup, Package, CVE, FixedVersion string
		Status                                      model.Status
		AdvisoryID, Severity                        string
	}
	find := func(group, pkg, cve, origin string) []rec {
		var out []rec
		for _, a := range got {
			if a.OSGroup == group && a.Package == pkg && a.CVE == cve && a.Source == origin {
				out = append(out, rec{a.Source, a.OSGroup, a.Package, a.CVE, a.FixedVersion, a.Status, a.AdvisoryID, a.Severity})
			}
		}
		return out
	}
	for _, c := range []struct {
		name                    string
		group, pkg, cve, origin string
		want                    []rec
	}{
		// UBUNTU-CVE-2022-24823: "Ubuntu:Pro:18.04:LTS" netty fixed 1:4.1.7-4ubuntu0.1+esm3,
		// availability "Available with Ubuntu Pro": esm-apps, and the view without Pro.
		{"pro fix", "ubuntu:18.04", "netty", "CVE-2022-24823", OriginESMApps,
			[]rec{{OriginESMApps, "ubuntu:18.04", "netty", "CVE-2022-24823", "1:4.1.7-4ubuntu0.1+esm3", model.StatusFixed, "", "low"}}},
		{"without pro", "ubuntu:18.04", "netty", "CVE-2022-24823", "ubuntu-without-esm-apps",
			[]rec{{"ubuntu-without-esm-apps", "ubuntu:18.04", "netty", "CVE-2022-24823", "1:4.1.7-4ubuntu0.1+esm3", model.StatusAffected, "", "low"}}},
		// Same file: "Ubuntu:25.10" netty introduced 0 only: a non-LTS release, affected.
		{"interim release", "ubuntu:25.10", "netty", "CVE-2022-24823", OriginTracker,
			[]rec{{OriginTracker, "ubuntu:25.10", "netty", "CVE-2022-24823", "", model.StatusAffected, "", "low"}}},
		// UBUNTU-CVE-2005-1515: "Ubuntu:Pro:14.04:LTS" netqmail fixed ...+esm1, "(Infra-only)": esm-infra.
		{"infra-only", "ubuntu:14.04", "netqmail", "CVE-2005-1515", OriginESMInfra,
			[]rec{{OriginESMInfra, "ubuntu:14.04", "netqmail", "CVE-2005-1515", "1.06-6.2~deb10u1build0.14.04.1+esm1", model.StatusFixed, "", "medium"}}},
		// UBUNTU-CVE-2016-2781: "Ubuntu:Pro:18.04:LTS" coreutils introduced 0 only, ubuntu_priority low:
		// no fix for anyone, the release's record.
		{"pro without fix", "ubuntu:18.04", "coreutils", "CVE-2016-2781", OriginTracker,
			[]rec{{OriginTracker, "ubuntu:18.04", "coreutils", "CVE-2016-2781", "", model.StatusAffected, "", "low"}}},
		// UBUNTU-CVE-2024-2236 (severity Ubuntu "low"): "Ubuntu:Pro:FIPS-updates:22.04:LTS" libgcrypt20, no fix.
		{"fips-updates", "ubuntu:22.04", "libgcrypt20", "CVE-2024-2236", OriginFIPSUpdates,
			[]rec{{OriginFIPSUpdates, "ubuntu:22.04", "libgcrypt20", "CVE-2024-2236", "", model.StatusAffected, "", "low"}}},
		// UBUNTU-CVE-2014-2901 is withdrawn: no record.
		{"withdrawn", "ubuntu:16.04", "wolfssl", "CVE-2014-2901", OriginTracker, nil},
		// USN-5614-1: upstream "UBUNTU-CVE-2021-3782", "Ubuntu:18.04:LTS" wayland fixed 1.16.0-1ubuntu1.1~18.04.4;
		// UBUNTU-CVE-2021-3782 says the same (severity Ubuntu medium).
		{"usn", "ubuntu:18.04", "wayland", "CVE-2021-3782", OriginTracker, []rec{
			{OriginTracker, "ubuntu:18.04", "wayland", "CVE-2021-3782", "1.16.0-1ubuntu1.1~18.04.4", model.StatusFixed, "", "medium"},
			{OriginTracker, "ubuntu:18.04", "wayland", "CVE-2021-3782", "1.16.0-1ubuntu1.1~18.04.4", model.StatusFixed, "USN-5614-1", ""},
		}},
		// LSN-0108-1: "Ubuntu:Pro:18.04:LTS" linux-aws fixed 4.15.0-1176.189, related CVE-2024-26800...
		{"livepatch", "ubuntu:18.04", "linux-aws", "CVE-2024-26800", OriginLivepatch,
			[]rec{{OriginLivepatch, "ubuntu:18.04", "linux-aws", "CVE-2024-26800", "4.15.0-1176.189", model.StatusFixed, "LSN-0108-1", ""}}},
	} {
		if diff := cmp.Diff(c.want, find(c.group, c.pkg, c.cve, c.origin)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	// No livepatch record has a without-Pro twin; no CVE field holds an
	// UBUNTU-CVE or USN id.
	for _, a := range got {
		if !cveID.MatchString(a.CVE) {
			t.Errorf("record with CVE %q", a.CVE)
		}
		if IsWithoutPro(a.Source) && a.Package == "linux-aws" {
			t.Errorf("livepatch record got a without-Pro twin: %+v", a)
		}
	}
}

func FuzzParseOSV(f *testing.F) {
	for _, p := range osvFiles(f) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseOSVBinaries(context.Background(), bytes.NewReader(data), "fuzz.json", func(a model.Advisory) error {
			checkAdvisory(t, a)
			n++
			return nil
		}, func(group string, b source.Binary) error {
			if !strings.HasPrefix(group, osGroupPrefix) || b.Name == "" || b.Version == "" || b.SourceName == "" || b.SourceVersion == "" {
				t.Errorf("binary %+v of group %q", b, group)
			}
			return nil
		})
		if err == nil && st.Records != n {
			t.Errorf("Stats.Records = %d, emitted %d", st.Records, n)
		}
	})
}

// TestHousekeepingPart: the PROVENANCE.tsv of a folder of OSV records
// (shared osv-samples has one) must not fill the tracker's part, which
// would drop the tracker's records when the folder is imported; they
// share part "housekeeping" (a tracker directory has 90 of them).
func TestHousekeepingPart(t *testing.T) {
	for _, name := range []string{"PROVENANCE.tsv", "README.md", "Makefile", "00boilerplate.linux"} {
		if cov := New().Coverage(source.Parsed{Name: name, Head: []byte("file\trepository\n")}); cov.Part != "housekeeping" || len(cov.Complete) > 0 {
			t.Errorf("%s fills part %q complete for %v, want housekeeping, nothing", name, cov.Part, cov.Complete)
		}
		if err := New().Parse(context.Background(), source.Document{Name: name, Body: bytes.NewReader([]byte("file\trepository\n"))},
			func(model.Advisory) error { return nil }); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestEcosystem(t *testing.T) {
	for _, c := range []struct {
		eco, availability      string
		livepatch              bool
		group, origin, skipped string
	}{
		{"Ubuntu:22.04:LTS", "No subscription required", false, "ubuntu:22.04", OriginTracker, ""},
		{"Ubuntu:25.10", "", false, "ubuntu:25.10", OriginTracker, ""},
		{"Ubuntu:Pro:16.04:LTS", "Available with Ubuntu Pro (Infra-only): https://ubuntu.com/pro", false, "ubuntu:16.04", OriginESMInfra, ""},
		{"Ubuntu:Pro:18.04:LTS", "Available with Ubuntu Pro: https://ubuntu.com/pro", false, "ubuntu:18.04", OriginESMApps, ""},
		{"Ubuntu:Pro:18.04:LTS", "Livepatch subscription required", false, "ubuntu:18.04", OriginLivepatch, ""},
		{"Ubuntu:Pro:14.04:LTS", "", true, "ubuntu:14.04", OriginLivepatch, ""},
		{"Ubuntu:Pro:14.04:LTS", "", false, "ubuntu:14.04", OriginPro, ""},
		{"Ubuntu:Pro:FIPS:18.04:LTS", "", false, "ubuntu:18.04", OriginFIPS, ""},
		{"Ubuntu:Pro:FIPS-updates:24.04:LTS", "", false, "ubuntu:24.04", OriginFIPSUpdates, ""},
		{"Ubuntu:Pro:FIPS-preview:22.04:LTS", "", false, "ubuntu:22.04", OriginFIPSPreview, ""},
		{"Ubuntu:Pro:Realtime:22.04:LTS", "", false, "", "", `unknown channel "Ubuntu:Pro:Realtime:22.04:LTS"`},
		{"Ubuntu:99.04", "", false, "", "", `unknown Ubuntu release in ecosystem "Ubuntu:99.04"`},
		{"Debian:12", "", false, "", "", skipNotUbuntu},
		{"Ubuntu", "", false, "", "", skipNotUbuntu},
		{"Ubuntu:LTS", "", false, "", "", skipNotUbuntu},
		{"Ubuntu::", "", false, "", "", `unknown Ubuntu release in ecosystem "Ubuntu::"`},
	} {
		g, o, skip := ecosystem(c.eco, c.availability, c.livepatch)
		if g != c.group || o != c.origin || skip != c.skipped {
			t.Errorf("ecosystem(%q, %q, %v) = %q, %q, %q; want %q, %q, %q", c.eco, c.availability, c.livepatch, g, o, skip, c.group, c.origin, c.skipped)
		}
	}
}
