package debian

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
)

func TestTempName(t *testing.T) {
	for _, tc := range []struct {
		origin, header string
		bug            int
		want           string
	}{
		// salsa CVE list excerpt; MD5 checked with md5sum.
		{"salsa CVE:6", "VLC: OOW in MMS URL parsing", 0, "TEMP-0000000-3574A3"},
		{"salsa CVE:11", "Other security issues from wordpress 6.3.2", 0, "TEMP-0000000-556898"},
		// vuln-list-update debian/tracker: its test expects this name for
		// "CVE-2023-XXXX [code execution via malformed XTGETTCAP]" with
		// "- foot 1.15.3-2 (bug #1053115)".
		{"vlu-tracker", "code execution via malformed XTGETTCAP", 1053115, "TEMP-1053115-9454E3"},
	} {
		if got := tempName(tc.bug, tc.header); got != tc.want {
			t.Errorf("%s: tempName(%d, %q) = %q, want %q", tc.origin, tc.bug, tc.header, got, tc.want)
		}
	}
}

func parseCVEs(t *testing.T, in string) ([]model.Advisory, Stats, error) {
	t.Helper()
	var got []model.Advisory
	st, err := ParseCVEList(context.Background(), strings.NewReader(in), func(a model.Advisory) error {
		checkAdvisory(t, a)
		got = append(got, a)
		return nil
	})
	return got, st, err
}

// TestCVEListEntries parses whole real entries (origins as in
// packagenote_test.go) and checks every record.
func TestCVEListEntries(t *testing.T) {
	rec := func(rel, pkg, id string, status model.Status, fixed, sev, note, desc string) model.Advisory {
		g, _ := OSGroup(rel)
		return model.Advisory{Source: SourceCVEList, OSGroup: g, Package: pkg, CVE: id, FixedVersion: fixed,
			Status: status, Severity: sev, Note: note, Description: desc, Temporary: strings.HasPrefix(id, "TEMP-")}
	}
	const (
		caca  = "A flaw was found in libcaca. A buffer overflow of export.c in function ..."
		gnutl = "Buffer overflow in the read_server_hello function in lib/gnutls_handsh ..."
	)
	for _, tc := range []struct {
		name, in string
		want     []model.Advisory
		cves     int
		skipped  map[string]int
	}{
		{
			"vlu-salsa CVE-2021-30499: unfixed, no-dsa, postponed", "" +
				"CVE-2021-30499 (" + caca + ")\n" +
				"\t- libcaca <unfixed> (bug #987278)\n" +
				"\t[bullseye] - libcaca <no-dsa> (Minor issue)\n" +
				"\t[buster] - libcaca <no-dsa> (Minor issue)\n" +
				"\t[stretch] - libcaca <postponed> (Minor issue; can be fixed in next update)\n" +
				"\tNOTE: https://github.com/cacalabs/libcaca/issues/54\n",
			[]model.Advisory{
				rec("sid", "libcaca", "CVE-2021-30499", model.StatusAffected, "", "", "", caca),
				rec("bullseye", "libcaca", "CVE-2021-30499", model.StatusAffected, "", "", "no-dsa: Minor issue", caca),
				rec("buster", "libcaca", "CVE-2021-30499", model.StatusAffected, "", "", "no-dsa: Minor issue", caca),
				rec("stretch", "libcaca", "CVE-2021-30499", model.StatusFixDeferred, "", "", "postponed: Minor issue; can be fixed in next update", caca),
			},
			1, nil,
		},
		{
			"vlu-salsa CVE-2014-3466: two source packages, a release line, cross-references", "" +
				"CVE-2014-3466 (" + gnutl + ")\n" +
				"\t{DSA-2944-1 DLA-0001-1}\n" +
				"\t- gnutls26 2.12.23-16\n" +
				"\t- gnutls28 3.2.15-1\n" +
				"\t[squeeze] - gnutls26 2.8.6-1+squeeze4\n" +
				"\tNOTE: http://radare.today/technical-analysis-of-the-gnutls-hello-vulnerability/\n",
			[]model.Advisory{
				rec("sid", "gnutls26", "CVE-2014-3466", model.StatusFixed, "2.12.23-16", "", "", gnutl),
				rec("sid", "gnutls28", "CVE-2014-3466", model.StatusFixed, "3.2.15-1", "", "", gnutl),
				rec("squeeze", "gnutls26", "CVE-2014-3466", model.StatusFixed, "2.8.6-1+squeeze4", "", "", gnutl),
			},
			1, nil,
		},
		{
			"vlu-salsa CVE-2021-30492: RESERVED", "CVE-2021-30492\n\tRESERVED\n",
			nil, 1, nil,
		},
		{
			"vlu-tracker: CVE-2023-XXXX named from its first bug; TODO, NOT-FOR-US, blank line, eight-blank indentation", "" +
				"CVE-2023-XXXX [code execution via malformed XTGETTCAP]\n" +
				"\t- foot 1.15.3-2 (bug #1053115)\n" +
				"\t[bookworm] - foot 1.13.1-2+deb12u1\n" +
				"\t[bullseye] - foot <no-dsa> (Minor issue)\n" +
				"\tNOTE: https://codeberg.org/dnkl/foot/commit/8a5f2915e9d327d1517d1da49ce7e2303fe61d36\n" +
				"CVE-2021-36980 (Open vSwitch (aka openvswitch) 2.11.0 through 2.15.0 has a use-after-f ...)\n" +
				"        TODO: check\n" +
				"CVE-2021-36383 (Xen Orchestra (with xo-web through 5.80.0 and xo-server through 5.84.0 ...)\n" +
				"        NOT-FOR-US: Xen Orchestra\n" +
				"CVE-2021-36373 (When reading a specially crafted TAR archive an Apache Ant build can b ...)\n" +
				"        - ant <unfixed> (unimportant)\n" +
				"        NOTE: https://www.openwall.com/lists/oss-security/2021/07/13/5\n" +
				"        NOTE: Crash in CLI tool, no security impact\n" +
				"\n" +
				"CVE-2021-36367 (PuTTY through 0.75 proceeds with establishing an SSH session even if i ...)\n" +
				"        - putty 0.75-3 (low; bug #990901)\n" +
				"        [bullseye] - putty <no-dsa> (Minor issue)\n" +
				"        [buster] - putty <no-dsa> (Minor issue)\n",
			[]model.Advisory{
				rec("sid", "foot", "TEMP-1053115-9454E3", model.StatusFixed, "1.15.3-2", "", "", "code execution via malformed XTGETTCAP"),
				rec("bookworm", "foot", "TEMP-1053115-9454E3", model.StatusFixed, "1.13.1-2+deb12u1", "", "", "code execution via malformed XTGETTCAP"),
				rec("bullseye", "foot", "TEMP-1053115-9454E3", model.StatusAffected, "", "", "no-dsa: Minor issue", "code execution via malformed XTGETTCAP"),
				rec("sid", "ant", "CVE-2021-36373", model.StatusAffected, "", "unimportant", "", "When reading a specially crafted TAR archive an Apache Ant build can b ..."),
				rec("sid", "putty", "CVE-2021-36367", model.StatusFixed, "0.75-3", "low", "", "PuTTY through 0.75 proceeds with establishing an SSH session even if i ..."),
				rec("bullseye", "putty", "CVE-2021-36367", model.StatusAffected, "", "", "no-dsa: Minor issue", "PuTTY through 0.75 proceeds with establishing an SSH session even if i ..."),
				rec("buster", "putty", "CVE-2021-36367", model.StatusAffected, "", "", "no-dsa: Minor issue", "PuTTY through 0.75 proceeds with establishing an SSH session even if i ..."),
			},
			5, nil,
		},
		{
			// The scout report quotes the lines without indentation or
			// header; they are put back in the list's shape here.
			"scout CVE-2024-45491: removed and ignored", "" +
				"CVE-2024-45491\n" +
				"\t- libxmltok <removed>\n" +
				"\t[bookworm] - libxmltok <ignored> (Minor issue, no runtime dependencies left)\n",
			[]model.Advisory{
				rec("sid", "libxmltok", "CVE-2024-45491", model.StatusEndOfLife, "", "", "removed", ""),
				rec("bookworm", "libxmltok", "CVE-2024-45491", model.StatusWillNotFix, "", "", "ignored: Minor issue, no runtime dependencies left", ""),
			},
			1, nil,
		},
		{
			"scout CVE-2023-31486 (in part): experimental is not a release", "" +
				"CVE-2023-31486\n" +
				"\t[experimental] - perl 5.38.0~rc2-1\n",
			nil, 1, map[string]int{`unknown release "experimental"`: 1},
		},
		{
			"itp line (vuln-list-update's quote of the list) and an entry rejected after it had package lines (made up)", "" +
				"CVE-2010-0000\n\t- libredwg <itp> (bug #595191)\n" +
				"CVE-2010-0001\n\t- foo 1.0-1\n\tREJECTED\n",
			nil, 2, map[string]int{skipITP: 1, skipRejected: 1},
		},
		{
			"claim and STOP markers, and a -- line, are not entries", "" +
				"begin claimed by someone\n" +
				"CVE-2023-5088 (A bug in QEMU could cause a guest I/O operation otherwise addressed to ...)\n" +
				"\t- qemu 1:8.1.1+ds-2\n" +
				"end claimed by someone\n" +
				"--\n" +
				"STOP: older entries\n",
			[]model.Advisory{rec("sid", "qemu", "CVE-2023-5088", model.StatusFixed, "1:8.1.1+ds-2", "", "",
				"A bug in QEMU could cause a guest I/O operation otherwise addressed to ...")},
			1, nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st, err := parseCVEs(t, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if st.CVEs != tc.cves {
				t.Errorf("CVEs = %d, want %d", st.CVEs, tc.cves)
			}
			if diff := cmp.Diff(tc.skipped, st.Skipped); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCVEListErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"indented line first", "\t- qemu 1:8.1.1+ds-2\n", "CVE list line 1: indented line before the first entry"},
		{"not an entry", "CVE-2023-5088 (x)\nDSA-5380-1 x\n", `CVE list line 2: expected a CVE entry, got "DSA-5380-1 x"`},
		{"a DSA list", "[29 Mar 2023] DSA-5380-1 xorg-server - security update\n", "CVE list line 1: expected a CVE entry"},
		{"bad id", "CVE-23-1 (x)\n", "expected a CVE entry"},
		{"line too long", "CVE-2023-5088\n\t" + strings.Repeat("x", maxLine+1), "CVE list line 2: line longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parseCVEs(t, tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v; want one containing %q", err, tc.want)
			}
		})
	}
	stop := errors.New("stop")
	_, err := ParseCVEList(context.Background(), openTestdata(t, "salsa_CVE-list.excerpt.txt"), func(model.Advisory) error { return stop })
	if err != stop {
		t.Errorf("emit error: got %v", err)
	}
}

// TestSalsaTarball reads the shared tarball itself: the testdata copies of
// its lists must be byte for byte what it holds, and its CVE list parses
// to the golden records.
func TestSalsaTarball(t *testing.T) {
	zr := openGzip(t, "salsa-excerpts/vuls-data-update_security-tracker-master.tar.gz")
	tr := tar.NewReader(zr)
	copies := map[string]string{
		"security-tracker-master/data/CVE/list": "salsa_CVE-list.excerpt.txt",
		"security-tracker-master/data/DSA/list": "salsa_DSA-list.excerpt.txt",
		"security-tracker-master/data/DLA/list": "salsa_DLA-list.excerpt.txt",
	}
	seen := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name, ok := copies[h.Name]
		if !ok {
			continue
		}
		seen++
		data := readAll(t, tr)
		if !bytes.Equal(data, readAll(t, openTestdata(t, name))) {
			t.Errorf("testdata/%s differs from %s in the tarball", name, h.Name)
		}
		if name == "salsa_CVE-list.excerpt.txt" {
			got, st, err := parseCVEs(t, string(data))
			if err != nil {
				t.Fatal(err)
			}
			if st.CVEs != 7 || st.Records != 7 {
				t.Errorf("stats %v; want 7 entries (as the shared PROVENANCE says) and 7 records", st)
			}
			want := []model.Advisory{
				{Source: SourceCVEList, OSGroup: "debian:10", Package: "chromium", CVE: "CVE-2023-5849", Status: model.StatusEndOfLife,
					Note: "end-of-life: see DSA 5046", Description: "Integer overflow in USB in Google Chrome prior to 119.0.6045.105 allow ..."},
			}
			if diff := cmp.Diff(want, got[len(got)-1:]); diff != "" {
				t.Errorf("last record (-want +got):\n%s", diff)
			}
		}
	}
	if seen != len(copies) {
		t.Errorf("found %d of the %d lists in the tarball", seen, len(copies))
	}
}
