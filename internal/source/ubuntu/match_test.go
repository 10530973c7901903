package ubuntu

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
)

func TestSourceKey(t *testing.T) {
	// Real: ubuntu-18.04/claircore-texlive/status has "Package: libssl1.1",
	// "Source: openssl", "Version: 1.1.1-1ubuntu2.1~18.04.5".
	index := func(binary, v string) (string, string, bool) {
		if binary == "libssl1.1" {
			return "openssl", v, true
		}
		return "", "", false
	}
	for _, tc := range []struct {
		name              string
		p                 model.Package
		index             func(string, string) (string, string, bool)
		wantName, wantVer string
		wantBasis         string
	}{
		{"protocol 6", model.Package{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5", SourceName: "openssl", SourceVersion: "1.1.1-1ubuntu2.1~18.04.5"}, nil,
			"openssl", "1.1.1-1ubuntu2.1~18.04.5", BasisReport},
		{"protocol 6 without a source version", model.Package{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5", SourceName: "openssl"}, index,
			"openssl", "1.1.1-1ubuntu2.1~18.04.5", BasisReport},
		{"protocol 5 with the index", model.Package{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5"}, index,
			"openssl", "1.1.1-1ubuntu2.1~18.04.5", BasisPackagesIndex},
		{"protocol 5 without the index", model.Package{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5"}, nil,
			"libssl1.1", "1.1.1-1ubuntu2.1~18.04.5", BasisBinaryName},
	} {
		n, v, b := SourceKey(tc.p, tc.index)
		if n != tc.wantName || v != tc.wantVer || b != tc.wantBasis {
			t.Errorf("%s: got (%s, %s, %s), want (%s, %s, %s)", tc.name, n, v, b, tc.wantName, tc.wantVer, tc.wantBasis)
		}
	}
}

func TestAffects(t *testing.T) {
	// The installed openssl source version is the 18.04 inventory's
	// (claircore-texlive: 1.1.1-1ubuntu2.1~18.04.5); the records are the
	// 2020 snapshot's.
	const installed = "1.1.1-1ubuntu2.1~18.04.5"
	for _, tc := range []struct {
		name string
		a    model.Advisory
		want bool
	}{
		// retired/CVE-2019-1543 "bionic_openssl: released (1.1.1-1ubuntu2.1~18.04.2)"
		{"fixed before the installed version", model.Advisory{Status: model.StatusFixed, FixedVersion: "1.1.1-1ubuntu2.1~18.04.2"}, false},
		// The same record against the version of USN-3899-1's time (constructed:
		// an installed version older than the fix, as 18.04 shipped it).
		{"fixed after an older installed version", model.Advisory{Status: model.StatusFixed, FixedVersion: "1.1.1-1ubuntu2.1~18.04.6"}, true},
		// active/CVE-2019-1547 "bionic_openssl: needed"
		{"needed", model.Advisory{Status: model.StatusAffected}, true},
		// active/CVE-2020-1938 "xenial_tomcat8: deferred (2020-03-25)"
		{"deferred", model.Advisory{Status: model.StatusFixDeferred}, true},
		// retired/CVE-2011-2533 "hardy_dbus: not-affected (code not present)"
		{"not-affected", model.Advisory{Status: model.StatusNotAffected}, false},
		// active/CVE-2022-36879 "jammy_linux: needs-triage"
		{"needs-triage", model.Advisory{Status: model.StatusUndetermined}, true},
	} {
		if got := Affects(tc.a, installed); got != tc.want {
			t.Errorf("%s: Affects = %v, want %v", tc.name, got, tc.want)
		}
	}
	// dpkg order: "~" sorts before anything.
	if !Affects(model.Advisory{Status: model.StatusFixed, FixedVersion: "1.1.1-1ubuntu2.1~18.04.5"}, "1.1.1-1ubuntu2.1~18.04.5~esm1") {
		t.Error("1.1.1-1ubuntu2.1~18.04.5~esm1 is older than 1.1.1-1ubuntu2.1~18.04.5")
	}
}
