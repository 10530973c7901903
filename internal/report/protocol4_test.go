package report_test

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/report/legacytest"
)

// TestParse4SameAsProtocol5: a real host's packages sent the Pakiti 2 way
// (each transport of the Pakiti 2 client) give exactly the packages, set
// hash and header of the same host's protocol-5 report.
func TestParse4SameAsProtocol5(t *testing.T) {
	for _, file := range []string{"viking-db.pakiti5.txt", "ci-debian12.pakiti5.txt", "vuls-alma9.pakiti5.txt"} {
		raw, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		want, err := report.Parse(raw, report.Protocol5, report.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		for name, how := range legacytest.Transports {
			t.Run(file+"/"+name, func(t *testing.T) {
				body, ctype, query := legacytest.ToProtocol4(t, raw, how)
				got, err := report.Parse4(body, ctype, query, report.DefaultLimits)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want.Packages, got.Packages); diff != "" {
					t.Fatalf("packages differ (-protocol 5 +protocol 4):\n%s", diff)
				}
				if report.PackageSetHash(got.Packages) != report.PackageSetHash(want.Packages) {
					t.Error("set hashes differ")
				}
				w := want.Header
				w.Version = "" // protocol 4 has no report format version
				if diff := cmp.Diff(w, got.Header); diff != "" {
					t.Errorf("header differs (-protocol 5 +protocol 4):\n%s", diff)
				}
			})
		}
	}
}

// TestParse4Golden: lines as the Pakiti 2 client writes them, with the
// packages written by hand. The rpm lines are those of the real CentOS 7
// host in ../shared/data/inventories/centos-7/vuls-centos7 (dbus 1:1.10.24-13.el7_6,
// bash 0:4.2.46-33.el7), as rpm -qa --queryformat prints them, plus a
// gpg-pubkey line whose arch (none) the client's sed turned into 0, and a
// libstdc++ whose + the openssl method sends as %2b.
func TestParse4Golden(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		query url.Values
		want  *report.Report
	}{
		{
			name: "rpm, openssl method",
			body: "type=rpm&host=wn01.example.org&os=CentOS Linux release 7.7.1908 (Core)&arch=x86_64&tag=Pakiti client" +
				"&kernel=3.10.0-1062.12.1.el7.x86_64&version=4&report=0&proxy=0&site=EXAMPLE&pkgs=\n" +
				"'bash' '0:4.2.46' '33.el7' 'x86_64'\n" +
				"'dbus' '1:1.10.24' '13.el7_6' 'x86_64'\n" +
				"'gpg-pubkey' '0:f4a80eb5' '53a7ff4b' '0'\n" +
				"'libstdc%2b%2b' '0:4.8.5' '39.el7' 'x86_64", // two bytes short, as sent
			want: &report.Report{
				Header: report.Header{Host: "wn01.example.org", System: "CentOS Linux release 7.7.1908 (Core)", Arch: "x86_64",
					Tag: "Pakiti client", Kernel: "3.10.0-1062.12.1.el7.x86_64", Packager: "rpm", Site: "EXAMPLE"},
				Packages: []model.Package{
					{Name: "bash", Version: "0:4.2.46-33.el7", Arch: "x86_64"},
					{Name: "dbus", Version: "1:1.10.24-13.el7_6", Arch: "x86_64"},
					{Name: "libstdc++", Version: "0:4.8.5-39.el7", Arch: "x86_64"},
				},
			},
		},
		{
			name: "dpkg, proxy, escapes and an rpm epoch-less version kept whole",
			body: "type=dpkg&host=deb.example.org&os=Debian 11.6&arch=x86_64&proxy=1&pkgs=" +
				url.QueryEscape("'bsdutils' '1:2.36.1-8+deb11u1' '' 'amd64'\n\n'ba\\sh' '5.1-2+deb11u1' '' 'amd64'\r\n"),
			want: &report.Report{
				Header: report.Header{Host: "deb.example.org", System: "Debian 11.6", Arch: "x86_64", Packager: "dpkg",
					Extra: map[string]string{"proxy": "1"}},
				Packages: []model.Package{
					{Name: "bash", Version: "5.1-2+deb11u1", Arch: "amd64"},
					{Name: "bsdutils", Version: "1:2.36.1-8+deb11u1", Arch: "amd64"},
				},
			},
		},
		{
			name:  "rpm without epoch, query string wins",
			body:  "host=body.example.org&type=rpm&pkgs=" + url.QueryEscape("'bash' '4.2.46' '33.el7' 'x86_64'\n'x' '(none):1' '2' 'noarch'\n"),
			query: url.Values{"host": {"query.example.org"}},
			want: &report.Report{
				Header: report.Header{Host: "query.example.org", Packager: "rpm"},
				Packages: []model.Package{
					{Name: "bash", Version: "0:4.2.46-33.el7", Arch: "x86_64"},
					{Name: "x", Version: "0:1-2", Arch: "noarch"},
				},
			},
		},
		{
			name: "no packages",
			body: "host=empty.example.org&type=&pkgs=",
			want: &report.Report{Header: report.Header{Host: "empty.example.org"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := report.Parse4([]byte(tt.body), "application/x-www-form-urlencoded", tt.query, report.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse4Errors(t *testing.T) {
	small := report.DefaultLimits
	small.MaxPackages = 2
	small.MaxLine = 64
	small.MaxField = 20
	small.MaxHeaderLines = 8
	ok := "'a' '1' '2' 'x86_64'\n"
	tests := []struct {
		name, body, want string
	}{
		{"no host", "type=rpm&pkgs=" + ok, "the form has no host field"},
		{"bad type", "host=h&type=pkg&pkgs=" + ok, `field type is "pkg", want rpm or dpkg`},
		{"three fields", "host=h&type=rpm&pkgs='a' '1' 'x86_64'\n" + ok, "pkgs line 1: \"'a' '1' 'x86_64'\" has 3 quoted fields"},
		{"unquoted", "host=h&type=rpm&pkgs=a 1 2 x86_64\n" + ok, "pkgs line 1: \"a 1 2 x86_64\" is not 'name' 'version' 'release' 'arch'"},
		{"missing quote inside", "host=h&type=rpm&pkgs='a' '1' '2' 'x86_64\n" + ok, "pkgs line 1: "},
		{"empty name", "host=h&type=rpm&pkgs='' '1' '2' 'x'", "pkgs line 1: empty package name"},
		{"empty version", "host=h&type=dpkg&pkgs='a' '' '' 'x'", "pkgs line 1: package a has an empty version"},
		{"control", "host=h&type=dpkg&pkgs='a' '1%01' '' 'x'", "pkgs line 1: field 2 holds control character 0x1"},
		{"header control", "host=h&os=x%1b[2J&type=dpkg", "field os: header system holds control character 0x1b"},
		{"host with slash", "host=../etc&type=dpkg", "field host: host name \"../etc\" holds one of"},
		{"too many", "host=h&type=dpkg&pkgs=" + ok + ok + ok, "more than 2 packages"},
		{"long line", "host=h&type=dpkg&pkgs='" + strings.Repeat("a", 70) + "' '1' '' 'x'", "pkgs line 1 is 83 bytes, more than the limit of 64"},
		{"long field", "host=h&type=dpkg&pkgs='" + strings.Repeat("a", 30) + "' '1' '' 'x'", "pkgs line 1: field 1 is 30 bytes"},
		{"long header", "host=" + strings.Repeat("h", 30), "field host: header host is 30 bytes"},
		{"many fields", strings.Repeat("x=1&", 9) + "host=h", "the form has more than 8 fields"},
		{"proxy", "host=h&proxy=yes", `field proxy is "yes", want 0 or 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := report.Parse4([]byte(tt.body), "", nil, small)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q...", err, tt.want)
			}
			if _, ok := err.(*report.Error); !ok {
				t.Errorf("%T is not *report.Error", err)
			}
		})
	}
}
