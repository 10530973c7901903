package debian

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Where the lines of the table come from:
//
//	DSA:N, DLA:N     line N of the shared DSA-list.txt.gz / DLA-list.txt.gz
//	salsa CVE:N      line N of data/CVE/list in the salsa tarball
//	                 (testdata/salsa_CVE-list.excerpt.txt)
//	vlu-salsa        data/CVE/list lines in aquasecurity/vuln-list-update
//	                 debian/salsa/testdata/fixtures/data/CVE/list @4629ce2d
//	vlu-tracker      data/CVE/list lines in aquasecurity/vuln-list-update
//	                 debian/tracker/testdata/happy/data/CVE/list @0e3fefac
//	scout CVE-X      a data/CVE/list line of entry CVE-X as quoted (without
//	                 its indentation) by a public Docker Scout report
//
// The last three are public copies of the real list, for the constructs
// that the files we hold do not contain.
type noteCase struct {
	origin string
	line   string // as in the file, indentation included
	note   packageNote
	rec    noteRecord
	skip   string
}

var noteCases = []noteCase{
	{
		"DSA:3", "\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6",
		packageNote{release: "bullseye", pkg: "xorg-server", version: "2:1.20.11-1+deb11u6"},
		noteRecord{status: model.StatusFixed, fixed: "2:1.20.11-1+deb11u6"}, "",
	},
	{
		"DSA:116", "\t[bullseye] - openssl 1.1.1n-0+deb11u4",
		packageNote{release: "bullseye", pkg: "openssl", version: "1.1.1n-0+deb11u4"},
		noteRecord{status: model.StatusFixed, fixed: "1.1.1n-0+deb11u4"}, "",
	},
	{
		"DLA:687", "\t[buster] - glibc 2.28-10+deb10u2",
		packageNote{release: "buster", pkg: "glibc", version: "2.28-10+deb10u2"},
		noteRecord{status: model.StatusFixed, fixed: "2.28-10+deb10u2"}, "",
	},
	{
		"DSA:8697 (two blanks before the version)", "\t[wheezy] - curl  7.26.0-1+wheezy5",
		packageNote{release: "wheezy", pkg: "curl", version: "7.26.0-1+wheezy5"},
		noteRecord{status: model.StatusFixed, fixed: "7.26.0-1+wheezy5"}, "",
	},
	{
		"DLA:9761 (trailing blank)", "\t[squeeze] - tzdata 2015b-0squeeze1 ",
		packageNote{release: "squeeze", pkg: "tzdata", version: "2015b-0squeeze1"},
		noteRecord{status: model.StatusFixed, fixed: "2015b-0squeeze1"}, "",
	},
	{
		"DSA:9859 (blank then TAB)", " \t[squeeze] - libpng 1.2.44-1+squeeze4",
		packageNote{release: "squeeze", pkg: "libpng", version: "1.2.44-1+squeeze4"},
		noteRecord{status: model.StatusFixed, fixed: "1.2.44-1+squeeze4"}, "",
	},
	{
		"DSA:10597 (seven blanks)", "       [squeeze] - libmojolicious-perl 0.999926-1+squeeze2",
		packageNote{release: "squeeze", pkg: "libmojolicious-perl", version: "0.999926-1+squeeze2"},
		noteRecord{status: model.StatusFixed, fixed: "0.999926-1+squeeze2"}, "",
	},
	{
		"vunnel_DSA-list-excerpt.txt (eight blanks)", "        [bookworm] - sope 5.8.0-1+deb12u1",
		packageNote{release: "bookworm", pkg: "sope", version: "5.8.0-1+deb12u1"},
		noteRecord{status: model.StatusFixed, fixed: "5.8.0-1+deb12u1"}, "",
	},
	{
		"DSA:15551 (bug and urgency)", "\t[sarge] - weex 2.6.1-6sarge1 (bug #332424; medium)",
		packageNote{release: "sarge", pkg: "weex", version: "2.6.1-6sarge1", notes: "bug #332424; medium"},
		noteRecord{status: model.StatusFixed, fixed: "2.6.1-6sarge1", severity: "medium"}, "",
	},
	{
		"DSA:15633 (urgency then bug)", "\t[sarge] - mozilla-firefox 1.0.4-2sarge4 (medium; bug #327452)",
		packageNote{release: "sarge", pkg: "mozilla-firefox", version: "1.0.4-2sarge4", notes: "medium; bug #327452"},
		noteRecord{status: model.StatusFixed, fixed: "1.0.4-2sarge4", severity: "medium"}, "",
	},
	{
		"DSA:10724", "\t[lenny] - tex-common <not-affected> (shell_escape disabled)",
		packageNote{release: "lenny", pkg: "tex-common", tag: "not-affected", notes: "shell_escape disabled"},
		noteRecord{status: model.StatusNotAffected, note: "not-affected: shell_escape disabled"}, "",
	},
	{
		"DSA:18002", "\t[woody] - pam <not-affected>",
		packageNote{release: "woody", pkg: "pam", tag: "not-affected"},
		noteRecord{status: model.StatusNotAffected}, "",
	},
	{
		"DSA:5638", "\t[jessie] - virtualbox <end-of-life>",
		packageNote{release: "jessie", pkg: "virtualbox", tag: "end-of-life"},
		noteRecord{status: model.StatusEndOfLife}, "",
	},
	{
		"salsa CVE:23", "\t[buster] - chromium <end-of-life> (see DSA 5046)",
		packageNote{release: "buster", pkg: "chromium", tag: "end-of-life", notes: "see DSA 5046"},
		noteRecord{status: model.StatusEndOfLife, note: "end-of-life: see DSA 5046"}, "",
	},
	{
		"DSA:15436", "\t[woody] - phpmyadmin <unfixed>",
		packageNote{release: "woody", pkg: "phpmyadmin", tag: "unfixed"},
		noteRecord{status: model.StatusAffected}, "",
	},
	{
		"DSA:16016", "\t[woody] - phpgroupware <unfixed> (high)",
		packageNote{release: "woody", pkg: "phpgroupware", tag: "unfixed", notes: "high"},
		noteRecord{status: model.StatusAffected, severity: "high"}, "",
	},
	{
		"salsa CVE:2 (unstable)", "\t- qemu 1:8.1.1+ds-2",
		packageNote{pkg: "qemu", version: "1:8.1.1+ds-2"},
		noteRecord{status: model.StatusFixed, fixed: "1:8.1.1+ds-2"}, "",
	},
	{
		"salsa CVE:16 (unstable, unfixed)", "\t- wordpress <unfixed>",
		packageNote{pkg: "wordpress", tag: "unfixed"},
		noteRecord{status: model.StatusAffected}, "",
	},
	{
		"vlu-salsa CVE-2021-30499", "\t- libcaca <unfixed> (bug #987278)",
		packageNote{pkg: "libcaca", tag: "unfixed", notes: "bug #987278"},
		noteRecord{status: model.StatusAffected}, "",
	},
	{
		"vlu-salsa CVE-2021-30499", "\t[bullseye] - libcaca <no-dsa> (Minor issue)",
		packageNote{release: "bullseye", pkg: "libcaca", tag: "no-dsa", notes: "Minor issue"},
		noteRecord{status: model.StatusAffected, note: "no-dsa: Minor issue"}, "",
	},
	{
		"vlu-salsa CVE-2021-30499", "\t[stretch] - libcaca <postponed> (Minor issue; can be fixed in next update)",
		packageNote{release: "stretch", pkg: "libcaca", tag: "postponed", notes: "Minor issue; can be fixed in next update"},
		noteRecord{status: model.StatusFixDeferred, note: "postponed: Minor issue; can be fixed in next update"}, "",
	},
	{
		"vlu-tracker CVE-2021-36373 (eight blanks)", "        - ant <unfixed> (unimportant)",
		packageNote{pkg: "ant", tag: "unfixed", notes: "unimportant"},
		noteRecord{status: model.StatusAffected, severity: "unimportant"}, "",
	},
	{
		"vlu-tracker CVE-2021-36367", "        - putty 0.75-3 (low; bug #990901)",
		packageNote{pkg: "putty", version: "0.75-3", notes: "low; bug #990901"},
		noteRecord{status: model.StatusFixed, fixed: "0.75-3", severity: "low"}, "",
	},
	{
		"scout CVE-2024-45491", "\t[bookworm] - libxmltok <ignored> (Minor issue, no runtime dependencies left)",
		packageNote{release: "bookworm", pkg: "libxmltok", tag: "ignored", notes: "Minor issue, no runtime dependencies left"},
		noteRecord{status: model.StatusWillNotFix, note: "ignored: Minor issue, no runtime dependencies left"}, "",
	},
	{
		"scout CVE-2024-45491", "\t- libxmltok <removed>",
		packageNote{pkg: "libxmltok", tag: "removed"},
		noteRecord{status: model.StatusEndOfLife, note: "removed"}, "",
	},
	{
		"scout CVE-2023-4039", "\t- gcc-8 <removed> (unimportant)",
		packageNote{pkg: "gcc-8", tag: "removed", notes: "unimportant"},
		noteRecord{status: model.StatusEndOfLife, severity: "unimportant", note: "removed"}, "",
	},
	{
		"scout CVE-2023-31486 (release not in the table)", "\t[experimental] - perl 5.38.0~rc2-1",
		packageNote{release: "experimental", pkg: "perl", version: "5.38.0~rc2-1"},
		noteRecord{status: model.StatusFixed, fixed: "5.38.0~rc2-1"}, "",
	},
	{
		"vuln-list-update debian/tracker/annotation.go, comment quoting the list", "\t- libredwg <itp> (bug #595191)",
		packageNote{pkg: "libredwg", tag: "itp", notes: "bug #595191"},
		noteRecord{}, skipITP,
	},
	// No copy of a real <undetermined> line was found; the syntax is the
	// tracker's (lib/python/bugs.py reads it as version "undetermined").
	{
		"tracker syntax (no real line found)", "\t[bookworm] - foo <undetermined>",
		packageNote{release: "bookworm", pkg: "foo", tag: "undetermined"},
		noteRecord{status: model.StatusUndetermined}, "",
	},
	{
		"unknown tag", "\t[bookworm] - foo <frobbed>",
		packageNote{release: "bookworm", pkg: "foo", tag: "frobbed"},
		noteRecord{}, `unknown tag "frobbed"`,
	},
	{
		"version 0", "\t[bookworm] - foo 0",
		packageNote{release: "bookworm", pkg: "foo", version: "0"},
		noteRecord{status: model.StatusNotAffected}, "",
	},
	{
		"no version: the tracker reads it as unfixed", "\t- foo (low)",
		packageNote{pkg: "foo", notes: "low"},
		noteRecord{status: model.StatusAffected, severity: "low"}, "",
	},
}

func TestPackageNotes(t *testing.T) {
	opts := cmp.AllowUnexported(packageNote{}, noteRecord{})
	for _, tc := range noteCases {
		n, ok := parsePackageNote(strings.TrimSpace(tc.line))
		if !ok {
			t.Errorf("%s: %q not read", tc.origin, tc.line)
			continue
		}
		if diff := cmp.Diff(tc.note, n, opts); diff != "" {
			t.Errorf("%s: %q read as (-want +got):\n%s", tc.origin, tc.line, diff)
		}
		rec, skip := n.record()
		if skip != tc.skip {
			t.Errorf("%s: %q skipped as %q, want %q", tc.origin, tc.line, skip, tc.skip)
		}
		if diff := cmp.Diff(tc.rec, rec, opts); diff != "" {
			t.Errorf("%s: %q maps to (-want +got):\n%s", tc.origin, tc.line, diff)
		}
	}
}

func TestPackageNotesMalformed(t *testing.T) {
	for _, line := range []string{
		"[bookworm]",                    // no package
		"[bookworm] - ",                 // no package
		"[bookworm] -foo 1.0",           // no blank after '-'
		"[Bookworm] - foo 1.0",          // release not lower case
		"[bookworm - foo 1.0",           // unclosed bracket
		"- foo <unfixed",                // unclosed tag
		"- foo <un fixed>",              // tag with a blank
		"- foo 1.0 (low",                // unclosed notes
		"- foo 1.0 low",                 // text after the version
		"- foo 1.0 (low) x",             // text after the notes
		"- foo/bar 1.0",                 // '/' in a package name
		"- foo 1.0_1",                   // '_' in a version
		"- foo <unfixed> x",             // text after the tag
		"- " + strings.Repeat("a", 300), // name too long
		"NOTE: x",
	} {
		if n, ok := parsePackageNote(line); ok {
			t.Errorf("%q read as %+v; want it rejected", line, n)
		}
	}
	// The tracker wants one blank after "]"; we take none or several, as
	// with every other blank.
	if n, ok := parsePackageNote("[bookworm]- foo 1.0"); !ok || n.pkg != "foo" || n.release != "bookworm" {
		t.Errorf(`"[bookworm]- foo 1.0" read as %+v, %v`, n, ok)
	}
}

func TestSplitNotes(t *testing.T) {
	for _, tc := range []struct {
		in, urgency string
		bug         int
		rest        string
	}{
		{"bug #332424; medium", "medium", 332424, ""}, // DSA:15551
		{"medium; bug #327452", "medium", 327452, ""}, // DSA:15633
		{"low; bug #990901", "low", 990901, ""},       // vlu-tracker CVE-2021-36367
		{"bug #1053115", "", 1053115, ""},             // vlu-tracker CVE-2023-XXXX foot
		{"unimportant", "unimportant", 0, ""},         // vlu-tracker CVE-2021-36373
		{"not yet assigned", "not yet assigned", 0, ""},
		{"bug filed; high", "high", 0, "bug filed"},
		{"bug #1; bug #2", "", 1, ""},
		{"bug #x", "", 0, "bug #x"},
		{"", "", 0, ""},
	} {
		u, b, r := splitNotes(tc.in)
		if u != tc.urgency || b != tc.bug || r != tc.rest {
			t.Errorf("splitNotes(%q) = %q, %d, %q; want %q, %d, %q", tc.in, u, b, r, tc.urgency, tc.bug, tc.rest)
		}
	}
}
