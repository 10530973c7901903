package alpine

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// TestRecordsByHand checks records written by hand from the secdb lines
// quoted beside each (file and line numbers of the shared 2020 snapshot;
// the excerpts in testdata hold the same lines).
func TestRecordsByHand(t *testing.T) {
	fixed := func(group, pkg, id, ver string) model.Advisory {
		return model.Advisory{Source: "alpine-secdb", OSGroup: group, Package: pkg, CVE: id, FixedVersion: ver, Status: model.StatusFixed}
	}
	with := func(a model.Advisory, f func(*model.Advisory)) model.Advisory { f(&a); return a }
	for _, tc := range []struct {
		file string
		want model.Advisory
	}{
		// v3.10/main.yaml 1271-1275: "name: openssl / secfixes: / 1.1.1d-r0: / - CVE-2019-1547"
		{"v3.10_main.excerpt.yaml", fixed("alpine:3.10", "openssl", "CVE-2019-1547", "1.1.1d-r0")},
		// v3.10/main.yaml 157-158: bzip2 "1.0.6-r7:" then "- CVE-2019-12900" at the key's column
		{"v3.10_main.excerpt.yaml", fixed("alpine:3.10", "bzip2", "CVE-2019-12900", "1.0.6-r7")},
		// v3.10/main.yaml 1520-1521: rsync "3.1.2-r7: - CVE-2017-17434-1 - CVE-2017-17434-2": one CVE
		{"v3.10_main.excerpt.yaml", with(fixed("alpine:3.10", "rsync", "CVE-2017-17434", "3.1.2-r7"), func(a *model.Advisory) {
			a.Note = `secdb writes "CVE-2017-17434-1"`
		})},
		// v3.10/main.yaml 2001: xen "4.7.0-r0: - CVE-2016-6258 XSA-182"
		{"v3.10_main.excerpt.yaml", with(fixed("alpine:3.10", "xen", "CVE-2016-6258", "4.7.0-r0"), func(a *model.Advisory) { a.AdvisoryID = "XSA-182" })},
		// v3.10/main.yaml 2032: xen "4.7.1-r5: - XSA-207" (no CVE)
		{"v3.10_main.excerpt.yaml", with(fixed("alpine:3.10", "xen", "XSA-207", "4.7.1-r5"), func(a *model.Advisory) { a.Temporary = true })},
		// v3.10/main.yaml 2127-2128: xen "4.12.1-r0: - CVE-????-?????  XSA-295"
		{"v3.10_main.excerpt.yaml", with(fixed("alpine:3.10", "xen", "XSA-295", "4.12.1-r0"), func(a *model.Advisory) {
			a.Temporary, a.Note = true, `secdb writes "CVE-????-?????  XSA-295"`
		})},
		// v3.10/main.yaml 1753: tcpdump 4.9.3-r0 "- CVE-2018-10103 (SMB - partially fixed, but SMB printing disabled)"
		{"v3.10_main.excerpt.yaml", with(fixed("alpine:3.10", "tcpdump", "CVE-2018-10103", "4.9.3-r0"), func(a *model.Advisory) {
			a.Note = "(SMB - partially fixed, but SMB printing disabled)"
		})},
		// v3.10/main.yaml 1631-1632: sdl2_image "2.0.5-r0: - CVE-2019-5060 TALOS-2019-0844"
		{"v3.10_main.excerpt.yaml", with(fixed("alpine:3.10", "sdl2_image", "CVE-2019-5060", "2.0.5-r0"), func(a *model.Advisory) { a.AdvisoryID = "TALOS-2019-0844" })},
		// v3.8/main.yaml 289-292: db "secfixes:", a comment line, then "\"0\":" and "- CVE-2016-0682"
		{"v3.8_main.excerpt.yaml", model.Advisory{Source: "alpine-secdb", OSGroup: "alpine:3.8", Package: "db", CVE: "CVE-2016-0682", Status: model.StatusNotAffected}},
		// v3.8/main.yaml 964-965: mariadb "10.2.26.r0: - CVE-2019-2805" (kept as written)
		{"v3.8_main.excerpt.yaml", fixed("alpine:3.8", "mariadb", "CVE-2019-2805", "10.2.26.r0")},
		// v3.7/main.yaml 1937: xen 4.9.1-r3 "- CVE-2017-5753 CVE-2017-5715 CVE-2017-5754 XSA-254 XPTI"
		{"v3.7_main.excerpt.yaml", with(fixed("alpine:3.7", "xen", "CVE-2017-5715", "4.9.1-r3"), func(a *model.Advisory) { a.AdvisoryID, a.Note = "XSA-254", "XPTI" })},
		// v3.9/main.yaml 26-27: ansible "2.7.3-r0: - CVE 2018-16859"
		{"v3.9_main.excerpt.yaml", with(fixed("alpine:3.9", "ansible", "CVE-2018-16859", "2.7.3-r0"), func(a *model.Advisory) { a.Note = `secdb writes "CVE 2018-16859"` })},
		// v3.4/main.yaml 443-444 (7-space key, item at the key's column): lcms2 "2.8-r0: - CVE-2016-10165"
		{"v3.4_main.excerpt.yaml", fixed("alpine:3.4", "lcms2", "CVE-2016-10165", "2.8-r0")},
		// v3.4/main.yaml 448-449 (7-space key, 9-space item): libarchive "3.2.0-r0: - CVE-2016-1541"
		{"v3.4_main.excerpt.yaml", fixed("alpine:3.4", "libarchive", "CVE-2016-1541", "3.2.0-r0")},
		// v3.4/main.yaml 1280-1281: zabbix "3.0.4-r0: - ZBX-11023"
		{"v3.4_main.excerpt.yaml", with(fixed("alpine:3.4", "zabbix", "ZBX-11023", "3.0.4-r0"), func(a *model.Advisory) { a.Temporary = true })},
		// v3.4/main.yaml 369-370: icu "57-1-r2: - CVE-2016-7415" (kept as written)
		{"v3.4_main.excerpt.yaml", fixed("alpine:3.4", "icu", "CVE-2016-7415", "57-1-r2")},
		// v3.5/main.yaml 1530-1531: zabbix "3.0.4-r0: - CVE-2016-10134 ZBX-11023"
		{"v3.5_main.excerpt.yaml", with(fixed("alpine:3.5", "zabbix", "CVE-2016-10134", "3.0.4-r0"), func(a *model.Advisory) { a.AdvisoryID = "ZBX-11023" })},
		// v3.5/main.yaml 1370-1377: wireshark "2.2.6-r0:" ... "- wnpa-sec-2017-18"
		{"v3.5_main.excerpt.yaml", with(fixed("alpine:3.5", "wireshark", "wnpa-sec-2017-18", "2.2.6-r0"), func(a *model.Advisory) { a.Temporary = true })},
		// v3.3/main.yaml 159-160: flex "2.5.39-r3: -  CVE-2016-6354" (two blanks after the dash)
		{"v3.3_main.excerpt.yaml", fixed("alpine:3.3", "flex", "CVE-2016-6354", "2.5.39-r3")},
		// v3.3/main.yaml 731-732: supervisor "3.1.4-r0: - CVE-2017-11610  " (trailing blanks)
		{"v3.3_main.excerpt.yaml", fixed("alpine:3.3", "supervisor", "CVE-2017-11610", "3.1.4-r0")},
		// v3.11/community.yaml 671-674: openjdk7 "7.211.2.6.17-r0:" ... "- CVE_2019-2426"
		{"v3.11_community.excerpt.yaml", with(fixed("alpine:3.11", "openjdk7", "CVE-2019-2426", "7.211.2.6.17-r0"), func(a *model.Advisory) { a.Note = `secdb writes "CVE_2019-2426"` })},
		// v3.11/community.yaml 77-78: dia "0.97.3-r1: - CVE-2019-19451.patch"
		{"v3.11_community.excerpt.yaml", with(fixed("alpine:3.11", "dia", "CVE-2019-19451", "0.97.3-r1"), func(a *model.Advisory) { a.Note = `secdb writes "CVE-2019-19451.patch"` })},
		// v3.11/community.yaml 904-905: phpmyadmin "4.8.0.-r1: - CVE-2018-10188" (kept as written)
		{"v3.11_community.excerpt.yaml", fixed("alpine:3.11", "phpmyadmin", "CVE-2018-10188", "4.8.0.-r1")},
	} {
		got := run(t, yamlBytes, sourcetest.Testdata(t, tc.file))
		var found []model.Advisory
		for _, a := range got.Records {
			if a.Package == tc.want.Package && a.CVE == tc.want.CVE {
				found = append(found, a)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s: %d records for %s %s, want 1", tc.file, len(found), tc.want.Package, tc.want.CVE)
			continue
		}
		if diff := cmp.Diff(tc.want, found[0]); diff != "" {
			t.Errorf("%s %s %s (-want +got):\n%s", tc.file, tc.want.Package, tc.want.CVE, diff)
		}
	}
}

// TestDuplicateKeepsHighest: v3.10/community.yaml lists wireshark's
// CVE-2017-15191 under 2.4.2-r0 (line 1068-1069) and again under
// 2.2.10-r0 (1076-1077): one record, fixed in 2.4.2-r0.
func TestDuplicateKeepsHighest(t *testing.T) {
	var got []model.Advisory
	for _, a := range parseSharedFile(t, "v3.10/community.yaml") {
		if a.Package == "wireshark" && a.CVE == "CVE-2017-15191" {
			got = append(got, a)
		}
	}
	want := []model.Advisory{{Source: "alpine-secdb", OSGroup: "alpine:3.10", Package: "wireshark", CVE: "CVE-2017-15191",
		FixedVersion: "2.4.2-r0", Status: model.StatusFixed, Note: "also listed under 2.2.10-r0"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
