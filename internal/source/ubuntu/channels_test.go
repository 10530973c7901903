package ubuntu

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
)

// recordsOf parses one testdata file and keeps the records of an OS group
// and package.
func recordsOf(t *testing.T, file, group, pkg string) []model.Advisory {
	t.Helper()
	var out []model.Advisory
	_, err := ParseCVEFile(mustOpen(t, file), func(a model.Advisory) error {
		if a.OSGroup == group && a.Package == pkg {
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPreferChannels(t *testing.T) {
	// active/CVE-2022-36879: "xenial_linux: ignored (end of standard
	// support)" and "esm-infra/xenial_linux: needs-triage".
	xenial := recordsOf(t, "testdata/uct/active/CVE-2022-36879", "ubuntu:16.04", "linux")
	if len(xenial) != 2 {
		t.Fatalf("%d xenial linux records", len(xenial))
	}
	// retired/CVE-2016-2183: "trusty_openssl098: ignored (reached
	// end-of-life)" and "trusty/esm_openssl098: DNE (trusty was
	// needs-triage)": no channel record at all.
	openssl098 := recordsOf(t, "testdata/uct/retired/CVE-2016-2183", "ubuntu:14.04", "openssl098")
	// active/CVE-2020-1938: "trusty_tomcat7: ignored (out of standard
	// support)" and "trusty/esm_tomcat7: needed".
	tomcat7 := recordsOf(t, "testdata/uct/active/CVE-2020-1938", "ubuntu:14.04", "tomcat7")

	statuses := func(recs []model.Advisory) []string {
		var s []string
		for _, a := range recs {
			s = append(s, a.Source+" "+string(a.Status))
		}
		return s
	}
	for _, tc := range []struct {
		name    string
		recs    []model.Advisory
		enabled []string
		want    []string
	}{
		{"xenial without Pro", xenial, nil, []string{"ubuntu-tracker end-of-life"}},
		{"xenial with esm-infra", xenial, []string{"esm-infra"}, []string{"ubuntu-esm-infra undetermined"}},
		{"xenial with esm-apps only", xenial, []string{"esm-apps"}, []string{"ubuntu-tracker end-of-life"}},
		{"no channel record", openssl098, []string{"esm-infra"}, []string{"ubuntu-tracker end-of-life"}},
		{"trusty tomcat7 with esm-infra", tomcat7, []string{"esm-infra"}, []string{"ubuntu-esm-infra affected"}},
		{"trusty tomcat7 without Pro", tomcat7, nil, []string{"ubuntu-tracker end-of-life"}},
		// Constructed: a channel-only record (the release's own line
		// dropped) stays for a host without the channel.
		{"channel record only", xenial[1:], nil, []string{"ubuntu-esm-infra undetermined"}},
	} {
		if diff := cmp.Diff(tc.want, statuses(PreferChannels(tc.recs, tc.enabled))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestUsesESM(t *testing.T) {
	// "trusty/esm_bzip2: released (1.0.6-5ubuntu0.1~esm2)" (2020 snapshot).
	esm := model.Package{Name: "libbz2-1.0", Version: "1.0.6-5ubuntu0.1~esm2", SourceName: "bzip2", SourceVersion: "1.0.6-5ubuntu0.1~esm2"}
	plain := model.Package{Name: "libssl1.1", Version: "1.1.1-1ubuntu2.1~18.04.5"}
	if UsesESM([]model.Package{plain}) || !UsesESM([]model.Package{plain, esm}) {
		t.Error("UsesESM wrong")
	}
	if !UsesESM([]model.Package{{Name: "x", Version: "1.2-3ubuntu0.1+esm1"}}) {
		t.Error("+esm1 not seen")
	}
}
