package ubuntu

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"

	"github.com/pakiti-go/pakiti/internal/source/apt"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

func TestClassifyKernel(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		binary, source, running string
		want                    Kernel
	}{
		// Real: USN-7095-1 (shared osv-samples) lists, for Ubuntu:22.04:LTS
		// source linux-nvidia-6.8 6.8.0-1017.19~22.04.1, the binary
		// linux-image-unsigned-6.8.0-1017-nvidia.
		{"unsigned image, running", "linux-image-unsigned-6.8.0-1017-nvidia", "linux-nvidia-6.8", "6.8.0-1017-nvidia",
			Kernel{Role: RunningImage, Release: "6.8.0-1017-nvidia", Source: "linux-nvidia-6.8"}},
		{"unsigned image, other flavour running", "linux-image-unsigned-6.8.0-1017-nvidia", "linux-nvidia-6.8", "6.8.0-1017-nvidia-64k",
			Kernel{Role: OtherImage, Release: "6.8.0-1017-nvidia", Source: "linux-nvidia-6.8"}},
		{"debug symbols are no image", "linux-image-unsigned-6.8.0-1017-nvidia-dbgsym", "linux-nvidia-6.8", "6.8.0-1017-nvidia",
			Kernel{Role: KernelSupport}},
		{"headers of the running kernel", "linux-headers-6.8.0-1017-nvidia", "linux-nvidia-6.8", "6.8.0-1017-nvidia", Kernel{Role: KernelSupport}},
		{"modules of the running kernel", "linux-modules-6.8.0-1017-nvidia", "linux-nvidia-6.8", "6.8.0-1017-nvidia", Kernel{Role: KernelSupport}},
		{"buildinfo", "linux-buildinfo-6.8.0-1017-nvidia", "linux-nvidia-6.8", "6.8.0-1017-nvidia", Kernel{Role: KernelSupport}},
		// Constructed (no real inventory holds a kernel image; the names
		// follow Ubuntu's archive): the signed generic image of the 5.4
		// HWE kernel on 18.04 and of the GA kernels of 18.04 and 22.04.
		{"signed HWE image, running", "linux-image-5.4.0-150-generic", "linux-signed-hwe-5.4", "5.4.0-150-generic",
			Kernel{Role: RunningImage, Release: "5.4.0-150-generic", Source: "linux-hwe-5.4"}},
		{"signed HWE image, older one kept", "linux-image-5.4.0-148-generic", "linux-signed-hwe-5.4", "5.4.0-150-generic",
			Kernel{Role: OtherImage, Release: "5.4.0-148-generic", Source: "linux-hwe-5.4"}},
		{"signed GA image", "linux-image-4.15.0-101-generic", "linux-signed", "4.15.0-101-generic",
			Kernel{Role: RunningImage, Release: "4.15.0-101-generic", Source: "linux"}},
		{"GA image of 22.04, running kernel reported with blanks", "linux-image-5.15.0-88-generic", "linux-signed", " 5.15.0-88-generic\n",
			Kernel{Role: RunningImage, Release: "5.15.0-88-generic", Source: "linux"}},
		{"cloud image", "linux-image-5.15.0-1051-aws", "linux-signed-aws", "5.15.0-1051-aws",
			Kernel{Role: RunningImage, Release: "5.15.0-1051-aws", Source: "linux-aws"}},
		{"unsigned lowlatency image", "linux-image-unsigned-5.15.0-88-lowlatency", "linux-lowlatency", "5.15.0-88-lowlatency",
			Kernel{Role: RunningImage, Release: "5.15.0-88-lowlatency", Source: "linux-lowlatency"}},
		{"protocol 5: the source is unknown", "linux-image-5.4.0-150-generic", "", "5.4.0-150-generic",
			Kernel{Role: RunningImage, Release: "5.4.0-150-generic"}},
		{"meta image", "linux-image-generic-hwe-18.04", "linux-meta-hwe-5.4", "5.4.0-150-generic", Kernel{Role: KernelSupport}},
		{"meta image, protocol 5", "linux-image-generic", "", "5.4.0-150-generic", Kernel{Role: KernelSupport}},
		{"meta", "linux-generic", "linux-meta", "5.4.0-150-generic", Kernel{Role: KernelSupport}},
		{"flavour-less HWE headers", "linux-hwe-5.4-headers-5.4.0-150", "linux-hwe-5.4", "5.4.0-150-generic", Kernel{Role: KernelSupport}},
		{"libc headers", "linux-libc-dev", "", "5.4.0-150-generic", Kernel{Role: KernelSupport}},
		{"firmware is an ordinary package", "linux-firmware", "linux-firmware", "5.4.0-150-generic", Kernel{Role: NotKernel}},
		{"linux-base is an ordinary package", "linux-base", "linux-base", "5.4.0-150-generic", Kernel{Role: NotKernel}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ClassifyKernel(tc.binary, tc.source, tc.running); got != tc.want {
				t.Errorf("ClassifyKernel(%q, %q, %q) = %+v, want %+v", tc.binary, tc.source, tc.running, got, tc.want)
			}
		})
	}
}

func TestUnsignedSource(t *testing.T) {
	for in, want := range map[string]string{
		"linux-signed": "linux", "linux-signed-hwe-5.4": "linux-hwe-5.4", "linux-signed-azure": "linux-azure",
		"linux-signed-": "linux-signed-", "linux": "linux", "linux-hwe-5.4": "linux-hwe-5.4", "": "",
	} {
		if got := UnsignedSource(in); got != want {
			t.Errorf("UnsignedSource(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestClassifyKernelInventories classifies every package of the real
// Ubuntu inventories (container images: no kernel image). Only
// linux-libc-dev (ubuntu-18.04/claircore-texlive: "Package: linux-libc-dev",
// "Source: linux", "Version: 4.15.0-101.102") is a kernel package; util-linux,
// binutils-x86-64-linux-gnu and libselinux1 are not, whatever their names.
func TestClassifyKernelInventories(t *testing.T) {
	dir := filepath.Join(testenv.SharedDir(t), "data/inventories")
	for _, tc := range []struct {
		inv     string
		support []string
		total   int
	}{
		{"ubuntu-18.04/claircore-texlive", []string{"linux-libc-dev"}, 357},
		{"ubuntu-18.04/fanal-testdata-dpkg", nil, 91}, // 90 installed + 1 "deinstall ok config-files" stanza
		{"ubuntu-22.04/linux-check-diff", nil, 173},
	} {
		t.Run(tc.inv, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, tc.inv, "status"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var support []string
			n, err := apt.ParsePackagesIndex(context.Background(), f, func(b apt.Binary) error {
				// The inventories come from containers; their running
				// kernel is the builder's, here a plausible 18.04 HWE one.
				switch k := ClassifyKernel(b.Name, b.Source, "5.4.0-150-generic"); k.Role {
				case KernelSupport:
					support = append(support, b.Name)
				case NotKernel:
				default:
					t.Errorf("%s (%s): %v", b.Name, b.Source, k)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.total {
				t.Errorf("%d packages, want %d", n, tc.total)
			}
			if len(support) != len(tc.support) || (len(support) > 0 && support[0] != tc.support[0]) {
				t.Errorf("kernel support packages %v, want %v", support, tc.support)
			}
		})
	}
}

// TestKernelFlavoursOfUSN classifies every binary Ubuntu's USN-7095-1
// (shared osv-samples) lists for its kernel sources (linux-nvidia-6.8 on
// 22.04; linux-nvidia and linux-nvidia-lowlatency on 24.04): the unsigned
// images (not their -dbgsym) are images keyed on their own source, at
// their own release; headers, modules, tools are support. At the fix the
// USN names, the image meets its records with no CVE left.
func TestKernelFlavoursOfUSN(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "data/feeds/ubuntu/osv-samples/USN-7095-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var usn struct {
		Affected []struct {
			Package           struct{ Ecosystem, Name string }
			EcosystemSpecific struct {
				Binaries []struct {
					Name    string `json:"binary_name"`
					Version string `json:"binary_version"`
				} `json:"binaries"`
			} `json:"ecosystem_specific"`
		}
	}
	if err := json.Unmarshal(data, &usn); err != nil {
		t.Fatal(err)
	}
	var recs []model.Advisory
	if _, err := ParseOSV(context.Background(), bytes.NewReader(data), "USN-7095-1.json", func(a model.Advisory) error {
		recs = append(recs, a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	images := 0
	for _, a := range usn.Affected {
		group := map[string]string{"Ubuntu:22.04:LTS": "ubuntu:22.04", "Ubuntu:24.04:LTS": "ubuntu:24.04"}[a.Package.Ecosystem]
		for _, b := range a.EcosystemSpecific.Binaries {
			p := model.Package{Name: b.Name, Version: b.Version, Arch: "arm64", SourceName: a.Package.Name, SourceVersion: b.Version}
			k := Driver{}.Key(p, nil)
			class, release := Driver{}.Kernel(p, k)
			image := strings.HasPrefix(b.Name, "linux-image-unsigned-") && !strings.HasSuffix(b.Name, "-dbgsym")
			switch {
			case image:
				images++
				if class != match.KernelImage || release != strings.TrimPrefix(b.Name, "linux-image-unsigned-") || k.Name != a.Package.Name {
					t.Errorf("%s (%s): class %v release %q key %s; want its own image", b.Name, a.Package.Name, class, release, k.Name)
				}
				var mine []model.Advisory
				for _, r := range recs {
					if r.OSGroup == group && r.Package == k.Name {
						mine = append(mine, r)
					}
				}
				if len(mine) == 0 {
					t.Errorf("%s: no record of %s in %s", b.Name, k.Name, group)
				}
				if v := match.Verdicts(Driver{}, k, mine); len(v) != 0 {
					t.Errorf("%s at the USN's fix: verdicts %v", b.Name, v)
				}
			case class != match.KernelSupport:
				t.Errorf("%s (%s): class %v, want support", b.Name, a.Package.Name, class)
			}
		}
	}
	if images != 6 { // nvidia and nvidia-64k of each of the three sources
		t.Errorf("%d images, want 6", images)
	}
}

// TestImageSource: kernel images named as the archive names them, each
// with the source a record names for it.
func TestImageSource(t *testing.T) {
	for _, tc := range []struct{ binary, version, want string }{
		// retired/CVE-2017-13168 of the 2020 snapshot: "bionic_linux: released (4.15.0-39.42)",
		// "bionic_linux-aws: released (4.15.0-1027.27)", "bionic_linux-gcp", "bionic_linux-oem", "bionic_linux-kvm".
		{"linux-image-4.15.0-33-generic", "4.15.0-33.36", "linux"},
		{"linux-image-4.15.0-1021-aws", "4.15.0-1021.21", "linux-aws"},
		{"linux-image-4.15.0-1019-gcp", "4.15.0-1019.20", "linux-gcp"},
		{"linux-image-4.15.0-1026-oem", "4.15.0-1026.31", "linux-oem"},
		{"linux-image-4.15.0-1026-kvm", "4.15.0-1026.26", "linux-kvm"},
		// active/CVE-2019-15090 of the 2020 snapshot: "bionic_linux-gke-4.15: released (4.15.0-1041.43)"
		// (bionic_linux-gke is DNE in every file), "bionic_linux-gke-5.0: released (5.0.0-1020.20~18.04.1)".
		{"linux-image-4.15.0-1040-gke", "4.15.0-1040.42", "linux-gke-4.15"},
		{"linux-image-5.0.0-1015-gke", "5.0.0-1015.15~18.04.1", "linux-gke-5.0"},
		// retired/CVE-2019-18814: "bionic_linux-hwe: released (5.0.0-23.24~18.04.1)".
		{"linux-image-5.0.0-23-generic", "5.0.0-23.24~18.04.1", "linux-hwe"},
		// USN-7095-1 (OSV): Ubuntu:22.04:LTS linux-nvidia-6.8 6.8.0-1017.19~22.04.1, binaries
		// linux-image-unsigned-6.8.0-1017-nvidia and -nvidia-64k; Ubuntu:24.04:LTS
		// linux-nvidia-lowlatency 6.8.0-1017.19.1, binary linux-image-unsigned-6.8.0-1017-nvidia-lowlatency-64k.
		{"linux-image-unsigned-6.8.0-1017-nvidia", "6.8.0-1017.19~22.04.1", "linux-nvidia-6.8"},
		{"linux-image-unsigned-6.8.0-1017-nvidia-64k", "6.8.0-1017.19~22.04.1", "linux-nvidia-6.8"},
		{"linux-image-unsigned-6.8.0-1017-nvidia-lowlatency-64k", "6.8.0-1017.19.1", "linux-nvidia-lowlatency"},
		// Jammy's GA kernel (source linux 5.15.0-91.101) and focal's HWE 5.15 (linux-hwe-5.15).
		{"linux-image-5.15.0-91-generic", "5.15.0-91.101", "linux"},
		{"linux-image-5.15.0-91-generic", "5.15.0-91.101~20.04.1", "linux-hwe-5.15"},
		{"linux-image-5.4.0-150-generic", "5.4.0-150.167~18.04.1", "linux-hwe-5.4"},
		{"linux-image-5.15.0-1051-azure", "5.15.0-1051.59~20.04.1", "linux-azure-5.15"},
		// Backports to 16.04, named by the rolling sources of the 2020 snapshot:
		// retired/CVE-2017-1000410 line 389 "xenial_linux-azure: released (4.15.0-1013.13~16.04.2)",
		// line 401 "xenial_linux-gcp: released (4.15.0-1014.14~16.04.1)"; linux-aws-hwe below.
		{"linux-image-4.15.0-1013-azure", "4.15.0-1013.13~16.04.2", "linux-azure"},
		{"linux-image-4.15.0-1014-gcp", "4.15.0-1014.14~16.04.1", "linux-gcp"},
		{"linux-image-4.15.0-1063-aws", "4.15.0-1063.67~16.04.1", "linux-aws-hwe"},
		{"linux-image-4.4.0-1105-aws", "4.4.0-1105.116", "linux-aws"}, // xenial's own (xenial_linux-aws 4.4.0-1105.116)
		{"linux-image-4.15.0-96-generic", "4.15.0-96.97~16.04.1", "linux-hwe"},
		// 18.04: retired/CVE-2018-13097 line 278 "bionic_linux-azure: released
		// (5.0.0-1014.14~18.04.1)"; active/CVE-2019-19066 line 247 "bionic_linux-aws-5.0".
		{"linux-image-5.0.0-1014-azure", "5.0.0-1014.14~18.04.1", "linux-azure"},
		{"linux-image-5.0.0-1027-aws", "5.0.0-1027.30~18.04.1", "linux-aws-5.0"},
		{"linux-image-5.3.0-1018-azure", "5.3.0-1018.19~18.04.1", "linux-azure-5.3"},
		// Lowlatency: the Security API page security-api/vuls-data-update_cves_20_20.json,
		// CVE-2025-21984, names linux-lowlatency for jammy, noble and oracular,
		// linux-lowlatency-hwe-5.15 for focal, -hwe-6.8 for jammy; focal's own lowlatency
		// image is linux's (no focal linux-lowlatency).
		{"linux-image-5.15.0-91-lowlatency", "5.15.0-91.101", "linux-lowlatency"},
		{"linux-image-6.8.0-51-lowlatency-64k", "6.8.0-51.52.1", "linux-lowlatency"},
		{"linux-image-5.15.0-91-lowlatency", "5.15.0-91.101~20.04.1", "linux-lowlatency-hwe-5.15"},
		{"linux-image-6.8.0-51-lowlatency", "6.8.0-51.52.1~22.04.1", "linux-lowlatency-hwe-6.8"},
		{"linux-image-5.4.0-150-lowlatency", "5.4.0-150.167", "linux"},
		{"linux-image-5.13.0-52-lowlatency", "5.13.0-52.59~20.04.1", "linux-hwe-5.13"},
		// Not images: no source inferred.
		{"linux-headers-5.15.0-91-generic", "5.15.0-91.101", ""},
		{"linux-image-generic", "5.15.0.91.88", ""},
		{"linux-image-5.15.0-91-generic-dbgsym", "5.15.0-91.101", ""},
	} {
		if got := ImageSource(tc.binary, tc.version); got != tc.want {
			t.Errorf("ImageSource(%q, %q) = %q, want %q", tc.binary, tc.version, got, tc.want)
		}
	}
}
