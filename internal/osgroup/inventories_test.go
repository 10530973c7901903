package osgroup

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/testenv"
)

// TestInventoryStrings: the system: line of every real inventory
// (shared/data/inventories/*/*/*.pakiti5.txt) maps to the group written
// here by hand from the inventory's PROVENANCE.tsv line; an inventory
// added without an expectation fails the test.
func TestInventoryStrings(t *testing.T) {
	want := map[string]string{
		"alma-8/vuls-alma8":                         "alma:8", // AlmaLinux release 8.9 (Midnight Oncilla)
		"alma-9/vuls-alma9":                         "alma:9", // AlmaLinux release 9.0 (Emerald Puma)
		"alpine-3.10/kobo-xorg-base-rootfs":         "alpine:3.10",
		"alpine-3.16/granby-alpine-image":           "alpine:3.16",
		"alpine-3.16/viking-nginx":                  "alpine:3.16",
		"alpine-3.20/vaultwarden":                   "alpine:3.20",
		"cbl-mariner-2.0/go-rpmdb-mariner":          "cbl-mariner:2.0", // no Mariner data: not evaluated
		"centos-7/vuls-centos7":                     "centos:7",        // CentOS Linux release 7.7.1908 (Core)
		"debian-11/viking-db":                       "debian:11",
		"debian-12/ci-debian12":                     "debian:12",
		"debian-12/langflow-backend-image":          "debian:12",
		"opensuse-leap-15.3/vicibox-installed-rpms": "opensuse-leap:15.3",
		"rhel-7/vuls-rhel73":                        "rhel:7",    // Red Hat Enterprise Linux Server release 7.3 (Maipo)
		"rhel-8/go-rpmdb-libuuid":                   "rhel:8",    // Red Hat Enterprise Linux release 8.8 (Ootpa)
		"rhel-8/rhcos42-sosreport":                  "rhcos:4.2", // RHCOS 4.2, RHEL 8.0 based (read as rhel:8 by the redhat-rebuilds driver)
		"rhel-8/vuls-rhel80":                        "rhel:8",
		"rhel-9/snyk-ubi9-aarch64":                  "rhel:9",
		"rhel-9/vuls-rhel90":                        "rhel:9",
		"sles-15/go-rpmdb-sle15-bci":                "sles:15.3", // "SLES 15.3": SLE BCI 15 SP3 (sles-release 15.3-55.4.1)
		"sles-15/vuls-sles15":                       "sles:15.3", // "SLES 15.3"
		"ubuntu-18.04/claircore-texlive":            "ubuntu:18.04",
		"ubuntu-18.04/fanal-testdata-dpkg":          "ubuntu:18.04",
		"ubuntu-22.04/linux-check-diff":             "ubuntu:22.04",
	}
	root := filepath.Join(testenv.SharedDir(t), "data/inventories")
	files, err := filepath.Glob(filepath.Join(root, "*/*/*.pakiti5.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no inventories under %s (%v)", root, err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		rel, _ := filepath.Rel(root, filepath.Dir(f))
		seen[rel] = true
		system := systemLine(t, f)
		exp, ok := want[rel]
		if !ok {
			t.Errorf("%s (system %q): no expectation written", rel, system)
			continue
		}
		if got := Builtin.Group(Facts{System: system}); got != exp {
			t.Errorf("%s: Group(%q) = %q, want %q", rel, system, got, exp)
		}
		// Where the inventory has its os-release, protocol 6's facts
		// (ID, VERSION_ID) give the same group, whatever the system line.
		if id, ver, ok := osRelease(t, filepath.Join(filepath.Dir(f), "os-release")); ok {
			for _, sys := range []string{system, "renamed"} {
				if got := Builtin.Group(Facts{System: sys, OSID: id, OSVersionID: ver}); got != exp {
					t.Errorf("%s: Group(%q, ID %q, VERSION_ID %q) = %q, want %q", rel, sys, id, ver, got, exp)
				}
			}
		}
	}
	for rel := range want {
		if !seen[rel] {
			t.Errorf("%s: expected inventory not found", rel)
		}
	}
}

func systemLine(t *testing.T, file string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "system: "); ok {
			return v
		}
	}
	t.Fatalf("%s: no system: line", file)
	return ""
}

// osRelease reads ID and VERSION_ID of an os-release file; ok is false
// when there is none.
func osRelease(t *testing.T, file string) (id, ver string, ok bool) {
	t.Helper()
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return "", "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(line, "=")
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			id = v
		case "VERSION_ID":
			ver = v
		}
	}
	return id, ver, id != ""
}
