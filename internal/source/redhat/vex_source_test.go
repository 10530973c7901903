package redhat

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// findRecords returns the records of a testdata CSAF document that match
// group, origin, package and CVE.
func findRecords(t *testing.T, file, group, origin, pkg, cve string) []model.Advisory {
	t.Helper()
	var out []model.Advisory
	for _, a := range parseVEXFile(t, filepath.Join("testdata", file)).Records {
		if a.OSGroup == group && a.Source == origin && a.Package == pkg && a.CVE == cve {
			out = append(out, a)
		}
	}
	return out
}

// TestVEXSourceRPMs: the second generator's documents ("CSAF Generator
// 2.0.1") name some fixes by source RPM only; the fix reaches the
// binaries the product tree lists for that build, and a source whose
// binaries the document does not list is filed under its own name.
func TestVEXSourceRPMs(t *testing.T) {
	desc := "email module doesn't properly quotes newlines in email headers, allowing header injection"
	for _, tc := range []struct {
		name, file, group, pkg, cve string
		want                        []model.Advisory
	}{{
		// CVE-2024-6923.json: fixed "rhel-8.10.z::appstream:python3.11-0:3.11.9-7.el8_10.src"
		// (relationship line 871 to rhel-8.10.z::appstream, cpe:/a:redhat:enterprise_linux:8::appstream);
		// the tree lists the binary "python3.11-0:3.11.9-7.el8_10" (line 466, purl
		// pkg:rpm/redhat/python3.11@3.11.9-7.el8_10?epoch=0, no arch), fixed on ::crb too; vendor_fix
		// RHSA-2024:6962 dated 2024-09-24; impact "Moderate".
		name: "source expanded to the listed binary", file: "CVE-2024-6923.v2-format.json.gz",
		group: "rhel:8", pkg: "python3.11", cve: "CVE-2024-6923",
		want: []model.Advisory{{Source: VEXSourceName, OSGroup: "rhel:8", Package: "python3.11", CVE: "CVE-2024-6923",
			FixedVersion: "0:3.11.9-7.el8_10", Status: model.StatusFixed, Severity: "moderate", AdvisoryID: "RHSA-2024:6962",
			Description: desc, Published: day("2024-09-24")}},
	}, {
		// CVE-2024-6923.json: fixed "rhel-9.2.0.z.eus::appstream:python3.11-0:3.11.2-2.el9_2.6.src"
		// (rhel_eus:9.2), vendor_fix RHSA-2024:7415 dated 2024-10-01; the tree lists no binary of
		// 3.11.2-2.el9_2.6: the fix is filed under the source's name (binary python3.11 is one).
		name: "source whose binaries are not listed", file: "CVE-2024-6923.v2-format.json.gz",
		group: "rhel:9.2-eus", pkg: "python3.11", cve: "CVE-2024-6923",
		want: []model.Advisory{{Source: VEXSourceName, OSGroup: "rhel:9.2-eus", Package: "python3.11", CVE: "CVE-2024-6923",
			FixedVersion: "0:3.11.2-2.el9_2.6", Status: model.StatusFixed, Severity: "moderate", AdvisoryID: "RHSA-2024:7415",
			Description: desc, Note: noteSourceOnly, Published: day("2024-10-01")}},
	}, {
		// CVE-2024-0056.json: fixed "rhel-9.3.0.z::appstream:dotnet8.0-0:8.0.101-1.el9_3.src" only
		// on appstream (::crb lists the binary dotnet8.0-0:8.0.101-1.el9_3), vendor_fix RHSA-2024:0150.
		name: "dotnet8.0 source fixed on appstream", file: "CVE-2024-0056.v2-format.json",
		group: "rhel:9", pkg: "dotnet8.0", cve: "CVE-2024-0056",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := findRecords(t, tc.file, tc.group, VEXSourceName, tc.pkg, tc.cve)
			if tc.want == nil {
				if len(got) != 1 || got[0].FixedVersion != "0:8.0.101-1.el9_3" || got[0].Note != "" {
					t.Errorf("records %+v, want one fixed in 0:8.0.101-1.el9_3", got)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSourceBinariesOtherNames: a source RPM's binaries of other names.
// The record is constructed: the real documents of the second generator
// we hold list only binaries named as their source, so this one takes
// the first generator's ids of cve-2023-38545.json (curl and libcurl
// 7.76.1-26.el9_3.2 on BaseOS-9.3.0.Z.MAIN) and names the source alone
// as fixed, as the second generator does.
func TestSourceBinariesOtherNames(t *testing.T) {
	doc := `{"document":{"category":"csaf_vex","tracking":{"id":"CVE-2023-38545","current_release_date":"2025-11-21T14:31:32+00:00",
"generator":{"engine":{"name":"CSAF Generator","version":"2.0.1"}}}},
"product_tree":{"branches":[{"category":"vendor","name":"Red Hat","branches":[
 {"category":"product_name","name":"Red Hat Enterprise Linux 9","product":{"name":"Red Hat Enterprise Linux 9","product_id":"BaseOS-9.3.0.Z.MAIN","product_identification_helper":{"cpe":"cpe:/o:redhat:enterprise_linux:9::baseos"}}},
 {"category":"product_version","name":"curl-0:7.76.1-26.el9_3.2.src","product":{"name":"curl-0:7.76.1-26.el9_3.2.src","product_id":"curl-0:7.76.1-26.el9_3.2.src","product_identification_helper":{"purl":"pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=src"}}},
 {"category":"product_version","name":"curl-0:7.76.1-26.el9_3.2.x86_64","product":{"name":"curl-0:7.76.1-26.el9_3.2.x86_64","product_id":"curl-0:7.76.1-26.el9_3.2.x86_64","product_identification_helper":{"purl":"pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=x86_64"}}},
 {"category":"product_version","name":"libcurl-0:7.76.1-26.el9_3.2.x86_64","product":{"name":"libcurl-0:7.76.1-26.el9_3.2.x86_64","product_id":"libcurl-0:7.76.1-26.el9_3.2.x86_64","product_identification_helper":{"purl":"pkg:rpm/redhat/libcurl@7.76.1-26.el9_3.2?arch=x86_64"}}},
 {"category":"product_version","name":"libcurl-0:7.61.1-33.el8_9.5.x86_64","product":{"name":"libcurl-0:7.61.1-33.el8_9.5.x86_64","product_id":"libcurl-0:7.61.1-33.el8_9.5.x86_64","product_identification_helper":{"purl":"pkg:rpm/redhat/libcurl@7.61.1-33.el8_9.5?arch=x86_64"}}}]}],
"relationships":[{"category":"default_component_of","full_product_name":{"name":"curl src on 9","product_id":"BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src"},"product_reference":"curl-0:7.76.1-26.el9_3.2.src","relates_to_product_reference":"BaseOS-9.3.0.Z.MAIN"}]},
"vulnerabilities":[{"cve":"CVE-2023-38545","product_status":{"fixed":["BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src"]},
 "remediations":[{"category":"vendor_fix","url":"https://access.redhat.com/errata/RHSA-2023:6745","product_ids":["BaseOS-9.3.0.Z.MAIN:curl-0:7.76.1-26.el9_3.2.src"]}]}]}`
	var got []string
	st, err := ParseVEX(strings.NewReader(doc), func(a model.Advisory) error {
		got = append(got, a.OSGroup+" "+a.Package+" "+a.FixedVersion+" "+a.Arch+" "+a.AdvisoryID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rhel:9 curl 0:7.76.1-26.el9_3.2 x86_64 RHSA-2023:6745", "rhel:9 libcurl 0:7.76.1-26.el9_3.2 x86_64 RHSA-2023:6745"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if st.Generator != "CSAF Generator 2.0.1" || st.Source != 1 || st.SourceOnly != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestELS: RHSA-2025:23414 (bind, RHEL 6 ELS; "6Server-ELS.EXTENSION" is
// cpe:/o:redhat:rhel_els:6) fixes CVE-2025-40778 in
// "6Server-ELS.EXTENSION:bind-32:9.8.2-0.68.rc1.el6_10.17.x86_64" (line 475),
// impact "Important". A RHEL 6 host without ELS below that build is
// affected with no fix it can install (the fix named); a host with the
// ELS build has no finding.
func TestELS(t *testing.T) {
	recs := findRecords(t, "rhsa-2025_23414.json.gz", "rhel:6", ELSSourceName, "bind", "CVE-2025-40778")
	recs = append(recs, findRecords(t, "rhsa-2025_23414.json.gz", "rhel:6", WithoutELSSourceName, "bind", "CVE-2025-40778")...)
	// A plain RHEL 6 record of the same CVE (constructed: Red Hat marks RHEL 6 outside
	// ELS "Out of support scope"), which the ELS records outrank.
	recs = append(recs, model.Advisory{Source: VEXSourceName, OSGroup: "rhel:6", Package: "bind", CVE: "CVE-2025-40778",
		Status: model.StatusEndOfLife, Note: "out of support scope"})
	fix := "32:9.8.2-0.68.rc1.el6_10.17"
	for _, tc := range []struct {
		name, installed string
		want            []store.Verdict
	}{
		// 32:9.8.2-0.68.rc1.el6_10.13: an older RHEL 6 bind build (constructed version).
		{"below the ELS fix", "32:9.8.2-0.68.rc1.el6_10.13", []store.Verdict{{CVE: "CVE-2025-40778", Status: model.StatusAffected,
			FixedVersion: fix, Severity: "important", AdvisoryID: "RHSA-2025:23414", Origin: WithoutELSSourceName}}},
		{"the ELS build installed", fix, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := match.Key{Name: "bind", Version: tc.installed, Arch: "x86_64", Basis: match.BasisReport}
			got := match.Verdicts(Driver{}, k, recs)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
		})
	}
	// CVE-2024-6923.json: known_affected "rhel-7-els.els:python.src" (line 736; cpe:/o:redhat:rhel_els:7),
	// no_fix_planned "Will not fix": an ELS record of rhel:7.
	got := findRecords(t, "CVE-2024-6923.v2-format.json.gz", "rhel:7", ELSSourceName, "python", "CVE-2024-6923")
	if len(got) != 1 || got[0].Status != model.StatusWillNotFix {
		t.Errorf("rhel:7 python ELS records %+v, want one will-not-fix", got)
	}
}

// TestELSGroup: the ELS platforms of the documents of testdata.
func TestELSGroup(t *testing.T) {
	for cpe, want := range map[string]string{
		"cpe:/o:redhat:rhel_els:7":          "rhel:7",
		"cpe:/o:redhat:rhel_els:6":          "rhel:6",
		"cpe:/o:redhat:enterprise_linux:7":  "",
		"cpe:/o:redhat:rhel_els:4":          "",
		"cpe:/a:redhat:rhel_eus:9.2::crb":   "",
		"cpe:/o:redhat:rhel_els:7::desktop": "rhel:7",
	} {
		if got, _ := ELSGroup(cpe); got != want {
			t.Errorf("ELSGroup(%q) = %q, want %q", cpe, got, want)
		}
	}
}
