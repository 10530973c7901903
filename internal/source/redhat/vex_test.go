package redhat

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

type vexGolden = sourcetest.Result[VEXStats]

// vexFiles are the CSAF documents of testdata (PROVENANCE.tsv).
var vexFiles = []string{"cve-2023-38545.json.gz", "cve-2023-6237.json", "cve-2023-6238.json", "cve-2023-6240.json.gz",
	"CVE-2022-24834.json.gz", "CVE-2023-28484.json.gz", "CVE-2023-6228.v2-format.json",
	"rhsa-2023_3821.json.gz", "rhsa-2024_0811.json.gz",
	"CVE-2024-6923.v2-format.json.gz", "CVE-2024-0056.v2-format.json", "rhsa-2025_23414.json.gz"}

func parseVEXFile(t testing.TB, path string) vexGolden {
	t.Helper()
	return sourcetest.Records(t, func(emit func(model.Advisory) error) (VEXStats, error) {
		return ParseVEX(sourcetest.Open(t, path), emit)
	}, checkAdvisory, func(st VEXStats) int { return st.Records })
}

// TestVEXGolden compares the records of every CSAF document of testdata
// with its golden file (go test -update rewrites them; read the diff).
func TestVEXGolden(t *testing.T) {
	for _, name := range vexFiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".json")+".golden.json")
			sourcetest.Golden(t, path, parseVEXFile(t, filepath.Join("testdata", name)), cmpopts.EquateEmpty())
		})
	}
}

// FuzzParseVEX is seeded with the real CSAF documents of testdata, whole
// and cut short; every record emitted must be one the source may emit.
func FuzzParseVEX(f *testing.F) {
	for _, name := range vexFiles {
		data := sourcetest.Read(f, filepath.Join("testdata", name))
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseVEX(bytes.NewReader(data), func(a model.Advisory) error {
			checkAdvisory(t, a)
			n++
			return nil
		})
		sourcetest.Fuzzed(t, st.Records, n, nil, err)
	})
}

// TestPlatformGroups: Red Hat's platform CPEs and product ids, from the
// documents of testdata.
func TestPlatformGroups(t *testing.T) {
	for _, tc := range []struct {
		id, cpe string
		want    []string
	}{
		{"AppStream-9.3.0.Z.MAIN", "cpe:/a:redhat:enterprise_linux:9::appstream", []string{"rhel:9"}},
		{"AppStream-9.2.0.Z.MAIN.EUS", "cpe:/a:redhat:enterprise_linux:9::appstream", []string{"rhel:9", "rhel:9.2-eus"}},
		{"BaseOS-9.0.0.Z.EUS", "cpe:/o:redhat:rhel_eus:9.0::baseos", []string{"rhel:9.0-eus"}},
		{"AppStream-8.2.0.Z.AUS", "cpe:/a:redhat:rhel_aus:8.2::appstream", []string{"rhel:8.2-aus"}},
		{"AppStream-8.4.0.Z.E4S", "cpe:/a:redhat:rhel_e4s:8.4::appstream", []string{"rhel:8.4-e4s"}},
		{"AppStream-8.4.0.Z.TUS", "cpe:/a:redhat:rhel_tus:8.4::appstream", []string{"rhel:8.4-tus"}},
		{"red_hat_enterprise_linux_8", "cpe:/o:redhat:enterprise_linux:8", []string{"rhel:8"}},
		{"rhel-10.0", "cpe:/o:redhat:enterprise_linux:10.0", []string{"rhel:10"}},
		{"rhel-9.4.z.eus", "cpe:/a:redhat:rhel_eus:9.4", []string{"rhel:9.4-eus"}},
		{"7Server-satellite-client-6", "cpe:/a:redhat:rhel_satellite_client:6::el7", nil},
		{"7Server-JBCS", "cpe:/a:redhat:jboss_core_services:1::el7", nil},
		{"rhel-7-els.els", "cpe:/o:redhat:rhel_els:7", nil},
		{"red_hat_enterprise_linux_4", "cpe:/o:redhat:enterprise_linux:4", nil},
	} {
		if got := PlatformGroups(tc.id, tc.cpe); !cmp.Equal(got, tc.want, cmpopts.EquateEmpty()) {
			t.Errorf("PlatformGroups(%q, %q) = %q, want %q", tc.id, tc.cpe, got, tc.want)
		}
	}
}

// TestVEXRecordsByHand checks records written from the documents' text.
func TestVEXRecordsByHand(t *testing.T) {
	type key struct {
		file, group, pkg, cve, module, fixed string
		status                               model.Status
	}
	want := map[key]model.Advisory{
		// cve-2023-38545.json: fixed "BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.x86_64" (and
		// .aarch64, .ppc64le, .s390x; BaseOS-9.3.0.Z.MAIN is cpe:/o:redhat:enterprise_linux:9::baseos),
		// vendor_fix 2023-10-13... "url": "https://access.redhat.com/errata/RHSA-2023:6745"
		// (date 2023-11-07), impact "Important". RHSA-2023:5763's el9_2.4 is a second rhel:9 record.
		{"cve-2023-38545.json.gz", "rhel:9", "curl", "CVE-2023-38545", "", "0:7.76.1-26.el9_3.2", model.StatusFixed}: {
			Source: VEXSourceName, OSGroup: "rhel:9", Package: "curl", CVE: "CVE-2023-38545", FixedVersion: "0:7.76.1-26.el9_3.2",
			Status: model.StatusFixed, Severity: "important", AdvisoryID: "RHSA-2023:6745", Arch: "aarch64|ppc64le|s390x|x86_64",
			Description: "curl: heap based buffer overflow in the SOCKS5 proxy handshake", Published: day("2023-11-07")},
		// cve-2023-6237.json: purl "pkg:rpm/redhat/openssl@3.0.7-27.el9?arch=x86_64&epoch=1" (line 722),
		// fixed "AppStream-9.4.0.GA:openssl-1:3.0.7-27.el9.x86_64", vendor_fix RHSA-2024:2447 (no date:
		// current_release_date 2024-08-02), impact "Low".
		{"cve-2023-6237.json", "rhel:9", "openssl", "CVE-2023-6237", "", "1:3.0.7-27.el9", model.StatusFixed}: {
			Source: VEXSourceName, OSGroup: "rhel:9", Package: "openssl", CVE: "CVE-2023-6237", FixedVersion: "1:3.0.7-27.el9",
			Status: model.StatusFixed, Severity: "low", AdvisoryID: "RHSA-2024:2447", Arch: "aarch64|ppc64le|s390x|x86_64",
			Description: "openssl: Excessive time spent checking invalid RSA public keys", Published: day("2024-08-02")},
		// cve-2023-6240.json: known_affected "red_hat_enterprise_linux_7:kernel" (line 26928),
		// remediation no_fix_planned "details": "Out of support scope" (line 29008), impact "Moderate",
		// "current_release_date": "2024-06-20T01:13:21+00:00" (line 40).
		{"cve-2023-6240.json.gz", "rhel:7", "kernel", "CVE-2023-6240", "", "", model.StatusEndOfLife}: {
			Source: VEXSourceName, OSGroup: "rhel:7", Package: "kernel", CVE: "CVE-2023-6240", Status: model.StatusEndOfLife,
			Severity: "moderate", Note: "out of support scope", Published: day("2024-06-20"),
			Description: "kernel: Marvin vulnerability side-channel leakage in the RSA decryption operation"},
		// rhsa-2023_3821.json (RHSA-2023:3821 ruby:2.7): fixed "AppStream-8.8.0.Z.MAIN.EUS:ruby-0:2.7.8-139.module+el8.8.0+18745+f1bef313.x86_64",
		// purl rpmmod=ruby:2.7:8080020230427102918:63b34585; CVE-2023-28755 impact "Moderate"; no vendor_fix
		// url names another advisory, so the document's id; vendor_fix date 2023-06-27.
		{"rhsa-2023_3821.json.gz", "rhel:8.8-eus", "ruby", "CVE-2023-28755", "ruby:2.7", "0:2.7.8-139.module+el8.8.0+18745+f1bef313", model.StatusFixed}: {
			Source: VEXSourceName, OSGroup: "rhel:8.8-eus", Package: "ruby", CVE: "CVE-2023-28755",
			FixedVersion: "0:2.7.8-139.module+el8.8.0+18745+f1bef313", Status: model.StatusFixed, Severity: "moderate",
			AdvisoryID: "RHSA-2023:3821", Arch: "aarch64|i686|ppc64le|s390x|x86_64", Module: "ruby:2.7",
			Description: "ruby: ReDoS vulnerability in URI", Published: day("2023-06-27")},
	}
	got := map[key][]model.Advisory{}
	for _, file := range vexFiles {
		for _, a := range parseVEXFile(t, filepath.Join("testdata", file)).Records {
			k := key{file, a.OSGroup, a.Package, a.CVE, a.Module, a.FixedVersion, a.Status}
			got[k] = append(got[k], a)
		}
	}
	for k, w := range want {
		if len(got[k]) != 1 {
			t.Errorf("%v: %d records, want 1", k, len(got[k]))
			continue
		}
		if diff := cmp.Diff(w, got[k][0]); diff != "" {
			t.Errorf("%v (-want +got):\n%s", k, diff)
		}
	}
}

// BenchmarkParseVEX reads the largest CSAF document of testdata (the
// kernel's CVE-2023-6240, 1.9 MB) held in memory.
func BenchmarkParseVEX(b *testing.B) {
	data := sourcetest.Read(b, filepath.Join("testdata", "cve-2023-6240.json.gz"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseVEX(bytes.NewReader(data), func(model.Advisory) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestArchiveGolden reads the real bulk VEX archive excerpt (a tar.zst
// of 2023/cve-*.json as Red Hat serves it) through the source, as an
// import does, and compares its records with the golden file.
func TestArchiveGolden(t *testing.T) {
	path := filepath.Join("testdata", "csaf_vex_2023-10-31.excerpt.tar.zst")
	g := sourcetest.Records(t, func(emit func(model.Advisory) error) (ArchiveStats, error) {
		return ParseArchive(context.Background(), sourcetest.Open(t, path), emit)
	}, checkAdvisory, func(st ArchiveStats) int { return st.Records })
	if g.Stats.Documents != 5 {
		t.Errorf("%d documents, want the archive's 5 (2023/cve-2023-0030.json ... cve-2023-0051.json)", g.Stats.Documents)
	}
	sourcetest.Golden(t, filepath.Join("testdata", "csaf_vex_2023-10-31.excerpt.golden.json"), g, cmpopts.EquateEmpty())
	// 2023/cve-2023-0049.json (a 2023 document: components without purls): known_affected
	// "red_hat_enterprise_linux_9:vim" (line 202), no_fix_planned "details": "Will not fix"
	// (line 253), impact "Low", title "out-of-bounds read in function build_stl_str_hl",
	// current_release_date 2023-07-08.
	want := model.Advisory{Source: VEXSourceName, OSGroup: "rhel:9", Package: "vim", CVE: "CVE-2023-0049",
		Status: model.StatusWillNotFix, Severity: "low", Note: "will not fix", Published: day("2023-07-08"),
		Description: "out-of-bounds read in function build_stl_str_hl"}
	found := false
	for _, a := range g.Records {
		if a.OSGroup == want.OSGroup && a.Package == want.Package && a.CVE == want.CVE {
			found = true
			if diff := cmp.Diff(want, a); diff != "" {
				t.Errorf("CVE-2023-0049 vim rhel:9 (-want +got):\n%s", diff)
			}
		}
	}
	if !found {
		t.Error("no record of CVE-2023-0049 vim rhel:9")
	}
	// Through Parse, told apart by content, the same records.
	n := 0
	err := New().Parse(context.Background(), source.Document{Name: "csaf_vex_2023-10-31.tar.zst", Body: sourcetest.Open(t, path)},
		func(model.Advisory) error { n++; return nil })
	if err != nil || n != len(g.Records) {
		t.Errorf("Parse: %d records, %v; want %d", n, err, len(g.Records))
	}
	if c := New().Coverage(source.Parsed{Name: "csaf_vex_2023-10-31.tar.zst", Head: sourcetest.Read(t, path)[:16]}); c.Part != "csaf archive" || len(c.Complete) != 0 {
		t.Errorf("coverage %+v, want part csaf archive, complete for nothing", c)
	}
}

// FuzzParseArchive is seeded with the real bulk VEX archive excerpt, whole
// and cut short.
func FuzzParseArchive(f *testing.F) {
	data := sourcetest.Read(f, filepath.Join("testdata", "csaf_vex_2023-10-31.excerpt.tar.zst"))
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := ParseArchive(context.Background(), bytes.NewReader(data), func(a model.Advisory) error {
			checkAdvisory(t, a)
			n++
			return nil
		})
		sourcetest.Fuzzed(t, st.Records, n, nil, err)
	})
}
