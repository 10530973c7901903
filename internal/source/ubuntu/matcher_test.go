package ubuntu

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestDriverKey follows how an installed package becomes the source
// package the tracker files its records under.
func TestDriverKey(t *testing.T) {
	tests := []struct {
		name  string
		p     model.Package
		known *store.BinarySource
		want  match.Key
	}{
		// shared/data/inventories/ubuntu-18.04/claircore-texlive/status:
		// "Package: libssl1.1 ... Source: openssl, Version: 1.1.1-1ubuntu2.1~18.04.5".
		{"the report's source, no source version", model.Package{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5",
			Arch: "amd64", SourceName: "openssl"}, nil,
			match.Key{Name: "openssl", Version: "1.1.1-1ubuntu2.1~18.04.5", Basis: match.BasisReport, Arch: "amd64"}},
		// fanal-testdata-dpkg/status: bsdutils 1:2.31.1-0.4ubuntu3.1, "Source: util-linux (2.31.1-0.4ubuntu3.1)".
		{"the report's source and its version", model.Package{Name: "bsdutils", Version: "1:2.31.1-0.4ubuntu3.1", Arch: "amd64",
			SourceName: "util-linux", SourceVersion: "2.31.1-0.4ubuntu3.1"}, nil,
			match.Key{Name: "util-linux", Version: "2.31.1-0.4ubuntu3.1", Basis: match.BasisReport, Arch: "amd64"}},
		{"learned from a protocol-6 report", model.Package{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5", Arch: "amd64"},
			&store.BinarySource{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5", SourceName: "openssl",
				SourceVersion: "1.1.1-1ubuntu2.1~18.04.5", Origin: match.BasisLearned, Exact: true},
			match.Key{Name: "openssl", Version: "1.1.1-1ubuntu2.1~18.04.5", Basis: match.BasisLearned, Arch: "amd64"}},
		// procps 2:3.3.12-3ubuntu1.1 (fanal) and 2:3.3.12-3ubuntu1.2 (claircore): only the other version known.
		{"another version known: the binary's version", model.Package{Name: "libprocps6", Version: "2:3.3.12-3ubuntu1.2", Arch: "amd64"},
			&store.BinarySource{Name: "libprocps6", Version: "2:3.3.12-3ubuntu1.2", SourceName: "procps", Origin: match.BasisPackagesIndex},
			match.Key{Name: "procps", Version: "2:3.3.12-3ubuntu1.2", Basis: match.BasisPackagesIndex, Arch: "amd64"}},
		{"nothing known: the binary", model.Package{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5", Arch: "amd64"}, nil,
			match.Key{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5", Basis: match.BasisBinaryName, Arch: "amd64"}},
		// Kernel names and versions follow the archive (no real inventory
		// holds an image); the fix versions are those of retired/CVE-2019-18814.
		{"signed HWE image: its unsigned source", model.Package{Name: "linux-image-5.0.0-20-generic", Version: "5.0.0-20.21~18.04.1",
			Arch: "amd64", SourceName: "linux-signed-hwe", SourceVersion: "5.0.0-20.21~18.04.1"}, nil,
			match.Key{Name: "linux-hwe", Version: "5.0.0-20.21~18.04.1", Basis: match.BasisReport, Arch: "amd64"}},
		{"signed GA image learned: linux", model.Package{Name: "linux-image-4.15.0-55-generic", Version: "4.15.0-55.60", Arch: "amd64"},
			&store.BinarySource{SourceName: "linux-signed", SourceVersion: "4.15.0-55.60", Origin: match.BasisLearned, Exact: true},
			match.Key{Name: "linux", Version: "4.15.0-55.60", Basis: match.BasisLearned, Arch: "amd64"}},
		{"unsigned cloud image keeps its source", model.Package{Name: "linux-image-unsigned-4.15.0-1047-aws", Version: "4.15.0-1047.49",
			Arch: "amd64", SourceName: "linux-aws"}, nil,
			match.Key{Name: "linux-aws", Version: "4.15.0-1047.49", Basis: match.BasisReport, Arch: "amd64"}},
		{"meta package keeps its source", model.Package{Name: "linux-image-generic", Version: "4.15.0.55.57", Arch: "amd64",
			SourceName: "linux-meta"}, nil,
			match.Key{Name: "linux-meta", Version: "4.15.0.55.57", Basis: match.BasisReport, Arch: "amd64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Driver{}.Key(tt.p, tt.known)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDriverKernel(t *testing.T) {
	tests := []struct {
		p       model.Package
		class   match.KernelClass
		release string
	}{
		{model.Package{Name: "linux-image-5.0.0-20-generic", SourceName: "linux-signed-hwe"}, match.KernelImage, "5.0.0-20-generic"},
		{model.Package{Name: "linux-image-unsigned-4.15.0-1047-aws", SourceName: "linux-aws"}, match.KernelImage, "4.15.0-1047-aws"},
		{model.Package{Name: "linux-image-4.15.0-55-generic"}, match.KernelImage, "4.15.0-55-generic"}, // protocol 5
		{model.Package{Name: "linux-headers-4.15.0-55-generic", SourceName: "linux"}, match.KernelSupport, ""},
		{model.Package{Name: "linux-modules-5.0.0-20-generic", SourceName: "linux-hwe"}, match.KernelSupport, ""},
		{model.Package{Name: "linux-libc-dev"}, match.KernelSupport, ""}, // fanal-testdata-dpkg has it
		{model.Package{Name: "linux-image-generic", SourceName: "linux-meta"}, match.KernelSupport, ""},
		{model.Package{Name: "linux-firmware", SourceName: "linux-firmware"}, match.NotKernel, ""},
		{model.Package{Name: "libssl1.1", SourceName: "openssl"}, match.NotKernel, ""},
	}
	for _, tt := range tests {
		k := Driver{}.Key(tt.p, nil)
		if c, r := (Driver{}).Kernel(tt.p, k); c != tt.class || r != tt.release {
			t.Errorf("Kernel(%s from %q) = %v %q, want %v %q", tt.p.Name, tt.p.SourceName, c, r, tt.class, tt.release)
		}
	}
}

// driverRecords reads the real tracker files of testdata/matcher (members
// of the 2020 snapshot, see PROVENANCE.tsv).
func driverRecords(t *testing.T) []model.Advisory {
	t.Helper()
	files, err := filepath.Glob("testdata/matcher/*/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/matcher files: %v", err)
	}
	var recs []model.Advisory
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseCVEFile(fh, func(a model.Advisory) error { recs = append(recs, a); return nil })
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return recs
}

// found is the part of a store.Verdict the expectations name.
type found struct {
	CVE, Status, Fixed, Origin, Kernel string
}

// TestDriverVerdicts decides real records of the 2020 snapshot through
// match.Verdicts with the Ubuntu driver. The expectations are written from
// the tracker lines cited.
func TestDriverVerdicts(t *testing.T) {
	recs := driverRecords(t)
	tests := []struct {
		name  string
		group string
		p     model.Package
		want  []found
	}{
		// retired/CVE-2019-15167: "trusty_tcpdump: ignored (out of standard
		// support)", "trusty/esm_tcpdump: released (4.9.3-0ubuntu0.14.04.1+esm1)".
		// 4.9.2-0ubuntu0.14.04.1 is trusty's last own fix (retired/CVE-2017-11108).
		// The release's end-of-life, carried by the ESM fix's without-Pro
		// twin (the per-host Pro rule makes it open on an esm-infra host).
		{"release build: the release's ignored, the ESM fix named", "ubuntu:14.04",
			model.Package{Name: "tcpdump", Version: "4.9.2-0ubuntu0.14.04.1", SourceName: "tcpdump"},
			[]found{{"CVE-2019-15167", "end-of-life", "4.9.3-0ubuntu0.14.04.1+esm1", "ubuntu-without-esm-infra", ""}}},
		{"Pro, ESM fix installed: fixed", "ubuntu:14.04",
			model.Package{Name: "tcpdump", Version: "4.9.3-0ubuntu0.14.04.1+esm1", SourceName: "tcpdump"}, nil},
		// retired/CVE-2019-5436: only "trusty/esm_curl: released (7.35.0-1ubuntu2.20+esm2)";
		// trusty's own curl ends at 7.35.0-1ubuntu2.20 (active/CVE-2019-3823).
		// Below the ESM fix and with no release line: affected, the fix
		// only Pro gives named (before the twin: no finding at all).
		{"release build, ESM-only record: affected without Pro", "ubuntu:14.04",
			model.Package{Name: "libcurl3", Version: "7.35.0-1ubuntu2.20", SourceName: "curl"},
			[]found{{"CVE-2019-5436", "affected", "7.35.0-1ubuntu2.20+esm2", "ubuntu-without-esm-infra", ""}}},
		// retired/CVE-2019-5482 names trusty/esm_curl 7.35.0-1ubuntu2.20+esm3, a later ESM curl.
		{"Pro, older ESM version: the ESM fix", "ubuntu:14.04",
			model.Package{Name: "libcurl3", Version: "7.35.0-1ubuntu2.20+esm1", SourceName: "curl"},
			[]found{{"CVE-2019-5436", "fixed", "7.35.0-1ubuntu2.20+esm2", OriginESMInfra, ""}}},
		{"Pro, newer ESM version", "ubuntu:14.04",
			model.Package{Name: "libcurl3", Version: "7.35.0-1ubuntu2.20+esm3", SourceName: "curl"}, nil},
		// retired/CVE-2019-17040: "trusty_rsyslog: ignored (out of standard
		// support)", "trusty/esm_rsyslog: not-affected"; 7.4.4-1ubuntu2.3 from retired/CVE-2014-3634.
		{"no Pro: ignored holds", "ubuntu:14.04",
			model.Package{Name: "rsyslog", Version: "7.4.4-1ubuntu2.3", SourceName: "rsyslog"},
			[]found{{"CVE-2019-17040", "end-of-life", "", OriginTracker, ""}}},
		// (constructed version: an ESM rsyslog upload, to show the channel's
		// not-affected winning for a package from the channel)
		{"Pro: the channel's not-affected wins", "ubuntu:14.04",
			model.Package{Name: "rsyslog", Version: "7.4.4-1ubuntu2.3+esm1", SourceName: "rsyslog"}, nil},
		// retired/CVE-2019-18814: "bionic_linux-hwe: released (5.0.0-23.24~18.04.1)",
		// "bionic_linux: not-affected (4.13.0-16.19)".
		{"signed HWE image: linux-hwe's fix", "ubuntu:18.04",
			model.Package{Name: "linux-image-5.0.0-20-generic", Version: "5.0.0-20.21~18.04.1",
				SourceName: "linux-signed-hwe", SourceVersion: "5.0.0-20.21~18.04.1"},
			[]found{{"CVE-2019-18814", "fixed", "5.0.0-23.24~18.04.1", OriginTracker, "5.0.0-20-generic"}}},
		{"signed GA image: linux is not affected", "ubuntu:18.04",
			model.Package{Name: "linux-image-4.15.0-55-generic", Version: "4.15.0-55.60",
				SourceName: "linux-signed", SourceVersion: "4.15.0-55.60"}, nil},
		// "bionic_linux-azure: released (5.0.0-1014.14~18.04.1)"
		{"cloud image: its own source", "ubuntu:18.04",
			model.Package{Name: "linux-image-5.0.0-1012-azure", Version: "5.0.0-1012.12~18.04.1",
				SourceName: "linux-signed-azure", SourceVersion: "5.0.0-1012.12~18.04.1"},
			[]found{{"CVE-2019-18814", "fixed", "5.0.0-1014.14~18.04.1", OriginTracker, "5.0.0-1012-azure"}}},
		// linux-hwe's headers are support: records never apply.
		{"headers of the HWE kernel", "ubuntu:18.04",
			model.Package{Name: "linux-headers-5.0.0-20-generic", Version: "5.0.0-20.21~18.04.1", SourceName: "linux-hwe"}, nil},
	}
	d := Driver{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := d.Key(tt.p, nil)
			var mine []model.Advisory
			for _, a := range recs {
				if a.OSGroup == tt.group && a.Package == k.Name {
					mine = append(mine, a)
				}
			}
			var got []found
			class, release := d.Kernel(tt.p, k)
			if class != match.KernelSupport {
				for _, v := range match.Verdicts(d, k, mine) {
					if class != match.KernelImage {
						release = ""
					}
					got = append(got, found{v.CVE, string(v.Status), v.FixedVersion, v.Origin, release})
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("verdicts of %s %s as %+v (-want +got):\n%s", tt.p.Name, tt.p.Version, k, diff)
			}
		})
	}
}

func TestDriverSeverity(t *testing.T) {
	want := map[string]model.Severity{
		"untriaged": model.SeverityUnknown, "negligible": model.SeverityNegligible, "low": model.SeverityLow,
		"medium": model.SeverityMedium, "high": model.SeverityHigh, "critical": model.SeverityCritical,
		"": model.SeverityUnknown, "unimportant": model.SeverityUnknown,
	}
	for _, w := range Priorities {
		if _, ok := want[w]; !ok {
			t.Errorf("priority %q has no expectation", w)
		}
	}
	for w, s := range want {
		if got := (Driver{}).Severity(w); got != s {
			t.Errorf("Severity(%q) = %v, want %v", w, got, s)
		}
	}
}

func TestDriverOriginRank(t *testing.T) {
	d := Driver{}
	if !(d.OriginRank(OriginESMInfra) > d.OriginRank(OriginTracker) && d.OriginRank(OriginESMApps) > d.OriginRank(OriginTracker) &&
		d.OriginRank(OriginTracker) > d.OriginRank("osv-ubuntu")) {
		t.Errorf("origin ranks: esm-infra %d, esm-apps %d, tracker %d, other %d", d.OriginRank(OriginESMInfra),
			d.OriginRank(OriginESMApps), d.OriginRank(OriginTracker), d.OriginRank("osv-ubuntu"))
	}
}
