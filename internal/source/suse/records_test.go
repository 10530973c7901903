package suse

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestRecordsByHand checks records written from the vendor files.
func TestRecordsByHand(t *testing.T) {
	type key struct{ file, group, pkg, cve string }
	want := map[key]model.Advisory{
		// opensuse.leap.15.2: oval:org.opensuse.security:def:20102322 CVE-2010-2322,
		// "openSUSE-release is ==15.2" AND "fastjar is <0.98-lp152.4.3.1 for i586,x86_64"
		// (arch pattern "(i586|x86_64)", evr 0:0.98-lp152.4.3.1); severity Low; issued and
		// updated 2021-08-10; references SUSE-SU-2021:2635-1, openSUSE-SU-2021:1107-1, openSUSE-SU-2021:2565-1.
		{"opensuse.leap.15.2.excerpt.xml.gz", "opensuse-leap:15.2", "fastjar", "CVE-2010-2322"}: {
			Source: SourceName, OSGroup: "opensuse-leap:15.2", Package: "fastjar", CVE: "CVE-2010-2322",
			FixedVersion: "0:0.98-lp152.4.3.1", Status: model.StatusFixed, Severity: "low", AdvisoryID: "openSUSE-SU-2021:1107-1",
			Arch: "i586|x86_64", Published: day("2021-08-10"),
			Description: "Absolute path traversal vulnerability in the extract_jar function in jartool.c in FastJar 0.98 allows remote attackers to create or overwrite arbitrary files via a full pathname for a file within a .jar archive, a related issue to CVE-2010-0831. NOTE: this vulnerability exists because of an incomple"}, // clipped to 300 bytes
		// opensuse.10.2: CVE-2005-1038 "suse-release is ==10.2" AND "cron is <4.1-70"; no advisory, no severity.
		{"opensuse.10.2.excerpt.xml.gz", "opensuse:10.2", "cron", "CVE-2005-1038"}: {
			Source: SourceName, OSGroup: "opensuse:10.2", Package: "cron", CVE: "CVE-2005-1038",
			FixedVersion: "0:4.1-70", Status: model.StatusFixed,
			Description: "crontab in Vixie cron 4.1, when running with the -e option, allows local users to read the cron files of other users by changing the file being edited to a symlink. NOTE: there is insufficient information to know whether this is a duplicate of CVE-2001-0235."},
	}
	got := map[key][]model.Advisory{}
	for _, file := range []string{"opensuse.leap.15.2.excerpt.xml.gz", "opensuse.10.2.excerpt.xml.gz"} {
		for _, a := range parseOVALFile(t, filepath.Join("testdata", file)).Records {
			k := key{file, a.OSGroup, a.Package, a.CVE}
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
	// CSAF VEX CVE-2023-5568 (current_release_date 2024-07-26, impact moderate):
	// "SUSE Linux Enterprise Server 15 SP3-LTSS:samba-libs" is known_not_affected;
	// "SUSE Linux Enterprise Micro 6.0:samba-client-libs-4.19.4+git.339.acf1ccaa02-1.22"
	// is recommended, of a product without a group (no record).
	vex := parseVEXFile(t, "testdata/cve-2023-5568.json.gz")
	wantVEX := model.Advisory{Source: VEXSourceName, OSGroup: "sles:15.3", Package: "samba-libs", CVE: "CVE-2023-5568",
		Status: model.StatusNotAffected, Severity: "moderate", Published: day("2024-07-26"),
		Description: "A heap-based Buffer Overflow flaw was discovered in Samba. It could allow a remote, authenticated attacker to exploit this vulnerability to cause a denial of service."}
	n := 0
	for _, a := range vex.Records {
		if a.OSGroup == "sles:15.3" && a.Package == "samba-libs" {
			n++
			if diff := cmp.Diff(wantVEX, a); diff != "" {
				t.Errorf("VEX samba-libs sles:15.3 (-want +got):\n%s", diff)
			}
		}
		if a.Status == model.StatusFixed || a.Package == "samba-client-libs" && a.OSGroup == "sles:6.0" {
			t.Errorf("unexpected record %+v", a)
		}
	}
	if n != 1 {
		t.Errorf("%d samba-libs sles:15.3 records, want 1", n)
	}
}

// TestProductGroup: the product tests and CSAF products of the real files.
func TestProductGroup(t *testing.T) {
	for _, tc := range []struct{ pkg, version, doc, want string }{
		{"sles-release", "15.3", "suse.linux.enterprise.15.xml", "sles:15.3"},
		{"sles-release", "15", "suse.linux.enterprise.15.xml", "sles:15"},
		{"SLES_SAP-release", "15", "suse.linux.enterprise.15.xml", "sles:15"},
		{"SLE_HPC-release", "15", "suse.linux.enterprise.15.xml", "sles:15"},
		{"sles-ltss-release", "15.1", "suse.linux.enterprise.15.xml", "sles:15.1"},
		{"sle-module-basesystem-release", "15", "suse.linux.enterprise.15.xml", "sles:15"},
		{"sle-module-server-applications-release", "15", "suse.linux.enterprise.15.xml", "sles:15"},
		{"sled-release", "15", "suse.linux.enterprise.15.xml", "sled:15"},
		{"sles-release", "12.5", "suse.linux.enterprise.12.xml", "sles:12.5"},
		{"openSUSE-release", "15.2", "opensuse.leap.15.2.xml", "opensuse-leap:15.2"},
		{"openSUSE-release", "42.3", "opensuse.leap.42.3.xml", "opensuse-leap:42.3"},
		{"openSUSE-release", "13.2", "opensuse.13.2.xml", "opensuse:13.2"},
		{"suse-release", "10.2", "opensuse.10.2.xml", "opensuse:10.2"},
		{"openSUSE-release", "5.2", "opensuse.leap.micro.5.2.xml", ""},
		{"openSUSE-release", "20210101", "opensuse.tumbleweed.xml", ""},
		{"SLE-Micro-release", "5.3", "suse.linux.enterprise.micro.5-affected.xml", ""},
		{"ses-release", "7.1", "suse.linux.enterprise.15.xml", ""},
	} {
		if got, _ := ProductGroup(tc.pkg, tc.version, tc.doc); got != tc.want {
			t.Errorf("ProductGroup(%s, %s, %s) = %q, want %q", tc.pkg, tc.version, tc.doc, got, tc.want)
		}
	}
	for _, tc := range []struct{ product, want string }{
		{"SUSE Linux Enterprise Server 15 SP3", "sles:15.3"},
		{"SUSE Linux Enterprise Server 15 SP3-LTSS", "sles:15.3"},
		{"SUSE Linux Enterprise Server for SAP Applications 15 SP3", "sles:15.3"},
		{"SUSE Linux Enterprise High Performance Computing 15 SP3-ESPOS", "sles:15.3"},
		{"SUSE Linux Enterprise Module for Basesystem 15 SP4", "sles:15.4"},
		{"SUSE Linux Enterprise High Availability Extension 12 SP5", "sles:12.5"},
		{"SUSE Linux Enterprise Server 15-LTSS", "sles:15"},
		{"SUSE Linux Enterprise Server 11 SP4 LTSS", "sles:11.4"},
		{"SUSE Linux Enterprise Desktop 15 SP3", "sled:15.3"},
		{"openSUSE Leap 15.3", "opensuse-leap:15.3"},
		{"openSUSE Leap Micro 5.2", ""},
		{"SUSE Linux Enterprise Micro 6.0", ""},
		{"SUSE Manager Server 4.2", ""},
		{"SUSE Linux Enterprise Server Teradata 12 SP3", ""},
	} {
		if got, _ := VEXProductGroup(tc.product); got != tc.want {
			t.Errorf("VEXProductGroup(%q) = %q, want %q", tc.product, got, tc.want)
		}
	}
}
