package debian

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		binary, source string
		class          match.KernelClass
		release        string
	}{
		// names and sources from the real bookworm Packages index
		{"linux-image-6.1.0-48-amd64", "linux-signed-amd64", match.KernelImage, "6.1.0-48-amd64"},
		{"linux-image-6.1.0-48-cloud-amd64", "linux-signed-amd64", match.KernelImage, "6.1.0-48-cloud-amd64"},
		{"linux-image-6.1.0-48-amd64-unsigned", "linux", match.KernelImage, "6.1.0-48-amd64"},
		{"linux-image-amd64", "linux-signed-amd64", match.KernelSupport, ""},
		{"linux-headers-6.1.0-53-common", "linux", match.KernelSupport, ""},
		{"linux-libc-dev", "linux", match.KernelSupport, ""},
		{"linux-image-6.1.0-48-amd64-dbg", "linux", match.KernelImage, "6.1.0-48-amd64-dbg"},
		{"bash", "bash", match.NotKernel, ""},
	}
	for _, tt := range tests {
		c, r := Driver{}.Kernel(model.Package{Name: tt.binary}, match.Key{Name: tt.source})
		if c != tt.class || r != tt.release {
			t.Errorf("Kernel(%s, %s) = %v %q, want %v %q", tt.binary, tt.source, c, r, tt.class, tt.release)
		}
	}
}

// TestKey follows how an installed package becomes the source package its
// records are filed under.
func TestKey(t *testing.T) {
	tests := []struct {
		name  string
		p     model.Package
		known *store.BinarySource
		want  match.Key
	}{
		// bullseye's libssl1.1 as a protocol-6 report gives it
		// (shared/data/inventories/debian-11/viking-db).
		{"the report's source", model.Package{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Arch: "amd64",
			SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u3"}, nil,
			match.Key{Name: "openssl", Version: "1.1.1n-0+deb11u3", Basis: match.BasisReport, Arch: "amd64"}},
		// dpkg leaves Source's version out when it equals the binary's.
		{"the report's source, no source version", model.Package{Name: "bash", Version: "5.1-2+deb11u1", Arch: "amd64",
			SourceName: "bash"}, nil,
			match.Key{Name: "bash", Version: "5.1-2+deb11u1", Basis: match.BasisReport, Arch: "amd64"}},
		{"an exact mapping from a Packages index", model.Package{Name: "libssl1.1", Version: "1.1.1w-0+deb11u8", Arch: "amd64"},
			&store.BinarySource{Name: "libssl1.1", Version: "1.1.1w-0+deb11u8", SourceName: "openssl",
				SourceVersion: "1.1.1w-0+deb11u8", Origin: match.BasisPackagesIndex, Exact: true},
			match.Key{Name: "openssl", Version: "1.1.1w-0+deb11u8", Basis: match.BasisPackagesIndex, Arch: "amd64"}},
		// coreutils 8.32-4+b1 is a real bullseye binNMU of source 8.32-4.
		{"another version known: binNMU suffix stripped", model.Package{Name: "coreutils", Version: "8.32-4+b1", Arch: "amd64"},
			&store.BinarySource{Name: "coreutils", Version: "8.32-4+b1", SourceName: "coreutils", Origin: match.BasisLearned},
			match.Key{Name: "coreutils", Version: "8.32-4", Basis: match.BasisLearned, Arch: "amd64"}},
		{"nothing known: the binary", model.Package{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Arch: "amd64"}, nil,
			match.Key{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Basis: match.BasisBinaryName, Arch: "amd64"}},
		// A signed image: Source linux-signed-amd64 (5.10.149+2), matched as linux at the image's version.
		{"signed kernel image remapped to linux", model.Package{Name: "linux-image-5.10.0-19-amd64", Version: "5.10.149-2",
			Arch: "amd64", SourceName: "linux-signed-amd64", SourceVersion: "5.10.149+2"}, nil,
			match.Key{Name: "linux", Version: "5.10.149-2", Basis: match.BasisReport, Arch: "amd64"}},
		{"the meta package keeps linux-signed", model.Package{Name: "linux-image-amd64", Version: "5.10.149-2",
			Arch: "amd64", SourceName: "linux-signed-amd64", SourceVersion: "5.10.149+2"}, nil,
			match.Key{Name: "linux-signed-amd64", Version: "5.10.149+2", Basis: match.BasisReport, Arch: "amd64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Driver{}.Key(tt.p, tt.known)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOriginRankAndSeverity(t *testing.T) {
	d := Driver{}
	if !(d.OriginRank(SourceTracker) > d.OriginRank(SourceCVEList) && d.OriginRank(SourceCVEList) > d.OriginRank(SourceDSA) &&
		d.OriginRank(SourceDSA) == d.OriginRank(SourceDLA)) {
		t.Errorf("origin ranks: tracker %d, CVE list %d, DSA %d, DLA %d; want tracker > CVE list > DSA = DLA",
			d.OriginRank(SourceTracker), d.OriginRank(SourceCVEList), d.OriginRank(SourceDSA), d.OriginRank(SourceDLA))
	}
	// The tracker's urgency words (tracker JSON "urgency", CVE list notes).
	got := map[string]model.Severity{}
	for _, w := range []string{"unimportant", "low", "medium", "high", "not yet assigned", "end-of-life", "low**", ""} {
		got[w] = d.Severity(w)
	}
	want := map[string]model.Severity{"unimportant": model.SeverityNegligible, "low": model.SeverityLow,
		"medium": model.SeverityMedium, "high": model.SeverityHigh, "not yet assigned": model.SeverityUnknown,
		"end-of-life": model.SeverityUnknown, "low**": model.SeverityUnknown, "": model.SeverityUnknown}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("severities (-want +got):\n%s", diff)
	}
}
