package debian

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// sharedFile returns the path of a file of the shared Debian data, or
// skips the test when it is not there (fails instead when CI=true).
func sharedFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(testenv.SharedDir(t), "data", "feeds", "debian", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		testenv.Skipf(t, "shared data file not available: %v", err)
	}
	return p
}

// openGzip opens a gzip-compressed shared file, decompressed.
func openGzip(t testing.TB, rel string) io.Reader {
	t.Helper()
	return sourcetest.Open(t, sharedFile(t, rel))
}

func TestParseListHeader(t *testing.T) {
	for _, tc := range []struct {
		origin, line, kind, id, title string
	}{
		{"DSA:1", "[29 Mar 2023] DSA-5380-1 xorg-server - security update", "DSA", "DSA-5380-1", "xorg-server - security update"},
		{"DLA:1", "[01 Apr 2023] DLA-3380-1 firmware-nonfree - security update", "DLA", "DLA-3380-1", "firmware-nonfree - security update"},
		{"DSA, id without revision", "[27 Nov 2006] DSA-1220 pstotext", "DSA", "DSA-1220", "pstotext"},
		{"vunnel_DSA-list-excerpt.txt", "[01 Aug 2002] DSA-141 mpack - buffer overflow", "DSA", "DSA-141", "mpack - buffer overflow"},
		{"DSA, no package before the dash", "[26 Feb 2009] DSA-1727-1  - SQL injection vulnerabilites", "DSA", "DSA-1727-1", "- SQL injection vulnerabilites"},
		{"DSA, double dash", "[31 Aug 2004] DSA-543-1 krb5 -- several vulnerabilities", "DSA", "DSA-543-1", "krb5 -- several vulnerabilities"},
		{"DSA, notice", "[07 Jun 2015] DSA-3281-1 Debian Security Team PGP/GPG key change notice", "DSA", "DSA-3281-1", "Debian Security Team PGP/GPG key change notice"},
		{"DLA, LTS end-of-life notice", "[01 Jul 2022] DLA-3067-1 stretch-lts - end-of-life", "DLA", "DLA-3067-1", "stretch-lts - end-of-life"},
		{"salsa DLA/list, zero-padded", "[02 Jun 2014] DLA-0001-1 gnutls26 - security update", "DLA", "DLA-0001-1", "gnutls26 - security update"},
	} {
		e, err := parseListHeader(tc.line, tc.kind)
		if err != nil {
			t.Errorf("%s: %q: %v", tc.origin, tc.line, err)
			continue
		}
		if e.id != tc.id || e.title != tc.title {
			t.Errorf("%s: %q read as %q, %q; want %q, %q", tc.origin, tc.line, e.id, e.title, tc.id, tc.title)
		}
	}
	for _, tc := range []struct{ origin, line, kind string }{
		{"salsa DTSA/list: another date format", "[August 26th, 2005] DTSA-1-1 kismet - various", "DSA"},
		{"a DLA header in the DSA list", "[01 Apr 2023] DLA-3380-1 firmware-nonfree - security update", "DSA"},
		{"bad month", "[29 Foo 2023] DSA-5380-1 xorg-server - security update", "DSA"},
		{"no date", "DSA-5380-1 xorg-server - security update", "DSA"},
		{"no id", "[29 Mar 2023]", "DSA"},
		{"id with letters", "[29 Mar 2023] DSA-53a0-1 x", "DSA"},
		{"CVE list header", "CVE-2023-5088 (A bug in QEMU ...)", "DSA"},
	} {
		if e, err := parseListHeader(tc.line, tc.kind); err == nil {
			t.Errorf("%s: %q read as %+v; want an error", tc.origin, tc.line, e)
		}
	}
}

// parseList runs ParseAdvisoryList on a string.
func parseList(t *testing.T, kind, in string) ([]model.Advisory, Stats, error) {
	t.Helper()
	var got []model.Advisory
	st, err := ParseAdvisoryList(context.Background(), strings.NewReader(in), kind, func(a model.Advisory) error {
		checkAdvisory(t, a)
		got = append(got, a)
		return nil
	})
	return got, st, err
}

// TestAdvisoryListEntries checks entry-level constructs on real entries.
func TestAdvisoryListEntries(t *testing.T) {
	// Published is the header's date ("[29 Mar 2023]").
	day := func(d string) time.Time {
		t, _ := time.Parse("02 Jan 2006", d)
		return t
	}
	dates := map[string]string{"DSA-5380-1": "29 Mar 2023", "DSA-3887-1": "19 Jun 2017", "DSA-5356-2": "17 Mar 2023", "DSA-964-1": "03 Feb 2006"}
	dsa := func(pkg, cve, rel, fixed, adv, title string) model.Advisory {
		g, _ := OSGroup(rel)
		return model.Advisory{Source: SourceDSA, OSGroup: g, Package: pkg, CVE: cve, FixedVersion: fixed,
			Status: model.StatusFixed, AdvisoryID: adv, Description: title, Published: day(dates[adv])}
	}
	for _, tc := range []struct {
		name, kind, in string
		want           []model.Advisory
		skipped        map[string]int
	}{
		{
			"DSA:1-3, one CVE, one release", "DSA",
			"[29 Mar 2023] DSA-5380-1 xorg-server - security update\n\t{CVE-2023-1393}\n\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6\n",
			[]model.Advisory{dsa("xorg-server", "CVE-2023-1393", "bullseye", "2:1.20.11-1+deb11u6", "DSA-5380-1", "xorg-server - security update")},
			nil,
		},
		{
			"DSA:5040-5042, one CVE, two releases", "DSA",
			"[19 Jun 2017] DSA-3887-1 glibc - security update\n\t{CVE-2017-1000366}\n\t[jessie] - glibc 2.19-18+deb8u10\n\t[stretch] - glibc 2.24-11+deb9u1\n",
			[]model.Advisory{
				dsa("glibc", "CVE-2017-1000366", "jessie", "2.19-18+deb8u10", "DSA-3887-1", "glibc - security update"),
				dsa("glibc", "CVE-2017-1000366", "stretch", "2.24-11+deb9u1", "DSA-3887-1", "glibc - security update"),
			},
			nil,
		},
		{
			"DSA:19-20, no CVE: the advisory id stands for it", "DSA",
			"[17 Mar 2023] DSA-5356-2 sox - regression update\n\t[bullseye] - sox 14.4.2+git20190427-2+deb11u2\n",
			[]model.Advisory{dsa("sox", "DSA-5356-2", "bullseye", "14.4.2+git20190427-2+deb11u2", "DSA-5356-2", "sox - regression update")},
			nil,
		},
		{
			"DSA:15026-15030, CVE line with inner blanks, NOTE lines", "DSA",
			"[03 Feb 2006] DSA-964-1 gnocatan - buffer overflow\n\t{ CVE-2006-0467 }\n\t[woody] - gnocatan 0.6.1-5woody3\n\t[sarge] - gnocatan 0.8.1.59-1sarge1\n\tNOTE: not fixed in testing at time of DSA\n",
			[]model.Advisory{
				dsa("gnocatan", "CVE-2006-0467", "woody", "0.6.1-5woody3", "DSA-964-1", "gnocatan - buffer overflow"),
				dsa("gnocatan", "CVE-2006-0467", "sarge", "0.8.1.59-1sarge1", "DSA-964-1", "gnocatan - buffer overflow"),
			},
			nil,
		},
		{
			"DSA end-of-life notice without package lines (DSA-4205-1)", "DSA",
			"[18 Apr 2018] DSA-4205-1 jessie end-of-life\n        NOTE: end of security support for jessie\n",
			nil, map[string]int{skipNoPackageLines: 1},
		},
		{
			"DSA-1605-1: CVE but only NOTE lines", "DSA",
			"[08 Jul 2008] DSA-1605-1 glibc - DNS cache poisoning\n        {CVE-2008-1447}\n        NOTE: <unfixed> (backport too complicated, solution: install bind9 or use ip address spoofing protection)\n",
			nil, map[string]int{skipNoPackageLines: 1},
		},
		{
			"DLA-449-2: header alone", "DLA",
			"[10 May 2016] DLA-449-2 botan1.10 - regression update\n",
			nil, map[string]int{skipNoPackageLines: 1},
		},
		{
			"DLA:9171-9172, end-of-life without CVE", "DLA",
			"[18 Dec 2015] DLA-372-1 virtualbox-ose - end of support\n\t[squeeze] - virtualbox-ose <end-of-life>\n",
			[]model.Advisory{{Source: SourceDLA, OSGroup: "debian:6", Package: "virtualbox-ose", CVE: "DLA-372-1",
				Status: model.StatusEndOfLife, AdvisoryID: "DLA-372-1", Description: "virtualbox-ose - end of support", Published: day("18 Dec 2015")}},
			nil,
		},
		{
			"package line without a release (not in the real lists)", "DSA",
			"[29 Mar 2023] DSA-5380-1 xorg-server - security update\n\t{CVE-2023-1393}\n\t- xorg-server 2:1.20.11-1+deb11u6\n",
			nil, map[string]int{skipNoRelease: 1},
		},
		{
			"unknown release, unknown tag, malformed line, unknown line, non-CVE reference", "DSA",
			"[29 Mar 2023] DSA-5380-1 xorg-server - security update\n\t{CVE-2023-1393 VU#123456}\n\t[hamm] - xorg-server 1\n\t[bullseye] - xorg-server <frobbed>\n\t[bullseye] - xorg server 1\n\tFOO: bar\n",
			nil, map[string]int{`unknown release "hamm"`: 1, `unknown tag "frobbed"`: 1, skipMalformed: 1, skipUnknownLine: 1, skipNonCVERef: 1},
		},
		{
			"CRLF line ends and blank lines", "DLA",
			"[04 Jun 2014] DLA-0002-1 chkrootkit - security update\r\n\r\n\t{CVE-2014-0476}\r\n\t[squeeze] - chkrootkit 0.49-4+deb6u1\r\n",
			[]model.Advisory{{Source: SourceDLA, OSGroup: "debian:6", Package: "chkrootkit", CVE: "CVE-2014-0476", FixedVersion: "0.49-4+deb6u1",
				Status: model.StatusFixed, AdvisoryID: "DLA-0002-1", Description: "chkrootkit - security update", Published: day("04 Jun 2014")}},
			nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st, err := parseList(t, tc.kind, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.skipped, st.Skipped); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAdvisoryListErrors(t *testing.T) {
	for _, tc := range []struct{ name, kind, in, want string }{
		{"unknown kind", "DTSA", "", `unknown kind "DTSA"`},
		{"indented line first", "DSA", "\t{CVE-2023-1393}\n", "DSA list line 1: indented line before the first entry"},
		{"not a header", "DSA", "[29 Mar 2023] DSA-5380-1 x\nCVE-2023-1393\n", "DSA list line 2: expected"},
		{"DTSA list read as DSA", "DSA", "[August 26th, 2005] DTSA-1-1 kismet - various\n", `DSA list line 1: invalid date "August 26th, 2005"`},
		{"line too long", "DSA", "[29 Mar 2023] DSA-5380-1 x\n\t" + strings.Repeat("x", maxLine+1) + "\n", "DSA list line 2: line longer than"},
		{"entry too long", "DLA", "[29 Mar 2023] DLA-1-1 x\n" + strings.Repeat("\tNOTE: x\n", maxEntryLines+1), "entry DLA-1-1 has more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parseList(t, tc.kind, tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v; want one containing %q", err, tc.want)
			}
		})
	}
	stop := errors.New("stop")
	_, err := ParseAdvisoryList(context.Background(), openTestdata(t, "DSA-list.excerpt.txt"), "DSA", func(model.Advisory) error { return stop })
	if err != stop {
		t.Errorf("emit error: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ParseAdvisoryList(ctx, strings.NewReader(strings.Repeat("\n", 5000)), "DSA", func(model.Advisory) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}
}

// wholeListCounts are counts taken from the shared lists independently of
// this package: grep -c '^\[' for entries, grep -cP '^\s+\[[a-z]+\] - ' for
// package lines, the CVE ids inside {...} lines, and records = sum over
// entries of package lines x max(1, CVEs) by a separate Python script.
var wholeListCounts = map[string]struct {
	advisories, packages, cves, records, noLines int
	byRelease                                    map[string]int
	byStatus                                     map[model.Status]int
}{
	"DSA": {5406, 6988, 18128, 23482, 23,
		map[string]int{"debian:3.0": 1615, "debian:3.1": 2582, "debian:4": 1961, "debian:5": 1628, "debian:6": 1883,
			"debian:7": 2690, "debian:8": 3549, "debian:9": 2871, "debian:10": 2700, "debian:11": 2003},
		map[model.Status]int{model.StatusFixed: 23380, model.StatusNotAffected: 85, model.StatusAffected: 13, model.StatusEndOfLife: 4}},
	"DLA": {3534, 3535, 11002, 11311, 4,
		map[string]int{"debian:6": 1129, "debian:7": 3139, "debian:8": 2978, "debian:9": 2802, "debian:10": 1263},
		map[model.Status]int{model.StatusFixed: 11310, model.StatusEndOfLife: 1}},
}

func TestAdvisoryListWholeFiles(t *testing.T) {
	for _, kind := range []string{"DSA", "DLA"} {
		t.Run(kind, func(t *testing.T) {
			zr := openGzip(t, kind+"-list.txt.gz")
			byRelease := map[string]int{}
			byStatus := map[model.Status]int{}
			index := map[string]model.Advisory{}
			st, err := ParseAdvisoryList(context.Background(), zr, kind, func(a model.Advisory) error {
				checkAdvisory(t, a)
				byRelease[a.OSGroup]++
				byStatus[a.Status]++
				index[a.AdvisoryID+" "+a.OSGroup+" "+a.Package+" "+a.CVE] = a
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := wholeListCounts[kind]
			wantStats := Stats{Packages: want.packages, CVEs: want.cves, Advisories: want.advisories, Records: want.records,
				Skipped: map[string]int{skipNoPackageLines: want.noLines}}
			if diff := cmp.Diff(wantStats, st); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.byRelease, byRelease); diff != "" {
				t.Errorf("records by OS group (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.byStatus, byStatus); diff != "" {
				t.Errorf("records by status (-want +got):\n%s", diff)
			}
			if len(index) != st.Records {
				t.Errorf("%d records but %d distinct (advisory, OS group, package, id)", st.Records, len(index))
			}
			for _, w := range wholeListSpots[kind] {
				key := w.AdvisoryID + " " + w.OSGroup + " " + w.Package + " " + w.CVE
				if diff := cmp.Diff(w, index[key]); diff != "" {
					t.Errorf("%s (-want +got):\n%s", key, diff)
				}
			}
		})
	}
}

// spotDay is a list header's date ("[07 Feb 2023]").
func spotDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// wholeListSpots are records checked by hand against the real lists, each
// dated from its header line ("[07 Feb 2023] DSA-5343-1 openssl - ...").
var wholeListSpots = map[string][]model.Advisory{
	"DSA": {
		// DSA:114-116
		{Source: SourceDSA, OSGroup: "debian:11", Package: "openssl", CVE: "CVE-2023-0286", FixedVersion: "1.1.1n-0+deb11u4",
			Status: model.StatusFixed, AdvisoryID: "DSA-5343-1", Description: "openssl - security update", Published: spotDay(2023, 2, 7)},
		// DSA:171-173
		{Source: SourceDSA, OSGroup: "debian:11", Package: "linux", CVE: "CVE-2023-0266", FixedVersion: "5.10.162-1",
			Status: model.StatusFixed, AdvisoryID: "DSA-5324-1", Description: "linux - security update", Published: spotDay(2023, 1, 23)},
		// DSA:5039-5042
		{Source: SourceDSA, OSGroup: "debian:9", Package: "glibc", CVE: "CVE-2017-1000366", FixedVersion: "2.24-11+deb9u1",
			Status: model.StatusFixed, AdvisoryID: "DSA-3887-1", Description: "glibc - security update", Published: spotDay(2017, 6, 19)},
		// DSA:10722-10725
		{Source: SourceDSA, OSGroup: "debian:5", Package: "tex-common", CVE: "CVE-2011-1400",
			Status: model.StatusNotAffected, AdvisoryID: "DSA-2198-1", Description: "tex-common - insufficient input sanitizing",
			Note: "not-affected: shell_escape disabled", Published: spotDay(2011, 3, 22)},
		// DSA:16014-16016
		{Source: SourceDSA, OSGroup: "debian:3.0", Package: "phpgroupware", CVE: "CVE-2005-1921",
			Status: model.StatusAffected, Severity: "high", AdvisoryID: "DSA-746-1", Description: "phpgroupware - remote command execution", Published: spotDay(2005, 7, 14)},
		// DSA:18113-18115 (near the end; the last entry is DSA-135)
		{Source: SourceDSA, OSGroup: "debian:3.0", Package: "mpack", CVE: "CVE-2002-1425", FixedVersion: "1.5-7woody2",
			Status: model.StatusFixed, AdvisoryID: "DSA-141", Description: "mpack - buffer overflow", Published: spotDay(2002, 8, 1)},
	},
	"DLA": {
		// DLA:172-174
		{Source: SourceDLA, OSGroup: "debian:10", Package: "openssl", CVE: "CVE-2023-0215", FixedVersion: "1.1.1n-0+deb10u4",
			Status: model.StatusFixed, AdvisoryID: "DLA-3325-1", Description: "openssl - security update", Published: spotDay(2023, 2, 20)},
		// DLA:685-687
		{Source: SourceDLA, OSGroup: "debian:10", Package: "glibc", CVE: "CVE-2021-3999", FixedVersion: "2.28-10+deb10u2",
			Status: model.StatusFixed, AdvisoryID: "DLA-3152-1", Description: "glibc - security update", Published: spotDay(2022, 10, 17)},
		// DLA:99-101
		{Source: SourceDLA, OSGroup: "debian:10", Package: "linux-5.10", CVE: "CVE-2023-0266", FixedVersion: "5.10.162-1~deb10u1",
			Status: model.StatusFixed, AdvisoryID: "DLA-3349-1", Description: "linux-5.10 - security update", Published: spotDay(2023, 3, 2)},
		// DLA:9171-9172
		{Source: SourceDLA, OSGroup: "debian:6", Package: "virtualbox-ose", CVE: "DLA-372-1",
			Status: model.StatusEndOfLife, AdvisoryID: "DLA-372-1", Description: "virtualbox-ose - end of support", Published: spotDay(2015, 12, 18)},
		// DLA:9760-9761
		{Source: SourceDLA, OSGroup: "debian:6", Package: "tzdata", CVE: "DLA-179-1", FixedVersion: "2015b-0squeeze1",
			Status: model.StatusFixed, AdvisoryID: "DLA-179-1", Description: "tzdata - new upstream version", Published: spotDay(2015, 3, 22)},
		// last lines of the file
		{Source: SourceDLA, OSGroup: "debian:6", Package: "gnutls26", CVE: "CVE-2014-3466", FixedVersion: "2.8.6-1+squeeze4",
			Status: model.StatusFixed, AdvisoryID: "DLA-0001-1", Description: "gnutls26 - security update", Published: spotDay(2014, 6, 2)},
	},
}
