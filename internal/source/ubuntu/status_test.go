package ubuntu

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
)

// The status texts are real, from the 2020 snapshot (grep for them).
func TestMapStatus(t *testing.T) {
	for _, tc := range []struct {
		text string
		want verdict
	}{
		{"released (1.0.2g-1ubuntu9)", verdict{status: model.StatusFixed, fixed: "1.0.2g-1ubuntu9"}},
		{"released [1.06.27-1ubuntu7]", verdict{status: model.StatusFixed, fixed: "1.06.27-1ubuntu7"}},
		{"released (6b35-1.13.7-1ubuntu0.14.04.1 )", verdict{status: model.StatusFixed, fixed: "6b35-1.13.7-1ubuntu0.14.04.1"}},
		{"released (0.168-0.2))", verdict{status: model.StatusFixed, fixed: "0.168-0.2"}},
		{"released ((7.57.0-1ubuntu1)", verdict{status: model.StatusFixed, fixed: "7.57.0-1ubuntu1"}},
		{"released (1:68.4.1+build1-0ubuntu0.18.04.1", verdict{status: model.StatusFixed, fixed: "1:68.4.1+build1-0ubuntu0.18.04.1"}},
		{"released 0.94.dfsg.1-1ubuntu0.1)", verdict{status: model.StatusFixed, fixed: "0.94.dfsg.1-1ubuntu0.1"}},
		{"released (3.2.2+debian0-2)needs-triage", verdict{status: model.StatusFixed, fixed: "3.2.2+debian0-2"}},
		{"released (1.0.6-5ubuntu0.1~esm2", verdict{status: model.StatusFixed, fixed: "1.0.6-5ubuntu0.1~esm2"}},
		{"released (0.27-1+deb7u1build0.12.04.1, 0.28-1+deb8u1)", verdict{status: model.StatusFixed, fixed: "0.27-1+deb7u1build0.12.04.1",
			note: "released (0.27-1+deb7u1build0.12.04.1, 0.28-1+deb8u1)"}},
		{"released", verdict{skip: skipReleasedNoVer}},
		{"released (1:1.12_1.12.6-1+deb9u1build0.18.04.1)", verdict{skip: skipReleasedNoVer}},
		{"released (contained in 3.13.0-32.57 in proposed)", verdict{skip: skipReleasedNoVer}},
		{"not-affected (9.0.31-1)", verdict{status: model.StatusNotAffected, note: "not-affected: 9.0.31-1"}},
		{"not-affected (code not present)", verdict{status: model.StatusNotAffected, note: "not-affected: code not present"}},
		{"not-affected", verdict{status: model.StatusNotAffected}},
		{"needed", verdict{status: model.StatusAffected}},
		{"needed (reached end-of-life)", verdict{status: model.StatusAffected, note: "needed: reached end-of-life"}},
		{"pending (3.28.5-0ubuntu1)", verdict{status: model.StatusAffected, note: "pending: 3.28.5-0ubuntu1"}},
		{"deferred (2020-03-25)", verdict{status: model.StatusFixDeferred, note: "deferred: 2020-03-25"}},
		{"deferred", verdict{status: model.StatusFixDeferred}},
		{"needs-triage", verdict{status: model.StatusUndetermined}},
		{"ignored (reached end-of-life)", verdict{status: model.StatusEndOfLife, note: "ignored: reached end-of-life"}},
		{"ignored (out of standard support)", verdict{status: model.StatusEndOfLife, note: "ignored: out of standard support"}},
		{"ignored (was needed now end-of-life)", verdict{status: model.StatusEndOfLife, note: "ignored: was needed now end-of-life"}},
		{"ignored (abandoned)", verdict{status: model.StatusWillNotFix, note: "ignored: abandoned"}},
		{"ignored (was needed ESM criteria)", verdict{status: model.StatusWillNotFix, note: "ignored: was needed ESM criteria"}},
		{"ignored", verdict{status: model.StatusWillNotFix}},
		{"DNE", verdict{skip: skipDNE}},
		{"DNE (trusty was released [1.2])", verdict{skip: skipDNE}},
		{"", verdict{skip: skipEmptyStatus}},
		{"2.0.0.8", verdict{skip: skipName(skipUnknownStatus, "2.0.0.8")}},
	} {
		if diff := cmp.Diff(tc.want, mapStatus(tc.text), cmp.AllowUnexported(verdict{})); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.text, diff)
		}
	}
}

func TestReleaseKey(t *testing.T) {
	for _, tc := range []struct{ key, group, origin, skip string }{
		{"bionic", "ubuntu:18.04", OriginTracker, ""},
		{"eoan", "ubuntu:19.10", OriginTracker, ""},
		{"jammy", "ubuntu:22.04", OriginTracker, ""},
		{"trusty/esm", "ubuntu:14.04", OriginESMInfra, ""},
		{"precise/esm", "ubuntu:12.04", OriginESMInfra, ""},
		{"esm-infra/xenial", "ubuntu:16.04", OriginESMInfra, ""},
		{"esm-apps/focal", "ubuntu:20.04", OriginESMApps, ""},
		{"fips-updates/jammy", "ubuntu:22.04", OriginFIPSUpdates, ""},
		{"upstream", "", "", skipUpstream},
		{"devel", "", "", skipDevel},
		{"product", "", "", skipProduct},
		{"snap", "", "", skipProduct},
		{"vivid/ubuntu-core", "", "", skipName(skipUnknownChannel, "vivid/ubuntu-core")},
		{"esm-apps/nosuch", "", "", skipName(skipUnknownRelease, "esm-apps/nosuch")},
		{"sid", "", "", skipName(skipUnknownRelease, "sid")},
	} {
		g, o, s := releaseKey(tc.key)
		if g != tc.group || o != tc.origin || s != tc.skip {
			t.Errorf("%s: got (%q, %q, %q), want (%q, %q, %q)", tc.key, g, o, s, tc.group, tc.origin, tc.skip)
		}
	}
	for _, r := range releases {
		g, _ := OSGroup(r.codename)
		if c, ok := Codename(g); !ok || c != r.codename {
			t.Errorf("Codename(OSGroup(%s)) = %s", r.codename, c)
		}
	}
}

// TestReadCVEFileOddLines: lines found by fuzzing must not crash.
func TestReadCVEFileOddLines(t *testing.T) {
	f := readCVEFile([]byte(":x\n_:\nbionic_:\n a\n-- Tags_xen: universe-binary\nCandidate: CVE-2020-0001\nbionic_openssl:needed\n"))
	want := []statusLine{{"bionic", "", ""}, {"bionic", "openssl", "needed"}}
	if diff := cmp.Diff(want, f.lines, cmp.AllowUnexported(statusLine{})); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if f.candidate != "CVE-2020-0001" || strings.Contains(strings.Join(f.description, ""), "a") {
		t.Errorf("%+v", f)
	}
}
