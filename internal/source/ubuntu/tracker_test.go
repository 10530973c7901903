package ubuntu

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
)

// TestRecordsByHand checks records written by hand from the status lines
// of the real files in testdata/uct (each case cites its file and line).
func TestRecordsByHand(t *testing.T) {
	type key struct{ origin, group, pkg, cve string }
	got := map[key]model.Advisory{}
	_, err := ParseDir(context.Background(), os.DirFS("testdata/uct"), func(a model.Advisory) error {
		k := key{a.Source, a.OSGroup, a.Package, a.CVE}
		if _, dup := got[k]; dup {
			t.Errorf("two records for %v", k)
		}
		a.Description = "" // checked apart
		got[k] = a
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	date := func(s string) time.Time {
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sweet32 := date("2016-09-01 00:59:00")   // retired/CVE-2016-2183 "PublicDate: 2016-09-01 00:59:00 UTC", "Priority: low"
	ghostcat := date("2020-02-24 22:15:00")  // active/CVE-2020-1938, "Priority: medium"
	epiphany := date("2018-05-23 13:29:00")  // active/CVE-2018-11396, "Priority: medium"
	cups := date("2008-10-10 10:30:00")      // retired/CVE-2008-3641, "Priority: high"
	quassel := date("2015-04-10 15:00:00")   // retired/CVE-2015-2779, "Priority: medium"
	reportbug := date("2014-08-06 19:55:00") // retired/CVE-2014-0479, "Priority: medium"
	pgpdump := date("2016-05-26 14:59:00")   // active/CVE-2016-4021, "Priority: low"
	xfrm := date("2022-07-27 04:15:00")      // active/CVE-2022-36879, "Priority: medium"
	dbus := date("2011-06-22 23:55:00")      // retired/CVE-2011-2533, "Priority: negligible"
	cpio := date("2005-02-04 00:00:00")      // retired/CVE-1999-1572 "PublicDate: 2005-02-04"
	tr, infra := OriginTracker, OriginESMInfra
	for _, want := range []model.Advisory{
		// "bionic_openssl: released (1.0.2g-1ubuntu9)"
		{Source: tr, OSGroup: "ubuntu:18.04", Package: "openssl", CVE: "CVE-2016-2183", Status: model.StatusFixed, FixedVersion: "1.0.2g-1ubuntu9", Severity: "low", Published: sweet32},
		// "trusty/esm_openssl: released (1.0.1f-1ubuntu2.20)"
		{Source: infra, OSGroup: "ubuntu:14.04", Package: "openssl", CVE: "CVE-2016-2183", Status: model.StatusFixed, FixedVersion: "1.0.1f-1ubuntu2.20", Severity: "low", Published: sweet32},
		// "trusty_openssl098: ignored (reached end-of-life)"
		{Source: tr, OSGroup: "ubuntu:14.04", Package: "openssl098", CVE: "CVE-2016-2183", Status: model.StatusEndOfLife, Note: "ignored: reached end-of-life", Severity: "low", Published: sweet32},
		// "bionic_tomcat9: needed"
		{Source: tr, OSGroup: "ubuntu:18.04", Package: "tomcat9", CVE: "CVE-2020-1938", Status: model.StatusAffected, Severity: "medium", Published: ghostcat},
		// "xenial_tomcat8: deferred (2020-03-25)"
		{Source: tr, OSGroup: "ubuntu:16.04", Package: "tomcat8", CVE: "CVE-2020-1938", Status: model.StatusFixDeferred, Note: "deferred: 2020-03-25", Severity: "medium", Published: ghostcat},
		// "trusty/esm_tomcat7: needed"
		{Source: infra, OSGroup: "ubuntu:14.04", Package: "tomcat7", CVE: "CVE-2020-1938", Status: model.StatusAffected, Severity: "medium", Published: ghostcat},
		// "bionic_epiphany-browser: pending (3.28.5-0ubuntu1)"
		{Source: tr, OSGroup: "ubuntu:18.04", Package: "epiphany-browser", CVE: "CVE-2018-11396", Status: model.StatusAffected, Note: "pending: 3.28.5-0ubuntu1", Severity: "medium", Published: epiphany},
		// "xenial_epiphany-browser: needs-triage"
		{Source: tr, OSGroup: "ubuntu:16.04", Package: "epiphany-browser", CVE: "CVE-2018-11396", Status: model.StatusUndetermined, Severity: "medium", Published: epiphany},
		// "cosmic_epiphany-browser: not-affected"
		{Source: tr, OSGroup: "ubuntu:18.10", Package: "epiphany-browser", CVE: "CVE-2018-11396", Status: model.StatusNotAffected, Severity: "medium", Published: epiphany},
		// "gutsy_cupsys: released (1.3.2-1ubuntu7.8)" under
		// "Priority_cupsys_gutsy: medium (reduced to DoS by AppArmor)"
		{Source: tr, OSGroup: "ubuntu:7.10", Package: "cupsys", CVE: "CVE-2008-3641", Status: model.StatusFixed, FixedVersion: "1.3.2-1ubuntu7.8", Severity: "medium", Published: cups},
		// "dapper_cupsys: released (1.2.2-0ubuntu0.6.06.11)": no Priority_cupsys_dapper
		{Source: tr, OSGroup: "ubuntu:6.06", Package: "cupsys", CVE: "CVE-2008-3641", Status: model.StatusFixed, FixedVersion: "1.2.2-0ubuntu0.6.06.11", Severity: "high", Published: cups},
		// "trusty_quassel: released ((0.10.0-0ubuntu2.2)"
		{Source: tr, OSGroup: "ubuntu:14.04", Package: "quassel", CVE: "CVE-2015-2779", Status: model.StatusFixed, FixedVersion: "0.10.0-0ubuntu2.2", Severity: "medium", Published: quassel},
		// "xenial_quassel: not-affected (1:10.0-2.3)"
		{Source: tr, OSGroup: "ubuntu:16.04", Package: "quassel", CVE: "CVE-2015-2779", Status: model.StatusNotAffected, Note: "not-affected: 1:10.0-2.3", Severity: "medium", Published: quassel},
		// "trusty/esm_reportbug: released [6.5.0+nmu1ubuntu0.1]"
		{Source: infra, OSGroup: "ubuntu:14.04", Package: "reportbug", CVE: "CVE-2014-0479", Status: model.StatusFixed, FixedVersion: "6.5.0+nmu1ubuntu0.1", Severity: "medium", Published: reportbug},
		// "precise_pgpdump: released (0.27-1+deb7u1build0.12.04.1, 0.28-1+deb8u1)"
		{Source: tr, OSGroup: "ubuntu:12.04", Package: "pgpdump", CVE: "CVE-2016-4021", Status: model.StatusFixed, FixedVersion: "0.27-1+deb7u1build0.12.04.1",
			Note: "released (0.27-1+deb7u1build0.12.04.1, 0.28-1+deb8u1)", Severity: "low", Published: pgpdump},
		// "esm-infra/xenial_linux: needs-triage"
		{Source: infra, OSGroup: "ubuntu:16.04", Package: "linux", CVE: "CVE-2022-36879", Status: model.StatusUndetermined, Severity: "medium", Published: xfrm},
		// "xenial_linux: ignored (end of standard support)"
		{Source: tr, OSGroup: "ubuntu:16.04", Package: "linux", CVE: "CVE-2022-36879", Status: model.StatusEndOfLife, Note: "ignored: end of standard support", Severity: "medium", Published: xfrm},
		// "focal_linux-riscv: ignored (superseded by linux-riscv-5.8)"
		{Source: tr, OSGroup: "ubuntu:20.04", Package: "linux-riscv", CVE: "CVE-2022-36879", Status: model.StatusWillNotFix, Note: "ignored: superseded by linux-riscv-5.8", Severity: "medium", Published: xfrm},
		// "jammy_linux: needs-triage"
		{Source: tr, OSGroup: "ubuntu:22.04", Package: "linux", CVE: "CVE-2022-36879", Status: model.StatusUndetermined, Severity: "medium", Published: xfrm},
		// "hardy_dbus: not-affected (code not present)"
		{Source: tr, OSGroup: "ubuntu:8.04", Package: "dbus", CVE: "CVE-2011-2533", Status: model.StatusNotAffected, Note: "not-affected: code not present", Severity: "negligible", Published: dbus},
		// "lucid_dbus: ignored (symlink attack during compile only)"
		{Source: tr, OSGroup: "ubuntu:10.04", Package: "dbus", CVE: "CVE-2011-2533", Status: model.StatusWillNotFix, Note: "ignored: symlink attack during compile only", Severity: "negligible", Published: dbus},
		// "dapper_cpio: released (2.6-10)", "Priority: untriaged"
		{Source: tr, OSGroup: "ubuntu:6.06", Package: "cpio", CVE: "CVE-1999-1572", Status: model.StatusFixed, FixedVersion: "2.6-10", Severity: "untriaged", Published: cpio},
	} {
		k := key{want.Source, want.OSGroup, want.Package, want.CVE}
		if diff := cmp.Diff(want, got[k]); diff != "" {
			t.Errorf("%v (-want +got):\n%s", k, diff)
		}
	}
	for _, k := range []key{
		{tr, "ubuntu:16.04", "tomcat9", "CVE-2020-1938"},       // "xenial_tomcat9: DNE"
		{infra, "ubuntu:12.04", "openssl098", "CVE-2016-2183"}, // "precise/esm_openssl098: DNE (precise was needs-triage)"
		{infra, "ubuntu:12.04", "pgpdump", "CVE-2016-4021"},    // "precise/esm_pgpdump: DNE (precise was released [...])"
		{tr, "ubuntu:15.04", "openssl", "CVE-2016-2183"},       // "vivid/ubuntu-core_openssl: released (...)" is not vivid's
		{tr, "ubuntu:8.04", "cups", "CVE-2008-3641"},           // "hardy_cups: DNE"
	} {
		if a, ok := got[k]; ok {
			t.Errorf("record for %v: %+v", k, a)
		}
	}
}

func TestDescription(t *testing.T) {
	var got []string
	_, err := ParseCVEFile(mustOpen(t, "testdata/uct/retired/CVE-2008-3641"), func(a model.Advisory) error {
		got = append(got, a.Description)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The Description lines joined with blanks.
	want := "The Hewlett-Packard Graphics Language (HPGL) filter in CUPS before 1.3.9 allows remote attackers to execute arbitrary code via crafted pen width and pen color opcodes that overwrite arbitrary memory."
	if len(got) == 0 || got[0] != want {
		t.Errorf("description %q, want %q", got, want)
	}
}

func mustOpen(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
