package collect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

func TestParseDpkgStatus(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      []model.Package
		wantWarns int
	}{
		{
			name: "source with and without version, continuation lines, other states",
			in: "Package: libuuid1\nStatus: install ok installed\nArchitecture: amd64\nSource: util-linux (2.36.1-8+deb11u1)\nVersion: 2.36.1-8+deb11u1\nDescription: x\n more text\n .\n Package: fake\n\n" +
				"Package: bash\nStatus: install ok installed\nVersion: 5.1-2+deb11u1\nArchitecture: amd64\n\n" +
				"Package: gcc-12-base\nStatus: install ok installed\nSource: gcc-12\nVersion: 12.2.0-14\nArchitecture: amd64\n\n" +
				"Package: git\nStatus: deinstall ok config-files\nVersion: 1:2.17.1-1ubuntu0.4\nArchitecture: amd64\n\n" +
				"Package: held\nStatus: hold ok installed\nVersion: 1.0\nArchitecture: amd64\n\n" +
				"Package: half\nStatus: install ok half-configured\nVersion: 1.0\nArchitecture: amd64\n",
			want: []model.Package{
				{Name: "libuuid1", Version: "2.36.1-8+deb11u1", Arch: "amd64", SourceName: "util-linux", SourceVersion: "2.36.1-8+deb11u1"},
				{Name: "bash", Version: "5.1-2+deb11u1", Arch: "amd64", SourceName: "bash", SourceVersion: "5.1-2+deb11u1"},
				{Name: "gcc-12-base", Version: "12.2.0-14", Arch: "amd64", SourceName: "gcc-12", SourceVersion: "12.2.0-14"},
			},
		},
		{
			name: "multi-arch: two architectures of one name, no :arch in the name",
			in: "Package: libc6\nStatus: install ok installed\nMulti-Arch: same\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u9\n\n" +
				"Package: libc6\nStatus: install ok installed\nMulti-Arch: same\nArchitecture: i386\nSource: glibc\nVersion: 2.36-9+deb12u9\n",
			want: []model.Package{
				{Name: "libc6", Version: "2.36-9+deb12u9", Arch: "amd64", SourceName: "glibc", SourceVersion: "2.36-9+deb12u9"},
				{Name: "libc6", Version: "2.36-9+deb12u9", Arch: "i386", SourceName: "glibc", SourceVersion: "2.36-9+deb12u9"},
			},
		},
		{
			name: "blank lines with spaces separate, field names any case, no trailing newline",
			in:   "package: a\nstatus:   install ok installed  \nversion: 1\narchitecture: all\n \t\nPackage: b\nStatus: install ok installed\nVersion: 2\nArchitecture: all",
			want: []model.Package{
				{Name: "a", Version: "1", Arch: "all", SourceName: "a", SourceVersion: "1"},
				{Name: "b", Version: "2", Arch: "all", SourceName: "b", SourceVersion: "2"},
			},
		},
		{
			name:      "installed without version is skipped with a warning",
			in:        "Package: a\nStatus: install ok installed\nArchitecture: all\n\nPackage: b c\nStatus: install ok installed\nVersion: 1\n",
			wantWarns: 1,
		},
		{name: "empty", in: ""},
		{name: "garbage", in: "\x00\x01\xff no colon here\n\n::::\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warns := 0
			got, err := parseDpkgStatus(strings.NewReader(tt.in), func(string, ...any) { warns++ })
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if warns != tt.wantWarns {
				t.Errorf("%d warnings, want %d", warns, tt.wantWarns)
			}
		})
	}
}

func TestParseAPKInstalled(t *testing.T) {
	in := "C:Q1x=\nP:libssl3\nV:3.3.1-r3\nA:x86_64\no:openssl\nP:ignored-second-P\n\n" +
		"P:musl\nV:1.2.5-r0\nA:x86_64\n\n\n" + // no origin
		"P:broken\nA:x86_64\n\n" + // no version
		"x\nP:tail\nV:1-r0\nA:armv7\no:tail-src"
	warns := 0
	got, err := parseAPKInstalled(strings.NewReader(in), func(string, ...any) { warns++ })
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Package{
		{Name: "libssl3", Version: "3.3.1-r3", Arch: "x86_64", SourceName: "openssl", SourceVersion: "3.3.1-r3"},
		{Name: "musl", Version: "1.2.5-r0", Arch: "x86_64", SourceName: "musl", SourceVersion: "1.2.5-r0"},
		{Name: "tail", Version: "1-r0", Arch: "armv7", SourceName: "tail-src", SourceVersion: "1-r0"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if warns != 1 {
		t.Errorf("%d warnings, want 1", warns)
	}
}

func TestParseRPMQuery(t *testing.T) {
	in := strings.Join([]string{
		"bash\t(none):5.1.8-4.el9\tx86_64\tbash-5.1.8-4.el9.src.rpm",
		"openssl-libs\t1:3.0.1-23.el9_0\tx86_64\topenssl-3.0.1-23.el9_0.src.rpm",
		"gpg-pubkey\t(none):fd431d51-4ae0493b\t(none)\t(none)",
		"weird\t(none):1.0-1\t(none)\t(none)",                                                    // arch (none) kept, no source
		"kernel-default\t(none):5.3.18-59.37.2\tx86_64\tkernel-default-5.3.18-59.37.2.nosrc.rpm", // SUSE nosrc
		"perl-Three\t4:5.32.1-480.el9\tnoarch",                                                   // Perl client's format: 3 columns
		"oddsrc\t(none):1-2\tx86_64\tnot-a-file-name",                                            // source unknown
		"",
		"garbage line without tabs",
		"two\tcolumns",
		"bad epoch\tx:1-2\tx86_64\t(none)",
		"noepoch\t1.0-1\tx86_64\t(none)",
		"norelease\t(none):1.0\tx86_64\t(none)",
		"\t(none):1-1\tx86_64\t(none)",
		"space name\t(none):1-1\tx86_64\t(none)",
		"a\tb\tc\td\te",
		"crlf\t(none):1-1\tx86_64\tcrlf-1-1.src.rpm\r",
		"\x00\xff\xfe",
	}, "\n") + "\nlast\t(none):2-3\taarch64\tlast-2-3.src.rpm" // no final newline
	got, bad := parseRPMQuery(strings.NewReader(in))
	want := []model.Package{
		{Name: "bash", Version: "0:5.1.8-4.el9", Arch: "x86_64", SourceName: "bash", SourceVersion: "0:5.1.8-4.el9"},
		{Name: "openssl-libs", Version: "1:3.0.1-23.el9_0", Arch: "x86_64", SourceName: "openssl", SourceVersion: "1:3.0.1-23.el9_0"},
		{Name: "weird", Version: "0:1.0-1", Arch: "(none)"},
		{Name: "kernel-default", Version: "0:5.3.18-59.37.2", Arch: "x86_64", SourceName: "kernel-default", SourceVersion: "0:5.3.18-59.37.2"},
		{Name: "perl-Three", Version: "4:5.32.1-480.el9", Arch: "noarch"},
		{Name: "oddsrc", Version: "0:1-2", Arch: "x86_64"},
		{Name: "crlf", Version: "0:1-1", Arch: "x86_64", SourceName: "crlf", SourceVersion: "0:1-1"},
		{Name: "last", Version: "0:2-3", Arch: "aarch64", SourceName: "last", SourceVersion: "0:2-3"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if len(bad) != 9 {
		t.Errorf("%d bad lines, want 9: %q", len(bad), bad)
	}
}

// TestParseRPMQueryReal parses real rpm -qa output and checks it against
// the Perl client's report for the same database.
func TestParseRPMQueryReal(t *testing.T) {
	for _, name := range []string{"mariner-2.0", "rhel-8-libuuid", "alma-9-vuls", "rhel-9-ubi9-snyk"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata/inventories", name)
			f, err := os.Open(filepath.Join(dir, "rpm-qa.txt"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			pkgs, bad := parseRPMQuery(f)
			if len(bad) > 0 {
				t.Errorf("bad lines in real output: %q", bad)
			}
			_, want := readWant(t, filepath.Join(dir, "want.pakiti5.txt"))
			got := &report.Report{Header: want.Header, Packages: report.SortPackages(pkgs)}
			var gotLines, wantLines []string
			for _, p := range got.Packages {
				gotLines = append(gotLines, p.Name+"\t"+p.Version+"\t"+p.Arch)
			}
			for _, p := range want.Packages {
				wantLines = append(wantLines, p.Name+"\t"+p.Version+"\t"+p.Arch)
			}
			if diff := cmp.Diff(wantLines, gotLines); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSourceRPM(t *testing.T) {
	tests := []struct {
		in, epoch, name, evr string
		ok                   bool
	}{
		{"bash-5.1.8-9.el9.src.rpm", "0", "bash", "0:5.1.8-9.el9", true},
		{"openssl-3.0.7-27.el9.src.rpm", "1", "openssl", "1:3.0.7-27.el9", true},
		{"util-linux-2.32.1-42.el8_8.src.rpm", "0", "util-linux", "0:2.32.1-42.el8_8", true},
		{"kernel-default-5.3.18-59.37.2.nosrc.rpm", "0", "kernel-default", "0:5.3.18-59.37.2", true},
		{"(none)", "0", "", "", false},
		{"", "0", "", "", false},
		{"bash-5.1.8.src.rpm", "0", "", "", false},
		{"-1-2.src.rpm", "0", "", "", false},
		{"a--2.src.rpm", "0", "", "", false},
		{"bash-5.1.8-9.el9.rpm", "0", "", "", false},
	}
	for _, tt := range tests {
		name, evr, ok := parseSourceRPM(tt.in, tt.epoch)
		if name != tt.name || evr != tt.evr || ok != tt.ok {
			t.Errorf("parseSourceRPM(%q, %q) = %q, %q, %v; want %q, %q, %v", tt.in, tt.epoch, name, evr, ok, tt.name, tt.evr, tt.ok)
		}
	}
}

func TestStrip(t *testing.T) {
	tests := map[string]string{
		"":                              "",
		"  Debian GNU/Linux 12 \n":      "Debian GNU/Linux 12",
		"Red Hat\t Enterprise\r\nLinux": "Red Hat Enterprise Linux",
		"caf\xc3\xa9 au lait":           "caf au lait",
		"a \xc3\xa9 b":                  "a  b", // Perl drops the bytes after collapsing the spaces
		"\x00\x1b[1mbold\x7f":           "[1mbold",
		"\v\f line \v":                  "line",
		"Scientific Linux CERN SLC release 6.5 (Carbon)": "Scientific Linux CERN SLC release 6.5 (Carbon)",
	}
	for in, want := range tests {
		if got := Strip(in); got != want {
			t.Errorf("Strip(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadOSInfo(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  osInfo
	}{
		{
			name: "redhat-release wins over os-release",
			files: map[string]string{
				"etc/redhat-release": "Rocky Linux release 9.4 (Blue Onyx)\n",
				"etc/os-release":     "NAME=\"Rocky Linux\"\nVERSION_ID=\"9.4\"\nID=\"rocky\"\n",
			},
			want: osInfo{System: "Rocky Linux release 9.4 (Blue Onyx)", ID: "rocky", VersionID: "9.4"},
		},
		{
			name:  "fedora-release",
			files: map[string]string{"etc/fedora-release": "Fedora release 40 (Forty)\n"},
			want:  osInfo{System: "Fedora release 40 (Forty)"},
		},
		{
			name: "empty redhat-release falls through to os-release",
			files: map[string]string{
				"etc/redhat-release": "\n",
				"usr/lib/os-release": "NAME='Alma Linux'\nVERSION_ID=9.4\nID=almalinux\n",
			},
			want: osInfo{System: "Alma Linux 9.4", ID: "almalinux", VersionID: "9.4"},
		},
		{
			name: "quoting, comments, escapes",
			files: map[string]string{
				"etc/os-release": "# comment\nPRETTY_NAME=\"x\"\nNAME=\"Ubuntu \\\"LTS\\\"\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nbogus line\n",
			},
			want: osInfo{System: `Ubuntu "LTS" 22.04`, ID: "ubuntu", VersionID: "22.04"},
		},
		{
			name:  "no VERSION_ID (Debian testing)",
			files: map[string]string{"etc/os-release": "NAME=\"Debian GNU/Linux\"\nID=debian\n"},
			want:  osInfo{System: "Debian GNU/Linux", ID: "debian"},
		},
		{
			name:  "SuSE-release",
			files: map[string]string{"etc/SuSE-release": "VERSION = 11\nSUSE Linux Enterprise Server 11 (x86_64)\nPATCHLEVEL = 4\n"},
			want:  osInfo{System: "SUSE Linux Enterprise Server 11 (x86_64)"},
		},
		{name: "nothing", files: map[string]string{}, want: osInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, content := range tt.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := readOSInfo(context.Background(), newRootFS(root))
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(osInfo{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRootFSPath(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"usr/lib", "etc", "run", "var"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"etc/os-release": "/usr/lib/os-release", // absolute: inside the root
		"etc/rel":        "../usr/lib/os-release",
		"var/run":        "/run",
		"etc/escape":     "../../../../../../../etc/passwd",
		"etc/loop1":      "loop2",
		"etc/loop2":      "loop1",
	}
	for l, target := range links {
		if err := os.Symlink(target, filepath.Join(root, l)); err != nil {
			t.Fatal(err)
		}
	}
	fsys := newRootFS(root)
	tests := map[string]string{
		"/etc/os-release":          "usr/lib/os-release",
		"etc/rel":                  "usr/lib/os-release",
		"/var/run/reboot-required": "run/reboot-required",
		"/etc/escape":              "etc/passwd",
		"/../../etc/hostname":      "etc/hostname",
		"/missing/dir/file":        "missing/dir/file",
	}
	for in, want := range tests {
		got, err := fsys.path(in)
		if err != nil {
			t.Errorf("path(%q): %v", in, err)
			continue
		}
		if want := filepath.Join(root, want); got != want {
			t.Errorf("path(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := fsys.path("/etc/loop1"); err == nil {
		t.Error("a link loop resolved")
	}
	if p, _ := newRootFS("").path("/etc/os-release"); p != "/etc/os-release" {
		t.Errorf("running system path = %q", p)
	}
}

func TestKernels(t *testing.T) {
	rpmPkgs := []model.Package{
		{Name: "kernel-core", Version: "0:5.14.0-70.13.1.el9_0", Arch: "x86_64"},
		{Name: "kernel-core", Version: "0:5.14.0-362.8.1.el9_3", Arch: "x86_64"},
		{Name: "kernel-core", Version: "0:5.14.0-70.30.1.el9_0", Arch: "x86_64"},
		{Name: "kernel-tools", Version: "0:5.14.0-999.el9", Arch: "x86_64"},
		{Name: "kernel-default", Version: "0:5.3.18-59.37.2", Arch: "x86_64"},
	}
	ks := installedKernels(PackagerRPM, rpmPkgs)
	var unames []string
	for _, k := range ks {
		unames = append(unames, k.uname)
	}
	wantUnames := []string{"5.14.0-70.13.1.el9_0.x86_64", "5.14.0-362.8.1.el9_3.x86_64", "5.14.0-70.30.1.el9_0.x86_64", "5.3.18-59.37-default"}
	if diff := cmp.Diff(wantUnames, unames); diff != "" {
		t.Errorf("rpm kernels (-want +got):\n%s", diff)
	}
	if k, _ := newestKernel(ks[:3]); k.uname != "5.14.0-362.8.1.el9_3.x86_64" {
		t.Errorf("newest = %q", k.uname)
	}
	for running, want := range map[string]string{
		"5.14.0-362.8.1.el9_3.x86_64": "no",
		"5.14.0-70.13.1.el9_0.x86_64": "yes",
		"6.1.0-custom":                "",
		"":                            "",
	} {
		if got := rebootForKernel(running, ks[:3]); got != want {
			t.Errorf("rebootForKernel(%q) = %q, want %q", running, got, want)
		}
	}
	if got := rebootForKernel("5.14.0", nil); got != "" {
		t.Errorf("no kernel packages: %q, want unknown", got)
	}

	deb := installedKernels(PackagerDpkg, []model.Package{
		{Name: "linux-image-amd64", Version: "6.1.90-1", Arch: "amd64"},
		{Name: "linux-image-6.1.0-18-amd64", Version: "6.1.76-1", Arch: "amd64"},
		{Name: "linux-image-6.1.0-21-amd64", Version: "6.1.90-1", Arch: "amd64"},
		{Name: "linux-image-unsigned-5.15.0-91-generic", Version: "5.15.0-91.101", Arch: "amd64"},
	})
	if k, _ := newestKernel(deb); k.uname != "6.1.0-21-amd64" || len(deb) != 3 {
		t.Errorf("dpkg kernels %+v, newest %q", deb, k.uname)
	}
	apk := installedKernels(PackagerAPK, []model.Package{{Name: "linux-lts", Version: "6.6.31-r0"}, {Name: "linux-firmware", Version: "1-r0"}})
	if len(apk) != 1 || apk[0].uname != "6.6.31-0-lts" {
		t.Errorf("apk kernels %+v", apk)
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"0:5.14.0-70.13.1.el9_0", "0:5.14.0-362.8.1.el9_3", -1},
		{"1:1.0-1", "0:2.0-1", 1},
		{"6.1.90-1", "6.1.76-1", 1},
		{"6.1~rc1-1", "6.1-1", -1},
		{"1.0", "1.0", 0},
		{"1.0a", "1.0", 1},
		{"1.01", "1.1", 0},
		{"2.0", "10.0", -1},
	}
	for _, tt := range tests {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := compareVersions(tt.b, tt.a); got != -tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestInferArch(t *testing.T) {
	tests := []struct {
		packager string
		arches   []string
		want     string
	}{
		{PackagerDpkg, []string{"all", "amd64", "amd64", "i386"}, "x86_64"},
		{PackagerDpkg, []string{"arm64", "all"}, "aarch64"},
		{PackagerDpkg, []string{"armhf"}, "armv7l"},
		{PackagerAPK, []string{"armv7", "armv7"}, "armv7l"},
		{PackagerAPK, []string{"armhf"}, "armv6l"},
		{PackagerRPM, []string{"noarch", "noarch", "aarch64", "(none)"}, "aarch64"},
		{PackagerRPM, []string{"noarch"}, ""},
		{PackagerRPM, []string{"sparc64"}, "sparc64"},
	}
	for _, tt := range tests {
		var pkgs []model.Package
		for _, a := range tt.arches {
			pkgs = append(pkgs, model.Package{Name: "p", Version: "1", Arch: a})
		}
		if got := inferArch(tt.packager, pkgs); got != tt.want {
			t.Errorf("inferArch(%s, %v) = %q, want %q", tt.packager, tt.arches, got, tt.want)
		}
	}
}

func TestCPUModel(t *testing.T) {
	root := t.TempDir()
	copyFileData(t, filepath.Join(root, "proc/cpuinfo"), "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU E5-2650 v4 @ 2.20GHz\n\nprocessor\t: 1\nmodel name\t: other\n")
	if got := cpuModel(newRootFS(root)); got != "Intel(R) Xeon(R) CPU E5-2650 v4 @ 2.20GHz" {
		t.Errorf("cpuModel = %q", got)
	}
	copyFileData(t, filepath.Join(root, "proc/cpuinfo"), "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n")
	if got := cpuModel(newRootFS(root)); got != "" {
		t.Errorf("cpuModel without model name = %q", got)
	}
}

func copyFileData(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
