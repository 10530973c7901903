package collect

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testRoot is a system laid out under a temporary directory from the files
// of one testdata/inventories folder.
type testRoot struct {
	root     string
	rpm      string // fake rpm command printing the folder's rpm-qa.txt, or ""
	rpmArgs  string // where the fake rpm writes its arguments
	hasOSTag bool   // the folder has os-release or redhat-release
}

// layRoot lays out the files of dir where the system keeps them:
//
//	status        -> var/lib/dpkg/status
//	installed     -> lib/apk/db/installed
//	os-release    -> usr/lib/os-release, with etc/os-release an absolute
//	                 symbolic link to it (as on Debian), which must resolve
//	                 inside the root
//	redhat-release-> etc/redhat-release
//	Packages      -> var/lib/rpm/Packages
//	rpm-qa.txt    -> printed by a fake rpm command (and var/lib/rpm/Packages
//	                 made when missing, so that an rpm database is found)
func layRoot(t *testing.T, dir string) testRoot {
	t.Helper()
	tr := testRoot{root: t.TempDir()}
	place := func(src, dst string) {
		data, err := os.ReadFile(filepath.Join(dir, src))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(tr.root, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	if has("status") {
		place("status", "var/lib/dpkg/status")
	}
	if has("installed") {
		place("installed", "lib/apk/db/installed")
	}
	if has("os-release") {
		place("os-release", "usr/lib/os-release")
		if err := os.MkdirAll(filepath.Join(tr.root, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/usr/lib/os-release", filepath.Join(tr.root, "etc/os-release")); err != nil {
			t.Fatal(err)
		}
		tr.hasOSTag = true
	}
	if has("redhat-release") {
		place("redhat-release", "etc/redhat-release")
		tr.hasOSTag = true
	}
	if has("Packages") {
		place("Packages", "var/lib/rpm/Packages")
	}
	if has("rpm-qa.txt") {
		if !has("Packages") {
			if err := os.MkdirAll(filepath.Join(tr.root, "var/lib/rpm"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tr.root, "var/lib/rpm/Packages"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		qa, err := filepath.Abs(filepath.Join(dir, "rpm-qa.txt"))
		if err != nil {
			t.Fatal(err)
		}
		bin := t.TempDir()
		tr.rpm = filepath.Join(bin, "rpm")
		tr.rpmArgs = filepath.Join(bin, "args")
		script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + tr.rpmArgs + "'\nexec cat '" + qa + "'\n"
		if err := os.WriteFile(tr.rpm, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func inventoryDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("testdata/inventories/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no testdata inventories: %v", err)
	}
	return dirs
}

func readWant(t *testing.T, path string) ([]byte, *report.Report) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Parse(want, report.Protocol5, report.DefaultLimits)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return want, r
}

// TestCollectInventories collects each real inventory under a root
// directory and checks that the protocol-5 report is the one the Perl
// client would send for it (want.pakiti5.txt): packages, packager, system
// (when the folder has the file it comes from), kernel (the newest kernel
// package's, which is the running one in these inventories) and arch
// (inferred from the packages). The host name and site come from the
// options.
func TestCollectInventories(t *testing.T) {
	for _, dir := range inventoryDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			tr := layRoot(t, dir)
			want, wantR := readWant(t, filepath.Join(dir, "want.pakiti5.txt"))
			var warnings []string
			got, err := Collect(context.Background(), Options{
				Root: tr.root, Host: wantR.Header.Host, Site: wantR.Header.Site, RPM: tr.rpm,
				Warnf: func(f string, a ...any) { warnings = append(warnings, f) },
			})
			if err != nil {
				t.Fatal(err)
			}
			if !tr.hasOSTag {
				if got.Header.System != "" {
					t.Errorf("system %q without any os file", got.Header.System)
				}
				got.Header.System = wantR.Header.System
			}
			if diff := cmp.Diff(string(want), string(report.Format(got, report.Protocol5))); diff != "" {
				t.Errorf("protocol-5 report differs from the Perl client's (-want +got):\n%s", diff)
			}
			if len(warnings) > 0 && (tr.hasOSTag || len(warnings) > 1) {
				t.Errorf("warnings: %q", warnings)
			}
			// Protocol 6 carries every package with its source and reads back.
			p6 := report.Format(got, report.Protocol6)
			back, err := report.Parse(p6, report.Protocol6, report.DefaultLimits)
			if err != nil {
				t.Fatalf("protocol-6 report does not parse: %v", err)
			}
			if diff := cmp.Diff(got, back); diff != "" {
				t.Errorf("protocol-6 round trip (-collected +parsed):\n%s", diff)
			}
			if tr.rpm != "" {
				args, err := os.ReadFile(tr.rpmArgs)
				if err != nil {
					t.Fatal(err)
				}
				wantArgs := strings.Join([]string{"--root", tr.root, "--dbpath", "/var/lib/rpm", "-qa", "--queryformat", RPMQueryFormat}, "\n") + "\n"
				if diff := cmp.Diff(wantArgs, string(args)); diff != "" {
					t.Errorf("rpm arguments (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestCollectSources checks the source columns on real data.
func TestCollectSources(t *testing.T) {
	tests := []struct {
		dir  string
		want map[string][2]string // binary name -> source name, version
	}{
		{"debian-11-viking-db", map[string][2]string{
			"libuuid1":  {"util-linux", "2.36.1-8+deb11u1"},
			"bash":      {"bash", "5.1-2+deb11u1"},
			"libc6":     {"glibc", "2.31-13+deb11u5"},
			"coreutils": {"coreutils", "8.32-4"},
		}},
		{"alpine-3.20-vaultwarden", map[string][2]string{
			"libssl3": {"openssl", "3.3.1-r3"},
			"musl":    {"musl", "1.2.5-r0"},
		}},
		{"alma-9-vuls", map[string][2]string{
			"kernel-core":    {"kernel", "0:5.14.0-70.13.1.el9_0"},
			"openssl-libs":   {"openssl", "1:3.0.1-23.el9_0"},
			"python3-pyyaml": {"PyYAML", "0:5.4.1-6.el9"},
		}},
		{"rhel-8-libuuid", map[string][2]string{"libuuid": {"util-linux", "0:2.32.1-42.el8_8"}}},
		{"rhel-9-ubi9-snyk", map[string][2]string{"bash": {"", ""}}}, // no SOURCERPM: unknown
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			tr := layRoot(t, filepath.Join("testdata/inventories", tt.dir))
			r, err := Collect(context.Background(), Options{Root: tr.root, Host: "h", RPM: tr.rpm})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][2]string{}
			for _, p := range r.Packages {
				if _, ok := tt.want[p.Name]; ok {
					got[p.Name] = [2]string{p.SourceName, p.SourceVersion}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCollectRealRPM reads the real BerkeleyDB rpm database with the rpm
// command, when there is one.
func TestCollectRealRPM(t *testing.T) {
	rpm := needRPM(t)
	dir := "testdata/inventories/rhel-8-libuuid"
	tr := layRoot(t, dir)
	want, wantR := readWant(t, filepath.Join(dir, "want.pakiti5.txt"))
	got, err := Collect(context.Background(), Options{Root: tr.root, Host: wantR.Header.Host, Site: wantR.Header.Site, RPM: rpm})
	if err != nil {
		if strings.Contains(err.Error(), "listed no packages") {
			testenv.Skipf(t, "this rpm cannot read BerkeleyDB: %v", err)
		}
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(report.Format(got, report.Protocol5))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSharedInventories runs the collector on every inventory of the
// project's shared data (testenv.SharedDir: data/inventories, present on
// developer machines and in CI), the holdout ones included when they are
// laid there: the package lines, packager and system must be the Perl
// client's.
func TestSharedInventories(t *testing.T) {
	base := filepath.Join(testenv.SharedDir(t), "data", "inventories")
	rpm, _ := exec.LookPath("rpm")
	dirs, _ := filepath.Glob(filepath.Join(base, "*", "*"))
	n := 0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		wantPath := filepath.Join(dir, name+".pakiti5.txt")
		if _, err := os.Stat(wantPath); err != nil {
			continue
		}
		var input, dst string
		// Not Packages.db (NDB, SUSE's rpm database, sles-15/go-rpmdb-sle15-bci):
		// Debian's rpm (4.18.0+dfsg-1+deb12u1, the one CI installs) is built
		// without the ndb backend ("using dummy database" with
		// --define '_db_backend ndb') and lists nothing, so that inventory
		// could only skip; the collector's NDB path is the rpm command's.
		for _, c := range [][2]string{
			{"status", "var/lib/dpkg/status"}, {"installed", "lib/apk/db/installed"},
			{"Packages", "var/lib/rpm/Packages"}, {"rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite"},
		} {
			if _, err := os.Stat(filepath.Join(dir, c[0])); err == nil {
				input, dst = c[0], c[1]
				break
			}
		}
		if input == "" {
			continue // listings and scan results: not a package database
		}
		t.Run(filepath.Base(filepath.Dir(dir))+"/"+name, func(t *testing.T) {
			if strings.HasPrefix(dst, "var/lib/rpm") && rpm == "" {
				needRPM(t)
			}
			root := t.TempDir()
			copyFile(t, filepath.Join(dir, input), filepath.Join(root, dst))
			hasOS := false
			if _, err := os.Stat(filepath.Join(dir, "os-release")); err == nil {
				copyFile(t, filepath.Join(dir, "os-release"), filepath.Join(root, "etc/os-release"))
				hasOS = true
			}
			want, wantR := readWant(t, wantPath)
			got, err := Collect(context.Background(), Options{Root: root, Host: wantR.Header.Host, Site: wantR.Header.Site, RPM: rpm})
			if err != nil {
				t.Fatal(err)
			}
			if !hasOS {
				got.Header.System = wantR.Header.System
			}
			got.Header.Kernel, got.Header.Arch = wantR.Header.Kernel, wantR.Header.Arch
			if diff := cmp.Diff(string(want), string(report.Format(got, report.Protocol5))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		n++
	}
	if n == 0 {
		testenv.Skipf(t, "no inventories with a package database in %s", base)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGolden checks the printed protocol-5 and protocol-6 reports of two
// testdata roots against testdata/golden (go test -run TestGolden -update
// rewrites them).
func TestGolden(t *testing.T) {
	for _, name := range []string{"debian-11-viking-db", "alma-9-vuls", "alpine-3.16-granby"} {
		tr := layRoot(t, filepath.Join("testdata/inventories", name))
		r, err := Collect(context.Background(), Options{
			Root: tr.root, Host: "golden.example.org", Site: "GOLDEN", Tag: "production", RPM: tr.rpm,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []int{report.Protocol5, report.Protocol6} {
			got := report.Format(r, p)
			path := filepath.Join("testdata/golden", name+".p"+string(rune('0'+p))+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-golden +got):\n%s", path, diff)
			}
		}
	}
}

func TestCollectErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("empty root", func(t *testing.T) {
		_, err := Collect(ctx, Options{Root: t.TempDir(), Host: "h"})
		if err == nil || !strings.Contains(err.Error(), "no installed packages found") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no host under root", func(t *testing.T) {
		tr := layRoot(t, "testdata/inventories/alpine-3.16-granby")
		_, err := Collect(ctx, Options{Root: tr.root})
		if err == nil || !strings.Contains(err.Error(), "--host") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("host from etc/hostname", func(t *testing.T) {
		tr := layRoot(t, "testdata/inventories/alpine-3.16-granby")
		if err := os.WriteFile(filepath.Join(tr.root, "etc/hostname"), []byte("  img01.example.org \n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Collect(ctx, Options{Root: tr.root})
		if err != nil {
			t.Fatal(err)
		}
		if r.Header.Host != "img01.example.org" {
			t.Errorf("host = %q", r.Header.Host)
		}
	})
	t.Run("rpm database without rpm", func(t *testing.T) {
		tr := layRoot(t, "testdata/inventories/alma-9-vuls")
		_, err := Collect(ctx, Options{Root: tr.root, Host: "h", RPM: filepath.Join(t.TempDir(), "no-rpm")})
		if err == nil || !strings.Contains(err.Error(), "rpm") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("rpm listing nothing", func(t *testing.T) {
		root := t.TempDir()
		copyFile(t, "testdata/inventories/alma-9-vuls/redhat-release", filepath.Join(root, "etc/redhat-release"))
		if err := os.MkdirAll(filepath.Join(root, "var/lib/rpm"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "var/lib/rpm/Packages.db"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Collect(ctx, Options{Root: root, Host: "h", RPM: "/bin/true"})
		if err == nil || !strings.Contains(err.Error(), "listed no packages") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("forced packager", func(t *testing.T) {
		tr := layRoot(t, "testdata/inventories/alpine-3.16-granby")
		if _, err := Collect(ctx, Options{Root: tr.root, Host: "h", Packager: PackagerDpkg}); err == nil {
			t.Error("dpkg forced on an apk system: no error")
		}
		if _, err := Collect(ctx, Options{Root: tr.root, Host: "h", Packager: "pkg"}); err == nil {
			t.Error("unknown packager: no error")
		}
		r, err := Collect(ctx, Options{Root: tr.root, Host: "h", Packager: PackagerAPK})
		if err != nil || r.Header.Packager != "apk" {
			t.Errorf("forced apk: %v", err)
		}
	})
	t.Run("reboot-required file", func(t *testing.T) {
		tr := layRoot(t, "testdata/inventories/debian-11-viking-db")
		r, err := Collect(ctx, Options{Root: tr.root, Host: "h"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Header.RebootRequired != "" {
			t.Errorf("reboot-required = %q under a root without the file, want unknown", r.Header.RebootRequired)
		}
		// /var/run is a link to /run on Debian: it must resolve inside the root.
		if err := os.MkdirAll(filepath.Join(tr.root, "run"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/run", filepath.Join(tr.root, "var/run")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tr.root, "run/reboot-required"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if r, err = Collect(ctx, Options{Root: tr.root, Host: "h"}); err != nil {
			t.Fatal(err)
		}
		if r.Header.RebootRequired != "yes" {
			t.Errorf("reboot-required = %q, want yes", r.Header.RebootRequired)
		}
	})
}

// TestCollectLive runs the collector on this machine: it must find
// packages and the facts uname gives.
func TestCollectLive(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	r, err := Collect(context.Background(), Options{})
	if err != nil {
		testenv.Skipf(t, "this machine has no package database Collect knows: %v", err)
	}
	if len(r.Packages) == 0 || r.Header.Host == "" || r.Header.Kernel == "" || r.Header.Arch == "" {
		t.Errorf("incomplete report: %d packages, header %+v", len(r.Packages), r.Header)
	}
	if !bytes.HasPrefix(report.Format(r, report.Protocol5), []byte("#\narch: ")) {
		t.Error("report does not start with the arch line")
	}
}

// needRPM returns the rpm command, or skips the test without one (fails
// under CI=true, where .ci/run installs it).
func needRPM(t *testing.T) string {
	t.Helper()
	rpm, err := exec.LookPath("rpm")
	if err != nil {
		testenv.Skip(t, "no rpm command (apt-get install rpm; .ci/run installs it)")
	}
	return rpm
}

// TestCollectRefusesBadHostname: the client checks its host name with the
// server's rule (report.ValidHostname) before sending anything.
func TestCollectRefusesBadHostname(t *testing.T) {
	tr := layRoot(t, filepath.Join("testdata/inventories", "alpine-3.20-vaultwarden"))
	// (The client drops non-ASCII bytes from header values, as the Perl
	// client does: invisible characters cannot reach the report.)
	for _, host := range []string{"..", ".", "a/b.example.org"} {
		_, err := Collect(context.Background(), Options{Root: tr.root, Host: host, RPM: tr.rpm})
		if err == nil || !strings.Contains(err.Error(), "give another with --host") {
			t.Errorf("host %+q: err = %v", host, err)
		}
	}
}
